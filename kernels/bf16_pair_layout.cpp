// The bf16 channel-pair layout that the native bf16 kernels read (see bf16_pair_layout
// in microkernel.h): per block of kc input channels, panels of NR output channels of
// ceil(kc/2) rows of NR pairs, the first block's panels opening with NR fp32 biases.
#include <algorithm>
#include <cstring>

#include "bf16.h"
#include "microkernel.h"

namespace pw {
namespace {

constexpr size_t kPairBytes = 4;

size_t padded_out(const packing_shape& s) { return (s.out_channels + s.nr - 1) / s.nr * s.nr; }
size_t block_length(const packing_shape& s, size_t k0) { return std::min(s.kc, s.in_channels - k0); }
size_t pair_rows(size_t channels) { return (channels + 1) / 2; }

// Pair rows of the blocks before input channel k0 (every block but the last is kc long).
size_t pair_rows_before(const packing_shape& s, size_t k0) { return k0 / s.kc * pair_rows(s.kc); }

bool group_bytes(const packing_shape& s, size_t* bytes) {
  // The bias row plus every block's pair rows, NR pairs (or floats) wide, per panel.
  size_t padded = 0, rows = 0, words = 0;
  if (s.kc == 0 || __builtin_add_overflow(s.out_channels, s.nr - 1, &padded)) return false;
  const size_t blocks = (s.in_channels + s.kc - 1) / s.kc;
  const size_t last = s.in_channels - (blocks - 1) * s.kc;
  if (__builtin_mul_overflow(blocks - 1, pair_rows(s.kc), &rows) || __builtin_add_overflow(rows, pair_rows(last) + 1, &rows) ||
      __builtin_mul_overflow(padded / s.nr * s.nr, rows, &words))
    return false;
  return !__builtin_mul_overflow(words, kPairBytes, bytes);
}

size_t block_offset(const packing_shape& s, size_t k0) {
  return k0 == 0 ? 0 : padded_out(s) * (pair_rows_before(s, k0) + 1) * kPairBytes;
}

size_t panel_stride(const packing_shape& s, size_t k0) {
  return s.nr * (pair_rows(block_length(s, k0)) + (k0 == 0 ? 1 : 0)) * kPairBytes;
}

void pack_group(const packing_shape& s, const group_weights& source, void* packed) {
  const size_t ci = s.in_channels, co = s.out_channels, nr = s.nr;
  size_t bytes = 0;
  group_bytes(s, &bytes);
  std::memset(packed, 0, bytes);
  auto weight = [&](size_t i, size_t o) {
    return bf16_from_float(source.layout == PW_WEIGHTS_IO ? source.weights[i * co + o] : source.weights[o * ci + i]);
  };
  for (size_t k0 = 0; k0 < ci; k0 += s.kc) {
    const size_t kc = block_length(s, k0);
    char* block = static_cast<char*>(packed) + block_offset(s, k0);
    for (size_t n0 = 0; n0 < co; n0 += nr) {
      char* panel = block + (n0 / nr) * panel_stride(s, k0);
      const size_t width = std::min(nr, co - n0);
      if (k0 == 0) {
        if (source.bias != nullptr) std::memcpy(panel, source.bias + n0, width * sizeof(float));
        panel += nr * kPairBytes;
      }
      uint16_t* pairs = reinterpret_cast<uint16_t*>(panel);
      for (size_t k = 0; k < kc; ++k) {
        for (size_t n = 0; n < width; ++n) pairs[((k / 2) * nr + n) * 2 + (k & 1)] = weight(k0 + k, n0 + n);
      }
    }
  }
}

}  // namespace

const weight_layout bf16_pair_layout = {&group_bytes, &block_offset, &panel_stride, &pack_group};

}  // namespace pw
