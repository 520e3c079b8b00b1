#!/bin/sh
# Checks the gkdc command line: global options, exit codes (0 success,
# 1 runtime failure, 2 usage error), and that `gkdc serve` exits 1 with one
# error line when a configured plugin is rejected or the config is invalid.
# Uses the loader's test plugins from the build tree.

top=${abs_top_builddir:-..}
gkdc="$top/host/gkdc"
plugin_dir="$top/tests/plugins/.libs"
work=$(mktemp -d "${TMPDIR:-/tmp}/gkdc-cli.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

passed=0
failed=0

pass() { passed=$((passed + 1)); echo "ok: $1"; }
fail() { failed=$((failed + 1)); echo "FAIL: $1"; }

# expect_status WANT DESCRIPTION COMMAND...: runs COMMAND with its output in
# $work/out and checks its exit status.
expect_status() {
  want=$1
  what=$2
  shift 2
  "$@" >"$work/out" 2>&1
  got=$?
  if [ "$got" -eq "$want" ]; then
    pass "$what (exit $got)"
  else
    fail "$what: exit $got, expected $want"
    sed 's/^/  | /' "$work/out"
  fi
}

# expect_output TEXT DESCRIPTION: checks that $work/out contains TEXT.
expect_output() {
  if grep -qF -- "$1" "$work/out"; then
    pass "$2"
  else
    fail "$2: no line containing '$1'"
    sed 's/^/  | /' "$work/out"
  fi
}

expect_status 0 "gkdc --help" "$gkdc" --help
expect_output "Usage: gkdc" "--help prints the usage"
expect_output "serve" "--help lists serve"

expect_status 0 "gkdc --version" "$gkdc" --version
expect_output "plugin ABI 1." "--version prints the ABI version"

expect_status 2 "gkdc without a command" "$gkdc"
expect_output "missing command" "missing command message"

expect_status 2 "gkdc with an unknown command" "$gkdc" frobnicate
expect_output "unknown command 'frobnicate'" "unknown command message"

expect_status 2 "gkdc with an unknown option" "$gkdc" --frobnicate

expect_status 0 "gkdc inspect --help" "$gkdc" inspect --help

expect_status 0 "gkdc serve --help" "$gkdc" serve --help
expect_status 2 "gkdc serve with an unknown option" "$gkdc" serve --frobnicate

cat >"$work/bad-plugin.conf" <<EOF
plugin_dir = "$plugin_dir";
plugins = ( "good-alg", "bad-abi-major" );
listen = ( { uri = "coap://127.0.0.1:0"; } );
EOF
expect_status 1 "serve with a rejected plugin" "$gkdc" serve -c "$work/bad-plugin.conf"
expect_output "plugin $plugin_dir/bad-abi-major.so rejected: ABI major 2, host supports 1" \
  "serve names the rejected plugin and the reason"

cat >"$work/typo.conf" <<EOF
plugins = ( );

stat_dir = "/tmp";
EOF
expect_status 1 "serve with an unknown setting" "$gkdc" serve -c "$work/typo.conf"
expect_output "config $work/typo.conf:3: stat_dir: unknown setting" \
  "serve names the file, line and setting"

expect_status 1 "serve with a missing config" "$gkdc" serve -c "$work/missing.conf"
expect_output "cannot read the file" "missing config message"

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
