// Sums kept in lane pairs, added at a block's end: each lane pair of an AVX-512 vector
// holds one output channel's two partial sums (over even and odd input channels, or
// even and odd channel pairs), and these put each channel's total in its own lane.
// Shared by the fp32 and the bf16 channel-pair tiles (gemm_channel_pairs_avx512.h,
// gemm_channel_pairs_avx512_bf16.h).
//
// Include it ONLY from a kernel translation unit compiled with AVX-512F: everything is
// in an anonymous namespace (the ODR trap of STYLE.md).
#pragma once

#include <immintrin.h>

namespace pw {
namespace {

constexpr __mmask16 kEvenLanes = 0x5555;
constexpr __mmask16 kOddLanes = 0xAAAA;

// Lanes 2c and 2c+1 trade places (vpermilps). The merge-masked form with a full mask is
// the plain instruction; GCC 12's unmasked intrinsic trips -Wuninitialized on its
// _mm512_undefined_ps().
inline __m512 swap_lane_pairs(__m512 x) { return _mm512_mask_permute_ps(x, 0xFFFF, x, 0xB1); }

// A panel of 9..16 channels: `even` holds the even output channels' pairs (channel
// 2c in lanes 2c, 2c+1), `odd` the odd ones'. Lane n of the result = channel n's even
// plus odd sum: one blend keeps each lane's own channel, the other blend and an
// in-lane swap bring the channel's other half.
inline __m512 channel_sums(__m512 even, __m512 odd) {
  const __m512 own = _mm512_mask_blend_ps(kOddLanes, even, odd);
  const __m512 other = _mm512_mask_blend_ps(kOddLanes, odd, even);
  return _mm512_add_ps(own, swap_lane_pairs(other));
}

// A panel of 1..8 channels, channel c's pair in lanes 2c, 2c+1: lanes 0..7 of the result.
inline __m512 channel_sums(__m512 pairs) {
  const __m512 both = _mm512_add_ps(pairs, swap_lane_pairs(pairs));
  const __m512i even_lanes = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14);
  return _mm512_mask_permutexvar_ps(both, 0xFFFF, even_lanes, both);
}

}  // namespace
}  // namespace pw
