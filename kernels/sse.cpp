// The SSE2 variant: every x86-64 CPU. Compiled with -msse2 only.
#include "simd_ops_sse2.h"
#include "gemm_few_rows_microkernel.h"

namespace pw {
namespace {

// Register tile 6x8: 12 accumulators + 2 weight vectors + 1 input vector + 1
// product of the 16 xmm registers. SSE2 has no FMA and no broadcast load: the inputs
// are spread into full vectors once per call (simd_ops_sse2.h), so the inner loop is
// loads, multiplies and adds only. 6x8 measured fastest of the tiles tried and
// streams the fewest weight bytes per flop (docs/tuning.md).
constexpr size_t kSseMR = 6;
constexpr size_t kSseNR = 8;
using sse_arch = xsimd::sse2;
constexpr size_t kSseNV = kSseNR / simd_batch<sse_arch>::size;
// Up to 2 pixels the few-rows kernel measured faster; it broadcasts each input once for
// all its panels, so it needs no spread (docs/tuning.md, "Few pixels").
constexpr size_t kSseFewRows = 2;

}  // namespace

// The spread keeps a full vector per pixel and channel in L1 beside the input itself:
// the planner sizes kc for both.
const microkernel sse_microkernel = {kSseMR, kSseNR, &gemm<sse_arch, kSseMR, kSseNV>, &f32_panel_layout,
                                     element_type::f32, &this_unit_conversions, false,
                                     kSseMR * (sizeof(float) + sizeof(simd_batch<sse_arch>)), kSseFewRows,
                                     &gemm_few_rows<sse_arch, kSseMR, kSseNV, kSseFewRows>};

}  // namespace pw
