#!/usr/bin/env bash
# setup.sh -- installs what yuanfang needs on Debian 12 and is missing: the
# Debian packages (build, runtime, tests) and the npm packages of the browser
# tests. Safe to run again: it installs only what is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libssl-dev libsrtp2-dev libnice-dev libwebsockets-dev libjansson-dev libsqlite3-dev sqlite3
  libarchive-dev zlib1g-dev
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-nice gstreamer1.0-tools gstreamer1.0-plugins-base-apps fonts-droid-fallback
  chromium nodejs npm curl ca-certificates
)

die() { echo "setup: $*" >&2; exit 1; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  # nodejs/npm may come from elsewhere on a developer machine: a working
  # `node` and `npm` on PATH are enough.
  if [[ $p == nodejs ]] && command -v node >/dev/null; then continue; fi
  if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || die "need root (or sudo) to install: ${missing[*]}"
    SUDO=sudo
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || die "apt-get update failed; check the network and /etc/apt/sources.list"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    die "apt-get could not install: ${missing[*]} (the command was: apt-get install -y ${missing[*]})"
else
  echo "setup: Debian packages present"
fi

command -v node >/dev/null || die "node is missing after install"
# The browser tests drive Debian's chromium through playwright-core (npm).
stamp=tests/e2e/node_modules/.yf-lock-stamp
if [[ -f $stamp ]] && cmp -s "$stamp" tests/e2e/package-lock.json; then
  echo "setup: npm packages present"
else
  echo "setup: installing npm packages for the browser tests"
  (cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error) ||
    die "npm ci in tests/e2e failed (is the npm registry reachable?)"
  cp tests/e2e/package-lock.json "$stamp"
fi
