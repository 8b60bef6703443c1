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
  // A broadcast is movss + shufps, and the shuffle competes with the multiplies and
  // adds: each call spreads its inputs once into a stack buffer of spread_bytes,
  // spread_bytes / (16 * MR) channels at a time, and the inner loop reads full
  // vectors (see gemm_rows_spread). Groups of four channels spread with pshufd (k_group = 4, as
  // NEON does) made GCC spill accumulators.
  static constexpr size_t k_group = 1;
  static constexpr size_t spread_bytes = 16384;

  static batch broadcast(const float* p) { return _mm_set1_ps(*p); }
  static batch fmadd(batch a, batch b, batch c) { return _mm_add_ps(_mm_mul_ps(a, b), c); }

  // x86 max/min return their second operand when either is NaN: max(lo, x) keeps NaN.
  static batch clamp(batch x, batch lo, batch hi) { return xsimd::min(hi, xsimd::max(lo, x)); }
  static batch clamp_below(batch x, batch lo) { return xsimd::max(lo, x); }

  // 0 < n < width; never touches p[n].
  static batch load_partial(const float* p, size_t n) {
    if (n == 1) return _mm_load_ss(p);
    // movlps: an 8-byte move with no alignment requirement (GCC implements _mm_load_sd
    // as a double access, which UBSan rightly calls misaligned for float data).
    const __m128 low = _mm_loadl_pi(_mm_setzero_ps(), reinterpret_cast<const __m64*>(p));
    if (n == 2) return low;
    return _mm_movelh_ps(low, _mm_load_ss(p + 2));
  }
  static void store_partial(float* p, batch x, size_t n) {
    if (n == 1) {
      _mm_store_ss(p, x);
      return;
    }
    _mm_storel_pi(reinterpret_cast<__m64*>(p), x);
    if (n == 3) _mm_store_ss(p + 2, _mm_movehl_ps(x, x));
  }
};

}  // namespace
}  // namespace pw
