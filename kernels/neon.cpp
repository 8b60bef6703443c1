// The AArch64 Advanced SIMD variant: the shared microkernel on xsimd::neon64.
//
// Tile 10 pixels x 8 output channels (two 4-float vectors), fmla by lane over 4 input
// channels loaded at once: 20 accumulators cover FMA latency x pipes on the common
// cores and A64FX, and with 10 input groups and 2 weight vectors they use all 32
// registers, kept without a spill only when GCC's pre-RA scheduler is off (see
// POINTWISE_FLAGS_neon; .ci/check_neon_inner_loop.sh checks the object). The
// instruction counts and llvm-mca figures behind it are in docs/tuning.md.
#include "simd_ops_neon.h"
#include "gemm_few_rows_microkernel.h"

namespace pw {

constexpr size_t kNeonMR = 10;
constexpr size_t kNeonNR = 8;
constexpr size_t kNeonNV = kNeonNR / simd_batch<xsimd::neon64>::size;
// Not timed (no ARM hardware): the pixels AVX-512's few-rows kernel takes, whose panels
// also hold 2 vectors, so up to 4 pixels hold at most the 8 sums that 2 FMA pipes x 4
// cycles of latency need (docs/tuning.md, "Few pixels").
constexpr size_t kNeonFewRows = 4;

const microkernel neon_microkernel = {kNeonMR, kNeonNR, &gemm<xsimd::neon64, kNeonMR, kNeonNV>, &f32_panel_layout,
                                      element_type::f32, &this_unit_conversions, false, 0, kNeonFewRows,
                                      &gemm_few_rows<xsimd::neon64, kNeonMR, kNeonNV, kNeonFewRows>};

}  // namespace pw
