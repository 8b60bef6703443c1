#!/usr/bin/env bash
# Sanitizer and concurrency builds (issue 8), with g++:
#  1. the whole GoogleTest suite under AddressSanitizer + UndefinedBehaviorSanitizer
#     (build/asan), every finding fatal;
#  2. the threading tests under ThreadSanitizer (build/tsan);
#  3. the C worked example under valgrind's memcheck (build/valgrind): no leak, no
#     invalid access.
# Benchmarks are off, and only the targets each step runs are built.
# POINTWISE_SANITIZER_BUILD_PREFIX overrides where the three build trees go (default
# build); POINTWISE_SANITIZER_STEPS picks steps (default "asan tsan valgrind").
set -euo pipefail
source .ci/lib.sh
need_packages "${BASE_PACKAGES[@]}" valgrind
prefix=${POINTWISE_SANITIZER_BUILD_PREFIX:-build}
steps=" ${POINTWISE_SANITIZER_STEPS:-asan tsan valgrind} "
stage_start=$(date +%s)
common=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOINTWISE_BUILD_BENCHMARKS=OFF)

step() { echo "-- $1 ($(( $(date +%s) - stage_start )) s so far)"; }
passed=0 failed=0 skipped=0
# gtest BINARY ARGS...: runs a GoogleTest binary (set -e stops the stage if it fails)
# and adds its passed and skipped tests to the stage's counts.
gtest() {
  local out
  out=$("$@" --gtest_brief=1 2>&1) || { echo "$out"; exit 1; }
  echo "$out" | grep -E "^\[  (PASSED|SKIPPED) " || true
  passed=$(( passed + $(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | head -1) + 0 ))
  skipped=$(( skipped + $(echo "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | head -1) + 0 ))
}

# 1. ASan + UBSan: every test.
if [[ "$steps" == *" asan "* ]]; then
step "ASan+UBSan: the whole suite"
asan="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B "$prefix/asan" "${common[@]}" -DCMAKE_CXX_FLAGS="$asan -Werror" -DCMAKE_C_FLAGS="$asan -Werror" >/dev/null
cmake --build "$prefix/asan" -j"$JOBS"
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
log="$prefix/asan/ctest.log"
status=0
(cd "$prefix/asan" && ctest -j"$JOBS" --timeout 900 --output-on-failure >ctest.log 2>&1) || status=$?
grep -E "tests passed|tests failed" "$log" | tail -1
read -r asan_passed asan_failed asan_skipped < <(ctest_counts "$log")
if [ "$status" -ne 0 ]; then
  grep -E -A30 "runtime error|ERROR: (Address|Leak)Sanitizer|Failure$" "$log" | head -150 || true
  grep -E "^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted|Exception)" "$log" || true
  echo "-- ASan+UBSan: FAILED (whole log: $log)"
  exit 1
fi
unset ASAN_OPTIONS
passed=$(( passed + asan_passed )) skipped=$(( skipped + asan_skipped ))
fi

# 2. TSan: the tests that run threads. pthreadpool comes uninstrumented from Debian:
# TSan cannot see its synchronisation, hence tests/tsan.supp (see the comment there);
# host pools over std::thread are instrumented and are not suppressed.
if [[ "$steps" == *" tsan "* ]]; then
step "TSan: threads and concurrency"
cmake -S . -B "$prefix/tsan" "${common[@]}" -DCMAKE_CXX_FLAGS="-fsanitize=thread -Werror" \
  -DCMAKE_C_FLAGS="-fsanitize=thread -Werror" >/dev/null
cmake --build "$prefix/tsan" -j"$JOBS" --target test_threads test_bad_inputs test_denormals
# history_size=7: the longest per-thread history, so a report on a pthreadpool worker
# still has the worker's stack (and its libpthreadpool frame) to match the suppression;
# with the default a long task left "[failed to restore the stack]" and no match.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 history_size=7 suppressions=$PWD/tests/tsan.supp"
# One conv from four threads at once on every variant; every pool and thread count
# on one fast variant (TSan makes the whole matrix take many minutes: the scalar
# variant alone takes longer than this stage's budget); per-thread pw_last_error;
# floating-point modes of pool threads.
gtest "$prefix/tsan"/tests/test_threads \
  --gtest_filter='*OneConvRunFromFourThreadsAtOnce*:*BitwiseIdenticalForEveryThreadCountAndPool/avx2'
gtest "$prefix/tsan"/tests/test_bad_inputs --gtest_filter='BadInputThreads.*'
gtest "$prefix/tsan"/tests/test_denormals --gtest_filter='*Pool*'
unset TSAN_OPTIONS
fi

# 3. valgrind on the C example through the shared library.
if [[ "$steps" == *" valgrind "* ]]; then
step "valgrind: the C worked example"
cmake -S . -B "$prefix/valgrind" "${common[@]}" >/dev/null
cmake --build "$prefix/valgrind" -j"$JOBS" --target c_api_worked_example
valgrind --leak-check=full --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
  --error-exitcode=1 -q "$prefix/valgrind"/tests/c_api_worked_example
passed=$(( passed + 1 ))
fi
echo "-- 50-sanitizers ($steps): all clean in $(( $(date +%s) - stage_start )) s"
report_counts "$passed" "$failed" "$skipped"
