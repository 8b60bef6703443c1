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

# Each built x86 kernel's inner loop, in the object the library links: one multiply-add
# per accumulator and input channel (or channel pair), no spill. MR and NR come from
# the kernel's source, as the aarch64 stage reads NEON's.
tile() { sed -n "s/^constexpr size_t $2 = \([0-9]*\);/\1/p" "kernels/$1"; }
check_loop() {  # VARIANT FUNCTION OP COUNT
  grep -qx "$1 built" "$build/pointwise_variants.txt" || return 0
  local object
  object=$(find "$build/kernels" -name "$1.cpp.o" | head -1)
  bash .ci/check_x86_inner_loop.sh objdump "$object" "$2" "$3" "$4" | grep -E "^(--|!!)" || status=1
}
if [[ $(uname -m) == x86_64 ]]; then
  mr=$(tile avx512.cpp kAvx512MR) nv=$(( $(tile avx512.cpp kAvx512NR) / 16 ))
  # The plain loop and the copy that prefetches streamed weights (true).
  for prefetch in false true; do
    check_loop avx512 "gemm_rows_in_place<xsimd::avx512f, ${mr}ul, ${nv}ul, ${prefetch}>" vfmadd231ps $(( mr * nv ))
  done
  mr=$(tile avx512_bf16.cpp kAvx512Bf16MR) nv=$(( $(tile avx512_bf16.cpp kAvx512Bf16NR) / 16 ))
  for prefetch in false true; do
    check_loop avx512_bf16 "bf16_panel<pw::(anonymous namespace)::avx512_bf16_ops, ${mr}ul, ${nv}ul, ${nv}ul, ${prefetch}>" \
      vdpbf16ps $(( mr * nv ))
  done
  # The tiles of 1..16 and 17..24 output channels: two and three vectors of lane pairs per pixel.
  check_loop avx512_bf16 "bf16_pair_pairs_panel<16ul, ${mr}ul, 2ul>" vdpbf16ps $(( mr * 2 ))
  mr=$(tile avx512_bf16.cpp kAvx512Bf16WideChannelPairsMR)
  check_loop avx512_bf16 "bf16_pair_pairs_panel<24ul, ${mr}ul, 3ul>" vdpbf16ps $(( mr * 3 ))
  mr=$(tile avx2.cpp kAvx2MR) nv=$(( $(tile avx2.cpp kAvx2NR) / 8 ))
  check_loop avx2 "gemm_rows_in_place<xsimd::fma3<xsimd::avx2>, ${mr}ul, ${nv}ul, false>" vfmadd231ps $(( mr * nv ))
  mr=$(tile sse.cpp kSseMR) nv=$(( $(tile sse.cpp kSseNR) / 4 ))
  check_loop sse "gemm_rows_spread<xsimd::sse2, ${mr}ul, ${nv}ul>" mulps $(( mr * nv ))
fi
exit "$status"
