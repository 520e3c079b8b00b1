#!/bin/sh
# Integration test of the client side: an AS (as-token) and an RS
# (profile-oscore with the test-resource plugin) run as `gkdc serve` on
# 127.0.0.1, and the client commands run against them:
#   gkdc keygen   Ed25519 and P-256 key files, their modes, gkdc inspect
#   gkdc token    a token over DTLS PSK written with mode 0600; a wrong key
#                 and an unknown audience fail
#   gkdc join     token upload, OSCORE context, protected GETs and an
#                 observation, with and without a --listen endpoint; a token
#                 for another audience is rejected
#
# Run by `make check` from the tests build directory. Exit 77 (skipped)
# when gkdc was built without DTLS.

set -u

top_builddir=$(cd .. && pwd)
gkdc="$top_builddir/host/gkdc"
if [ -x "$top_builddir/host/.libs/gkdc" ] && [ -x "$top_builddir/libtool" ]; then
  gkdc_cmd="$top_builddir/libtool --mode=execute $gkdc"
else
  gkdc_cmd="$gkdc"
fi

if ! grep -q '^#define GKDC_HAVE_DTLS 1' "$top_builddir/config.h" 2>/dev/null; then
  echo "skipped: built without DTLS"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gkdc-client.XXXXXX") || exit 1
as_pid=""
rs_pid=""
failures=0
passes=0

cleanup() {
  for pid in $as_pid $rs_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

pass() {
  passes=$((passes + 1))
  echo "ok: $1"
}

fail() {
  failures=$((failures + 1))
  echo "FAIL: $1"
}

file_mode() {
  stat -c %a "$1"
}

# The client commands load their plugins from the build tree.
GKDC_PLUGIN_PATH="$top_builddir/plugins"
export GKDC_PLUGIN_PATH

psk_hex=636c69656e74312d7365637265742d31
as_key=000102030405060708090a0b0c0d0e0f

cat >"$work/as.cfg" <<EOF
log = { level = "info"; sink = "stderr"; };
plugin_dir = ( "$top_builddir/plugins" );
plugins = ( "alg-boringssl", "store-sqlite", "as-token" );
state_dir = "$work/as";
listen = ( { uri = "coaps://127.0.0.1:0"; } );
plugin_config = {
  as-token = {
    issuer = "gkdc-as";
    audiences = ( { name = "kdc1"; key = "$as_key"; kid = "6b31"; },
                  { name = "kdc2"; key = "$as_key"; kid = "6b31"; } );
    clients = ( { id = "client1"; psk = "$psk_hex"; audiences = [ "kdc1", "kdc2" ];
                  scope = ( { group = "g1"; roles = [ "requester", "responder" ]; } ); } );
  };
};
EOF

cat >"$work/rs.cfg" <<EOF
log = { level = "info"; sink = "stderr"; };
plugin_dir = ( "$top_builddir/plugins", "$top_builddir/tests/plugins/.libs" );
plugins = ( "alg-boringssl", "store-sqlite", "profile-oscore", "test-resource" );
state_dir = "$work/rs";
listen = ( { uri = "coap://127.0.0.1:0"; } );
plugin_config = {
  profile-oscore = { audience = "kdc1"; issuer = "gkdc-as";
                     as_keys = ( { key = "$as_key"; kid = "6b31"; } ); };
};
EOF
mkdir -p "$work/as" "$work/rs"

# start NAME: runs `gkdc serve -c $work/NAME.cfg` and waits for its endpoints.
start() {
  GKDC_NO_DLCLOSE=1 timeout 120 $gkdc_cmd serve -c "$work/$1.cfg" \
    --endpoints-file "$work/$1.endpoints" >"$work/$1.log" 2>&1 &
  pid=$!
  i=0
  while [ ! -s "$work/$1.endpoints" ] && [ $i -lt 100 ]; do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
  done
  if [ ! -s "$work/$1.endpoints" ]; then
    echo "FAIL: the $1 host wrote no endpoints file; its log:"
    cat "$work/$1.log"
    exit 1
  fi
}

start as
as_pid=$pid
start rs
rs_pid=$pid
as_uri=$(head -n 1 "$work/as.endpoints")
rs_uri=$(head -n 1 "$work/rs.endpoints")
echo "AS at $as_uri, RS at $rs_uri"

# ---- gkdc keygen ----
for curve in ed25519 p256; do
  if $gkdc_cmd keygen --curve $curve --subject node-$curve --out "$work/$curve.key" \
       >"$work/keygen.out" 2>&1 &&
     [ "$(file_mode "$work/$curve.key")" = 600 ] &&
     $gkdc_cmd inspect -f "$work/$curve.key.ccs" >"$work/$curve.diag" 2>&1 &&
     grep -q "node-$curve" "$work/$curve.diag" && grep -q '/ COSE_Key / 1' "$work/$curve.diag"
  then
    pass "keygen $curve: 0600 key file and a CCS that inspect labels"
  else
    fail "keygen $curve: $(cat "$work/keygen.out" "$work/$curve.diag" 2>/dev/null)"
  fi
done
if grep -q '/ y / -3' "$work/p256.diag" && ! grep -q '/ y / -3' "$work/ed25519.diag"; then
  pass "keygen: EC2 credentials carry y, OKP credentials do not"
else
  fail "keygen: unexpected y parameters"
fi
if $gkdc_cmd keygen --curve x448 --out "$work/x.key" >/dev/null 2>&1; then
  fail "keygen accepted an unknown curve"
else
  pass "keygen rejects an unknown curve"
fi

# ---- gkdc token ----
token() {
  $gkdc_cmd token --as "$as_uri" --psk-identity client1 "$@"
}

if token --psk-key $psk_hex --audience kdc1 --scope '[["g1", 6]]' --out "$work/tok" \
     >"$work/token.out" 2>&1 &&
   [ "$(file_mode "$work/tok")" = 600 ] &&
   grep -q 'response 2.01' "$work/token.out" && grep -q '/ access_token / 1' "$work/token.out" &&
   grep -q '/ osc / 4' "$work/token.out"; then
  pass "token: 2.01 with access_token and OSCORE cnf, written with mode 0600"
else
  fail "token: $(cat "$work/token.out")"
fi
# The Master Secret (cnf/osc/ms, label 2) is in the file but not in the output.
ms=$($gkdc_cmd inspect -f "$work/tok" 2>/dev/null |
     sed -n "s/^ *\(\/ ms \/ \)\{0,1\}2: h'\([0-9a-f]*\)'.*/\2/p" | head -n 1)
if [ -z "$ms" ]; then
  fail "token: no Master Secret (2) in the token file: $($gkdc_cmd inspect -f "$work/tok" 2>&1)"
elif grep -qi "$ms" "$work/token.out"; then
  fail "token: the output shows the Master Secret"
elif grep -q "h'' / 16 bytes redacted /" "$work/token.out"; then
  pass "token: the output shows the Master Secret only as redacted"
else
  fail "token: no redaction marker: $(cat "$work/token.out")"
fi

if token --psk-key $psk_hex --audience kdc2 --scope '[["g1", 6]]' --out "$work/tok2" \
     >"$work/token2.out" 2>&1; then
  pass "token for a second audience"
else
  fail "token for kdc2: $(cat "$work/token2.out")"
fi

# The same AIF scope [["g1", 6]] as hex CBOR.
if token --psk-key $psk_hex --audience kdc1 --scope 818262673106 >"$work/hex.out" 2>&1 &&
   grep -q 'response 2.01' "$work/hex.out"; then
  pass "token with a hex CBOR scope"
else
  fail "token with a hex scope: $(cat "$work/hex.out")"
fi

if token --psk-key $psk_hex --audience kdc1 --scope '[["g2", 6]]' >"$work/g2.out" 2>&1; then
  fail "token for a group outside the client's scope succeeded"
elif grep -q '/ error / 30' "$work/g2.out"; then
  pass "token for a group outside the client's scope prints the AS error"
else
  fail "token for g2: $(cat "$work/g2.out")"
fi

if token --psk-key 00112233445566778899aabbccddeeff --audience kdc1 --scope '[["g1", 6]]' \
     --out "$work/bad" >"$work/bad.out" 2>&1 || [ -e "$work/bad" ]; then
  fail "token with a wrong PSK succeeded or wrote a file"
else
  pass "token with a wrong PSK fails and writes nothing"
fi

if token --psk-key $psk_hex --audience nobody --scope '[["g1", 6]]' --out "$work/bad" \
     >"$work/aud.out" 2>&1 || [ -e "$work/bad" ]; then
  fail "token for an unknown audience succeeded"
elif grep -q '/ error / 30' "$work/aud.out"; then
  pass "token for an unknown audience prints the AS error"
else
  fail "token for an unknown audience: $(cat "$work/aud.out")"
fi

if token --psk-key $psk_hex --audience kdc1 --scope '[["g1", 6' >"$work/scope.out" 2>&1; then
  fail "token accepted an unterminated scope"
else
  pass "token rejects an unterminated scope"
fi

# ---- gkdc join ----
if $gkdc_cmd join --token "$work/tok" --rs "$rs_uri" --sign-info --get test/peer \
     --get /test/obs --until-context >"$work/join.out" 2>&1 &&
   grep -q '/ nonce2 / 42' "$work/join.out" &&
   grep -q '/ ace_server_recipientid / 44' "$work/join.out" &&
   grep -q 'OSCORE security context derived' "$work/join.out" &&
   grep -q 'GET /test/peer: 2.05 (protected)' "$work/join.out" &&
   grep -q '^oscore ' "$work/join.out" &&
   grep -q 'GET /test/obs: 2.05 (protected)' "$work/join.out"; then
  pass "join: token upload, OSCORE context and protected GETs"
else
  fail "join: $(cat "$work/join.out")"
fi

if $gkdc_cmd join --token "$work/tok" --rs "$rs_uri" --observe test/obs --notifications 3 \
     --until-context >"$work/join-obs.out" 2>&1 &&
   [ "$(grep -c '^notification [123] of /test/obs: 2.05 (protected), Observe [0-9]' \
         "$work/join-obs.out")" = 3 ] &&
   [ "$(grep '^obs [0-9]' "$work/join-obs.out" | sort -u | wc -l)" = 3 ]; then
  pass "join: three protected notifications of an observation"
else
  fail "join --observe: $(cat "$work/join-obs.out")"
fi

if $gkdc_cmd join --token "$work/tok" --rs "$rs_uri" --listen coap://127.0.0.1:0 \
     --endpoints-file "$work/join.endpoints" --get test/peer --until-context \
     >"$work/join-listen.out" 2>&1 &&
   grep -q 'GET /test/peer: 2.05 (protected)' "$work/join-listen.out" &&
   grep -q '^coap://127.0.0.1:[1-9]' "$work/join.endpoints"; then
  pass "join with a --listen endpoint runs on the host's loop"
else
  fail "join --listen: $(cat "$work/join-listen.out")"
fi

if $gkdc_cmd join --token "$work/tok2" --rs "$rs_uri" --get test/peer --until-context \
     >"$work/join-aud.out" 2>&1; then
  fail "join with a token for another audience succeeded"
elif grep -q 'authz-info: 4.0' "$work/join-aud.out" &&
     ! grep -q 'context derived' "$work/join-aud.out"; then
  pass "join with a token for another audience is rejected"
else
  fail "join with a token for kdc2: $(cat "$work/join-aud.out")"
fi

printf '\241\001\100' >"$work/empty-token"
if $gkdc_cmd join --token "$work/empty-token" --rs "$rs_uri" --until-context \
     >"$work/join-empty.out" 2>&1; then
  fail "join accepted a token file without cnf"
else
  pass "join rejects an invalid token file"
fi

# ---- shutdown ----
for pid in $as_pid $rs_pid; do
  kill -TERM "$pid"
  wait "$pid"
  rc=$?
  if [ "$rc" -eq 0 ]; then
    pass "host $pid: exit status 0 after SIGTERM"
  else
    fail "host $pid: exit status $rc after SIGTERM"
  fi
done
as_pid=""
rs_pid=""

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
