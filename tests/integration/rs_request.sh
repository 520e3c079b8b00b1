#!/bin/sh
# A resource server sends OSCORE-protected requests to a joining node.
# rs_request plays the RS on 127.0.0.1: it hands `gkdc join` the Access
# Information, responds to its token upload, then sends protected requests to
# the endpoint that `gkdc join --listen` serves. The node must respond to them
# with the context of its client session (RFC 9203 contexts serve both
# directions) and reject a replay and an unknown kid.
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
rs_request="./integration/rs_request"

work=$(mktemp -d "${TMPDIR:-/tmp}/gkdc-rs-request.XXXXXX") || exit 1
rs_pid=""
join_pid=""

cleanup() {
  for pid in $rs_pid $join_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

GKDC_PLUGIN_PATH="$top_builddir/plugins"
export GKDC_PLUGIN_PATH

$rs_request "$work" >"$work/rs.out" 2>&1 &
rs_pid=$!
i=0
while [ ! -s "$work/rs.port" ] && [ $i -lt 100 ]; do
  kill -0 "$rs_pid" 2>/dev/null || break
  sleep 0.1
  i=$((i + 1))
done
if [ ! -s "$work/rs.port" ]; then
  echo "FAIL: rs_request wrote no port file"
  cat "$work/rs.out"
  exit 1
fi
port=$(cat "$work/rs.port")

GKDC_NO_DLCLOSE=1 timeout 60 $gkdc_cmd join --token "$work/tok" --rs "coap://127.0.0.1:$port" \
  --listen coap://127.0.0.1:0 --endpoints-file "$work/join.endpoints" \
  >"$work/join.out" 2>&1 &
join_pid=$!
# rs_request sends its requests once the client has its context.
i=0
while ! grep -q '^serving protected requests' "$work/join.out" 2>/dev/null && [ $i -lt 100 ]; do
  kill -0 "$join_pid" 2>/dev/null || break
  sleep 0.1
  i=$((i + 1))
done
touch "$work/ready"

wait "$rs_pid"
rs_rc=$?
rs_pid=""
cat "$work/rs.out"

kill -TERM "$join_pid" 2>/dev/null
wait "$join_pid"
join_rc=$?
join_pid=""

failures=0
if [ "$rs_rc" -ne 0 ]; then
  echo "FAIL: rs_request exit status $rs_rc; the join output:"
  cat "$work/join.out"
  failures=1
fi
if [ "$join_rc" -eq 0 ]; then
  echo "ok: gkdc join exits with status 0 after SIGTERM"
else
  echo "FAIL: gkdc join exit status $join_rc after SIGTERM:"
  cat "$work/join.out"
  failures=1
fi
[ "$failures" -eq 0 ]
