# Shell functions shared by ./run.sh and ./test.sh: install the Debian
# packages gkdc needs, generate the build system, configure and build out of
# tree. Source it from the top of the source tree; it defines functions only.

# Debian 12 packages for building, testing and running gkdc. libcoap3-bin
# provides coap-client for the script tests. openssl is only the
# command-line tool, which tests use to make raw public keys; nothing in
# gkdc links OpenSSL's library.
GKDC_PACKAGES="build-essential autoconf automake libtool pkgconf
  libcoap3-dev libcoap3-bin libcbor-dev android-libboringssl-dev
  libcunit1-dev libsqlite3-dev libconfig-dev openssl"

# gkdc_log MESSAGE...: prints a progress line of the script.
gkdc_log() {
  printf '==> %s\n' "$*"
}

# gkdc_install_packages: installs what is missing of GKDC_PACKAGES with
# apt-get (through sudo unless running as root). `apt-get update` runs only
# when something is missing. Returns non-zero when the installation failed.
gkdc_install_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    gkdc_log "dpkg-query not found: install these packages yourself: $(echo $GKDC_PACKAGES)"
    return 0
  fi

  missing=
  for pkg in $GKDC_PACKAGES; do
    if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
      missing="$missing $pkg"
    fi
  done
  [ -z "$missing" ] && return 0

  if [ "$(id -u)" -eq 0 ]; then
    sudo=
  elif command -v sudo >/dev/null 2>&1; then
    sudo=sudo
  else
    echo "error: missing packages:$missing; run as root or install sudo" >&2
    return 1
  fi
  gkdc_log "installing missing packages:$missing"
  $sudo apt-get update &&
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
}

# gkdc_bootstrap: regenerates configure and the Makefile.in files.
gkdc_bootstrap() {
  gkdc_log "autoreconf -fi"
  autoreconf -fi
}

# gkdc_build DIR [CONFIGURE-ARGS...]: configures the tree in DIR when DIR
# has no config.status yet or configure is newer, then builds it with one
# job per core. Changes to a Makefile.am need no configure run, because
# make reruns config.status for them.
gkdc_build() {
  dir=$1
  shift
  mkdir -p "$dir" || return 1
  if [ ! -f "$dir/config.status" ] || [ configure -nt "$dir/config.status" ]; then
    gkdc_log "configuring $dir: ../configure $*"
    (cd "$dir" && ../configure -q "$@") || return 1
  fi
  gkdc_log "building $dir"
  make -C "$dir" -j"$(gkdc_jobs)" >"$dir/build.log" 2>&1 ||
    { tail -n 60 "$dir/build.log"; echo "error: build failed in $dir (full log: $dir/build.log)" >&2; return 1; }
}

# gkdc_jobs: prints the number of make jobs, one per core.
gkdc_jobs() {
  nproc 2>/dev/null || echo 2
}
