#!/usr/bin/env bash
# test.sh -- sets up and runs every test: an AddressSanitizer+UBSan build
# (unit, simulation, fuzz corpora, and the hostile-client suite against its
# sanitized server), the libFuzzer targets briefly (clang),
# then the ordinary build with everything, browser tests included. CTest's
# summary of that last run is the last thing printed; earlier failures are
# listed just before it and make the script fail.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

jobs=$(nproc)
failed=()
# fast_unwind_on_malloc=0: full allocation stacks, so tests/lsan.supp can
# name GLib's deliberate one-time allocations (made by library constructors,
# which a fast unwind cuts off) instead of hiding every g_malloc.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1:fast_unwind_on_malloc=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0

stage() { # name builddir ctest-args -- cmake-args
  local name=$1 dir=$2 ctest_args=$3; shift 4
  echo "=== $name ==="
  if ! cmake -S . -B "$dir" "$@" >/dev/null || ! cmake --build "$dir" -j"$jobs"; then
    echo "=== $name: BUILD FAILED ==="; failed+=("$name (build)"); return
  fi
  # shellcheck disable=SC2086
  (cd "$dir" && ctest --output-on-failure $ctest_args) || failed+=("$name")
}

stage "sanitizers (ASan+UBSan)" build-asan "-L unit|sim|corpus|hostile" -- \
  -DCMAKE_BUILD_TYPE=Debug -DYF_SANITIZE=ON -DYF_E2E=OFF
stage "fuzzers (libFuzzer, brief)" build-fuzz "-L fuzz" -- \
  -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DYF_FUZZ=ON -DYF_E2E=OFF \
  -DYF_FUZZ_SECONDS="${YF_FUZZ_SECONDS:-20}"
if ((${#failed[@]})); then
  echo "=== earlier stages failed: ${failed[*]} ==="
fi
stage "all tests" build "" -- -DCMAKE_BUILD_TYPE=RelWithDebInfo
if ((${#failed[@]})); then
  echo "test: FAILED: ${failed[*]}"
  exit 1
fi
