// The AVX2 + FMA3 variant. Compiled with -mavx2 -mfma only.
#include "simd_ops_avx2.h"
#include "gemm_few_rows_microkernel.h"

namespace pw {
namespace {

// Register tile 6x16: 12 accumulators + 2 weight vectors + 1 broadcast of the 16
// ymm registers (12 independent FMAs cover 2 pipes x 4 cycles of latency); it
// measured fastest of the tiles tried (docs/tuning.md).
constexpr size_t kAvx2MR = 6;
constexpr size_t kAvx2NR = 16;
using avx2_arch = xsimd::fma3<xsimd::avx2>;
constexpr size_t kAvx2NV = kAvx2NR / simd_batch<avx2_arch>::size;
// Up to 3 pixels (6 sums per panel) the few-rows kernel measured faster (docs/tuning.md,
// "Few pixels").
constexpr size_t kAvx2FewRows = 3;

}  // namespace

const microkernel avx2_microkernel = {
    kAvx2MR, kAvx2NR, &gemm<avx2_arch, kAvx2MR, kAvx2NV>, &f32_panel_layout, element_type::f32, &this_unit_conversions,
    false, 0, kAvx2FewRows, &gemm_few_rows<avx2_arch, kAvx2MR, kAvx2NV, kAvx2FewRows>};

}  // namespace pw
