// AVX-512F operations of the microkernel template (gemm_microkernel.h). xsimd 8.1
// lowers xsimd::fma on avx512f to vmulps + vaddps, so it comes from the intrinsic on
// the batch's register; column tails move 8, 4, 2 and 1 floats, or masked within a
// page (x86_tail_moves.h, masked_tails_fit in gemm_microkernel.h).
#pragma once

#include <immintrin.h>

#include "gemm_microkernel.h"
#include "x86_tail_moves.h"

namespace pw {
namespace {

template <>
struct simd_ops<xsimd::avx512f> {
  using batch = simd_batch<xsimd::avx512f>;
  static constexpr size_t k_group = 1;

  // A broadcast the compiler folds into the FMA's memory operand ({1to16}).
  static batch broadcast(const float* p) { return _mm512_set1_ps(*p); }
  static batch fmadd(batch a, batch b, batch c) { return _mm512_fmadd_ps(a, b, c); }

  // max(lo, x): vmaxps returns its second operand when either is NaN, so NaN stays
  // NaN. The merge-masked form with a full mask is a plain vmaxps/vminps; GCC 12's
  // unmasked intrinsics trip -Wmaybe-uninitialized on their _mm512_undefined_ps().
  static batch clamp(batch x, batch lo, batch hi) {
    const __m512 above_lo = _mm512_mask_max_ps(x, 0xFFFF, lo, x);
    return _mm512_mask_min_ps(above_lo, 0xFFFF, hi, above_lo);
  }

  static batch clamp_below(batch x, batch lo) { return _mm512_mask_max_ps(x, 0xFFFF, lo, x); }

  // 0 < n < 16; nothing past p[n - 1] is touched: moves of 8, 4, 2 and 1 floats, which
  // stay within the n floats (x86_tail_moves.h), or, where the caller knows the 64
  // bytes at p lie in one page, a masked move (masked-off lanes are neither read nor
  // written).
  static batch load_partial(const float* p, size_t n) { return load_tail16(p, n); }
  static void store_partial(float* p, batch x, size_t n) { store_tail16(p, x, n); }
  static constexpr size_t masked_tail_bytes = 64;
  static __mmask16 tail_mask(size_t n) { return static_cast<__mmask16>((1u << n) - 1u); }
  static batch load_partial_masked(const float* p, size_t n) { return _mm512_maskz_loadu_ps(tail_mask(n), p); }
  static void store_partial_masked(float* p, batch x, size_t n) { _mm512_mask_storeu_ps(p, tail_mask(n), x); }
};

}  // namespace
}  // namespace pw
