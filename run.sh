#!/bin/sh
# Builds gkdc in _build/ and runs `gkdc serve` with the embedded default
# config, taking the plugins from the build tree. Missing Debian packages are
# installed first (with sudo when not root).
#
# The server runs for GKDC_RUN_SECONDS seconds (default 5) and is then
# stopped with SIGTERM; GKDC_RUN_SECONDS=0 keeps it running until Ctrl-C.
# Extra arguments go to `gkdc serve`, e.g. ./run.sh -c my.cfg.
#
# Then `gkdc demo` runs an AS, a KDC and two joining nodes on 127.0.0.1,
# with its keys, configs and logs in _build/demo/. The exit status is
# non-zero when the server did not stop cleanly or the demo failed.
set -u
cd "$(dirname "$0")" || exit 1
. ./tests/run-setup.sh

gkdc_install_packages || exit 1
gkdc_bootstrap || exit 1
gkdc_build _build || exit 1

# The host finds a plugin NAME of the build tree as
# _build/plugins/NAME/.libs/NAME.so.
GKDC_PLUGIN_PATH=$(pwd)/_build/plugins
export GKDC_PLUGIN_PATH
seconds=${GKDC_RUN_SECONDS:-5}

gkdc_log "GKDC_PLUGIN_PATH=$GKDC_PLUGIN_PATH"
gkdc_log "_build/host/gkdc serve $*"
./_build/host/gkdc serve "$@" &
pid=$!

stop() {
  kill -TERM "$pid" 2>/dev/null
}
trap stop INT TERM

if [ "$seconds" -gt 0 ]; then
  # Stop after the given time, unless the server exits first.
  waited=0
  while [ "$waited" -lt "$seconds" ] && kill -0 "$pid" 2>/dev/null; do
    sleep 1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    gkdc_log "stopping gkdc serve (SIGTERM) after $seconds s"
    stop
  fi
fi

wait "$pid"
status=$?
# A wait interrupted by the trap returns >128 while the server shuts down.
while kill -0 "$pid" 2>/dev/null; do
  wait "$pid"
  status=$?
done
gkdc_log "gkdc serve exited with status $status"
[ "$status" -eq 0 ] || exit "$status"

# The demo subcommand creates its state directory and needs it empty.
rm -rf _build/demo
gkdc_log "_build/host/gkdc demo --state-dir _build/demo"
./_build/host/gkdc demo --state-dir _build/demo
status=$?
gkdc_log "gkdc demo exited with status $status"
exit "$status"
