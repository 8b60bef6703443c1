// The portable variant: plain C++ over the same packed panels and tile contract as
// the SIMD kernels, so it is the baseline they are tested against and the fallback
// on CPUs without a SIMD variant.
#include "bf16.h"
#include "microkernel.h"

namespace pw {
namespace {

constexpr size_t kScalarMR = 4;
constexpr size_t kScalarNR = 8;

inline float clamp_keeping_nan(float value, float lo, float hi) {
  // Comparisons with NaN are false, so a NaN passes through unchanged.
  if (value < lo) return lo;
  if (value > hi) return hi;
  return value;
}

void gemm_scalar_4x8(const gemm_tile& t) {
  const float* w = static_cast<const float*>(t.weights);
  for (size_t n0 = 0; n0 < t.nc; n0 += kScalarNR) {
    const size_t nr = t.nc - n0 < kScalarNR ? t.nc - n0 : kScalarNR;
    float acc[kScalarMR][kScalarNR];
    if (t.first_block) {
      for (size_t m = 0; m < t.mr; ++m)
        for (size_t n = 0; n < kScalarNR; ++n) acc[m][n] = w[n];
      w += kScalarNR;
      if (t.residual != nullptr) {
        for (size_t m = 0; m < t.mr; ++m)
          for (size_t n = 0; n < nr; ++n) acc[m][n] += t.residual[m * t.residual_stride + n0 + n];
      }
    } else {
      for (size_t m = 0; m < t.mr; ++m)
        for (size_t n = 0; n < kScalarNR; ++n)
          acc[m][n] = n < nr ? t.output[m * t.output_stride + n0 + n] : 0.0f;
    }
    for (size_t k = 0; k < t.kc; ++k) {
      for (size_t m = 0; m < t.mr; ++m) {
        const float a = static_cast<const float*>(t.input_rows[m])[t.input_offset + k];
        for (size_t n = 0; n < kScalarNR; ++n) acc[m][n] += a * w[n];
      }
      w += kScalarNR;
    }
    for (size_t m = 0; m < t.mr; ++m) {
      float* out = t.output + m * t.output_stride + n0;
      for (size_t n = 0; n < nr; ++n)
        out[n] = t.last_block ? clamp_keeping_nan(acc[m][n], t.output_min, t.output_max) : acc[m][n];
    }
  }
}

}  // namespace

const microkernel scalar_microkernel = {kScalarMR, kScalarNR, gemm_scalar_4x8, &f32_panel_layout,
                                        element_type::f32, &this_unit_conversions, false};

}  // namespace pw
