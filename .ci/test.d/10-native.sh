#!/usr/bin/env bash
# The native build: warnings as errors, the whole GoogleTest suite through ctest,
# and a count of the tests each variant ran or skipped.
set -euo pipefail
source .ci/lib.sh
need_packages "${BASE_PACKAGES[@]}"
build=build/native
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="-Werror" -DCMAKE_C_FLAGS="-Werror" >/dev/null
cmake --build "$build" -j"$JOBS"
log="$build/ctest.log"
(cd "$build" && ctest -j"$JOBS" --timeout 600 2>&1) | tee "$log" | grep -v -E "^\s+Start |Test +#[0-9]+: .* Passed" || true
status=${PIPESTATUS[0]}
# Re-read the result from the log: the pipe above only filters what is shown.
grep -q "tests passed, 0 tests failed" "$log" || grep -q "100% tests passed" "$log" || status=1
echo "-- tests per variant (passed / skipped), native:"
for isa in $(cut -d" " -f1 "$build/pointwise_variants.txt"); do
  passed=$(grep -c -E "Test +#[0-9]+: [^ ]*/${isa} .*Passed" "$log" || true)
  skipped=$(grep -c -E "Test +#[0-9]+: [^ ]*/${isa} .*Skipped" "$log" || true)
  echo "   ${isa}: ${passed} passed, ${skipped} skipped"
done
grep -E "tests passed|tests failed" "$log" | tail -1
report_counts $(ctest_counts "$log")
exit "$status"
