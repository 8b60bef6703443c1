#!/usr/bin/env bash
# The AArch64 build: cross-compiled with g++-aarch64-linux-gnu, warnings as errors,
# and the whole GoogleTest suite run under qemu-aarch64 twice: as a plain ARMv8.0
# core (cortex-a72) and as qemu's `max` CPU. Fails unless the neon variant ran.
# POINTWISE_AARCH64_BUILD_DIR overrides the build directory (default build/aarch64).
set -euo pipefail
source .ci/lib.sh
build=${POINTWISE_AARCH64_BUILD_DIR:-build/aarch64}
stage_start=$(date +%s)

# The arm64 -dev packages co-install with the amd64 ones (multiarch).
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo dpkg --add-architecture arm64
  $sudo apt-get update -q >/dev/null
fi
need_packages cmake make g++-aarch64-linux-gnu qemu-user libcpu-features-dev:arm64 libgtest-dev:arm64 \
              libbenchmark-dev:arm64 libxsimd-dev:arm64

# libpthreadpool-dev is not multi-arch (its arm64 package would replace the amd64
# one): unpack the arm64 packages into a prefix of the build tree instead.
prefix="$PWD/$build/arm64-prefix"
if [ ! -e "$prefix/usr/lib/aarch64-linux-gnu/libpthreadpool.so.0" ]; then
  mkdir -p "$build/arm64-debs" "$prefix"
  (cd "$build/arm64-debs" && apt-get download -q -o APT::Sandbox::User=root libpthreadpool-dev:arm64 libpthreadpool0:arm64 >/dev/null)
  for deb in "$build"/arm64-debs/*.deb; do dpkg-deb -x "$deb" "$prefix"; done
fi

cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/toolchains/aarch64-linux-gnu.cmake" \
      -DCMAKE_PREFIX_PATH="$prefix/usr" -DCMAKE_BUILD_TYPE=Release \
      -DPOINTWISE_BUILD_BENCHMARKS=ON -DCMAKE_CXX_FLAGS="-Werror" -DCMAKE_C_FLAGS="-Werror" >/dev/null
cmake --build "$build" -j"$JOBS"
echo "-- cross build done in $(( $(date +%s) - stage_start )) s"

# The NEON kernel's inner loop: one fmla per accumulator and channel, no spill.
neon_mr=$(sed -n 's/^constexpr size_t kNeonMR = \([0-9]*\);/\1/p' kernels/neon.cpp)
neon_nr=$(sed -n 's/^constexpr size_t kNeonNR = \([0-9]*\);/\1/p' kernels/neon.cpp)
neon_object=$(find "$build/kernels" -name neon.cpp.o | head -1)
bash .ci/check_neon_inner_loop.sh aarch64-linux-gnu-objdump "$neon_object" "$neon_mr" "$neon_nr" | grep -E "^(--|!!)"

# Emulated code is 50-100x slower than native. The kernel tests run their full sweeps
# (under a second each); only the ISA-independent planner sweep trims its largest
# image when this is set. POINTWISE_TEST_QUICK stays unset: it would skip tails.
export POINTWISE_TEST_EMULATED=1
status=0
for cpu in cortex-a72 max; do
  run_start=$(date +%s)
  log="$build/ctest-$cpu.log"
  echo "-- ctest under qemu-aarch64, QEMU_CPU=$cpu"
  (cd "$build" && QEMU_CPU=$cpu ctest -j"$JOBS" --timeout 300 2>&1) | tee "$log" \
    | grep -v -E "^\s+Start |Test +#[0-9]+: .*( Passed|\*\*\*Skipped)|^\s+[0-9]+ - .*\(Skipped\)$|^The following tests did not run:$" || true
  grep -q "100% tests passed" "$log" || status=1
  echo "-- tests per variant (passed / skipped), aarch64 QEMU_CPU=$cpu:"
  for isa in $(cut -d" " -f1 "$build/pointwise_variants.txt"); do
    passed=$(grep -c -E "Test +#[0-9]+: [^ ]*/${isa} .*Passed" "$log" || true)
    skipped=$(grep -c -E "Test +#[0-9]+: [^ ]*/${isa} .*Skipped" "$log" || true)
    echo "   ${isa}: ${passed} passed, ${skipped} skipped"
    if [ "$isa" = neon ] && { [ "$passed" -eq 0 ] || [ "$skipped" -ne 0 ]; }; then
      echo "!! the neon variant did not run every test under QEMU_CPU=$cpu"
      status=1
    fi
  done
  grep -E "tests passed|tests failed" "$log" | tail -1
  report_counts $(ctest_counts "$log")
  echo "-- QEMU_CPU=$cpu took $(( $(date +%s) - run_start )) s"
done
echo "-- aarch64 stage took $(( $(date +%s) - stage_start )) s"
exit "$status"
