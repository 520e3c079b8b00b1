#!/bin/sh
# Integration test of `gkdc serve`. It starts a host on 127.0.0.1 with an
# ephemeral port and the alg-boringssl and test-resource plugins from the
# build tree, and checks it with libcoap's coap-client:
#   /.well-known/core, block-wise GET and POST, a deferred response, Observe
#   notifications, 4.04 and 4.05, the OSCORE interceptor hook, DTLS with PSK
#   and raw public keys when built with DTLS, and a clean shutdown on SIGTERM
#   (exit 0, plugins' fini, final log line). A second host without routes
#   checks the 4.02 for OSCORE requests and an empty /.well-known/core.
#
# Run by `make check` from the tests build directory. Exit 77 (skipped) when
# no coap-client is installed (Debian package libcoap3-bin).

set -u

top_builddir=$(cd .. && pwd)
gkdc="$top_builddir/host/gkdc"
if [ -x "$top_builddir/host/.libs/gkdc" ] && [ -x "$top_builddir/libtool" ]; then
  gkdc_cmd="$top_builddir/libtool --mode=execute $gkdc"
else
  gkdc_cmd="$gkdc"
fi

client=""
for c in coap-client-gnutls coap-client-notls coap-client; do
  if command -v "$c" >/dev/null 2>&1; then
    client=$c
    break
  fi
done
if [ -z "$client" ]; then
  echo "skipped: no coap-client found (install the Debian package libcoap3-bin)"
  exit 77
fi

have_dtls=0
if grep -q '^#define GKDC_HAVE_DTLS 1' "$top_builddir/config.h" 2>/dev/null &&
   [ "$client" != coap-client-notls ]; then
  have_dtls=1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/gkdc-serve.XXXXXX") || exit 1
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

# The body of test/large: byte i is PATTERN[i % 62], as the plugin builds it.
pattern_bytes() {
  yes 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ | tr -d '\n' |
    head -c "$1"
}

large_size=5000

listen='{ uri = "coap://127.0.0.1:0"; }'
if [ "$have_dtls" = 1 ]; then
  listen="$listen, { uri = \"coaps://127.0.0.1:0\"; psk_hint = \"gkdc\"; }"
fi

# Raw public keys need P-256 key pairs, made with the openssl command.
rpk_settings=""
have_rpk=0
if [ "$have_dtls" = 1 ] && command -v openssl >/dev/null 2>&1 &&
   openssl ecparam -name prime256v1 -genkey -noout -out "$work/server.pem" 2>/dev/null &&
   openssl ecparam -name prime256v1 -genkey -noout -out "$work/client.pem" 2>/dev/null &&
   openssl ecparam -name prime256v1 -genkey -noout -out "$work/other.pem" 2>/dev/null &&
   openssl ec -in "$work/client.pem" -pubout -outform DER -out "$work/client.spki" 2>/dev/null; then
  have_rpk=1
  rpk_settings="rpk_key_file = \"$work/server.pem\"; rpk_trusted_file = \"$work/client.spki\";"
fi

cat >"$work/serve.cfg" <<EOF
log = { level = "info"; sink = "stderr"; };
plugin_dir = ( "$top_builddir/plugins", "$top_builddir/tests/plugins/.libs" );
plugins = ( "alg-boringssl", "test-resource" );
state_dir = "$work";
listen = ( $listen );
plugin_config = { test-resource = { large_size = $large_size; obs_interval_ms = 300;
                                     intercept = true; $rpk_settings }; };
EOF

# ---- start ----
# The host runs under `timeout --foreground -k 10`: kill -TERM on the timeout
# process then reaches the host as one SIGTERM. Without --foreground, timeout
# also sends SIGCONT, which can cancel the SIGSTOP with which
# LeakSanitizer's exit-time check stops the process, and the check then
# waits forever. -k 10 kills a host that does not stop.
GKDC_NO_DLCLOSE=1 timeout --foreground -k 10 120 $gkdc_cmd serve -c "$work/serve.cfg" \
  --endpoints-file "$work/endpoints" >"$work/server.log" 2>&1 &
server_pid=$!

i=0
while [ ! -s "$work/endpoints" ] && [ $i -lt 100 ]; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    break
  fi
  sleep 0.1
  i=$((i + 1))
done
if [ ! -s "$work/endpoints" ]; then
  echo "FAIL: gkdc serve wrote no endpoints file; its log:"
  cat "$work/server.log"
  exit 1
fi

coap=$(grep '^coap://' "$work/endpoints" | head -n 1)
echo "server at $coap"
case "$coap" in
  coap://127.0.0.1:[1-9]*) pass "endpoints file names the bound port" ;;
  *) fail "endpoints file: unexpected first line '$coap'" ;;
esac

if grep -q "listening on $coap" "$work/server.log"; then
  pass "log names the endpoint"
else
  fail "log does not name the endpoint $coap"
fi
if grep -q "plugin test-resource " "$work/server.log" &&
   grep -q "plugin alg-boringssl " "$work/server.log"; then
  pass "log names both plugins"
else
  fail "log does not name the loaded plugins"
fi

run_client() {
  timeout 20 "$client" "$@"
}

# ---- /.well-known/core ----
run_client -m get -o "$work/wkc" "$coap/.well-known/core"
for route in test/large test/echo test/deferred test/obs; do
  if grep -q "</$route>" "$work/wkc"; then
    pass "/.well-known/core lists $route"
  else
    fail "/.well-known/core does not list $route: $(cat "$work/wkc")"
  fi
done
if grep -q "test/peer" "$work/wkc"; then
  fail "/.well-known/core lists the hidden route test/peer"
else
  pass "/.well-known/core leaves out hidden routes"
fi

run_client -m get -o "$work/wkc-rt" "$coap/.well-known/core?rt=test.obs"
if [ "$(cat "$work/wkc-rt")" = '</test/obs>;rt="test.obs";obs;ct=0' ]; then
  pass "/.well-known/core filters by rt"
else
  fail "rt filter returned '$(cat "$work/wkc-rt")'"
fi

# ---- block-wise GET (Block2) ----
pattern_bytes $large_size >"$work/large.expected"
run_client -m get -o "$work/large" "$coap/test/large"
if cmp -s "$work/large.expected" "$work/large"; then
  pass "block-wise GET of $large_size bytes"
else
  fail "block-wise GET: body differs ($(wc -c <"$work/large") bytes)"
fi

run_client -m get -b 128 -o "$work/large128" "$coap/test/large"
if cmp -s "$work/large.expected" "$work/large128"; then
  pass "block-wise GET with 128-byte blocks"
else
  fail "block-wise GET with 128-byte blocks: body differs"
fi

# A block past the end of the body is the client's error, not the host's.
out=$(run_client -m get -b 1000,64 "$coap/test/large" 2>&1)
case "$out" in
  *4.00*) pass "Block2 past the end answers 4.00" ;;
  *) fail "Block2 past the end: '$(echo "$out" | head -c 200)'" ;;
esac

# ---- block-wise POST (Block1) ----
pattern_bytes 3000 | tr 'a-z' 'A-Z' >"$work/upload"
run_client -m post -b 64 -t 42 -f "$work/upload" -o "$work/echo" "$coap/test/echo"
if cmp -s "$work/upload" "$work/echo"; then
  pass "block-wise POST of 3000 bytes echoed"
else
  fail "block-wise POST: echo differs ($(wc -c <"$work/echo") bytes)"
fi

# ---- hostile Block1 sequences, sent as raw UDP by block1_raw ----
port=${coap##*:}
if ./integration/block1_raw 127.0.0.1 "$port" >"$work/block1.out" 2>&1 &&
   kill -0 "$server_pid" 2>/dev/null; then
  pass "hostile Block1 sequences: $(tail -n 1 "$work/block1.out")"
else
  fail "hostile Block1 sequences:"
  sed 's/^/  /' "$work/block1.out"
fi

# ---- deferred (separate) response ----
run_client -m get -o "$work/deferred" "$coap/test/deferred"
if [ "$(cat "$work/deferred")" = deferred ]; then
  pass "deferred response"
else
  fail "deferred response: '$(cat "$work/deferred")'"
fi

# ---- Observe ----
run_client -m get -s 3 -o "$work/obs" "$coap/test/obs"
count=$(grep -o 'obs [0-9]*' "$work/obs" | sort -u | wc -l)
if [ "$count" -ge 3 ]; then
  pass "observe: $count distinct representations in 3 s"
else
  fail "observe: $count representations: '$(cat "$work/obs")'"
fi
ordered=$(grep -o 'obs [0-9]*' "$work/obs" | awk '{ if (NR > 1 && $2 <= last) bad = 1; last = $2 }
  END { print bad ? "no" : "yes" }')
if [ "$ordered" = yes ]; then
  pass "observe: notifications in increasing order"
else
  fail "observe: notifications out of order: '$(cat "$work/obs")'"
fi

# ---- errors ----
out=$(run_client -m get "$coap/test/missing" 2>&1)
case "$out" in
  *4.04*) pass "unknown path answers 4.04" ;;
  *) fail "unknown path: '$out'" ;;
esac
out=$(run_client -m delete "$coap/test/large" 2>&1)
case "$out" in
  *4.05*) pass "unsupported method answers 4.05" ;;
  *) fail "unsupported method: '$out'" ;;
esac

# ---- peer ----
run_client -m get -o "$work/peer" "$coap/test/peer"
case "$(cat "$work/peer")" in
  "udp 127.0.0.1:"*) pass "plain request reaches the handler as udp" ;;
  *) fail "peer over udp: '$(cat "$work/peer")'" ;;
esac

# ---- OSCORE interceptor ----
# The test plugin's interceptor dispatches requests with an OSCORE option
# without decrypting them; the option value (0x0901) stands in for a kid.
run_client -m get -O 9,0x0901 -o "$work/peer-oscore" "$coap/test/peer"
case "$(cat "$work/peer-oscore")" in
  "oscore 127.0.0.1:"*" kid=2 bytes") pass "OSCORE request goes through the interceptor" ;;
  *) fail "peer through the interceptor: '$(cat "$work/peer-oscore")'" ;;
esac
run_client -m get -O 9,0x0901 -s 3 -o "$work/obs-oscore" "$coap/test/obs"
count=$(grep -o 'obs [0-9]*' "$work/obs-oscore" | sort -u | wc -l)
if [ "$count" -ge 3 ]; then
  pass "observe through the interceptor: $count representations in 3 s"
else
  fail "observe through the interceptor: '$(cat "$work/obs-oscore")'"
fi
run_client -m get -O 9,0x0901 -o "$work/large-oscore" "$coap/test/large"
if cmp -s "$work/large.expected" "$work/large-oscore"; then
  pass "interceptor reply larger than one message goes out in outer blocks"
else
  fail "large interceptor reply: '$(head -c 200 "$work/large-oscore" 2>/dev/null)'"
fi

# ---- DTLS ----
if [ "$have_dtls" = 1 ]; then
  coaps=$(grep '^coaps://' "$work/endpoints" | head -n 1)
  run_client -m get -u gkdc-test -k test-psk-0123456 -o "$work/peer-dtls" "$coaps/test/peer"
  case "$(cat "$work/peer-dtls" 2>/dev/null)" in
    "dtls 127.0.0.1:"*" identity=gkdc-test") pass "DTLS PSK request carries the identity" ;;
    *) fail "peer over DTLS: '$(cat "$work/peer-dtls" 2>/dev/null)'" ;;
  esac
  run_client -m get -u gkdc-test -k test-psk-0123456 -o "$work/large-dtls" "$coaps/test/large"
  if cmp -s "$work/large.expected" "$work/large-dtls"; then
    pass "block-wise GET over DTLS"
  else
    fail "block-wise GET over DTLS: body differs"
  fi
  rm -f "$work/wrong-key"
  run_client -m get -u gkdc-test -k wrong-key-000000 -o "$work/wrong-key" \
    "$coaps/test/peer" >/dev/null 2>&1
  if [ -s "$work/wrong-key" ]; then
    fail "DTLS handshake with a wrong key succeeded"
  else
    pass "DTLS handshake with a wrong key fails"
  fi
  if [ "$have_rpk" = 1 ]; then
    rm -f "$work/peer-rpk" "$work/peer-other"
    run_client -m get -M "$work/client.pem" -o "$work/peer-rpk" "$coaps/test/peer"
    case "$(cat "$work/peer-rpk" 2>/dev/null)" in
      "dtls 127.0.0.1:"*" identity=$(wc -c <"$work/client.spki") bytes")
        pass "DTLS raw public key request carries the client key" ;;
      *) fail "peer over DTLS RPK: '$(cat "$work/peer-rpk" 2>/dev/null)'" ;;
    esac
    run_client -m get -M "$work/other.pem" -o "$work/peer-other" "$coaps/test/peer" \
      >/dev/null 2>&1
    if [ -s "$work/peer-other" ]; then
      fail "DTLS handshake with an untrusted raw public key succeeded"
    else
      pass "DTLS handshake with an untrusted raw public key fails"
    fi
  else
    echo "skipped: no openssl command for raw public key tests"
  fi
else
  echo "skipped: built without DTLS"
fi

# ---- shutdown ----
kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=""
if [ "$rc" -eq 0 ]; then
  pass "SIGTERM: exit status 0"
else
  fail "SIGTERM: exit status $rc"
fi
if tail -n 1 "$work/server.log" | grep -q "shutdown complete"; then
  pass "last log line is the clean shutdown"
else
  fail "no clean shutdown line at the end of the log"
fi
if grep -q "test-resource: fini:" "$work/server.log"; then
  pass "plugin fini ran"
else
  fail "plugin fini did not run"
fi
# Expected: the failed handshake with the wrong key, and the refused
# interceptor reply of test/large (libcoap warns that the PDU is too big).
unexpected=$(grep -E " (error|warning) " "$work/server.log" |
  grep -v -e "DTLS" -e "does not fit in one CoAP message" -e "exchange_reply failed" \
    -e "coap_pdu_resize: pdu too big")
if [ -n "$unexpected" ]; then
  fail "server logged unexpected errors or warnings: $unexpected"
else
  pass "server logged no unexpected errors or warnings"
fi

if [ "$failures" -ne 0 ]; then
  echo "--- server log ---"
  cat "$work/server.log"
fi

# ---- a host without routes or interceptor ----
# It logs at debug level, where libcoap dumps every message: the payloads
# must stay out of the log (over DTLS they are plaintext and can hold keys).
cat >"$work/bare.cfg" <<EOF
log = { level = "debug"; sink = "stderr"; };
plugin_dir = ( "$top_builddir/plugins" );
plugins = ( "alg-boringssl" );
state_dir = "$work";
listen = ( { uri = "coap://127.0.0.1:0"; } );
EOF
rm -f "$work/endpoints"
GKDC_NO_DLCLOSE=1 timeout --foreground -k 10 60 $gkdc_cmd serve -c "$work/bare.cfg" \
  --endpoints-file "$work/endpoints" >"$work/bare.log" 2>&1 &
server_pid=$!
i=0
while [ ! -s "$work/endpoints" ] && [ $i -lt 100 ] && kill -0 "$server_pid" 2>/dev/null; do
  sleep 0.1
  i=$((i + 1))
done
bare=$(head -n 1 "$work/endpoints" 2>/dev/null)
out=$(run_client -m get -O 9,0x0901 "$bare/test/peer" 2>&1)
case "$out" in
  *4.02*) pass "OSCORE request without an interceptor answers 4.02" ;;
  *) fail "OSCORE request without an interceptor: '$out'" ;;
esac
out=$(run_client -m get "$bare/.well-known/core" 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
  pass "/.well-known/core of a host without routes is empty"
else
  fail "/.well-known/core of a bare host: status $rc, '$out'"
fi
run_client -m post -t 0 -e "text-payload-marker" "$bare/test/missing" >/dev/null 2>&1
run_client -m post -t 60 -e "binary-payload-marker" "$bare/test/missing" >/dev/null 2>&1
if grep -q "c:POST" "$work/bare.log" && grep -q "binary data length 21" "$work/bare.log"; then
  pass "debug log shows the messages"
else
  fail "debug log does not show the POST requests"
fi
# "binary-payload-marker" in hex, and the start of its character dump.
if grep -q -e "payload-marker" -e "62696e6172792d" -e "b i n a r y" "$work/bare.log"; then
  fail "debug log shows a payload: $(grep -e "payload-marker" -e "62696e6172792d" \
    -e "b i n a r y" "$work/bare.log" | head -n 2)"
else
  pass "debug log leaves out the payloads"
fi
kill -TERM "$server_pid"
wait "$server_pid"
rc=$?
server_pid=""
if [ "$rc" -eq 0 ] && tail -n 1 "$work/bare.log" | grep -q "shutdown complete"; then
  pass "host without routes stops cleanly"
else
  fail "host without routes: exit status $rc"
  cat "$work/bare.log"
fi
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
