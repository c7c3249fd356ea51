#!/usr/bin/env bash
# run_long.sh BUILD_DIR [SECONDS [RUNS]] -- the long fuzz run: every libFuzzer
# target of a fuzz build (cmake -DYF_FUZZ=ON, clang) runs on a copy of its
# seed corpus until it has executed RUNS inputs (default 10 000 000) or run
# SECONDS (default 3600), whichever comes first, one after another. Each
# target's log, its grown corpus and any crash, leak or timeout input are kept
# under $YF_FUZZ_OUT (default ./fuzz-long-DATE); at the end a table gives
# per target the executions, the seconds and the result, and the exit status
# is 1 when any target found a crash, leak, timeout or out-of-memory (an input
# slower than 10 s is kept and named, but is not a failure). Put a finding's input into
# tests/fuzz/corpus/NAME/ once it is fixed, so every build replays it.
# Set YF_FUZZ_JOBS=N to run N targets at once (one core each), and
# YF_FUZZ_ONLY="fuzz_a fuzz_b" to run only those targets (the full run can then
# be spread over several sittings of a machine that is not idle all day), and
# YF_FUZZ_TIMEOUT=S for libFuzzer's per-input timeout (default 10 s): it is
# wall-clock time, so a run at low priority on a machine busy with other work
# needs more, or inputs that take milliseconds are reported as hangs.
set -uo pipefail
build=${1:?usage: run_long.sh BUILD_DIR [SECONDS [RUNS]]}
secs=${2:-3600}
runs=${3:-10000000}
here=$(cd "$(dirname "$0")" && pwd)
out=${YF_FUZZ_OUT:-$PWD/fuzz-long-$(date -u +%Y%m%dT%H%M%SZ)}
jobs=${YF_FUZZ_JOBS:-1}
timeout=${YF_FUZZ_TIMEOUT:-10}
mkdir -p "$out"
targets=$(find "$build" -maxdepth 3 -type f -name 'fuzz_*' -perm -u+x | sort)
[ -n "$targets" ] || { echo "run_long.sh: no fuzz_* targets under $build (a -DYF_FUZZ=ON build?)" >&2; exit 2; }
if [ -n "${YF_FUZZ_ONLY:-}" ]; then
    picked=
    for want in $YF_FUZZ_ONLY; do
        hit=$(printf '%s\n' $targets | grep "/$want\$" || true)
        [ -n "$hit" ] || { echo "run_long.sh: no target $want under $build" >&2; exit 2; }
        picked="$picked $hit"
    done
    targets=$picked
fi

run_one() {
    local bin=$1 name corpus work
    name=$(basename "$bin")
    corpus=$here/corpus/${name#fuzz_}
    work=$out/$name
    mkdir -p "$work/corpus" "$work/findings"
    [ -d "$corpus" ] && cp -r "$corpus"/. "$work/corpus/"
    ASAN_OPTIONS=detect_leaks=1 "$bin" -runs="$runs" -max_total_time="$secs" -max_len=65536 -timeout="$timeout" \
        -rss_limit_mb=2048 -artifact_prefix="$work/findings/" -print_final_stats=1 "$work/corpus" \
        >"$work/log" 2>&1
    echo $? >"$work/status"
}
export -f run_one
export out here secs runs timeout
printf '%s\n' $targets | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {}

bad=0
printf '%-28s %14s %8s  %s\n' target executions seconds result
for bin in $targets; do
    name=$(basename "$bin")
    work=$out/$name
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
    took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$work/log" | tail -1)
    st=$(cat "$work/status")
    found=$(ls "$work/findings" | grep -cv '^slow-unit-')
    slow=$(ls "$work/findings" | grep -c '^slow-unit-')
    result=clean
    [ "$slow" != 0 ] && result="clean, $slow slow input(s) over 10 s kept in $work/findings (replay to tell load from a bug)"
    if [ "$st" != 0 ] || [ "$found" != 0 ]; then result="FOUND ($found inputs in $work/findings, exit $st)"; bad=1; fi
    printf '%-28s %14s %8s  %s\n' "$name" "${execs:-?}" "${took:-?}" "$result"
done
echo "logs and grown corpora: $out"
exit $bad
