// SSE2 peak: SSE has no FMA, so a multiply and an add per lane (counted as 2 flops),
// the pattern of the SSE microkernel (independent products added into accumulators).
// Compiled with POINTWISE_SSE_FLAGS only.
#include <emmintrin.h>

#include "peak.h"
#include "read_bandwidth.h"

namespace pw_bench {

double sse_peak_loop(uint64_t iterations) {
  // 8 accumulators cover the add latency (3-4 cycles) times 2 add ports; the 6
  // operands are hidden from the compiler every round (an empty asm that "changes"
  // them) so the 8 distinct products cannot be hoisted out of the loop.
  __m128 b0 = _mm_set1_ps(0.5f), b1 = _mm_set1_ps(0.25f);
  __m128 c0 = _mm_set1_ps(1e-3f), c1 = _mm_set1_ps(2e-3f), c2 = _mm_set1_ps(3e-3f), c3 = _mm_set1_ps(4e-3f);
  __m128 a0 = _mm_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (uint64_t i = 0; i < iterations; ++i) {
    asm volatile("" : "+x"(b0), "+x"(b1), "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3));
    a0 = _mm_add_ps(a0, _mm_mul_ps(b0, c0));
    a1 = _mm_add_ps(a1, _mm_mul_ps(b0, c1));
    a2 = _mm_add_ps(a2, _mm_mul_ps(b0, c2));
    a3 = _mm_add_ps(a3, _mm_mul_ps(b0, c3));
    a4 = _mm_add_ps(a4, _mm_mul_ps(b1, c0));
    a5 = _mm_add_ps(a5, _mm_mul_ps(b1, c1));
    a6 = _mm_add_ps(a6, _mm_mul_ps(b1, c2));
    a7 = _mm_add_ps(a7, _mm_mul_ps(b1, c3));
  }
  __m128 sum = _mm_add_ps(_mm_add_ps(_mm_add_ps(a0, a1), _mm_add_ps(a2, a3)),
                          _mm_add_ps(_mm_add_ps(a4, a5), _mm_add_ps(a6, a7)));
  peak_sink = _mm_cvtss_f32(sum);
  return static_cast<double>(iterations) * 8 * 4 * 2;
}

float sse_read_loop(const float* data, size_t count) { return read_with_widest_loads(data, count); }

}  // namespace pw_bench
