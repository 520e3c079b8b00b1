#!/bin/sh
# SDK test: installs gkdc into a staging directory (make install DESTDIR=),
# builds hello-plugin.c with a plain `cc` and nothing but the installed
# headers and `pkg-config gkdc-plugin`, and loads it into the installed
# `gkdc serve`. A copy built for another ABI major version must be rejected.
#
# Run by `make check` (tests/sdk.am), which exports abs_top_builddir,
# abs_top_srcdir, abs_builddir, MAKE and the gkdc_* install directories.
# The staged host finds its libgkdc through LD_LIBRARY_PATH because the
# rpath that libtool writes points at the final libdir, not at the staging
# copy. BoringSSL is still found through the rpath of the alg plugin.
set -u

: "${abs_top_builddir:?run this test through make check}"
: "${abs_top_srcdir:?run this test through make check}"
builddir=${abs_builddir:-$abs_top_builddir/tests}
srcdir=$abs_top_srcdir/tests/outoftree
plain_cc=cc
command -v "$plain_cc" >/dev/null 2>&1 || plain_cc=${CC:-gcc}

work=$builddir/sdk-test.tmp
dest=$work/dest
server_pid=

cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

rm -rf "$work"
mkdir -p "$work" || exit 1

# ---- 1. install into the staging directory ----
# MAKEFLAGS of the outer `make check` may name a jobserver this shell does
# not have; the install runs on its own.
echo "== make install DESTDIR=$dest"
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} -C "$abs_top_builddir" \
    install DESTDIR="$dest" >"$work/install.log" 2>&1; then
  cat "$work/install.log"
  echo "FAIL: make install DESTDIR=$dest failed"
  exit 1
fi

bindir=$dest$gkdc_bindir
libdir=$dest$gkdc_libdir
includedir=$dest$gkdc_includedir
for f in "$bindir/gkdc" "$libdir/pkgconfig/gkdc-plugin.pc" \
         "$includedir/gkdc/plugin.h" "$includedir/gkdc/host.h" \
         "$dest$gkdc_plugindir/alg-boringssl.so"; do
  [ -e "$f" ] || fail "not installed: $f"
done
ls "$libdir"/libgkdc.so* >/dev/null 2>&1 || fail "not installed: $libdir/libgkdc.so"
# Every SDK header must compile on its own against the installed tree.
for h in "$includedir"/gkdc/*.h; do
  name=gkdc/$(basename "$h")
  printf '#include <%s>\nint main(void) { return 0; }\n' "$name" >"$work/hdr.c"
  "$plain_cc" -c -o "$work/hdr.o" -I"$includedir" "$work/hdr.c" 2>"$work/hdr.err" ||
    { cat "$work/hdr.err"; fail "installed header $name does not compile alone"; }
done

# ---- 2. pkg-config against the staged .pc file ----
PKG_CONFIG_PATH=$libdir/pkgconfig
PKG_CONFIG_SYSROOT_DIR=$dest
PKG_CONFIG_LIBDIR=$libdir/pkgconfig
export PKG_CONFIG_PATH PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_LIBDIR
pc_flags=$(pkg-config --cflags --libs gkdc-plugin) || { fail "pkg-config gkdc-plugin"; exit 1; }
plugindir=$(pkg-config --variable=plugindir gkdc-plugin)
echo "pkg-config gkdc-plugin: $pc_flags; plugindir=$plugindir"
case " $pc_flags " in
  *" -I$includedir "*) ;;
  *) fail "pkg-config --cflags lacks -I$includedir" ;;
esac
case " $pc_flags " in
  *" -lgkdc "*) ;;
  *) fail "pkg-config --libs lacks -lgkdc" ;;
esac
[ "$plugindir" = "$dest$gkdc_plugindir" ] ||
  fail "plugindir variable is '$plugindir', expected '$dest$gkdc_plugindir'"

# ---- 3. build the example the way a third party would ----
echo "== $plain_cc hello-plugin.c \$(pkg-config --cflags --libs gkdc-plugin)"
# shellcheck disable=SC2086 # pc_flags is a list of words
if ! "$plain_cc" -shared -fPIC -Wall -Werror -Wl,--no-undefined \
    -o "$plugindir/hello.so" "$srcdir/hello-plugin.c" $pc_flags; then
  fail "hello-plugin.c does not build against the installed SDK"
  exit 1
fi
# shellcheck disable=SC2086
"$plain_cc" -shared -fPIC -Wl,--no-undefined -DHELLO_ABI_MAJOR=2 \
  -o "$plugindir/hello-major2.so" "$srcdir/hello-plugin.c" $pc_flags ||
  fail "hello-plugin.c with HELLO_ABI_MAJOR=2 does not build"
exported=$(nm -D --defined-only "$plugindir/hello.so" | awk '$2 == "T" { print $3 }')
[ "$exported" = gkdc_plugin_entry ] ||
  fail "hello.so exports '$exported' instead of just gkdc_plugin_entry"

# ---- 4. the installed host links no OpenSSL ----
LD_LIBRARY_PATH=$libdir
export LD_LIBRARY_PATH
sh "$abs_top_srcdir/tests/check-no-openssl.sh" "$bindir/gkdc" "$plugindir" ||
  fail "the installed host or a plugin loads OpenSSL"

# ---- 5. load the plugin into the installed host ----
# write_config FILE PLUGIN: a config that loads alg-boringssl and PLUGIN from
# the installed plugin directory and listens on an ephemeral loopback port.
write_config() {
  cat >"$1" <<CFG
# Written by the gkdc SDK test.
log = { level = "debug"; sink = "stderr"; };
plugin_dir = "$plugindir";
plugins = ( "alg-boringssl", "$2" );
listen = ( { uri = "coap://127.0.0.1:0"; } );
CFG
}

# wait_for_log FILE REGEX SECONDS: 0 once a line of FILE matches REGEX.
wait_for_log() {
  tries=$(($3 * 10))
  while [ "$tries" -gt 0 ]; do
    grep -Eq "$2" "$1" 2>/dev/null && return 0
    if [ -n "$server_pid" ] && ! kill -0 "$server_pid" 2>/dev/null; then
      grep -Eq "$2" "$1" 2>/dev/null
      return
    fi
    sleep 0.1
    tries=$((tries - 1))
  done
  return 1
}

gkdc=$bindir/gkdc
"$gkdc" --version >"$work/version.out" 2>&1 || fail "$gkdc --version"
cat "$work/version.out"

write_config "$work/hello.cfg" hello
echo "== gkdc serve -c hello.cfg"
"$gkdc" serve -c "$work/hello.cfg" >"$work/serve.log" 2>&1 &
server_pid=$!
if wait_for_log "$work/serve.log" 'hello plugin ready' 15; then
  echo "ok: the installed host loaded and initialized hello.so"
else
  fail "no 'hello plugin ready' line from gkdc serve"
fi
grep -q "plugin hello 1.0 (pop) loaded from $plugindir/hello.so" "$work/serve.log" ||
  fail "gkdc serve logged no line 'plugin hello 1.0 (pop) loaded from $plugindir/hello.so'"

# GET /hello over CoAP once the host serves; coap-client comes with the
# Debian package libcoap3-bin.
if wait_for_log "$work/serve.log" 'listening on coap://127\.0\.0\.1:[0-9]+' 15; then
  uri=$(sed -n 's|.*listening on \(coap://127\.0\.0\.1:[0-9]*\).*|\1|p' "$work/serve.log" | head -n 1)
  client=
  for name in coap-client-notls coap-client-gnutls coap-client; do
    if command -v "$name" >/dev/null 2>&1; then
      client=$name
      break
    fi
  done
  if [ -n "$client" ]; then
    reply=$(timeout 10 "$client" -B 5 -m get "$uri/hello" 2>&1)
    if [ "$reply" = "hello from a plugin" ]; then
      echo "ok: GET $uri/hello returned the plugin's text"
    else
      fail "GET $uri/hello returned '$reply'"
    fi
  else
    echo "note: coap-client not found (Debian package libcoap3-bin); GET /hello not tried"
  fi
else
  fail "no 'listening on coap://127.0.0.1:PORT' line from gkdc serve"
fi

if kill -0 "$server_pid" 2>/dev/null; then
  kill -TERM "$server_pid"
  wait "$server_pid"
  status=$?
  server_pid=
  [ "$status" -eq 0 ] || fail "gkdc serve exited with $status after SIGTERM"
else
  wait "$server_pid"
  status=$?
  server_pid=
  fail "gkdc serve stopped on its own with status $status"
fi
echo "--- serve.log"
cat "$work/serve.log"

# ---- 6. a plugin of another ABI major version is rejected ----
write_config "$work/major2.cfg" hello-major2
echo "== gkdc serve -c major2.cfg (must fail)"
timeout 20 "$gkdc" serve -c "$work/major2.cfg" >"$work/major2.log" 2>&1
status=$?
cat "$work/major2.log"
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] ||
  fail "gkdc serve with an ABI major 2 plugin exited with $status"
grep -q "hello-major2.so rejected: ABI major 2" "$work/major2.log" ||
  fail "no line 'hello-major2.so rejected: ABI major 2' from gkdc serve"

echo "test-sdk: $failures failure(s)"
[ "$failures" -eq 0 ]
