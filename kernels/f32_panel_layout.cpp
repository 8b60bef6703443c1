// The fp32 panel layout that every fp32 kernel reads (see f32_panel_layout in
// microkernel.h): per block of kc input channels, panels of NR output channels, the
// first block's panels opening with their NR biases; for bf16 math the weights are
// rounded to bf16 (and kept as fp32).
#include <algorithm>
#include <cstring>

#include "bf16.h"
#include "microkernel.h"

namespace pw {
namespace {

size_t padded_out(const packing_shape& s) { return (s.out_channels + s.nr - 1) / s.nr * s.nr; }
size_t block_length(const packing_shape& s, size_t k0) { return std::min(s.kc, s.in_channels - k0); }

bool group_bytes(const packing_shape& s, size_t* bytes) {
  // The biases (one row per panel) plus every input channel's row of weights.
  size_t padded = 0, rows = 0, floats = 0;
  if (__builtin_add_overflow(s.out_channels, s.nr - 1, &padded) || __builtin_add_overflow(s.in_channels, 1, &rows) ||
      __builtin_mul_overflow(padded / s.nr * s.nr, rows, &floats))
    return false;
  return !__builtin_mul_overflow(floats, sizeof(float), bytes);
}

size_t block_offset(const packing_shape& s, size_t k0) {
  return k0 == 0 ? 0 : padded_out(s) * (k0 + 1) * sizeof(float);
}

size_t panel_stride(const packing_shape& s, size_t k0) {
  return s.nr * (block_length(s, k0) + (k0 == 0 ? 1 : 0)) * sizeof(float);
}

void pack_group(const packing_shape& s, const group_weights& source, void* packed) {
  const size_t ci = s.in_channels, co = s.out_channels, nr = s.nr;
  size_t bytes = 0;
  group_bytes(s, &bytes);
  std::memset(packed, 0, bytes);
  for (size_t k0 = 0; k0 < ci; k0 += s.kc) {
    const size_t kc = block_length(s, k0);
    char* block = static_cast<char*>(packed) + block_offset(s, k0);
    for (size_t n0 = 0; n0 < co; n0 += nr) {
      float* panel = reinterpret_cast<float*>(block + (n0 / nr) * panel_stride(s, k0));
      const size_t width = std::min(nr, co - n0);
      if (k0 == 0) {
        if (source.bias != nullptr) std::memcpy(panel, source.bias + n0, width * sizeof(float));
        panel += nr;
      }
      for (size_t k = 0; k < kc; ++k) {
        const size_t i = k0 + k;
        for (size_t n = 0; n < width; ++n) {
          const size_t o = n0 + n;
          const float w = source.layout == PW_WEIGHTS_IO ? source.weights[i * co + o] : source.weights[o * ci + i];
          panel[k * nr + n] = s.round_to_bf16 ? round_to_bf16(w) : w;
        }
      }
    }
  }
}

}  // namespace

const weight_layout f32_panel_layout = {&group_bytes, &block_offset, &panel_stride, &pack_group};

}  // namespace pw
