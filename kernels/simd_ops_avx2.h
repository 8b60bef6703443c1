// AVX2 + FMA3 operations of the microkernel template (gemm_microkernel.h): the FMA3
// intrinsic, and column tails through vmaskmovps (masked-off lanes are neither read
// nor written, so a tail never touches memory past the last channel).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "gemm_microkernel.h"

namespace pw {
namespace {

// Lane i of the mask for n columns is all ones when i < n: 8 - n entries into this row.
alignas(64) constexpr int32_t kAvx2TailMaskRow[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

template <>
struct simd_ops<xsimd::fma3<xsimd::avx2>> {
  using batch = simd_batch<xsimd::fma3<xsimd::avx2>>;
  static constexpr size_t k_group = 1;

  static batch broadcast(const float* p) { return _mm256_broadcast_ss(p); }
  static batch fmadd(batch a, batch b, batch c) { return _mm256_fmadd_ps(a, b, c); }

  static __m256i tail_mask(size_t n) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kAvx2TailMaskRow + 8 - n));
  }
  // x86 max/min return their second operand when either is NaN: max(lo, x) keeps NaN.
  static batch clamp(batch x, batch lo, batch hi) { return xsimd::min(hi, xsimd::max(lo, x)); }
  static batch clamp_below(batch x, batch lo) { return xsimd::max(lo, x); }

  // 0 < n < width; never touches p[n].
  static batch load_partial(const float* p, size_t n) { return _mm256_maskload_ps(p, tail_mask(n)); }
  static void store_partial(float* p, batch x, size_t n) { _mm256_maskstore_ps(p, tail_mask(n), x); }
};

}  // namespace
}  // namespace pw
