#!/bin/sh
# Builds gkdc twice and runs every test, then `make distcheck`:
#   1. _build/      plain build, `make check` at full size (GKDC_TEST_SCALE=1);
#   2. _build-san/  AddressSanitizer + UndefinedBehaviorSanitizer build,
#                   `make check` at reduced size (GKDC_TEST_SCALE=$SAN_SCALE)
#                   with leak detection, plugins never dlclose'd
#                   (GKDC_NO_DLCLOSE=1) so that leak traces keep their symbols;
#   3. `make distcheck` from _build/ (tarball, VPATH build with a read-only
#      source tree, install, uninstall), with tests at the reduced size
#      because step 1 already ran them at full size.
# Missing Debian packages are installed first (with sudo when not root).
# Prints the log of every failed test and ends with one line
# "N passed, N failed". Each test program counts once per build and
# distcheck counts as one more entry. A failed build counts as one failure,
# and so does a failed `make check` in which no test program failed. Exits 1 when
# anything failed.
#
# Environment: SAN_SCALE (default 0.1), GKDC_SKIP_DISTCHECK=1 skips step 3.
set -u
cd "$(dirname "$0")" || exit 1
. ./tests/run-setup.sh

san_scale=${SAN_SCALE:-0.1}
jobs=$(gkdc_jobs)
extra_passed=0
extra_failed=0
failed_steps=

# step_result NAME STATUS: records a step that is not a test program.
# Only distcheck counts as a test entry when it passes. A failed build
# counts as one failure. A failed `make check` counts in the summary only
# when no test program failed (so a test did not compile), because failed
# programs are already counted from their .trs files.
step_result() {
  [ "$2" -eq 0 ] || failed_steps="$failed_steps $1"
  case $1 in
    check:*) ;;
    distcheck) if [ "$2" -eq 0 ]; then extra_passed=$((extra_passed + 1)); else extra_failed=$((extra_failed + 1)); fi ;;
    *) [ "$2" -eq 0 ] || extra_failed=$((extra_failed + 1)) ;;
  esac
}

# run_check DIR: runs `make check` in DIR with the current environment,
# after removing the results of an earlier run.
run_check() {
  find "$1" -name '*.trs' -not -path '*/gkdc-*/*' -exec rm -f {} +
  gkdc_log "make check in $1 (GKDC_TEST_SCALE=$GKDC_TEST_SCALE)"
  start=$(date +%s)
  make -C "$1" -k -j"$jobs" check >"$1/check.log" 2>&1
  status=$?
  gkdc_log "make check in $1: status $status after $(($(date +%s) - start)) s"
  return $status
}

gkdc_install_packages || exit 1
gkdc_bootstrap || exit 1
begin=$(date +%s)

# ---- 1. plain build, full size ----
if gkdc_build _build; then
  step_result "build:_build" 0
  GKDC_TEST_SCALE=1 run_check _build
  step_result "check:_build" $?
else
  step_result "build:_build" 1
fi

# ---- 2. sanitizer build, reduced size ----
if gkdc_build _build-san --enable-sanitizers; then
  step_result "build:_build-san" 0
  GKDC_TEST_SCALE=$san_scale \
  GKDC_NO_DLCLOSE=1 \
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=report_objects=1 \
    run_check _build-san
  step_result "check:_build-san" $?
else
  step_result "build:_build-san" 1
fi

# ---- 3. distcheck ----
if [ "${GKDC_SKIP_DISTCHECK:-0}" = 1 ]; then
  gkdc_log "distcheck skipped (GKDC_SKIP_DISTCHECK=1)"
elif [ -f _build/Makefile ]; then
  gkdc_log "make distcheck in _build (GKDC_TEST_SCALE=$san_scale)"
  start=$(date +%s)
  GKDC_TEST_SCALE=$san_scale make -C _build -j"$jobs" distcheck >_build/distcheck.log 2>&1
  status=$?
  gkdc_log "make distcheck: status $status after $(($(date +%s) - start)) s"
  if [ "$status" -ne 0 ]; then
    tail -n 80 _build/distcheck.log
    echo "(full log: _build/distcheck.log)"
  fi
  step_result "distcheck" "$status"
else
  step_result "distcheck" 1
fi

# ---- summary over the automake .trs files ----
passed=0
failed=0
skipped=0
for dir in _build _build-san; do
  [ -d "$dir" ] || continue
  dir_failed=0
  for trs in $(find "$dir" -name '*.trs' -not -path '*/gkdc-*/*' | sort); do
    result=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
    case $result in
      PASS|XFAIL) passed=$((passed + 1)) ;;
      SKIP) skipped=$((skipped + 1)) ;;
      *)
        failed=$((failed + 1))
        dir_failed=$((dir_failed + 1))
        log=${trs%.trs}.log
        echo
        echo "======== ${result:-NO RESULT}: $log ========"
        cat "$log"
        ;;
    esac
  done

  # A failed `make check` without a failed test program means that a test
  # program did not build: show the make output and count it.
  case " $failed_steps " in
    *" check:$dir "*)
      if [ "$dir_failed" -eq 0 ]; then
        failed=$((failed + 1))
        echo
        echo "======== make check in $dir failed; last lines of $dir/check.log ========"
        tail -n 40 "$dir/check.log"
      fi
      ;;
  esac
done

[ -z "$failed_steps" ] || echo "failed steps:$failed_steps"
echo "$skipped test program(s) skipped; total time $(($(date +%s) - begin)) s"
echo "$((passed + extra_passed)) passed, $((failed + extra_failed)) failed"
[ $((failed + extra_failed)) -eq 0 ]
