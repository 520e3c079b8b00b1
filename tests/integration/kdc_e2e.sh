#!/bin/sh
# End-to-end join: `gkdc demo` runs an AS (as-token) and a KDC
# (kdc-groupcomm over profile-oscore) as `gkdc serve` on 127.0.0.1, and two
# nodes get tokens and join the group with `gkdc token` and `gkdc join`.
# The test checks each line of the demo, that both contexts match by
# fingerprint, and that the KDC's SQLite store has both members with
# different Sender IDs.
#
# Run by `make check` from the tests build directory. Exit 77 (skipped)
# when gkdc was built without DTLS, which the AS needs, or when `gkdc join`
# cannot join a group yet.

set -u

. "$(dirname "$0")/kdc_lib.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/gkdc-e2e.XXXXXX") || exit 1

cleanup() {
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# expect TEXT: passes when the demo printed a line containing TEXT.
expect() {
  if grep -qF -- "$1" "$work/demo.out"; then
    pass "demo printed: $1"
  else
    fail "demo did not print: $1"
  fi
}

GKDC_NO_DLCLOSE=1 timeout 120 $gkdc_cmd demo --state-dir "$work/demo" \
  >"$work/demo.out" 2>"$work/demo.err"
rc=$?
cat "$work/demo.out"
if [ "$rc" -eq 0 ]; then
  pass "gkdc demo exits with 0"
else
  fail "gkdc demo exited with $rc: $(cat "$work/demo.err")"
fi

expect "AS host (as-token) serves coaps://127.0.0.1:"
expect "KDC host (kdc-groupcomm, store in"
expect "node1: joined group g1"
expect "node2: joined group g1"
for field in "Gid" "Common IV" "Signature Encryption Key" "node1's credential" \
            "node1's Sender Key"; do
  if grep -q "^$field: .*: match\$" "$work/demo.out"; then
    pass "$field matches"
  else
    fail "$field does not match"
  fi
done
expect "hosts stopped with SIGTERM"
expect "demo passed"

# The fingerprints are 8 hex digits and the same on both sides.
if grep '^Common IV: ' "$work/demo.out" |
   grep -Eq 'node1 fp ([0-9a-f]{8}), node2 fp \1: match'; then
  pass "Common IV fingerprints are 8 equal hex digits"
else
  fail "Common IV fingerprints"
fi

# No key in the output: neither the nodes' private keys nor the group's.
leak=0
for f in "$work"/demo/gm.key "$work"/demo/node1.key "$work"/demo/node2.key; do
  [ -f "$f" ] || continue
  d=$(od -An -tx1 -v "$f" | tr -d ' \n' | tail -c 64)
  if [ -n "$d" ] && grep -qi "$d" "$work/demo.out" "$work"/demo/*.log; then
    leak=1
  fi
done
if [ "$leak" -eq 0 ]; then
  pass "no private key appears in the demo output or logs"
else
  fail "a private key appears in the output"
fi

# The store has both members with different Sender IDs.
db="$work/demo/kdc/gkdc.db"
if command -v sqlite3 >/dev/null 2>&1 && [ -f "$db" ]; then
  members=$(sqlite3 "$db" "SELECT count(*) FROM members WHERE group_name = 'g1';")
  sids=$(sqlite3 "$db" \
    "SELECT count(DISTINCT sender_id) FROM members WHERE group_name = 'g1';")
  if [ "$members" = 2 ] && [ "$sids" = 2 ]; then
    pass "the KDC store has 2 members with 2 Sender IDs"
  else
    fail "the KDC store has $members members and $sids Sender IDs"
  fi
else
  fail "no sqlite3 or no store at $db"
fi

# A second demo in a non-empty state directory is refused.
if $gkdc_cmd demo --state-dir "$work/demo" >"$work/again.out" 2>&1; then
  fail "demo reused a non-empty state directory"
elif grep -q 'must be an empty directory' "$work/again.out"; then
  pass "demo refuses a non-empty state directory"
else
  fail "demo in a non-empty directory: $(cat "$work/again.out")"
fi

# demo_fails NAME PLUGIN...: runs the demo with only the named plugins of
# the build tree; it must fail, print FAILED and leave no host running.
demo_fails() {
  name=$1
  shift
  mkdir -p "$work/$name-plugins"
  for p in "$@"; do
    mkdir -p "$work/$name-plugins/$p/.libs"
    ln -s "$top_builddir/plugins/$p/.libs/$p.so" "$work/$name-plugins/$p/.libs/$p.so"
  done
  if GKDC_PLUGIN_PATH="$work/$name-plugins" timeout 60 $gkdc_cmd demo \
       --state-dir "$work/$name" >"$work/$name.out" 2>&1; then
    fail "demo passed with the plugins $*"
  elif grep -q '^demo FAILED' "$work/$name.out" && ! grep -q '^node1: joined' "$work/$name.out" &&
       ! ps -eo args | grep -v grep | grep -q "serve -c $work/$name/"; then
    pass "demo with the plugins ${*:-(none)} fails, prints FAILED and stops its hosts"
  else
    fail "demo with the plugins $*: $(cat "$work/$name.out")"
  fi
}

# No plugins: keygen fails. Without store-sqlite and as-token the AS does
# not start; without kdc-groupcomm the KDC does not start.
demo_fails none
demo_fails noas alg-boringssl profile-oscore credfmt-ccs pop-sign
demo_fails nokdc alg-boringssl profile-oscore credfmt-ccs pop-sign store-sqlite as-token

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
