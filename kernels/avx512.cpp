// The AVX-512F variant. Compiled with -mavx512f only (plus AVX2/FMA, implied).
#include "simd_ops_avx512.h"
#include "gemm_few_rows_microkernel.h"
#include "gemm_channel_pairs_avx512.h"
#include "gemm_pairs_avx512.h"

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
constexpr size_t kAvx512NV = kAvx512NR / simd_batch<avx512_arch>::size;

// Up to 4 pixels (8 sums per panel) the few-rows kernel measured faster; at 5 the
// full kernel's 10 sums per panel were as fast (docs/tuning.md, "Few pixels").
constexpr size_t kAvx512FewRows = 4;

void gemm_few_rows_avx512(const gemm_tile& t) {
  // One pixel, short panels, weights beyond L1: the full kernel's panels, each a short
  // chain, overlap in the out-of-order window and read the weights as one stream,
  // which L2 fed faster than interleaved panels (docs/tuning.md, "Few pixels").
  if (t.mr == 1 && t.kc < 128 && t.kc * t.nc > 16384) return gemm<avx512_arch, kAvx512MR, kAvx512NV>(t);
  gemm_few_rows<avx512_arch, kAvx512MR, kAvx512NV, kAvx512FewRows>(t);
}

// Layers of 17..24 output channels: 10 pixels x 24 channels, channels 16..23 of two
// pixels sharing a vector (kernels/gemm_pairs_avx512.h), 3 FMAs per pixel pair and
// channel where the 10x32 tile spends 4.
constexpr size_t kAvx512NarrowFrom = 17;

// Layers of 1..16 output channels and at least 16 input channels: pairs of input
// channels per broadcast (kernels/gemm_channel_pairs_avx512.h), 12 loads per 20 FMAs
// where a vector of 16 channels per pixel takes one load per FMA. Its end of block
// (the even and odd sums added) lost to 10x32 below 8-12 input channels; 12 rows
// measured no faster than 10 (docs/tuning.md, "Narrow outputs").
constexpr size_t kAvx512ChannelPairsMinInChannels = 16;
const microkernel avx512_channel_pairs_microkernel = {
    kAvx512MR, kChannelPairsNR, &gemm_channel_pairs<kAvx512MR>, &f32_pair_layout, element_type::f32,
    &this_unit_conversions, false, 0, 0, nullptr, nullptr, 0, 0, true};
const microkernel avx512_pairs_microkernel = {
    kAvx512MR, kPairsNR, &gemm_pairs<kAvx512MR>, &f32_panel_layout, element_type::f32, &this_unit_conversions,
    false, 0, 0, nullptr, &avx512_channel_pairs_microkernel, 1, kAvx512ChannelPairsMinInChannels};

}  // namespace

const microkernel avx512_microkernel = {
    kAvx512MR, kAvx512NR, &gemm<avx512_arch, kAvx512MR, kAvx512NV>, &f32_panel_layout, element_type::f32,
    &this_unit_conversions, false, 0, kAvx512FewRows, &gemm_few_rows_avx512, &avx512_pairs_microkernel,
    kAvx512NarrowFrom};

}  // namespace pw
