// The AVX512_BF16 variant: vdpbf16ps on bf16 channel pairs. Compiled with
// -mavx512f -mavx512bw -mavx512vl -mavx512bf16 -mavx2 -mfma only.
#include "bf16.h"
#include "gemm_microkernel_bf16.h"
#include "gemm_few_rows_microkernel_bf16.h"
#include "gemm_channel_pairs_avx512_bf16.h"
#include "simd_ops_avx512_bf16.h"

namespace pw {
namespace {

// Register tile 10x32, the fp32 AVX-512 kernel's: 20 accumulators, 2 weight vectors
// and 1 broadcast per channel pair, the row pointers, offset and weight pointer in
// general-purpose registers. The tiles tried ran within noise of each other
// (docs/tuning.md), and this one keeps the planner's pixel cuts and channel padding.
constexpr size_t kAvx512Bf16MR = 10;
constexpr size_t kAvx512Bf16NR = 32;
constexpr size_t kAvx512Bf16NV = kAvx512Bf16NR / avx512_bf16_ops::width;

// Up to 5 pixels (20 sums of 2 panels) the few-rows kernel measured 1.1-1.3 times the
// full kernel's 10 sums per panel: vdpbf16ps needs more chains than the FMA (docs/tuning.md,
// "AVX512_BF16 few pixels").
constexpr size_t kAvx512Bf16FewRows = 5;

void gemm_few_rows_avx512_bf16(const gemm_tile& t) {
  // One pixel, short blocks, 18 panels or more: the full kernel's panels, each a short
  // chain, overlap in the out-of-order window and read the weights as one stream, which
  // L2 fed faster than interleaved panels (docs/tuning.md, "AVX512_BF16 few pixels").
  if (t.mr == 1 && t.kc >= 32 && t.kc < 128 && t.nc > 17 * kAvx512Bf16NR)
    return gemm_bf16<avx512_bf16_ops, kAvx512Bf16MR, kAvx512Bf16NV>(t);
  gemm_few_rows_bf16<avx512_bf16_ops, kAvx512Bf16MR, kAvx512Bf16NV, kAvx512Bf16FewRows>(t);
}

// n fp32 values to bf16 with vcvtneps2bf16 (nearest even, NaN kept quiet, denormals
// to zero, as the bf16 math allows): 16 a step, a masked step for the tail, so no
// element past n is read or written (a masked step only where its vectors lie in one
// page: x86_tail_moves.h). Three times the integer rounding's rate here.
void narrow_row(const float* x, uint16_t* y, size_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const size_t rest = n - i;
    if (in_one_page(x + i, 64) && in_one_page(y + i, 32)) {
      const __mmask16 mask = static_cast<__mmask16>((1u << rest) - 1u);
      const __m512 tail = _mm512_maskz_loadu_ps(mask, x + i);
      _mm256_mask_storeu_epi16(y + i, mask, (__m256i)_mm512_cvtneps_pbh(tail));
    } else {
      store_tail16_bits(y + i, (__m256i)_mm512_cvtneps_pbh(load_tail16(x + i, rest)), rest);
    }
  }
}

void narrow_gathered(const void* const* rows, size_t offset, size_t count, size_t n, void* out) {
  uint16_t* y = static_cast<uint16_t*>(out);
  for (size_t r = 0; r < count; ++r, y += n) narrow_row(static_cast<const float*>(rows[r]) + offset, y, n);
}

void narrow_strided(const void* in, size_t in_stride, size_t count, size_t n, void* out, size_t out_stride) {
  const float* x = static_cast<const float*>(in);
  uint16_t* y = static_cast<uint16_t*>(out);
  for (size_t r = 0; r < count; ++r, x += in_stride, y += out_stride) narrow_row(x, y, n);
}

constexpr element_conversions avx512_bf16_conversions = {
    {this_unit_conversions.gathered[kRoundF32], this_unit_conversions.gathered[kWidenBf16], &narrow_gathered},
    this_unit_conversions.widen_bf16, &narrow_strided};

// Layers of 1..16 output channels and at least 12 input channels: two channel pairs
// per 64-bit broadcast (kernels/gemm_channel_pairs_avx512_bf16.h), 12 loads per 20
// vdpbf16ps where a vector of 16 channels per pixel takes one load per vdpbf16ps. Its
// end of block lost to 10x32 on 16 outputs of 5..10 input channels (docs/tuning.md).
constexpr size_t kAvx512Bf16ChannelPairsMinInChannels = 12;
const microkernel avx512_bf16_channel_pairs_microkernel = {
    kAvx512Bf16MR, kBf16ChannelPairsNR, &gemm_bf16_pair_pairs<kBf16ChannelPairsNR, kAvx512Bf16MR>,
    &bf16_pair_pairs_layout, element_type::bf16, &avx512_bf16_conversions, true, 0, 0, nullptr, nullptr, 0, 0, true};

// Layers of 17..24 output channels and at least 7 input channels: the same lane pairs
// in three vectors per pixel, 8 pixels (24 accumulators, 3 weight vectors and a
// broadcast of the 32 registers; 10 would need 34): 11 loads per 24 vdpbf16ps and no
// padding lanes, where 10x32 spends 24 loads on 40 vdpbf16ps, a quarter of them
// padding. It broke even with 10x32 on 4..6 input channels (docs/tuning.md).
constexpr size_t kAvx512Bf16WideChannelPairsMR = 8;
constexpr size_t kAvx512Bf16WideChannelPairsFrom = 17;
constexpr size_t kAvx512Bf16WideChannelPairsMinInChannels = 7;
const microkernel avx512_bf16_wide_channel_pairs_microkernel = {
    kAvx512Bf16WideChannelPairsMR, kBf16ChannelPairsWideNR,
    &gemm_bf16_pair_pairs<kBf16ChannelPairsWideNR, kAvx512Bf16WideChannelPairsMR>, &bf16_pair_pairs_layout,
    element_type::bf16, &avx512_bf16_conversions, true, 0, 0, nullptr, &avx512_bf16_channel_pairs_microkernel, 1,
    kAvx512Bf16ChannelPairsMinInChannels, true};

}  // namespace

const microkernel avx512_bf16_microkernel = {
    kAvx512Bf16MR, kAvx512Bf16NR, &gemm_bf16<avx512_bf16_ops, kAvx512Bf16MR, kAvx512Bf16NV>, &bf16_pair_layout,
    element_type::bf16, &avx512_bf16_conversions, true, 0, kAvx512Bf16FewRows,
    &gemm_few_rows_avx512_bf16,
    &avx512_bf16_wide_channel_pairs_microkernel, kAvx512Bf16WideChannelPairsFrom,
    kAvx512Bf16WideChannelPairsMinInChannels};

}  // namespace pw
