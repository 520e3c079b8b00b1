#!/bin/sh
# Runs `gkdc inspect` on the RFC 8392 Appendix A tokens and checks the
# labelled diagnostic notation, the other input forms and the exit codes.
set -u

gkdc="${abs_top_builddir:-..}/host/gkdc"
tmp="${TMPDIR:-/tmp}/gkdc-inspect.$$"
failures=0
trap 'rm -f "$tmp".*' EXIT

claims=a70175636f61703a2f2f61732e6578616d706c652e636f6d02656572696b77037818636f61703a2f2f6c696768742e6578616d706c652e636f6d041a5612aeb0051a5610d9f0061a5610d9f007420b71
sign1=d28443a10126a104524173796d6d657472696345434453413235365850${claims}58405427c1ff28d23fbad1f29c4c7c6a555e601d6fa29f9179bc3d7438bacaca5acd08c8d4d4f96131680c429a01f85951ecee743a52b9b63632c57209120e1c9e30
mac0=d83dd18443a10104a1044c53796d6d65747269633235365850${claims}48093101ef6d789200
key=a42050231f4c4d4d3051fdc2ec0a3851d5b3830104024c53796d6d6574726963313238030a

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# expect_line FILE TEXT: FILE has a line containing TEXT exactly.
expect_line() {
  grep -F -q -- "$2" "$1" || fail "$1 lacks: $2"
}

# The signed token: tag, header and claim labels.
"$gkdc" inspect "$sign1" >"$tmp.sign1" || fail "inspect of the A.3 token exited $?"
expect_line "$tmp.sign1" '18(['
expect_line "$tmp.sign1" '/ protected / << {'
expect_line "$tmp.sign1" '/ alg / 1: -7 / ES256 /'
expect_line "$tmp.sign1" "/ kid / 4: h'4173796d6d65747269634543445341323536' / 'AsymmetricECDSA256' /"
expect_line "$tmp.sign1" '/ iss / 1: "coap://as.example.com",'
expect_line "$tmp.sign1" '/ sub / 2: "erikw",'
expect_line "$tmp.sign1" '/ aud / 3: "coap://light.example.com",'
expect_line "$tmp.sign1" '/ exp / 4: 1444064944,'
expect_line "$tmp.sign1" '/ nbf / 5: 1443944944,'
expect_line "$tmp.sign1" '/ iat / 6: 1443944944,'
expect_line "$tmp.sign1" "/ cti / 7: h'0b71'"
expect_line "$tmp.sign1" "/ signature / h'5427c1ff"

# The MACed token with the CWT tag, given in two arguments and as a file.
half=$(printf %s "$mac0" | cut -c1-40)
rest=$(printf %s "$mac0" | cut -c41-)
"$gkdc" inspect "$half" "$rest" >"$tmp.mac0" || fail "inspect of the A.4 token exited $?"
expect_line "$tmp.mac0" '61(17(['
expect_line "$tmp.mac0" '/ alg / 1: 4 / HMAC 256/64 /'
expect_line "$tmp.mac0" "/ tag / h'093101ef6d789200'"
# Hex to binary without xxd: awk prints each byte in the C locale.
printf '%s\n' "$mac0" | LC_ALL=C awk '{
  for (i = 1; i < length($0); i += 2)
    printf "%c", (index("0123456789abcdef", substr($0, i, 1)) - 1) * 16 + \
                 index("0123456789abcdef", substr($0, i + 1, 1)) - 1
}' >"$tmp.bin"
[ "$(wc -c <"$tmp.bin")" -eq $((${#mac0} / 2)) ] || fail "hex to binary conversion failed"
"$gkdc" inspect -f "$tmp.bin" >"$tmp.file" || fail "inspect -f of a binary file exited $?"
cmp -s "$tmp.mac0" "$tmp.file" || fail "binary file and hex input print differently"

# A COSE_Key: -1 is k for a symmetric key.
"$gkdc" inspect "$key" >"$tmp.key" || fail "inspect of the A.2.1 key exited $?"
expect_line "$tmp.key" "/ k / -1: h'231f4c4d4d3051fdc2ec0a3851d5b383',"
expect_line "$tmp.key" '/ kty / 1: 4 / Symmetric /,'
expect_line "$tmp.key" '/ alg / 3: 10 / AES-CCM-16-64-128 /'

# A claims set read as a CCS, in compact form.
"$gkdc" inspect --as claims --compact "$claims" >"$tmp.ccs" || fail "inspect --as claims exited $?"
expect_line "$tmp.ccs" '{/ iss / 1: "coap://as.example.com", / sub / 2: "erikw",'

# Plain mode has no comments.
"$gkdc" inspect --no-labels --compact "$key" >"$tmp.plain" || fail "inspect --no-labels exited $?"
expect_line "$tmp.plain" "{-1: h'231f4c4d4d3051fdc2ec0a3851d5b383', 1: 4, 2: h'53796d6d6574726963313238', 3: 10}"

# Invalid input fails with exit 1 and a message; usage errors exit 2.
"$gkdc" inspect a201010102 >"$tmp.out" 2>"$tmp.err"
status=$?
[ "$status" -eq 1 ] || fail "duplicate keys exited $status, expected 1"
expect_line "$tmp.err" "duplicate CBOR map key"
[ -s "$tmp.out" ] && fail "invalid input printed something"
"$gkdc" inspect 9f01ff >/dev/null 2>&1
status=$?
[ "$status" -eq 1 ] || fail "indefinite array exited $status, expected 1"
"$gkdc" inspect abc >/dev/null 2>&1
status=$?
[ "$status" -eq 2 ] || fail "odd hex exited $status, expected 2"
"$gkdc" inspect >/dev/null 2>&1
status=$?
[ "$status" -eq 2 ] || fail "no input exited $status, expected 2"
"$gkdc" inspect --help >"$tmp.help" || fail "--help exited $?"
expect_line "$tmp.help" "Usage: gkdc inspect"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all inspect checks passed"
