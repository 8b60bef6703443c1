// The SSE2 variant: every x86-64 CPU. Compiled with -msse2 only.
#include "simd_ops_sse2.h"

namespace pw {
namespace {

// Register tile 3x16: 12 accumulators + 4 weight vectors of the 16 xmm registers
// (the three pixels' channel groups are spread lane by lane). SSE2 has no FMA, so a
// multiply-add is two instructions on this CPU's two multiply and two add pipes, and
// each pshufd competes with them: wider tiles (more multiply-adds per spread) win.
// Measured with an interleaved mul+add peak loop, kc=256, weights in L2 (% of peak,
// median of 5): 3x16 82.6, 2x16 80.7, 2x20 87.2/80.3 (noisy), 4x12 77.3, 3x12 76.8,
// 4x8 73.0, 5x8 66.7; one broadcast per channel (movss+shufps) instead of groups of
// four: 3x16 79.8, 2x16 81.4, 3x12 77.6, 4x8 72.4. NR=16 also pads channel counts
// (multiples of 8 and 16 in the suites) less than NR=12 or 20.
constexpr size_t kSseMR = 3;
constexpr size_t kSseNR = 16;
using sse_arch = xsimd::sse2;

}  // namespace

const microkernel sse_microkernel = {kSseMR, kSseNR,
                                     &gemm<sse_arch, kSseMR, kSseNR / simd_batch<sse_arch>::size>};

}  // namespace pw
