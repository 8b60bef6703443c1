// The channel-pair layouts (see bf16_pair_layout, bf16_pair_pairs_layout and
// f32_pair_layout in microkernel.h): per block of kc input channels, panels of NR
// output channels of ceil(kc/C) rows of NR slots of C input channels each (C = 2, or 4
// for two bf16 pairs), the first block's panels opening with a bias row as wide as a
// slot row. One template for every element type; each says how many input channels a
// slot holds and where a channel's slot and bias go.
#include <algorithm>
#include <cstring>

#include "bf16.h"
#include "microkernel.h"

namespace pw {
namespace {

// bf16 pairs: both channels in one 32-bit word, weights always rounded to bf16;
// channel n's pair in slot n, its fp32 bias at float n of the bias row.
struct bf16_pairs {
  using element = uint16_t;
  static constexpr size_t kChannelsPerSlot = 2;
  static element from(float w, bool /*round_to_bf16*/) { return bf16_from_float(w); }
  static size_t slot(size_t n, size_t /*width*/, size_t /*nr*/) { return n; }
  static size_t bias_float(size_t slot) { return slot; }
};

// fp32 pairs: two floats side by side, rounded to bf16 only for bf16 math. In a panel
// of more than NR/2 channels the even channels' pairs come first, then the odd ones';
// in a narrower one, channel n's pair is slot n. The bias sits where the channel's
// even input goes (its odd twin is zero), so the accumulators start from the bias row.
struct f32_pairs {
  using element = float;
  static constexpr size_t kChannelsPerSlot = 2;
  static element from(float w, bool round) { return round ? round_to_bf16(w) : w; }
  static size_t slot(size_t n, size_t width, size_t nr) { return width <= nr / 2 ? n : n % 2 * (nr / 2) + n / 2; }
  static size_t bias_float(size_t slot) { return 2 * slot; }
};

// Two bf16 pairs per output channel (64 bits: input channels 4q, 4q+1 in the low 32
// bits, 4q+2, 4q+3 in the high ones, what one 64-bit broadcast of an input row meets
// in a lane pair), the bias as f32_pairs' (the low lane's float; the high lane starts
// from zero). A vector holds 8 slots: a panel of at most 8 channels has channel n in
// slot n; of more, channels 0..15 fill the first two vectors as f32_pairs' panel of
// 16 does (even channels, then odd ones), and channels 16..23 the third in order.
struct bf16_pair_pairs {
  using element = uint16_t;
  static constexpr size_t kChannelsPerSlot = 4;
  static element from(float w, bool /*round_to_bf16*/) { return bf16_from_float(w); }
  static size_t slot(size_t n, size_t width, size_t /*nr*/) { return width <= 8 || n >= 16 ? n : n % 2 * 8 + n / 2; }
  static size_t bias_float(size_t slot) { return 2 * slot; }
};

template <class Pairs>
struct pair_layout {
  static constexpr size_t kChannels = Pairs::kChannelsPerSlot;
  static constexpr size_t kPairBytes = kChannels * sizeof(typename Pairs::element);

  static size_t block_length(const packing_shape& s, size_t k0) { return std::min(s.kc, s.in_channels - k0); }
  static size_t padded_out(const packing_shape& s) { return (s.out_channels + s.nr - 1) / s.nr * s.nr; }
  static size_t pair_rows(size_t channels) { return (channels + kChannels - 1) / kChannels; }
  // Pair rows of the blocks before input channel k0 (every block but the last is kc long).
  static size_t pair_rows_before(const packing_shape& s, size_t k0) { return k0 / s.kc * pair_rows(s.kc); }

  static bool group_bytes(const packing_shape& s, size_t* bytes) {
    // The bias row plus every block's pair rows, NR pairs wide, per panel.
    size_t padded = 0, rows = 0, pairs = 0;
    if (s.kc == 0 || __builtin_add_overflow(s.out_channels, s.nr - 1, &padded)) return false;
    const size_t blocks = (s.in_channels + s.kc - 1) / s.kc;
    const size_t last = s.in_channels - (blocks - 1) * s.kc;
    if (__builtin_mul_overflow(blocks - 1, pair_rows(s.kc), &rows) ||
        __builtin_add_overflow(rows, pair_rows(last) + 1, &rows) ||
        __builtin_mul_overflow(padded / s.nr * s.nr, rows, &pairs))
      return false;
    return !__builtin_mul_overflow(pairs, kPairBytes, bytes);
  }

  static size_t block_offset(const packing_shape& s, size_t k0) {
    return k0 == 0 ? 0 : padded_out(s) * (pair_rows_before(s, k0) + 1) * kPairBytes;
  }

  static size_t panel_stride(const packing_shape& s, size_t k0) {
    return s.nr * (pair_rows(block_length(s, k0)) + (k0 == 0 ? 1 : 0)) * kPairBytes;
  }

  static void pack_group(const packing_shape& s, const group_weights& source, void* packed) {
    const size_t ci = s.in_channels, co = s.out_channels, nr = s.nr;
    size_t bytes = 0;
    group_bytes(s, &bytes);
    std::memset(packed, 0, bytes);
    auto weight = [&](size_t i, size_t o) {
      const float w = source.layout == PW_WEIGHTS_IO ? source.weights[i * co + o] : source.weights[o * ci + i];
      return Pairs::from(w, s.round_to_bf16);
    };
    for (size_t k0 = 0; k0 < ci; k0 += s.kc) {
      const size_t kc = block_length(s, k0);
      char* block = static_cast<char*>(packed) + block_offset(s, k0);
      for (size_t n0 = 0; n0 < co; n0 += nr) {
        char* panel = block + (n0 / nr) * panel_stride(s, k0);
        const size_t width = std::min(nr, co - n0);
        if (k0 == 0) {
          float* bias = reinterpret_cast<float*>(panel);
          if (source.bias != nullptr)
            for (size_t n = 0; n < width; ++n) bias[Pairs::bias_float(Pairs::slot(n, width, nr))] = source.bias[n0 + n];
          panel += nr * kPairBytes;
        }
        auto* pairs = reinterpret_cast<typename Pairs::element*>(panel);
        for (size_t k = 0; k < kc; ++k) {
          for (size_t n = 0; n < width; ++n)
            pairs[((k / kChannels) * nr + Pairs::slot(n, width, nr)) * kChannels + k % kChannels] =
                weight(k0 + k, n0 + n);
        }
      }
    }
  }

  static constexpr weight_layout layout = {&group_bytes, &block_offset, &panel_stride, &pack_group};
};

}  // namespace

const weight_layout bf16_pair_layout = pair_layout<bf16_pairs>::layout;
const weight_layout f32_pair_layout = pair_layout<f32_pairs>::layout;
const weight_layout bf16_pair_pairs_layout = pair_layout<bf16_pair_pairs>::layout;

}  // namespace pw
