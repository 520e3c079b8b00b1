#!/bin/sh
# Checks that gkdc and its plugins never load OpenSSL's libcrypto.so.3 or
# libcoap-3-openssl. Both would put OpenSSL's symbols into the process, where
# they clash with BoringSSL's (the alg plugin's libcrypto).
#
# Usage: check-no-openssl.sh [FILE|DIR]...
#   FILE  an executable, a shared object or a libtool wrapper script
#   DIR   every *.so directly inside it
# Without arguments it checks the build tree: host/gkdc and the plugin
# modules under plugins/*/.libs/. The build tree is $abs_top_builddir, or the
# current directory when that is unset.
#
# A libtool wrapper script is run through `libtool --mode=execute ldd`, so
# ldd reads the real binary with the uninstalled libgkdc on its library
# path. `ldd host/.libs/gkdc` alone would stop at "libgkdc.so.0 => not
# found" and never list what libgkdc pulls in. Exits 0 when every file is clean, 1 when
# one is not or cannot be resolved completely.

top=${abs_top_builddir:-.}

if [ $# -eq 0 ]; then
  set -- "$top/host/gkdc"
  for so in "$top"/plugins/*/.libs/*.so; do
    [ -e "$so" ] && set -- "$@" "$so"
  done
fi

# ldd_of FILE: prints the ldd output of FILE, resolving libtool wrappers.
ldd_of() {
  if [ "$(head -c 2 "$1")" = '#!' ] && head -n 5 "$1" | grep -q 'libtool'; then
    if [ ! -f "$top/libtool" ]; then
      echo "check-no-openssl: $1 is a libtool wrapper but $top/libtool is missing" >&2
      return 1
    fi
    ${CONFIG_SHELL:-/bin/sh} "$top/libtool" --mode=execute ldd "$1"
  else
    ldd "$1"
  fi
}

status=0
checked=0
for arg in "$@"; do
  if [ -d "$arg" ]; then
    files=$(ls "$arg"/*.so 2>/dev/null)
  else
    files=$arg
  fi
  for f in $files; do
    if [ ! -e "$f" ]; then
      echo "FAIL: $f: file not found (build the tree first)"
      status=1
      continue
    fi
    if ! out=$(ldd_of "$f" 2>&1); then
      echo "FAIL: $f: ldd failed:"
      echo "$out"
      status=1
      continue
    fi
    bad=$(printf '%s\n' "$out" | grep -E 'libcrypto\.so\.3|libssl\.so\.3|libcoap-3-openssl|not found')
    if [ -n "$bad" ]; then
      echo "FAIL: $f loads OpenSSL or has an unresolved library:"
      printf '%s\n' "$bad"
      status=1
    else
      echo "ok: $f"
    fi
    checked=$((checked + 1))
  done
done

echo "check-no-openssl: checked $checked file(s)"
[ "$checked" -gt 0 ] || status=1
exit $status
