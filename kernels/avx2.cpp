// The AVX2 + FMA3 variant. Compiled with -mavx2 -mfma only.
#include "simd_ops_avx2.h"

namespace pw {
namespace {

// Register tile 6x16: 12 accumulators + 2 weight vectors + 1 broadcast of the 16
// ymm registers (12 independent FMAs cover 2 pipes x 4 cycles of latency). Measured
// against an interleaved 12-chain FMA peak loop (kc=256 nc=256, median of 5, % of
// peak): 6x16 97.9, 4x24 97.5, 5x16 92.0, 12x8 86.7, 8x8 82.9, 3x32 61.9;
// kc=256 nc=512 (best of 8): 6x16 99.6, 4x24 99.0, 5x16 95.7, 12x8 89.5, 8x8 82.7.
constexpr size_t kAvx2MR = 6;
constexpr size_t kAvx2NR = 16;
using avx2_arch = xsimd::fma3<xsimd::avx2>;

}  // namespace

const microkernel avx2_microkernel = {kAvx2MR, kAvx2NR,
                                      &gemm<avx2_arch, kAvx2MR, kAvx2NR / simd_batch<avx2_arch>::size>};

}  // namespace pw
