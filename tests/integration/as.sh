#!/bin/sh
# Integration test of the as-token plugin (the ACE Authorization Server).
# It runs `gkdc serve` with alg-boringssl, store-sqlite and as-token on a
# coap and a coaps endpoint of 127.0.0.1 (ephemeral ports) and sends token
# requests with coap-client-gnutls, authenticated with DTLS PSK:
#   a token for the requested scope, with and without Content-Format 19;
#   fresh input material ids from the durable counter, also after a restart;
#   invalid_scope for a scope the client may not have;
#   a failed handshake for an unknown identity and for a wrong key;
#   4.01 invalid_client for a request over plain CoAP.
# Responses are decoded with `gkdc inspect`.
#
# Run by `make check` from the tests build directory. Exit 77 (skipped)
# when gkdc is built without DTLS or coap-client-gnutls is missing.

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
client=coap-client-gnutls
if ! command -v "$client" >/dev/null 2>&1; then
  echo "skipped: no coap-client-gnutls found (install the Debian package libcoap3-bin)"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gkdc-as.XXXXXX") || exit 1
server_pid=""
failures=0
passes=0

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -KILL "$server_pid" 2>/dev/null
  fi
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

# Writes the bytes given as hex digits to a file: hex_to_file HEX FILE.
hex_to_file() {
  hex=$1
  : >"$2"
  while [ -n "$hex" ]; do
    byte=${hex%"${hex#??}"}
    hex=${hex#??}
    # shellcheck disable=SC2059
    printf "\\$(printf '%03o' "0x$byte")" >>"$2"
  done
}

inspect() {
  $gkdc_cmd inspect -a ace "$@"
}

# The client's PSK is ASCII text, because coap-client 4.3.1 takes -k as a
# string: "client1-secret-1" is 636c69656e74312d7365637265742d31.
identity=client1
psk_text=client1-secret-1
psk_hex=636c69656e74312d7365637265742d31

cat >"$work/as.cfg" <<EOF
log = { level = "info"; sink = "stderr"; };
plugin_dir = ( "$top_builddir/plugins" );
plugins = ( "alg-boringssl", "store-sqlite", "as-token" );
state_dir = "$work";
listen = ( { uri = "coap://127.0.0.1:0"; }, { uri = "coaps://127.0.0.1:0"; } );
plugin_config = {
  as-token = {
    issuer = "gkdc-as";
    audiences = ( { name = "kdc1"; key = "000102030405060708090a0b0c0d0e0f"; kid = "6b31"; } );
    clients = ( { id = "$identity"; psk = "$psk_hex"; audiences = [ "kdc1" ];
                  scope = ( { group = "g1"; roles = [ "requester", "responder" ]; } ); } );
  };
};
EOF

start_server() {
  rm -f "$work/endpoints"
  GKDC_NO_DLCLOSE=1 timeout 120 $gkdc_cmd serve -c "$work/as.cfg" \
    --endpoints-file "$work/endpoints" >>"$work/server.log" 2>&1 &
  server_pid=$!
  i=0
  while [ ! -s "$work/endpoints" ] && [ $i -lt 100 ]; do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
  done
  if ! grep -q '^coaps://' "$work/endpoints" 2>/dev/null; then
    echo "FAIL: gkdc serve wrote no coaps endpoint; its log:"
    cat "$work/server.log"
    exit 1
  fi
  coap=$(grep '^coap://' "$work/endpoints" | head -n 1)
  coaps=$(grep '^coaps://' "$work/endpoints" | head -n 1)
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid"
  rc=$?
  server_pid=""
  if [ "$rc" -eq 0 ]; then
    pass "SIGTERM: exit status 0"
  else
    fail "SIGTERM: exit status $rc"
  fi
}

# Sends a POST to /token: post NAME URI [coap-client options]. The body
# comes from $work/NAME.req; a 2.xx body goes to $work/NAME.resp, the
# client's verbose output to $work/NAME.out.
post() {
  name=$1
  uri=$2
  shift 2
  rm -f "$work/$name.resp"
  timeout 20 "$client" -v 7 -m post "$@" -f "$work/$name.req" -o "$work/$name.resp" \
    "$uri/token" >"$work/$name.out" 2>&1
}

# The hex payload of the 4.xx response in a verbose coap-client output.
error_hex() {
  sed -n '/ c:4\.[0-9][0-9] /{n;p;q;}' "$1" | tr -d '<>\n'
}

start_server
echo "AS at $coaps"

# {5: "kdc1", 9: h'81826267310 6'}: scope [["g1", 6]].
hex_to_file a205646b6463310946818262673106 "$work/token.req"
cp "$work/token.req" "$work/nocf.req"
cp "$work/token.req" "$work/again.req"
cp "$work/token.req" "$work/restart.req"
cp "$work/token.req" "$work/udp.req"
cp "$work/token.req" "$work/stranger.req"
cp "$work/token.req" "$work/wrongkey.req"
# The same with scope [["g1", 8]] (Monitor, not allowed).
hex_to_file a205646b6463310946818262673108 "$work/badscope.req"

# ---- a token ----
post token "$coaps" -u "$identity" -k "$psk_text" -t 19
if [ -s "$work/token.resp" ] && inspect -f "$work/token.resp" >"$work/token.diag" 2>&1; then
  pass "token request over DTLS PSK gets a response body"
else
  fail "token request: no response body; client output: $(tail -n 5 "$work/token.out")"
fi
grep -q ' c:2\.01 .*Content-Format:19' "$work/token.out" &&
  pass "response is 2.01 with Content-Format 19" ||
  fail "response is not 2.01 with Content-Format 19"
check_diag() {
  if grep -q -- "$2" "$work/$1.diag"; then
    pass "$1: $3"
  else
    fail "$1: $3 (no '$2' in: $(tr '\n' ' ' <"$work/$1.diag"))"
  fi
}
check_diag token "/ access_token / 1: << 16(\[" "access_token is a tagged COSE_Encrypt0"
check_diag token "/ alg / 1: 10 / AES-CCM-16-64-128 /" "token alg is AES-CCM-16-64-128"
check_diag token "/ kid / 4: h'6b31'" "token kid is the audience's kid"
check_diag token "/ expires_in / 2: 3600" "expires_in is 3600"
check_diag token "/ ace_profile / 38: 2 / coap_oscore /" "ace_profile is coap_oscore"
check_diag token "/ osc / 4: {" "cnf carries OSCORE input material"
check_diag token "/ id / 0: h'0000000000000000'" "first input material id is 0"
check_diag token "/ ms / 2: h'[0-9a-f]\{32\}'" "Master Secret has 16 bytes"
check_diag token "/ hkdf / 3: 5 " "hkdf is 5"
if grep -q "/ scope / 9" "$work/token.diag"; then
  fail "token: scope in the response although it equals the requested one"
else
  pass "token: no scope in the response"
fi

# ---- no Content-Format, as the Java client sends ----
post nocf "$coaps" -u "$identity" -k "$psk_text"
if [ -s "$work/nocf.resp" ] && inspect -f "$work/nocf.resp" >"$work/nocf.diag" 2>&1; then
  check_diag nocf "/ id / 0: h'0000000000000001'" "request without Content-Format gets a token"
else
  fail "request without Content-Format: no token; $(tail -n 3 "$work/nocf.out")"
fi

# ---- invalid_scope ----
post badscope "$coaps" -u "$identity" -k "$psk_text" -t 19
err=$(error_hex "$work/badscope.out")
if grep -q ' c:4\.00 ' "$work/badscope.out" && [ -n "$err" ] &&
   inspect "$err" >"$work/badscope.diag" 2>&1; then
  check_diag badscope "/ error / 30: 6" "scope not allowed gets 4.00 invalid_scope"
else
  fail "scope not allowed: no 4.00 with a body; $(tail -n 3 "$work/badscope.out")"
fi

# ---- plain CoAP ----
post udp "$coap"
err=$(error_hex "$work/udp.out")
if grep -q ' c:4\.01 ' "$work/udp.out" && [ -n "$err" ] &&
   inspect "$err" >"$work/udp.diag" 2>&1; then
  check_diag udp "/ error / 30: 2" "plain CoAP gets 4.01 invalid_client"
else
  fail "plain CoAP: no 4.01 with a body; $(tail -n 3 "$work/udp.out")"
fi

# ---- handshakes that must fail ----
post stranger "$coaps" -B 2 -u nobody -k "$psk_text" -t 19
if [ -s "$work/stranger.resp" ] || grep -q ' c:2\.01 ' "$work/stranger.out"; then
  fail "an unknown PSK identity got a response"
else
  pass "an unknown PSK identity fails the handshake"
fi
post wrongkey "$coaps" -B 2 -u "$identity" -k wrong-secret-000 -t 19
if [ -s "$work/wrongkey.resp" ] || grep -q ' c:2\.01 ' "$work/wrongkey.out"; then
  fail "a wrong PSK got a response"
else
  pass "a wrong PSK fails the handshake"
fi

stop_server

# ---- the counters survive a restart ----
start_server
post restart "$coaps" -u "$identity" -k "$psk_text" -t 19
if [ -s "$work/restart.resp" ] && inspect -f "$work/restart.resp" >"$work/restart.diag" 2>&1; then
  check_diag restart "/ id / 0: h'0000000000000002'" "input material ids go on after a restart"
else
  fail "after a restart: no token; $(tail -n 3 "$work/restart.out")"
fi
stop_server

# Only the two failed handshakes may leave warnings (from libcoap's DTLS
# and GnuTLS code).
unexpected=$(grep -E " (error|warning) " "$work/server.log" | grep -v -e "DTLS" -e "gnutls")
if [ -n "$unexpected" ]; then
  fail "server logged unexpected errors or warnings: $unexpected"
else
  pass "server logged no unexpected errors or warnings"
fi

echo "$passes passed, $failures failed"
if [ "$failures" -ne 0 ]; then
  echo "--- server log ---"
  cat "$work/server.log"
  exit 1
fi
exit 0
