#!/bin/sh
# Integration test of the OSCORE profile: `gkdc serve` on 127.0.0.1 (port
# 0) with alg-boringssl, store-sqlite and profile-oscore from the build
# tree, driven by the raw UDP client oscore_client: token upload at
# /authz-info, a protected GET, a CON retransmission, a replay and an
# unknown kid. Then a clean shutdown on SIGTERM.
#
# Run by `make check` from the tests build directory.

set -u

top_builddir=$(cd .. && pwd)
gkdc="$top_builddir/host/gkdc"
if [ -x "$top_builddir/host/.libs/gkdc" ] && [ -x "$top_builddir/libtool" ]; then
  gkdc_cmd="$top_builddir/libtool --mode=execute $gkdc"
else
  gkdc_cmd="$gkdc"
fi
as_key=231f4c4d4d3051fdc2ec0a3851d5b383

work=$(mktemp -d "${TMPDIR:-/tmp}/gkdc-oscore.XXXXXX") || exit 1
server_pid=""

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null
  fi
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/serve.cfg" <<CFG
log = { level = "info"; sink = "stderr"; };
plugin_dir = ( "$top_builddir/plugins" );
plugins = ( "alg-boringssl", "store-sqlite", "profile-oscore" );
state_dir = "$work";
listen = ( { uri = "coap://127.0.0.1:0"; } );
plugin_config = { profile-oscore = { audience = "kdc1"; issuer = "as1";
  as_keys = ( { kid = "a1"; key = "$as_key"; alg = 10; } ); }; };
CFG

GKDC_NO_DLCLOSE=1 timeout --foreground -k 10 60 $gkdc_cmd serve -c "$work/serve.cfg" \
  --endpoints-file "$work/endpoints" >"$work/server.log" 2>&1 &
server_pid=$!

i=0
while [ ! -s "$work/endpoints" ] && [ $i -lt 100 ]; do
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
  i=$((i + 1))
done
if [ ! -s "$work/endpoints" ]; then
  echo "FAIL: gkdc serve wrote no endpoints file; its log:"
  cat "$work/server.log"
  exit 1
fi
port=$(grep '^coap://' "$work/endpoints" | head -n 1 | sed 's/.*://')
echo "server on port $port"

status=0
./integration/oscore_client "$port" "$as_key" || status=1

kill -TERM "$server_pid"
if wait "$server_pid"; then
  echo "ok: gkdc serve stopped cleanly"
else
  echo "FAIL: gkdc serve did not stop cleanly"
  status=1
fi
server_pid=""
if [ $status -ne 0 ]; then
  echo "server log:"
  cat "$work/server.log"
fi
exit $status
