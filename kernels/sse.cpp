// The SSE2 variant: every x86-64 CPU. Compiled with -msse2 only.
#include "simd_ops_sse2.h"

namespace pw {
namespace {

// Register tile 6x8: 12 accumulators + 2 weight vectors + 1 input vector + 1
// product of the 16 xmm registers. SSE2 has no FMA (a multiply and an add on this
// CPU's two multiply and two add pipes) and no broadcast load: the inputs are spread
// into full vectors once per call (simd_ops_sse2.h), so the inner loop is loads,
// multiplies and adds only. Kernel alone, weights in L2, against an interleaved
// mul+add peak loop (best of 8 rounds each, % of peak):
//   kc=128 nc=512: 6x8 83.6, 3x16 78.7, 4x8 78.3, 2x16 78.1, 4x12 76.7
//   kc=256 nc=256: 6x8 83.3, 4x12 82.3, 3x16 78.2, 4x8 77.4, 2x16 76.7
// Before the spread (movss + shufps per pixel and channel) the same tiles reached
// 66-82%. 6x8 also streams the fewest weight bytes per flop of these tiles.
constexpr size_t kSseMR = 6;
constexpr size_t kSseNR = 8;
using sse_arch = xsimd::sse2;

}  // namespace

// The spread keeps a full vector per pixel and channel in L1 beside the input itself:
// the planner sizes kc for both (whole layers with kc >= 342 fell to 70% of peak).
const microkernel sse_microkernel = {kSseMR, kSseNR, &gemm<sse_arch, kSseMR, kSseNR / simd_batch<sse_arch>::size>,
                                     kSseMR * (sizeof(float) + sizeof(simd_batch<sse_arch>))};

}  // namespace pw
