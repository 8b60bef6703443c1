// SSE2 operations of the microkernel template (gemm_microkernel.h). SSE2 has no
// fused multiply-add and no masked loads or stores: multiply then add, and move
// column tails with a short cascade of 8- and 4-byte moves.
#pragma once

#include <emmintrin.h>

#include "gemm_microkernel.h"

namespace pw {
namespace {

template <>
struct simd_ops<xsimd::sse2> {
  using batch = simd_batch<xsimd::sse2>;
  // SSE2 has no broadcast load (movss + shufps per pixel and channel): load four
  // channels of a pixel at once and spread each with one pshufd instead.
  static constexpr size_t k_group = 4;
  using group_type = __m128;

  static batch broadcast(const float* p) { return _mm_set1_ps(*p); }
  static batch fmadd(batch a, batch b, batch c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }
  static group_type load_group(const float* p) { return _mm_loadu_ps(p); }
  template <size_t J>
  static batch fmadd_lane(batch acc, batch w, group_type x) {
    const __m128 lane = _mm_castsi128_ps(_mm_shuffle_epi32(_mm_castps_si128(x), static_cast<int>(J * 0x55)));
    return _mm_add_ps(_mm_mul_ps(w, lane), acc);
  }

  // x86 max/min return their second operand when either is NaN: max(lo, x) keeps NaN.
  static batch clamp(batch x, batch lo, batch hi) { return xsimd::min(hi, xsimd::max(lo, x)); }

  // 0 < n < width; never touches p[n].
  static batch load_partial(const float* p, size_t n) {
    if (n == 1) return _mm_load_ss(p);
    const __m128 low = _mm_castpd_ps(_mm_load_sd(reinterpret_cast<const double*>(p)));
    if (n == 2) return low;
    return _mm_movelh_ps(low, _mm_load_ss(p + 2));
  }
  static void store_partial(float* p, batch x, size_t n) {
    if (n == 1) {
      _mm_store_ss(p, x);
      return;
    }
    _mm_store_sd(reinterpret_cast<double*>(p), _mm_castps_pd(x));
    if (n == 3) _mm_store_ss(p + 2, _mm_movehl_ps(x, x));
  }
};

}  // namespace
}  // namespace pw
