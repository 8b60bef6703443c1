#!/usr/bin/env bash
# Differential fuzzing (issue 8): tests/fuzz/fuzz_conv under libFuzzer with
# AddressSanitizer and UndefinedBehaviorSanitizer on the target and on every library
# object, built with Debian's clang 14. First replays the seed corpus and every saved
# finding (tests/fuzz/regressions, the ctest entry Fuzz.ReplayCorpusAndRegressions),
# then fuzzes for POINTWISE_FUZZ_SECONDS (default 120) from a copy of the corpus.
# Any finding fails the stage; its input is kept in build/fuzz/findings: replay it
# with `build/fuzz/tests/fuzz/fuzz_conv FILE`, and once fixed, save it in
# tests/fuzz/regressions/ under a name that says what it found.
# POINTWISE_FUZZ_BUILD_DIR overrides the build directory (default build/fuzz).
set -euo pipefail
source .ci/lib.sh
need_packages "${BASE_PACKAGES[@]}" clang libclang-rt-14-dev
build=${POINTWISE_FUZZ_BUILD_DIR:-build/fuzz}
seconds=${POINTWISE_FUZZ_SECONDS:-120}
stage_start=$(date +%s)

sanitizers="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPOINTWISE_BUILD_BENCHMARKS=OFF -DPOINTWISE_BUILD_FUZZERS=ON \
  -DCMAKE_CXX_FLAGS="$sanitizers -fsanitize=fuzzer-no-link -Werror" -DCMAKE_C_FLAGS="$sanitizers -Werror" >/dev/null
cmake --build "$build" --target fuzz_conv -j"$JOBS"
build_seconds=$(( $(date +%s) - stage_start ))

export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd "$build" && ctest -R '^Fuzz\.' --output-on-failure)
replayed=$(cd "$build" && ctest -N -R '^Fuzz\.' | grep -cE "Test +#" || true)

work="$build/corpus"
findings="$build/findings"
rm -rf "$work" "$findings"
mkdir -p "$work" "$findings"
cp tests/fuzz/corpus/* "$work/"
log="$build/fuzz.log"
status=0
"$build/tests/fuzz/fuzz_conv" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
  -artifact_prefix="$findings/" "$work" >"$log" 2>&1 || status=$?
grep -E "^(stat::|#[0-9]+\s+DONE)" "$log" || true
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
echo "-- fuzz_conv: ${execs:-?} executions in ${seconds} s, ${rate:-?} execs/s, corpus $(ls "$work" | wc -l) inputs"
if [ "$status" -ne 0 ] || [ -n "$(ls -A "$findings")" ]; then
  tail -60 "$log"
  echo "-- fuzz_conv FOUND A PROBLEM (exit $status); inputs: $(ls "$findings")"
  exit 1
fi
echo "-- 60-fuzz: build ${build_seconds} s, stage $(( $(date +%s) - stage_start )) s"
report_counts $(( replayed + 1 )) 0 0  # the replay test(s) and the fuzzing run
