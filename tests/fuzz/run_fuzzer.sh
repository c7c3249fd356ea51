#!/usr/bin/env bash
# run_fuzzer.sh BIN CORPUS SECONDS -- runs one libFuzzer target briefly on a copy
# of its seed corpus (the repository's corpus is not modified) and fails on any
# crash, leak or sanitizer report.
set -euo pipefail
bin=$1 corpus=$2 secs=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r "$corpus"/. "$work"/
exec "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
     -artifact_prefix="$work/" -print_final_stats=1 "$work"
