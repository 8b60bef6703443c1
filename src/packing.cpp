#include "packing.h"

#include <algorithm>
#include <cstring>

#include "checked_math.h"

namespace pw {

namespace {
size_t padded_out(const packing_shape& s) { return round_up(s.out_channels, s.nr); }
size_t block_length(const packing_shape& s, size_t k0) { return std::min(s.kc, s.in_channels - k0); }
}  // namespace

size_t packed_group_floats(const packing_shape& s) {
  // The biases (one row per panel) plus every input channel's row of weights.
  return padded_out(s) * (s.in_channels + 1);
}

size_t packed_block_offset(const packing_shape& s, size_t k0) {
  return k0 == 0 ? 0 : padded_out(s) * (k0 + 1);
}

size_t packed_panel_stride(const packing_shape& s, size_t k0) {
  return s.nr * (block_length(s, k0) + (k0 == 0 ? 1 : 0));
}

void pack_weights(const packing_shape& s, pw_weight_layout layout, const float* weights,
                  const float* bias, float* packed) {
  const size_t ci = s.in_channels, co = s.out_channels, nr = s.nr;
  std::memset(packed, 0, s.groups * packed_group_floats(s) * sizeof(float));
  for (size_t g = 0; g < s.groups; ++g) {
    const float* wg = weights + g * ci * co;
    float* pg = packed + g * packed_group_floats(s);
    for (size_t k0 = 0; k0 < ci; k0 += s.kc) {
      const size_t kc = block_length(s, k0);
      float* block = pg + packed_block_offset(s, k0);
      const size_t panel_stride = packed_panel_stride(s, k0);
      for (size_t n0 = 0; n0 < co; n0 += nr) {
        float* panel = block + (n0 / nr) * panel_stride;
        const size_t width = std::min(nr, co - n0);
        if (k0 == 0) {
          if (bias != nullptr) std::memcpy(panel, bias + g * co + n0, width * sizeof(float));
          panel += nr;
        }
        for (size_t k = 0; k < kc; ++k) {
          const size_t i = k0 + k;
          for (size_t n = 0; n < width; ++n) {
            const size_t o = n0 + n;
            panel[k * nr + n] = layout == PW_WEIGHTS_IO ? wg[i * co + o] : wg[o * ci + i];
          }
        }
      }
    }
  }
}

}  // namespace pw
