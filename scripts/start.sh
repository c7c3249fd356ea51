#!/usr/bin/env bash
# start.sh -- sets up, builds and starts yuanfang: HTTPS and WSS on
# https://127.0.0.1:8443, a self-signed certificate and the data under ./data.
# Extra arguments go to the server (see `build/server/yuanfang --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target yuanfang
echo "start: the device test is at https://127.0.0.1:<port>/devtest.html (8443 unless --port; the certificate is self-signed); Ctrl-C stops"
exec build/server/yuanfang --data-dir data "$@"
