#include "read_bandwidth.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "peak.h"

namespace pw_bench {

float read_buffer(const float* data, size_t count) {
#if defined(__SSE2__)
  // Four independent sums keep several loads in flight; adds are far cheaper than
  // the misses, so the loop runs at the speed the memory delivers.
  __m128 s0 = _mm_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
  for (size_t i = 0; i + 16 <= count; i += 16) {
    s0 = _mm_add_ps(s0, _mm_loadu_ps(data + i));
    s1 = _mm_add_ps(s1, _mm_loadu_ps(data + i + 4));
    s2 = _mm_add_ps(s2, _mm_loadu_ps(data + i + 8));
    s3 = _mm_add_ps(s3, _mm_loadu_ps(data + i + 12));
  }
  const float sum = _mm_cvtss_f32(_mm_add_ps(_mm_add_ps(s0, s1), _mm_add_ps(s2, s3)));
#else
  float s[4] = {0, 0, 0, 0};
  for (size_t i = 0; i + 4 <= count; i += 4)
    for (int j = 0; j < 4; ++j) s[j] += data[i + j];
  const float sum = s[0] + s[1] + s[2] + s[3];
#endif
  peak_sink = sum;
  return sum;
}

}  // namespace pw_bench
