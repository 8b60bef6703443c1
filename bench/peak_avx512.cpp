// AVX-512F peak: 24 independent FMA chains out of 32 zmm registers (FMA latency 4 x
// 2 ports needs 8; more chains hide scheduling gaps). Compiled with
// POINTWISE_AVX512_FLAGS only.
#include <immintrin.h>

#include "peak.h"
#include "read_bandwidth.h"

namespace pw_bench {

double avx512_peak_loop(uint64_t iterations) {
  constexpr int kChains = 24;
  const __m512 m = _mm512_set1_ps(0.999f), c = _mm512_set1_ps(1e-3f);
  __m512 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm512_set1_ps(static_cast<float>(j));
  for (uint64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 24
    for (int j = 0; j < kChains; ++j) acc[j] = _mm512_fmadd_ps(acc[j], m, c);
  }
  __m512 sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = _mm512_add_ps(sum, acc[j]);
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, sum);
  peak_sink = lanes[0] + lanes[15];
  return static_cast<double>(iterations) * kChains * 16 * 2;
}

float avx512_read_loop(const float* data, size_t count) { return read_with_widest_loads(data, count); }

}  // namespace pw_bench
