#!/usr/bin/env bash
# The NEON BF16 kernel on its own, before it is wired into the CMake build: cross-
# compiles kernels/neon_bf16.cpp with its flags and tests/test_neon_bf16_microkernel.cpp
# (statically linked), checks the inner loop of the object, and runs the test under
# qemu-aarch64 as `max` (FEAT_BF16: every test must pass, none skip) and as cortex-a72
# (no BF16: the kernel tests must skip, proving the test never runs a bfdot there).
# POINTWISE_NEON_BF16_BUILD_DIR overrides the build directory (default build/neon-bf16).
set -euo pipefail
source .ci/lib.sh
build=${POINTWISE_NEON_BF16_BUILD_DIR:-build/neon-bf16}
need_packages g++-aarch64-linux-gnu qemu-user libgtest-dev:arm64
mkdir -p "$build"

cxx="aarch64-linux-gnu-g++ -std=c++17 -O3 -DNDEBUG -Wall -Wextra -Werror"
# The kernel's flags, as kernels/neon_bf16.cpp explains: Armv8.2 + BF16, nothing more.
$cxx -march=armv8.2-a+bf16 -fPIC -fvisibility=hidden -c kernels/neon_bf16.cpp -o "$build/neon_bf16.cpp.o"
$cxx -Ikernels -c tests/test_neon_bf16_microkernel.cpp -o "$build/test_neon_bf16_microkernel.cpp.o"
# gtest's static library references getaddrinfo (its unused streaming listener): the
# linker's warning about it is harmless here.
aarch64-linux-gnu-g++ -static "$build/test_neon_bf16_microkernel.cpp.o" "$build/neon_bf16.cpp.o" \
  -L/usr/lib/aarch64-linux-gnu -lgtest_main -lgtest -pthread -o "$build/test_neon_bf16_microkernel" 2>/dev/null

neon_bf16_mr=$(sed -n 's/^constexpr size_t kNeonBf16MR = \([0-9]*\);/\1/p' kernels/neon_bf16.cpp)
neon_bf16_nr=$(sed -n 's/^constexpr size_t kNeonBf16NR = \([0-9]*\);/\1/p' kernels/neon_bf16.cpp)
bash .ci/check_neon_bf16_inner_loop.sh aarch64-linux-gnu-objdump "$build/neon_bf16.cpp.o" \
  "$neon_bf16_mr" "$neon_bf16_nr" | grep -E "^(--|!!)"

status=0
for cpu in max cortex-a72; do
  log="$build/test-$cpu.log"
  echo "-- test_neon_bf16_microkernel under qemu-aarch64 -cpu $cpu"
  qemu-aarch64 -cpu "$cpu" -L /usr/aarch64-linux-gnu "$build/test_neon_bf16_microkernel" >"$log" 2>&1 || status=1
  grep -E "^\[ *(OK|FAILED|SKIPPED) *\] .* \(" "$log" | sed "s/^/   /" || true
  passed=$(grep -c -E "^\[ +OK \]" "$log" || true)
  skipped=$(grep -c -E "^\[  SKIPPED \] NeonBf16Microkernel\..* \(" "$log" || true)
  failed=$(grep -c -E "^\[  FAILED  \] NeonBf16Microkernel\..* \(" "$log" || true)
  grep -q "^\[  PASSED  \]" "$log" || status=1
  if [ "$cpu" = max ] && { [ "$skipped" -ne 0 ] || [ "$passed" -lt 2 ]; }; then
    echo "!! the neon_bf16 kernel tests did not all run under -cpu max"
    status=1
  fi
  if [ "$cpu" = cortex-a72 ] && [ "$skipped" -eq 0 ]; then
    echo "!! the neon_bf16 kernel tests ran on a CPU without BF16"
    status=1
  fi
  report_counts "$passed" "$failed" "$skipped"
done
exit "$status"
