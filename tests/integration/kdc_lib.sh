# Shell helpers of the KDC end-to-end tests (kdc_e2e.sh, kdc_join_crash.sh),
# sourced from the tests build directory. They set gkdc_cmd (the gkdc
# executable, through libtool in a build tree), skip the test with exit 77
# when gkdc cannot run it, and count results with pass and fail.

top_builddir=$(cd .. && pwd)
gkdc="$top_builddir/host/gkdc"
if [ -x "$top_builddir/host/.libs/gkdc" ] && [ -x "$top_builddir/libtool" ]; then
  gkdc_cmd="$top_builddir/libtool --mode=execute $gkdc"
else
  gkdc_cmd="$gkdc"
fi

# The AS needs DTLS, and the nodes need the group part of `gkdc join`.
if ! grep -q '^#define GKDC_HAVE_DTLS 1' "$top_builddir/config.h" 2>/dev/null; then
  echo "skipped: built without DTLS"
  exit 77
fi
if ! $gkdc_cmd join --help 2>/dev/null | grep -q -- '--group'; then
  echo "skipped: gkdc join has no --group option"
  exit 77
fi

# The plugins of the build tree.
GKDC_PLUGIN_PATH="$top_builddir/plugins"
export GKDC_PLUGIN_PATH

failures=0
passes=0

pass() {
  passes=$((passes + 1))
  echo "ok: $1"
}

fail() {
  failures=$((failures + 1))
  echo "FAIL: $1"
}
