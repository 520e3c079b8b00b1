#!/bin/sh
# End-to-end test of the OSCORE profile on loopback: an AS (as-token) and
# an RS (profile-oscore with store-sqlite and the test-resource plugin),
# each a `gkdc serve` on 127.0.0.1.
#   - `gkdc token` and `gkdc join`: two tokens give two contexts with
#     different Recipient IDs, each reads /test/peer over OSCORE;
#   - a token with a 2 s life: a request after its exp gets 4.01;
#   - hostile /authz-info uploads sent with coap-client-gnutls, after
#     which the RS still serves;
#   - SIGKILL of the RS and a restart on the same state: the context
#     saved by the raw client gets an Echo challenge (RFC 8613 Appendix
#     B.1.2) and then works, and the AS's token can be posted again.
#
# Run by `make check` from the tests build directory. Exit 77 (skipped)
# when gkdc was built without DTLS (the AS serves /token over DTLS) or
# coap-client-gnutls is missing.

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
coap_client=$(command -v coap-client-gnutls || true)
if [ -z "$coap_client" ]; then
  echo "skipped: coap-client-gnutls is not installed"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gkdc-oscore-e2e.XXXXXX") || exit 1
as_pid=""
rs_pid=""
failures=0
passes=0

# kill_host PID: SIGKILLs a host started by start() and the gkdc process
# under it. PID is that of `timeout`, which does not pass SIGKILL on, so
# killing only PID would leave gkdc running with no time limit.
kill_host() {
  kill -KILL $(cat "/proc/$1/task/$1/children" 2>/dev/null) "$1" 2>/dev/null
}

cleanup() {
  for pid in $as_pid $rs_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill_host "$pid"
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

GKDC_PLUGIN_PATH="$top_builddir/plugins"
export GKDC_PLUGIN_PATH

psk_hex=636c69656e74312d7365637265742d31
as_key=000102030405060708090a0b0c0d0e0f
raw_key=231f4c4d4d3051fdc2ec0a3851d5b383

cat >"$work/as.cfg" <<CFG
log = { level = "info"; sink = "stderr"; };
plugin_dir = ( "$top_builddir/plugins" );
plugins = ( "alg-boringssl", "store-sqlite", "as-token" );
state_dir = "$work/as";
listen = ( { uri = "coaps://127.0.0.1:0"; } );
plugin_config = {
  as-token = {
    issuer = "gkdc-as";
    audiences = ( { name = "kdc1"; key = "$as_key"; kid = "6b31"; } );
    clients = ( { id = "client1"; psk = "$psk_hex"; audiences = [ "kdc1" ];
                  scope = ( { group = "g1"; roles = [ "requester", "responder" ]; } ); } );
  };
};
CFG

# Two AS keys: the AS's, and the one the raw client makes its tokens with.
cat >"$work/rs.cfg" <<CFG
log = { level = "info"; sink = "stderr"; };
plugin_dir = ( "$top_builddir/plugins", "$top_builddir/tests/plugins/.libs" );
plugins = ( "alg-boringssl", "store-sqlite", "profile-oscore", "test-resource" );
state_dir = "$work/rs";
listen = ( { uri = "coap://127.0.0.1:0"; } );
plugin_config = {
  profile-oscore = { audience = "kdc1";
                     as_keys = ( { key = "$as_key"; kid = "6b31"; },
                                 { key = "$raw_key"; kid = "a1"; alg = 10; } );
                     expiry_check_ms = 500; };
};
CFG
mkdir -p "$work/as" "$work/rs"

# start NAME: runs `gkdc serve -c $work/NAME.cfg` and waits for its endpoints.
start() {
  rm -f "$work/$1.endpoints"
  GKDC_NO_DLCLOSE=1 timeout 120 $gkdc_cmd serve -c "$work/$1.cfg" \
    --endpoints-file "$work/$1.endpoints" >>"$work/$1.log" 2>&1 &
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
rs_port=${rs_uri##*:}
echo "AS at $as_uri, RS at $rs_uri"

# ---- two tokens, two contexts ----
for n in 1 2; do
  if ! $gkdc_cmd token --as "$as_uri" --psk-identity client1 --psk-key $psk_hex \
         --audience kdc1 --scope '[["g1", 6]]' --out "$work/tok$n" >"$work/token$n.out" 2>&1
  then
    fail "token $n: $(cat "$work/token$n.out")"
  fi
done

# The ace_server_recipientid line of a join's output.
id2_of() {
  grep '/ ace_server_recipientid / 44' "$1" | head -n 1 | sed 's/.*44: *//'
}

for n in 1 2; do
  if $gkdc_cmd join --token "$work/tok$n" --rs "$rs_uri" --get test/peer --until-context \
       >"$work/join$n.out" 2>&1 &&
     grep -q 'OSCORE security context derived' "$work/join$n.out" &&
     grep -q 'GET /test/peer: 2.05 (protected)' "$work/join$n.out"; then
    pass "join with token $n: its own context reads /test/peer over OSCORE"
  else
    fail "join with token $n: $(cat "$work/join$n.out")"
  fi
done
# ---- a protected response larger than one message (outer Block2) ----
# test/large is 5000 bytes: byte i is PATTERN[i % 62]. The RS protects it
# once and sends the ciphertext in outer blocks (RFC 8613 section
# 4.1.3.4.2); the client puts them together before unprotecting.
pattern=0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ
i=0
: >"$work/large.expected"
while [ $i -lt 81 ]; do
  printf '%s' "$pattern" >>"$work/large.expected"
  i=$((i + 1))
done
head -c 5000 "$work/large.expected" >"$work/large.want" && echo >>"$work/large.want"
if $gkdc_cmd join --token "$work/tok1" --rs "$rs_uri" --get test/large --until-context \
     >"$work/join-large.out" 2>&1 &&
   grep -q 'GET /test/large: 2.05 (protected)' "$work/join-large.out"; then
  sed -n '/GET \/test\/large: 2.05/,$p' "$work/join-large.out" |
    grep -E "^[0-9a-zA-Z]{100,}$" | head -n 1 >"$work/large.got"
  if cmp -s "$work/large.want" "$work/large.got"; then
    pass "GET /test/large over OSCORE: 5000 bytes through outer Block2, byte-exact"
  else
    fail "GET /test/large over OSCORE: the body differs ($(wc -c <"$work/large.got") bytes)"
  fi
else
  fail "GET /test/large over OSCORE: $(head -c 600 "$work/join-large.out")"
fi

id_a=$(id2_of "$work/join1.out")
id_b=$(id2_of "$work/join2.out")
if [ -n "$id_a" ] && [ -n "$id_b" ] && [ "$id_a" != "$id_b" ]; then
  pass "the two contexts have different server Recipient IDs ($id_a, $id_b)"
else
  fail "server Recipient IDs: '$id_a' and '$id_b'"
fi

# ---- expiry ----
if ./integration/oscore_client "$rs_port" "$raw_key" expire >"$work/expire.out" 2>&1; then
  pass "a request after the token's exp gets 4.01"
else
  fail "expiry: $(cat "$work/expire.out")"
fi

# ---- hostile uploads ----
# post NAME CF FILE: POSTs FILE to /authz-info; the response line goes to
# $work/NAME.out.
post() {
  timeout 10 "$coap_client" -m post -t "$2" -f "$3" -B 5 "$rs_uri/authz-info" \
    >"$work/$1.out" 2>&1
}
expect_code() {
  if grep -q "$2" "$work/$1.out"; then
    pass "hostile upload $1 answers $2"
  else
    fail "hostile upload $1: expected $2, got: $(cat "$work/$1.out")"
  fi
}

printf 'not cbor at all' >"$work/h-text"
printf '\203\001\002\003' >"$work/h-array"                    # [1, 2, 3]
printf '\241\001\102\001\002' >"$work/h-nononce"              # {1: h'0102'}
printf '\243\001\102\001\002\030\050\142ab\030\053\101\000' \
  >"$work/h-tstrnonce"                                         # nonce1 as text
printf '\243\001\100\030\050\101\001\030\053\101\000' >"$work/h-emptytoken"
printf '\243\001\102\322\204\030\050\101\001\030\053\101\000' \
  >"$work/h-truncated"                                         # token h'd284'
printf '\241\001\132\377\377\377\377' >"$work/h-hugelen"       # bstr of 4 GiB
head -c 3000 /dev/zero | tr '\0' '\241' >"$work/h-large"       # deep nesting

post text 19 "$work/h-text"; expect_code text '4\.00'
post array 19 "$work/h-array"; expect_code array '4\.00'
post nononce 19 "$work/h-nononce"; expect_code nononce '4\.00'
post tstrnonce 19 "$work/h-tstrnonce"; expect_code tstrnonce '4\.00'
post emptytoken 19 "$work/h-emptytoken"; expect_code emptytoken '4\.0[01]'
post truncated 19 "$work/h-truncated"; expect_code truncated '4\.0[01]'
post hugelen 19 "$work/h-hugelen"; expect_code hugelen '4\.00'
post large 19 "$work/h-large"; expect_code large '4\.\(00\|13\)'
post wrongcf 0 "$work/h-nononce"; expect_code wrongcf '4\.00'
timeout 10 "$coap_client" -m get -B 5 "$rs_uri/authz-info" >"$work/get.out" 2>&1
expect_code get '4\.05'

if grep -q 'no profile takes the upload; answering 4.00' "$work/rs.log"; then
  pass "uploads without nonce1 get 4.00 from the host's /authz-info route"
else
  fail "the host's /authz-info route never answered for the profiles"
fi
if kill -0 "$rs_pid" 2>/dev/null &&
   $gkdc_cmd join --token "$work/tok1" --rs "$rs_uri" --get test/peer --until-context \
     >"$work/join-after.out" 2>&1 &&
   grep -q 'GET /test/peer: 2.05 (protected)' "$work/join-after.out"; then
  pass "the RS still serves after the hostile uploads"
else
  fail "after the hostile uploads: $(cat "$work/join-after.out")"
fi

# ---- SIGKILL and restart ----
if ./integration/oscore_client "$rs_port" "$raw_key" save "$work/ctx" >"$work/save.out" 2>&1
then
  pass "raw client: context saved after a protected request"
else
  fail "save: $(cat "$work/save.out")"
fi
kill_host "$rs_pid"
wait "$rs_pid" 2>/dev/null
start rs
rs_pid=$pid
rs_uri=$(head -n 1 "$work/rs.endpoints")
rs_port=${rs_uri##*:}
echo "RS restarted at $rs_uri"
if ./integration/oscore_client "$rs_port" "$raw_key" resume "$work/ctx" \
     >"$work/resume.out" 2>&1; then
  pass "after SIGKILL the stored context answers an Echo challenge, then serves"
else
  fail "resume: $(cat "$work/resume.out")"
fi
if $gkdc_cmd join --token "$work/tok1" --rs "$rs_uri" --get test/peer --until-context \
     >"$work/join-restart.out" 2>&1 &&
   grep -q 'GET /test/peer: 2.05 (protected)' "$work/join-restart.out"; then
  pass "after the restart the AS's token is posted again and works"
else
  fail "join after restart: $(cat "$work/join-restart.out")"
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

if [ "$failures" -ne 0 ]; then
  echo "RS log:"
  cat "$work/rs.log"
fi
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
