// The AVX-512F variant. Compiled with -mavx512f only (plus AVX2/FMA, implied).
#include "simd_ops_avx512.h"

namespace pw {
namespace {

// Register tile 10x32: 20 accumulators + 2 weight vectors + 1 broadcast of the 32
// zmm registers; 20 independent FMAs per channel cover 2 FMA pipes x 4 cycles of
// latency 2.5 times over. The NR=32 tiles measured within noise of each other and
// pad a channel tail less than 48 or 64; 10 rows is the most whose row pointers,
// channel offset and weight pointer all stay in general-purpose registers
// (docs/tuning.md).
constexpr size_t kAvx512MR = 10;
constexpr size_t kAvx512NR = 32;
using avx512_arch = xsimd::avx512f;

}  // namespace

const microkernel avx512_microkernel = {
    kAvx512MR, kAvx512NR, &gemm<avx512_arch, kAvx512MR, kAvx512NR / simd_batch<avx512_arch>::size>,
    &f32_panel_layout, element_type::f32, &this_unit_conversions, false};

}  // namespace pw
