// AVX2 + FMA3 peak: 12 independent FMA chains (FMA latency 4 x 2 ports needs 8).
// Compiled with POINTWISE_AVX2_FLAGS only.
#include <immintrin.h>

#include "peak.h"
#include "read_bandwidth.h"

namespace pw_bench {

double avx2_peak_loop(uint64_t iterations) {
  constexpr int kChains = 12;
  // a <- a * m + c converges to c / (1 - m): no overflow, no denormals.
  const __m256 m = _mm256_set1_ps(0.999f), c = _mm256_set1_ps(1e-3f);
  __m256 acc[kChains];
  for (int j = 0; j < kChains; ++j) acc[j] = _mm256_set1_ps(static_cast<float>(j));
  for (uint64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; ++j) acc[j] = _mm256_fmadd_ps(acc[j], m, c);
  }
  __m256 sum = acc[0];
  for (int j = 1; j < kChains; ++j) sum = _mm256_add_ps(sum, acc[j]);
  peak_sink = _mm256_cvtss_f32(sum);
  return static_cast<double>(iterations) * kChains * 8 * 2;
}

float avx2_read_loop(const float* data, size_t count) { return read_with_widest_loads(data, count); }

}  // namespace pw_bench
