#!/usr/bin/env bash
# setup.sh -- installs what yuanfang needs on Debian 12 and is missing: the
# Debian packages (build, runtime, tests) and the npm packages of the browser
# tests. Safe to run again: it installs only what is not there yet.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake pkg-config clang libclang-rt-14-dev
  libssl-dev libsrtp2-dev libnice-dev libwebsockets-dev libjansson-dev libsqlite3-dev sqlite3
  libarchive-dev zlib1g-dev libqrencode-dev libcairo2-dev libpango1.0-dev
  libglib2.0-dev libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  gstreamer1.0-nice gstreamer1.0-tools gstreamer1.0-plugins-base-apps gstreamer1.0-x fonts-droid-fallback
  libc6-dbg poppler-utils zbar-tools
  chromium nodejs npm curl ca-certificates
  coturn nftables iproute2 openssl systemd
  janus
)
# janus: the reference server of the side-by-side benchmark and its CI smoke
# run (tests/load/run_bench.sh, docs/performance.md); it starts only when the
# benchmark runs it, with the configuration in tests/load/janus/.
# coturn, nftables, iproute2: the blocked-UDP, link-cut and downlink tests (tests/e2e/room_blocked_udp, room_link_cut, room_downlink: tc)
# runs its own turnserver in network namespaces; systemd: systemd-analyze,
# which checks packaging/yuanfang.service. None of them may start a service
# here: the install runs under a policy-rc.d that forbids every start (below).
# gstreamer1.0-x: Debian 12 ships textoverlay (the pango plugin) there, not in
# plugins-base. libc6-dbg: the leak:_dl_init rule of tests/lsan.supp matches
# ld.so's start-up allocations only when its symbols are installed.

# The browser tests need Node.js 20 or newer: playwright-core 1.65
# (tests/e2e/package.json) refuses older ones, and Debian 12's nodejs is 18.
# We keep the current playwright-core, the one that knows the Chromium Debian
# ships, rather than pin 1.61 (the last that runs on 18); when the node on the
# PATH is older than 20, setup takes Node 20 from the npm registry's
# node-linux-<arch> package, which carries its binary, into tests/e2e/.node.
# Either way tests/e2e/node links to the node the tests run with (CMake reads it).
NODE_MIN_MAJOR=20
NODE_PKG_VERSION=20.19.6


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
  # No package installed here starts a daemon (coturn's would listen on 3478):
  # invoke-rc.d and deb-systemd-invoke ask policy-rc.d, and 101 says no. Only
  # when there is no policy-rc.d already, and removed again afterwards.
  policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\n# scripts/setup.sh: no service starts while it installs\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
  fi
  rc=0
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" || rc=$?
  [[ -z $policy ]] || $SUDO rm -f "$policy"
  ((rc == 0)) || die "apt-get could not install: ${missing[*]} (the command was: apt-get install -y ${missing[*]})"
else
  echo "setup: Debian packages present"
fi

command -v node >/dev/null || die "node is missing after install"
node_major() { "$1" -e 'process.stdout.write(process.versions.node.split(".")[0])' 2>/dev/null || echo 0; }
test_node=$(command -v node)
if (($(node_major "$test_node") < NODE_MIN_MAJOR)); then
  case $(uname -m) in
    x86_64) node_arch=x64 ;; aarch64) node_arch=arm64 ;;
    *) die "no Node.js $NODE_MIN_MAJOR package for $(uname -m); install Node.js $NODE_MIN_MAJOR or newer" ;;
  esac
  test_node=$PWD/tests/e2e/.node/node_modules/node-linux-$node_arch/bin/node
  if (($(node_major "$test_node") < NODE_MIN_MAJOR)); then
    echo "setup: $(node --version) is older than $NODE_MIN_MAJOR; installing node-linux-$node_arch@$NODE_PKG_VERSION for the browser tests"
    mkdir -p tests/e2e/.node
    npm install --prefix tests/e2e/.node --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-$node_arch@$NODE_PKG_VERSION" ||
      die "could not install node-linux-$node_arch@$NODE_PKG_VERSION from the npm registry"
    (($(node_major "$test_node") >= NODE_MIN_MAJOR)) || die "the Node.js in tests/e2e/.node does not run"
  fi
fi
ln -sfn "$test_node" tests/e2e/node
echo "setup: browser tests run on Node.js $(tests/e2e/node --version)"
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

# Every GStreamer element post-processing needs (media/post/post_elements.h,
# the table yf_post_init checks), now that the packages are in.
gst_missing=()
while IFS='|' read -r element package; do
  gst-inspect-1.0 --exists "$element" 2>/dev/null || gst_missing+=("$element (Debian package $package)")
done < <(sed -n 's/^YF_POST_ELEMENT("\([^"]*\)", "\([^"]*\)")$/\1|\2/p' media/post/post_elements.h)
if ((${#gst_missing[@]})); then
  die "GStreamer elements missing: ${gst_missing[*]}"
fi
echo "setup: GStreamer elements present"
