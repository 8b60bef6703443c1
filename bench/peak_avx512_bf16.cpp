// AVX512_BF16 peak: 24 independent vdpbf16ps chains out of 32 zmm registers, 64 flops
// per instruction (16 lanes x 2 products x multiply and add). Compiled with the
// avx512_bf16 variant's flags only.
#include <immintrin.h>

#include "peak.h"
#include "read_bandwidth.h"

namespace pw_bench {

double avx512_bf16_peak_loop(uint64_t iterations) {
  constexpr int kChains = 24;
  // Pairs of bf16 values near 1 and near 0: the sums stay finite for any count.
  const __m512bh x = (__m512bh)_mm512_set1_epi32(0x3F7F3F7F);  // (0.996, 0.996)
  const __m512bh w = (__m512bh)_mm512_set1_epi32(0x24002400);  // (2.8e-17, 2.8e-17)
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(static_cast<float>(j));
  for (uint64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_dpbf16_ps(acc[j], x, w);
  }
  __m512 sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = _mm512_add_ps(sum, acc[j]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  peak_sink = lanes[0] + lanes[15];
  return static_cast<double>(iterations) * kChains * 16 * 4;
}

float avx512_bf16_read_loop(const float* data, size_t count) { return read_with_widest_loads(data, count); }

}  // namespace pw_bench
