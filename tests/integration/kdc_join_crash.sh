#!/bin/sh
# Crash safety of the KDC under concurrent joins. An AS (as-token) and a
# KDC (kdc-groupcomm with store-sqlite) run as `gkdc serve` on 127.0.0.1.
# N nodes (50 at GKDC_TEST_SCALE=1) join as parallel `gkdc join`
# processes, at most 8 at a time, all in one group (KDC_TEST_PER_GROUP
# spreads them over groups of that many). After a third of them received their
# Join Response, the KDC is killed with SIGKILL while other joins are in
# flight, and restarted on the same database. The test checks:
#   - every node that received a Join Response before the kill is in the
#     store after the restart, with the Sender ID it received;
#   - the nodes whose joins were cut off, and those not started yet, join
#     the restarted KDC (re-posting their tokens);
#   - no Sender ID is given twice in a group: the nodes' final Sender IDs
#     differ, and the store has exactly N members, which differ in their
#     Sender IDs within each group.
# The store is read with the sqlite3 command-line tool.
#
# With 50 members the Join Response, which carries every member's
# credential, is far larger than one CoAP message: it goes out in outer
# blocks (RFC 8613 section 4.1.3.4.2).
#
# Run by `make check` from the tests build directory. Exit 77 (skipped)
# when gkdc was built without DTLS (the AS needs it), when `gkdc join`
# cannot join a group, or without sqlite3.

set -u

. "$(dirname "$0")/kdc_lib.sh"

if ! command -v sqlite3 >/dev/null 2>&1; then
  echo "skipped: no sqlite3 command"
  exit 77
fi

scale=${GKDC_TEST_SCALE:-1}
nodes=$(awk -v s="$scale" 'BEGIN { n = int(50 * s); if (n < 12) n = 12; print n }')
parallel=8
kill_after=$((nodes / 3))
per_group=${KDC_TEST_PER_GROUP:-$nodes}
groups=$(((nodes + per_group - 1) / per_group))
as_scope=""
for g in $(seq 1 "$groups"); do
  as_scope="$as_scope${as_scope:+, }{ group = \"g$g\"; roles = [ \"requester\", \"responder\" ]; }"
done

# group_of I: the group of node I.
group_of() {
  echo "g$((($1 - 1) % groups + 1))"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/gkdc-crash.XXXXXX") || exit 1
as_pid=""
kdc_pid=""

cleanup() {
  for pid in $as_pid $kdc_pid; do
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  wait 2>/dev/null
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# Test keys only: the AS-KDC key, the nodes' PSK, and the Ed25519 key pair
# and CCS of the Group OSCORE plugtest Group Manager.
as_key=000102030405060708090a0b0c0d0e0f
psk_hex=6e6f6465732d7365637265742d303031
gm_key=d0a2ce11b2ba614b048903b72638ef4a3b0af56e1a60c6fb6706b0c1ad8a14fb
gm_cred=a2026008a101a4010103272006215820c6ec665e817bd064340e7c24bb93a11e8ec0735ce48790f9c458f7fa340b8ca3

cat >"$work/as.cfg" <<CFG
log = { level = "warning"; sink = "stderr"; };
plugins = ( "alg-boringssl", "store-sqlite", "as-token" );
state_dir = "$work/as";
listen = ( { uri = "coaps://127.0.0.1:0"; } );
plugin_config = {
  as-token = {
    issuer = "gkdc-as";
    audiences = ( { name = "kdc"; key = "$as_key"; kid = "6b31"; } );
    clients = ( { id = "nodes"; psk = "$psk_hex"; audiences = [ "kdc" ];
                  scope = ( $as_scope ); } );
  };
};
CFG

kdc_groups=""
for g in $(seq 1 "$groups"); do
  kdc_groups="$kdc_groups${kdc_groups:+, }{ name = \"g$g\"; gm_cred = \"$gm_cred\"; gm_key = \"$gm_key\"; }"
done

cat >"$work/kdc.cfg" <<CFG
log = { level = "warning"; sink = "stderr"; };
plugins = ( "alg-boringssl", "store-sqlite", "profile-oscore", "credfmt-ccs",
            "pop-sign", "appprofile-group-oscore", "kdc-groupcomm" );
state_dir = "$work/kdc";
listen = ( { uri = "coap://127.0.0.1:0"; } );
plugin_config = {
  profile-oscore = { audience = "kdc"; issuer = "gkdc-as";
                     as_keys = ( { key = "$as_key"; kid = "6b31"; } ); };
  kdc-groupcomm = {
    groups = ( $kdc_groups );
  };
};
CFG
mkdir -p "$work/as" "$work/kdc"
db="$work/kdc/gkdc.db"

# start NAME: runs `gkdc serve -c $work/NAME.cfg` and waits for its endpoints.
start() {
  rm -f "$work/$1.endpoints"
  GKDC_NO_DLCLOSE=1 $gkdc_cmd serve -c "$work/$1.cfg" \
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
start kdc
kdc_pid=$pid
as_uri=$(head -n 1 "$work/as.endpoints")
kdc_uri=$(head -n 1 "$work/kdc.endpoints")
echo "AS at $as_uri, KDC at $kdc_uri; $nodes nodes, $parallel at a time"

# Every node's key pair and token, made before the joins.
i=1
prepared=0
while [ $i -le "$nodes" ]; do
  if $gkdc_cmd keygen --curve ed25519 --subject "n$i" --out "$work/n$i.key" \
       >"$work/n$i.prep" 2>&1 &&
     $gkdc_cmd token --as "$as_uri" --psk-identity nodes --psk-key "$psk_hex" \
       --audience kdc --scope "[[\"$(group_of $i)\", 6]]" --out "$work/n$i.tok" >>"$work/n$i.prep" 2>&1
  then
    prepared=$((prepared + 1))
  fi
  i=$((i + 1))
done
if [ "$prepared" -eq "$nodes" ]; then
  pass "$nodes key pairs and tokens from the AS"
else
  fail "only $prepared of $nodes nodes got a key pair and a token"
  exit 1
fi

# join_node I R: joins node I at the current KDC URI in the background, in
# round R; then creates r$R/n$I.done, and r$R/n$I.ok when the join succeeded.
join_node() {
  (
    if $gkdc_cmd join --token "$work/n$1.tok" --rs "$kdc_uri" --group "$(group_of "$1")" \
         --key "$work/n$1.key" --out "$work/n$1.ctx" --until-context \
         >"$work/n$1.out.$2" 2>&1; then
      : >"$work/r$2/n$1.ok"
    fi
    : >"$work/r$2/n$1.done"
  ) &
}

# count_done R: sets done_count and ok_count of round R (globs, no fork, so
# that the loops keep up with the joins).
count_done() {
  round_dir="$work/r$1"
  set -- "$round_dir"/*.done
  if [ -e "$1" ]; then done_count=$#; else done_count=0; fi
  set -- "$round_dir"/*.ok
  if [ -e "$1" ]; then ok_count=$#; else ok_count=0; fi
}

# The Sender ID that node I's join in round R printed, as GROUP:HEX.
sid_of() {
  sid=$(sed -n 's/^Sender ID \([0-9a-f]*\)$/\1/p' "$work/n$1.out.$2" | tail -n 1)
  [ -z "$sid" ] || echo "$(group_of "$1"):$sid"
}

# The Sender IDs of the stored members as GROUP:HEX, one a line.
stored_sids() {
  sqlite3 "$db" "SELECT group_name || ':' || lower(hex(sender_id)) FROM members;"
}

mkdir -p "$work/r1" "$work/r2"

# ---- round 1: joins until the KDC is killed ----
count=0
killed=0
i=1
while [ $i -le "$nodes" ]; do
  count_done 1
  if [ "$ok_count" -ge "$kill_after" ]; then
    # Fill the free slots, so that joins are in flight, then kill.
    while [ $((count - done_count)) -lt "$parallel" ] && [ $i -le "$nodes" ]; do
      join_node $i 1
      count=$((count + 1))
      i=$((i + 1))
    done
    sleep 0.1
    kill -KILL "$kdc_pid"
    killed=1
    break
  fi
  if [ $((count - done_count)) -lt "$parallel" ]; then
    join_node $i 1
    count=$((count + 1))
    i=$((i + 1))
  else
    sleep 0.02
  fi
done
[ "$killed" -eq 1 ] || kill -KILL "$kdc_pid"
wait "$kdc_pid" 2>/dev/null
# Let the joins in flight end; without a KDC they fail or time out.
waited=0
count_done 1
while [ "$done_count" -lt "$count" ] && [ $waited -lt 600 ]; do
  sleep 0.1
  waited=$((waited + 1))
  count_done 1
done
interrupted=$((count - ok_count))
echo "round 1: $count joins started, $ok_count answered, $interrupted cut off by SIGKILL"
if [ "$killed" -eq 1 ] && [ "$interrupted" -ge 1 ]; then
  pass "the KDC was killed with SIGKILL during a batch of joins"
else
  fail "the kill did not land during the joins (killed $killed, $interrupted cut off)"
fi

# ---- restart on the same database ----
start kdc
kdc_pid=$pid
kdc_uri=$(head -n 1 "$work/kdc.endpoints")
echo "KDC restarted at $kdc_uri"

stored=$(stored_sids)
lost=0
for f in "$work"/r1/*.ok; do
  [ -e "$f" ] || continue
  n=$(basename "$f" .ok)
  n=${n#n}
  sid=$(sid_of "$n" 1)
  if [ -z "$sid" ] || ! printf '%s\n' "$stored" | grep -qx "$sid"; then
    lost=$((lost + 1))
    echo "node n$n with Sender ID '$sid' is not in the store"
  fi
done
if [ "$lost" -eq 0 ] && [ "$ok_count" -gt 0 ]; then
  pass "all $ok_count nodes answered before the kill are stored with their Sender IDs"
else
  fail "$lost of $ok_count answered nodes are missing from the store"
fi

# ---- round 2: the rest join the restarted KDC ----
rest=""
for n in $(seq 1 "$nodes"); do
  [ -e "$work/r1/n$n.ok" ] || rest="$rest $n"
done
count=0
for n in $rest; do
  count_done 2
  while [ $((count - done_count)) -ge "$parallel" ]; do
    sleep 0.02
    count_done 2
  done
  join_node "$n" 2
  count=$((count + 1))
done
waited=0
count_done 2
while [ "$done_count" -lt "$count" ] && [ $waited -lt 600 ]; do
  sleep 0.1
  waited=$((waited + 1))
  count_done 2
done
echo "round 2: $count joins after the restart, $ok_count answered"
if [ "$ok_count" -eq "$count" ]; then
  pass "joins continue after the restart ($count nodes)"
else
  fail "$((count - ok_count)) of $count joins failed after the restart"
  for n in $rest; do
    [ -e "$work/r2/n$n.ok" ] || { tail -n 5 "$work/n$n.out.2"; break; }
  done
fi

# ---- no Sender ID twice ----
: >"$work/sids"
for n in $(seq 1 "$nodes"); do
  round=1
  case " $rest " in *" $n "*) round=2 ;; esac
  sid_of "$n" $round >>"$work/sids"
done
total=$(grep -c . "$work/sids")
distinct=$(grep . "$work/sids" | sort -u | wc -l)
if [ "$total" -eq "$nodes" ] && [ "$distinct" -eq "$nodes" ]; then
  pass "$nodes nodes hold $nodes distinct Sender IDs"
else
  fail "$total Sender IDs received by $nodes nodes, $distinct distinct"
fi

members=$(sqlite3 "$db" "SELECT count(*) FROM members;")
msids=$(sqlite3 "$db" "SELECT count(DISTINCT group_name || hex(sender_id)) FROM members;")
if [ "$members" = "$nodes" ] && [ "$msids" = "$nodes" ]; then
  pass "the store has $nodes members with $nodes distinct Sender IDs"
else
  fail "the store has $members members with $msids distinct Sender IDs"
fi
missing=0
stored=$(stored_sids)
while read -r sid; do
  printf '%s\n' "$stored" | grep -qx "$sid" || missing=$((missing + 1))
done <"$work/sids"
if [ "$missing" -eq 0 ]; then
  pass "every node's final Sender ID is in the store"
else
  fail "$missing nodes' Sender IDs are not in the store"
fi

# ---- shutdown ----
stopped=0
for pid in $kdc_pid $as_pid; do
  kill -TERM "$pid"
  wait "$pid" && stopped=$((stopped + 1))
done
if [ "$stopped" -eq 2 ]; then
  pass "the restarted KDC and the AS exit with 0 on SIGTERM"
else
  fail "a host did not exit with 0 on SIGTERM; logs: $(tail -n 5 "$work/kdc.log" "$work/as.log")"
fi

echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
