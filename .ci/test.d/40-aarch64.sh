#!/usr/bin/env bash
# The AArch64 build: cross-compiled with g++-aarch64-linux-gnu, warnings as errors,
# and the whole GoogleTest suite run under qemu-aarch64 twice: as a plain ARMv8.0
# core (cortex-a72: no BF16) and as qemu's `max` CPU (BF16). Fails unless neon ran
# every test under both, neon_bf16 every test under max and none under cortex-a72,
# PW_ISA_AUTO took neon_bf16 for bf16 math exactly where the CPU has BF16, the two
# kernels' inner loops are what their comments say, and the library printed nothing.
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

# Both AArch64 variants must be in this build: a row missing from the list or an
# option turned off would otherwise pass as "nothing to test".
for isa in neon neon_bf16; do
  if ! grep -qx "$isa built" "$build/pointwise_variants.txt"; then
    echo "!! $build/pointwise_variants.txt: $isa is not built"
    exit 1
  fi
done

# The NEON kernel's inner loop: one fmla per accumulator and channel, no spill.
neon_mr=$(sed -n 's/^constexpr size_t kNeonMR = \([0-9]*\);/\1/p' kernels/neon.cpp)
neon_nr=$(sed -n 's/^constexpr size_t kNeonNR = \([0-9]*\);/\1/p' kernels/neon.cpp)
neon_object=$(find "$build/kernels" -name neon.cpp.o | head -1)
bash .ci/check_neon_inner_loop.sh aarch64-linux-gnu-objdump "$neon_object" "$neon_mr" "$neon_nr" fmla \
  | grep -E "^(--|!!)"
# The NEON BF16 kernel's, from the object the library links: one bfdot per
# accumulator and channel pair, no spill.
neon_bf16_mr=$(sed -n 's/^constexpr size_t kNeonBf16MR = \([0-9]*\);/\1/p' kernels/neon_bf16.cpp)
neon_bf16_nr=$(sed -n 's/^constexpr size_t kNeonBf16NR = \([0-9]*\);/\1/p' kernels/neon_bf16.cpp)
neon_bf16_object=$(find "$build/kernels" -name neon_bf16.cpp.o | head -1)
bash .ci/check_neon_inner_loop.sh aarch64-linux-gnu-objdump "$neon_bf16_object" "$neon_bf16_mr" \
  "$neon_bf16_nr" bfdot | grep -E "^(--|!!)"

# count_tests LOG ISA STATUS [EXCLUDE]: the tests of one variant that ended with
# STATUS (Passed, Skipped or $failed), leaving out names that match the regex EXCLUDE. A
# variant's tests end in /<isa> (one per variant) or /<isa>_math_<m>_in_<t>_out_<t>
# (test_bf16: one per variant, math and tensor types).
failed='(\*\*\*(Failed|Timeout|Exception)|SEGFAULT|Subprocess aborted|Not Run)'
count_tests() {
  grep -E "Test +#[0-9]+: [^ ]*/${2}(_math_[a-z0-9]+_in_[a-z0-9]+_out_[a-z0-9]+)? .*${3}" "$1" \
    | grep -c -v -E "${4:-^\$}" || true
}

# pointwise-info under QEMU_CPU=$1 for a bf16-math (or f32-math) layer: the variant
# on its PW_ISA_AUTO tiles line must be $3.
check_auto_pick() {
  local cpu=$1 math=$2 want=$3 output picked
  output=$(cd "$build" && QEMU_CPU=$cpu qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib \
             src/tools/pointwise-info --math "$math" --in 64 --out 64 --height 4 --width 4 2>&1) || {
    echo "!! pointwise-info --math $math failed under QEMU_CPU=$cpu:"
    echo "$output"
    return 1
  }
  picked=$(echo "$output" | sed -n 's/^  \([a-z0-9_]*\) .*<- PW_ISA_AUTO$/\1/p')
  echo "   $math math: PW_ISA_AUTO runs ${picked:-nothing}"
  if [ "$picked" != "$want" ]; then
    echo "!! PW_ISA_AUTO ran ${picked:-nothing} for $math math under QEMU_CPU=$cpu, expected $want:"
    echo "$output"
    return 1
  fi
}

# Emulated code is 50-100x slower than native. The kernel tests run their full sweeps
# (under a second each); only the ISA-independent planner sweep trims its largest
# image when this is set. POINTWISE_TEST_QUICK stays unset: it would skip tails.
export POINTWISE_TEST_EMULATED=1
# Two tests of thread-creation failure test limits of the kernel that qemu-user does
# not reproduce: given NullWhenNoThreadCanStart's 64 TiB thread stacks, qemu grows to
# all of the host's memory (23 GB) until the kernel's OOM killer ends it, minutes later
# and with every process on the machine at risk; under NullWhenOnlySomeThreadsCanStart's
# RLIMIT_AS it starts all 500 threads. The native stage runs both.
not_under_qemu='^ThreadpoolCreate\.NullWhen(NoThread|OnlySomeThreads)CanStart$'
status=0
for cpu in cortex-a72 max; do
  run_start=$(date +%s)
  log="$build/ctest-$cpu.log"
  echo "-- ctest under qemu-aarch64, QEMU_CPU=$cpu (not run here: $not_under_qemu)"
  (cd "$build" && QEMU_CPU=$cpu ctest -j"$JOBS" --timeout 300 -E "$not_under_qemu" 2>&1) | tee "$log" \
    | grep -v -E "^\s+Start |Test +#[0-9]+: .*( Passed|\*\*\*Skipped)|^\s+[0-9]+ - .*\(Skipped\)$|^The following tests did not run:$" || true
  grep -q "100% tests passed" "$log" || status=1
  echo "-- tests per variant (passed / failed / skipped), aarch64 QEMU_CPU=$cpu:"
  for isa in $(cut -d" " -f1 "$build/pointwise_variants.txt"); do
    passed=$(count_tests "$log" "$isa" Passed)
    failures=$(count_tests "$log" "$isa" "$failed")
    skipped=$(count_tests "$log" "$isa" Skipped)
    echo "   ${isa}: ${passed} passed, ${failures} failed, ${skipped} skipped"
  done
  neon_passed=$(count_tests "$log" neon Passed)
  neon_failed=$(count_tests "$log" neon "$failed")
  neon_skipped=$(count_tests "$log" neon Skipped)
  if [ "$neon_passed" -eq 0 ] || [ "$neon_failed" -ne 0 ] || [ "$neon_skipped" -ne 0 ]; then
    echo "!! the neon variant did not pass every test under QEMU_CPU=$cpu"
    status=1
  fi
  # neon_bf16 does bf16 math only: test_bf16's f32-math cases skip on every CPU.
  bf16_passed=$(count_tests "$log" neon_bf16 Passed)
  bf16_failed=$(count_tests "$log" neon_bf16 "$failed")
  bf16_skipped=$(count_tests "$log" neon_bf16 Skipped "/neon_bf16_math_f32_")
  if [ "$cpu" = max ] && { [ "$bf16_passed" -eq 0 ] || [ "$bf16_failed" -ne 0 ] || [ "$bf16_skipped" -ne 0 ]; }; then
    echo "!! the neon_bf16 variant did not pass every test under QEMU_CPU=max" \
         "(${bf16_passed} passed, ${bf16_failed} failed, ${bf16_skipped} skipped besides f32 math)"
    status=1
  fi
  if [ "$cpu" = cortex-a72 ] && { [ "$bf16_passed" -ne 0 ] || [ "$bf16_failed" -ne 0 ] || [ "$bf16_skipped" -eq 0 ]; }; then
    echo "!! the neon_bf16 variant ran tests on a CPU without BF16" \
         "(${bf16_passed} passed, ${bf16_failed} failed, ${bf16_skipped} skipped)"
    status=1
  fi
  # The library never prints: a core without HWCAP2 features is where it did.
  if ! grep -q -E "Test +#[0-9]+: Library\.NeverPrints .* Passed" "$log"; then
    echo "!! Library.NeverPrints did not pass under QEMU_CPU=$cpu"
    status=1
  fi
  echo "-- PW_ISA_AUTO for a 64 -> 64 channel layer (pointwise-info), QEMU_CPU=$cpu:"
  bf16_pick=neon
  [ "$cpu" = max ] && bf16_pick=neon_bf16
  check_auto_pick "$cpu" bf16 "$bf16_pick" || status=1
  check_auto_pick "$cpu" f32 neon || status=1
  grep -E "tests passed|tests failed" "$log" | tail -1
  report_counts $(ctest_counts "$log")
  echo "-- QEMU_CPU=$cpu took $(( $(date +%s) - run_start )) s"
done
echo "-- aarch64 stage took $(( $(date +%s) - stage_start )) s"
exit "$status"
