#!/bin/sh
# Integration test of the group part of `gkdc join`. An AS (as-token) and a
# KDC (profile-oscore, kdc-groupcomm, appprofile-group-oscore) run as
# `gkdc serve` on 127.0.0.1. Joining nodes run against them and check:
#   two nodes join and derive matching contexts (node 2's Recipient Key
#   for node 1 is node 1's Sender Key, the same Signature Encryption Key),
#   written with mode 0600; a Monitor joins without a credential; a
#   Verifier gets the Signature Encryption Key; a node takes its name from
#   the Location-Path of the Join Response, renews its Sender ID, uploads
#   a new credential, refreshes and leaves; --node overrides the name; a
#   P-256 key (--key or --new-cred) for an Ed25519 group is rejected
#   before the Join Request, with or without --sign-info; broken key files
#   fail before the token upload; invalid flags are usage errors.
# Keys are compared by the fingerprints that `gkdc join` prints.
#
# Exit 77 (skipped) when gkdc was built without DTLS (the AS needs it) or
# when `gkdc join` has no --group option yet.

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
if ! $gkdc_cmd join --help 2>/dev/null | grep -q -- '--group'; then
  echo "skipped: gkdc join has no --group option"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gkdc-join-group.XXXXXX") || exit 1
as_pid=""
kdc_pid=""
failures=0
passes=0

cleanup() {
  for pid in $as_pid $kdc_pid; do
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

GKDC_PLUGIN_PATH="$top_builddir/plugins"
export GKDC_PLUGIN_PATH

psk_hex=636c69656e74312d7365637265742d31
as_key=000102030405060708090a0b0c0d0e0f
# The Group Manager's Ed25519 key pair of the Java ACE test suite.
gm_cred=a2026008a101a4010103272006215820c6ec665e817bd064340e7c24bb93a11e8ec0735ce48790f9c458f7fa340b8ca3
gm_key=d0a2ce11b2ba614b048903b72638ef4a3b0af56e1a60c6fb6706b0c1ad8a14fb

cat >"$work/as.cfg" <<EOF
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
                  scope = ( { group = "g1";
                              roles = [ "requester", "responder", "monitor", "verifier" ]; } ); } );
  };
};
EOF

cat >"$work/kdc.cfg" <<EOF
log = { level = "info"; sink = "stderr"; };
plugin_dir = ( "$top_builddir/plugins" );
plugins = ( "alg-boringssl", "store-sqlite", "credfmt-ccs", "pop-sign", "profile-oscore",
            "appprofile-group-oscore", "kdc-groupcomm" );
state_dir = "$work/kdc";
listen = ( { uri = "coap://127.0.0.1:0"; } );
plugin_config = {
  profile-oscore = { audience = "kdc1"; issuer = "gkdc-as";
                     as_keys = ( { key = "$as_key"; kid = "6b31"; } ); };
  kdc-groupcomm = {
    groups = ( { name = "g1"; gm_cred = "$gm_cred"; gm_key = "$gm_key"; } );
  };
};
EOF
mkdir -p "$work/as" "$work/kdc"

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
start kdc
kdc_pid=$pid
as_uri=$(head -n 1 "$work/as.endpoints")
kdc_uri=$(head -n 1 "$work/kdc.endpoints")
echo "AS at $as_uri, KDC at $kdc_uri"

for name in n1 n2 n3 n3b; do
  $gkdc_cmd keygen --curve ed25519 --subject "$name" --out "$work/$name.key" >/dev/null 2>&1 ||
    fail "keygen $name"
done
$gkdc_cmd keygen --curve p256 --subject p --out "$work/p.key" >/dev/null 2>&1 || fail "keygen p256"

# token SCOPE FILE: a token for the KDC with SCOPE.
token() {
  $gkdc_cmd token --as "$as_uri" --psk-identity client1 --psk-key $psk_hex --audience kdc1 \
    --scope "$1" --out "$work/$2" >"$work/$2.out" 2>&1 || fail "token $2: $(cat "$work/$2.out")"
}

# join TOKEN OUT ARGS...: runs the whole join flow.
join() {
  tok=$1
  out=$2
  shift 2
  $gkdc_cmd join --token "$work/$tok" --rs "$kdc_uri" --sign-info --until-context \
    --group g1 "$@" >"$work/$out" 2>&1
}

# fp OUTPUT LABEL: the last fingerprint printed for LABEL.
fp() {
  grep "^  $2 " "$work/$1" | tail -n 1 | sed 's/.* fp \([0-9a-f]*\) .*/\1/'
}

# last_node: the node name of the last join that the KDC logged.
last_node() {
  sed -n 's/.*group g1: node \([^ ]*\) joined.*/\1/p' "$work/kdc.log" | tail -n 1
}

# ---- two members ----
token '[["g1", 6]]' t1
token '[["g1", 6]]' t2
if join t1 j1.out --roles 6 --key "$work/n1.key" --out "$work/ctx1" &&
   grep -q 'kdc_cred_verify verified (sign)' "$work/j1.out" &&
   [ "$(stat -c %a "$work/ctx1")" = 600 ]; then
  pass "node 1 joins, verifies the KDC PoP and writes its context with mode 0600"
else
  fail "node 1: $(cat "$work/j1.out")"
fi
sid1=$(sed -n 's/^Sender ID \([0-9a-f]*\)$/\1/p' "$work/j1.out" | head -n 1)

if join t2 j2.out --roles 6 --key "$work/n2.key" --out "$work/ctx2"; then
  pass "node 2 joins"
else
  fail "node 2: $(cat "$work/j2.out")"
fi
# Node 2's Recipient Key for node 1 is the first Recipient Key after the
# line that names node 1's Sender ID.
rk21=$(sed -n "/^Recipient $sid1 /,\$p" "$work/j2.out" | grep '^  Recipient Key ' | head -n 1 |
       sed 's/.* fp \([0-9a-f]*\) .*/\1/')
if [ -n "$sid1" ] && [ -n "$rk21" ] && [ "$rk21" = "$(fp j1.out 'Sender Key')" ] &&
   [ "$(fp j1.out 'Signature Encryption Key')" = "$(fp j2.out 'Signature Encryption Key')" ] &&
   [ "$(fp j1.out 'Common IV')" = "$(fp j2.out 'Common IV')" ]; then
  pass "node 2's Recipient Key for node 1 is node 1's Sender Key; same IV and SEKey"
else
  fail "contexts differ: sid1=$sid1 rk21=$rk21 sk1=$(fp j1.out 'Sender Key')"
fi
# The context file contains the Sender Key (label 20); the output must not.
$gkdc_cmd inspect -f "$work/ctx1" >"$work/ctx1.diag" 2>&1
sk1=$(sed -n "s/^ *\(\/ [^/]* \/ \)\{0,1\}20: h'\([0-9a-f]*\)'.*/\2/p" "$work/ctx1.diag")
if [ -z "$sk1" ]; then
  fail "no Sender Key (20) in the context file"
elif grep -qi "$sk1" "$work/j1.out"; then
  fail "the output shows the Sender Key"
else
  pass "the context file has the Sender Key and the output does not"
fi
# gkdc inspect recognises the context file and labels its map.
if grep -q "^ */ Sender Key / 20: h'" "$work/ctx1.diag" &&
   grep -q '^ */ Gid / 6: ' "$work/ctx1.diag" &&
   grep -q '^ */ sign_alg / 10: -8 / EdDSA /' "$work/ctx1.diag" &&
   $gkdc_cmd inspect -f "$work/ctx2" 2>&1 | grep -q "^ */ Recipient Key / 2: h'"; then
  pass "gkdc inspect labels the context file"
else
  fail "context file labels: $(cat "$work/ctx1.diag")"
fi

# ---- Monitor and Verifier ----
token '[["g1", 8]]' t3
if join t3 j3.out --monitor --out "$work/ctx3" && grep -q '^Sender ID (none)' "$work/j3.out" &&
   grep -q "^Recipient $sid1 " "$work/j3.out"; then
  pass "a Monitor joins without a credential and gets Recipient Contexts"
else
  fail "monitor: $(cat "$work/j3.out")"
fi

token '[["g1", 16]]' t4
if join t4 j4.out --verifier && grep -q 'kdc_cred_verify verified' "$work/j4.out" &&
   [ "$(fp j4.out 'Signature Encryption Key')" = "$(fp j1.out 'Signature Encryption Key')" ]; then
  pass "a Verifier gets the Signature Encryption Key and checks the KDC credential"
else
  fail "verifier: $(cat "$work/j4.out")"
fi

# ---- node operations ----
token '[["g1", 6]]' t5
# The node takes NODENAME from the Location-Path of the Join Response.
if join t5 j5.out --roles 6 --key "$work/n3.key" --renew-sid --new-cred "$work/n3b.key" \
     --refresh --leave --out "$work/ctx5"; then
  node=$(last_node)
  if [ -n "$node" ] &&
     grep -q "^node name $node (Location-Path of the Join Response)" "$work/j5.out" &&
     grep -q 'new Sender ID applied' "$work/j5.out" &&
     grep -q 'new credential uploaded and applied' "$work/j5.out" &&
     grep -q '^GET /ace-group/g1: 2.05' "$work/j5.out" &&
     grep -q "^DELETE /ace-group/g1/nodes/$node: 2" "$work/j5.out" &&
     grep -q 'left group g1' "$work/j5.out"; then
    pass "node $node renews its Sender ID, uploads a credential, refreshes and leaves"
  else
    fail "node operations: $(cat "$work/j5.out")"
  fi
else
  fail "node 3: $(cat "$work/j5.out")"
fi

# --node overrides the name from the KDC: leaving as an unknown node fails.
if join t5 j5b.out --roles 6 --key "$work/n3.key" --node nobody --leave; then
  fail "a node left under the name of a node that does not exist"
elif grep -q '^DELETE /ace-group/g1/nodes/nobody: 4' "$work/j5b.out"; then
  pass "--node overrides the node name of the Location-Path"
else
  fail "--node override: $(cat "$work/j5b.out")"
fi

# ---- failures ----
# usage ARGS...: gkdc join must exit with status 2 (usage error).
usage() {
  $gkdc_cmd join --token "$work/t6" --rs "$kdc_uri" "$@" >"$work/usage.out" 2>&1
  [ $? -eq 2 ]
}
if usage --group g1 --roles 0 && usage --group g1 --roles 6x &&
   usage --group g1 --monitor --verifier && usage --leave && usage --out "$work/x"; then
  pass "invalid roles, --monitor with --verifier and group flags without --group are usage errors"
else
  fail "usage errors: $(cat "$work/usage.out")"
fi
token '[["g1", 6]]' t6

# early STATUS ARGS...: gkdc join exits with STATUS before any request
# (the token upload prints its "authz-info:" status line).
early() {
  want=$1
  shift
  $gkdc_cmd join --token "$work/t6" --rs "$kdc_uri" --until-context --group g1 "$@" \
    >"$work/early.out" 2>&1
  rc=$?
  [ $rc -eq "$want" ] && ! grep -q '^authz-info:' "$work/early.out"
}
head -c 20 "$work/n1.key" >"$work/trunc.key"
cp "$work/n1.key.ccs" "$work/trunc.key.ccs"
if early 1 --key "$work/trunc.key" && grep -q 'trunc.key is not a COSE_Key' "$work/early.out"; then
  pass "a truncated key file fails before the token upload"
else
  fail "truncated key: $(cat "$work/early.out")"
fi
if early 1 --key "$work/n1.key.ccs" && grep -q 'is not a COSE_Key' "$work/early.out"; then
  pass "a credential given as --key fails before the token upload"
else
  fail ".ccs as --key: $(cat "$work/early.out")"
fi
if early 1 --key "$work/n1.key" --new-cred "$work/nonexistent.key"; then
  pass "an unreadable --new-cred file fails before the token upload"
else
  fail "missing --new-cred file: $(cat "$work/early.out")"
fi
if early 2 --refresh && grep -q -- '--key FILE' "$work/early.out"; then
  pass "--refresh without --key is a usage error naming --key"
else
  fail "--refresh without --key: $(cat "$work/early.out")"
fi
if early 2 --verifier --out "$work/v.ctx" && grep -q -- '--out cannot' "$work/early.out" &&
   early 2 --monitor --key "$work/n1.key" && grep -q -- '--key cannot' "$work/early.out" &&
   early 2 --verifier --leave && grep -q -- '--leave cannot' "$work/early.out"; then
  pass "--out or --leave with --verifier and --key with --monitor are usage errors"
else
  fail "role flag combinations: $(cat "$work/early.out")"
fi

# before_join STATUS OUT NAME: the join that wrote OUT failed (STATUS is its
# exit status), named the P-256 key, and sent no Join Request.
before_join() {
  if [ "$1" -eq 0 ]; then
    fail "$3: a P-256 key joined an Ed25519 group"
  elif grep -q 'p.key is P-256 but group g1 uses EdDSA with Ed25519' "$work/$2" &&
       ! grep -q '^POST /ace-group/g1' "$work/$2"; then
    pass "$3"
  else
    fail "$3: $(cat "$work/$2")"
  fi
}
join t6 j6.out --roles 6 --key "$work/p.key"
before_join $? j6.out "a P-256 credential is rejected before the Join Request"
# Without --sign-info, gkdc join asks for sign_info itself when it has a key.
$gkdc_cmd join --token "$work/t6" --rs "$kdc_uri" --until-context --group g1 \
  --key "$work/p.key" >"$work/j6b.out" 2>&1
before_join $? j6b.out "without --sign-info, a P-256 key is rejected before the Join Request"
join t6 j6c.out --roles 6 --key "$work/n1.key" --new-cred "$work/p.key"
before_join $? j6c.out "a --new-cred key of the wrong curve is named before the Join Request"

# ---- shutdown ----
for pid in $as_pid $kdc_pid; do
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
kdc_pid=""

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
