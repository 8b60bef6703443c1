// The bf16 microkernel: inputs and weights in bf16, products exact, sums, bias,
// residual, clamp and output in fp32. Same gemm_tile contract as the fp32 kernels
// (microkernel.h) except that
//   - input_rows[m] point to bf16 data (uint16_t, the top half of an fp32) and
//     input_offset counts bf16 elements; kc may be odd: the last channel of an odd
//     block is read alone (16 bits), its partner counted as zero;
//   - per panel of NR output channels the packed block holds, on the first block,
//     NR fp32 biases, then ceil(kc/2) rows of NR channel pairs (32 bits: channel 2p
//     in the low half, 2p+1 in the high half; for an odd kc the high half of the last
//     row is zero); panels are NR*4*(first_block ? 1 : 0) + ceil(kc/2)*NR*4 bytes apart.
//
// Written over an ops struct (simd_ops_avx512_bf16.h) providing width, acc_type,
// pair_type, broadcast_pair, broadcast_single, load_pairs, dot, clamp, load_columns,
// store_columns, load_bf16_columns, store_bf16_columns, store_bf16_column_pair; it does the bf16 epilogue
// (gemm_tile's bf16_residual and bf16_output). Include ONLY from that ISA's translation unit: everything here is in
// an anonymous namespace (the ODR trap of STYLE.md).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>

#include "clamp_sums.h"
#include "microkernel.h"

namespace pw {
namespace {

template <class Ops, size_t M, size_t NV>
struct bf16_accumulators {
  typename Ops::acc_type v[M][NV];
};

// The channel pair `byte_offset` bytes from a row's end (negative; see bf16_rows).
inline const uint16_t* pair_at(const uint16_t* row_end, ptrdiff_t byte_offset) {
  return reinterpret_cast<const uint16_t*>(reinterpret_cast<const char*>(row_end) + byte_offset);
}

// One row of channel pairs for every pixel: acc[m][j] += pair[m] . w[j].
template <class Ops, size_t M, size_t NV, bool Single>
inline void dot_pair_row(bf16_accumulators<Ops, M, NV>& acc, const uint16_t* const (&rows_end)[M],
                         ptrdiff_t byte_offset, const char* w) {
  typename Ops::pair_type weights[NV];
#pragma GCC unroll 16
  for (size_t j = 0; j < NV; ++j) weights[j] = Ops::load_pairs(w + j * Ops::width * 4);
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) {
    const auto x = Single ? Ops::broadcast_single(pair_at(rows_end[m], byte_offset))
                          : Ops::broadcast_pair(pair_at(rows_end[m], byte_offset));
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) acc.v[m][j] = Ops::dot(acc.v[m][j], x, weights[j]);
  }
}

// Bytes of the next block prefetched per pair row (two channels of 2-byte weights:
// kPrefetchBytesPerChannel of 4-byte weights) over the loop's 4-byte step, and the
// locality of the fp32 kernel's prefetch (prefetcht0: prefetcht1 measured 1-3% slower
// here too, docs/tuning.md).
constexpr ptrdiff_t kBf16PrefetchScale = kPrefetchBytesPerChannel / 4;
constexpr int kBf16WeightPrefetchLocality = 3;

// What every panel of a tile shares.
struct bf16_block {
  size_t pair_rows;    // kc / 2 whole pairs (an odd kc adds one single row after them)
  bool odd;            // kc odd: its last channel is read alone
  size_t bias_bytes;   // NR * 4 on the first block, else 0
  bool apply_clamp;
  size_t panel_bytes;  // [NR biases] + ceil(kc/2) rows of NR channel pairs
};

// The block of a tile of NR-wide panels.
template <size_t NR>
inline bf16_block bf16_block_of(const gemm_tile& t) {
  bf16_block block;
  block.pair_rows = t.kc / 2;
  block.odd = (t.kc & 1) != 0;
  block.bias_bytes = t.first_block ? NR * 4 : 0;
  block.apply_clamp = t.last_block && (t.output_min > -INFINITY || t.output_max < INFINITY);
  block.panel_bytes = block.bias_bytes + (block.pair_rows + (block.odd ? 1 : 0)) * NR * 4;
  return block;
}

// Each row's pointer past the block's last whole pair, for loops that run a negative
// byte offset up to zero.
template <size_t M>
inline void bf16_row_ends(const gemm_tile& t, const bf16_block& block, const uint16_t* (&rows_end)[M]) {
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m)
    rows_end[m] = reinterpret_cast<const uint16_t*>(t.input_rows[m]) + t.input_offset + 2 * block.pair_rows;
}

// One M x `columns` block of outputs from the panel at `panel` (rows of PanelNV
// vectors), computed with NV <= PanelNV vectors per row, columns in
// ((NV - 1) * width, NV * width]: the padding vectors of a narrow last panel are
// skipped, not masked. A part of a vector moves through the ISA's masked move: the
// caller (bf16_panel_in_place) sees that every row's part lies in one page.
// Prefetch: the full tile also brings in a slice of the tile loop's next block, ending
// at prefetch_end (gemm_tile::prefetch_weights; the slice of the fp32 kernel's
// gemm_rows_in_place, at half its bytes per channel for weights of half the size).
template <class Ops, size_t M, size_t NV, size_t PanelNV, bool Prefetch = false>
inline void bf16_panel(const gemm_tile& t, const bf16_block& block, const uint16_t* const (&rows_end)[M], size_t n0,
                       size_t columns, const char* panel, const char* prefetch_end = nullptr) {
  using acc_type = typename Ops::acc_type;
  constexpr size_t width = Ops::width;
  constexpr size_t row_bytes = PanelNV * width * 4;
  float* out = t.output + n0;
  bf16_accumulators<Ops, M, NV> acc;
  // The residual is read here, before any store, so residual == output works.
  if (t.first_block) {
    const float* bias = reinterpret_cast<const float*>(panel);
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) {
      const acc_type b = Ops::load_columns(bias + j * width, width);
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) acc.v[m][j] = b;
    }
    if (t.bf16_residual != nullptr) {
      const uint16_t* res = t.bf16_residual + n0;
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j) {
          const size_t remaining = columns > j * width ? columns - j * width : 0;
          acc.v[m][j] += Ops::load_bf16_columns(res + m * t.bf16_residual_stride + j * width, remaining);
        }
      }
    } else if (t.residual != nullptr) {
      const float* res = t.residual + n0;
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j) {
          const size_t remaining = columns > j * width ? columns - j * width : 0;
          acc.v[m][j] += Ops::load_columns(res + m * t.residual_stride + j * width, remaining);
        }
      }
    }
  } else {
#pragma GCC unroll 64
    for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) {
        const size_t remaining = columns > j * width ? columns - j * width : 0;
        acc.v[m][j] = Ops::load_columns(out + m * t.output_stride + j * width, remaining);
      }
    }
  }

  // The rows' ends sit past the last whole pair and the loop runs a negative byte
  // offset up to zero: M row pointers, one offset and the weight pointer stay in
  // general-purpose registers.
  const char* w = panel + block.bias_bytes;
  for (ptrdiff_t offset = -static_cast<ptrdiff_t>(block.pair_rows * 4); offset != 0; offset += 4, w += row_bytes) {
    if constexpr (Prefetch)
      __builtin_prefetch(prefetch_end + offset * kBf16PrefetchScale, 0, kBf16WeightPrefetchLocality);
    dot_pair_row<Ops, M, NV, false>(acc, rows_end, offset, w);
  }
  if (block.odd) dot_pair_row<Ops, M, NV, true>(acc, rows_end, 0, w);

  if (block.apply_clamp) {
    clamp_sums<Ops>(t, [](float v) { return Ops::splat(v); }, [&](auto clamp) {
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j) acc.v[m][j] = clamp(acc.v[m][j]);
      }
    });
  }
  if (t.last_block && t.bf16_output != nullptr) {
    uint16_t* bf16_out = t.bf16_output + n0;
#pragma GCC unroll 64
    for (size_t m = 0; m < M; ++m) {
      uint16_t* row = bf16_out + m * t.bf16_output_stride;
#pragma GCC unroll 16
      for (size_t j = 0; j + 1 < NV; j += 2) {
        const size_t remaining = columns > j * width ? columns - j * width : 0;
        Ops::store_bf16_column_pair(row + j * width, acc.v[m][j], acc.v[m][j + 1], remaining);
      }
      if constexpr (NV % 2 != 0) {
        constexpr size_t j = NV - 1;
        Ops::store_bf16_columns(row + j * width, acc.v[m][j], columns > j * width ? columns - j * width : 0);
      }
    }
    return;
  }
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) {
      const size_t remaining = columns > j * width ? columns - j * width : 0;
      Ops::store_columns(out + m * t.output_stride + j * width, acc.v[m][j], remaining);
    }
  }
}

// Whether the `vector_bytes` from `first` and from each of the M - 1 rows after it,
// `stride` elements apart, each lie within one 4 KiB page (nullptr: no such tensor):
// no row's masked move crosses a page. Rows apart by more than a page (wide layers,
// channel slices) pass as long as none straddles a page end.
template <size_t M, class T>
inline bool no_row_crosses_a_page(const T* first, size_t stride, size_t vector_bytes) {
  if (first == nullptr) return true;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(first);
  const uintptr_t step = stride * sizeof(T);
  bool fits = true;
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) {
    const uintptr_t row = begin + m * step;
    fits &= (row >> 12) == ((row + vector_bytes - 1) >> 12);
  }
  return fits;
}

// A panel whose column tail would take a masked move across a page (slow whatever
// its mask: x86_tail_moves.h) runs on stack copies of the columns it reads and
// writes, moved with memcpy: `run(staged)` computes the panel on a copy of t whose
// tensors are M rows of NR columns on the stack (its column n0 at their column 0),
// zero past `columns`. Called from an out-of-line function of each tile, apart from
// the panel itself: a call while its accumulators live made GCC keep all of them on
// the stack, in the inner loop too.
template <size_t M, size_t NR, class Run>
inline void run_panel_staged(const gemm_tile& t, size_t n0, size_t columns, Run&& run) {
  alignas(64) float output[M * NR] = {};
  alignas(64) float residual[M * NR] = {};
  alignas(64) uint16_t bf16_residual[M * NR] = {};
  alignas(64) uint16_t bf16_output[M * NR] = {};
  gemm_tile staged = t;
  staged.output = output;
  staged.output_stride = NR;
  for (size_t m = 0; m < M; ++m) {
    if (!t.first_block) std::memcpy(output + m * NR, t.output + n0 + m * t.output_stride, columns * sizeof(float));
    if (t.first_block && t.residual != nullptr)
      std::memcpy(residual + m * NR, t.residual + n0 + m * t.residual_stride, columns * sizeof(float));
    if (t.first_block && t.bf16_residual != nullptr)
      std::memcpy(bf16_residual + m * NR, t.bf16_residual + n0 + m * t.bf16_residual_stride,
                  columns * sizeof(uint16_t));
  }
  if (t.residual != nullptr) {
    staged.residual = residual;
    staged.residual_stride = NR;
  }
  if (t.bf16_residual != nullptr) {
    staged.bf16_residual = bf16_residual;
    staged.bf16_residual_stride = NR;
  }
  if (t.bf16_output != nullptr) {
    staged.bf16_output = bf16_output;
    staged.bf16_output_stride = NR;
  }
  run(static_cast<const gemm_tile&>(staged));
  const bool to_bf16 = t.last_block && t.bf16_output != nullptr;
  for (size_t m = 0; m < M; ++m) {
    if (to_bf16) {
      std::memcpy(t.bf16_output + n0 + m * t.bf16_output_stride, bf16_output + m * NR, columns * sizeof(uint16_t));
    } else {
      std::memcpy(t.output + n0 + m * t.output_stride, output + m * NR, columns * sizeof(float));
    }
  }
}

// bf16_panel on stack copies (run_panel_staged), all its vectors whole.
template <class Ops, size_t M, size_t NV, size_t PanelNV>
__attribute__((noinline)) void bf16_panel_staged(const gemm_tile& t, const bf16_block& block,
                                                 const uint16_t* const (&rows_end)[M], size_t n0, size_t columns,
                                                 const char* panel) {
  constexpr size_t nr = NV * Ops::width;
  run_panel_staged<M, nr>(t, n0, columns, [&](const gemm_tile& staged) {
    bf16_panel<Ops, M, NV, PanelNV>(staged, block, rows_end, 0, nr, panel);
  });
}

// bf16_panel where no row of any tensor has a column tail across a page end,
// else bf16_panel_staged (which does not prefetch).
template <class Ops, size_t M, size_t NV, size_t PanelNV, bool Prefetch = false>
inline void bf16_panel_in_place(const gemm_tile& t, const bf16_block& block, const uint16_t* const (&rows_end)[M],
                                size_t n0, size_t columns, const char* panel, const char* prefetch_end = nullptr) {
  constexpr size_t width = Ops::width;
  if (columns < NV * width) {
    const size_t last = n0 + (NV - 1) * width;
    // A bf16 output's tail is the last vector pair's move (bf16_panel), or a lone last vector's.
    const size_t bf16_output_tail = NV % 2 == 0 ? last - width : last;
    const size_t bf16_output_tail_bytes = NV % 2 == 0 ? width * 4 : width * 2;
    const bool reads_output = !t.first_block;
    const bool writes_output = !(t.last_block && t.bf16_output != nullptr);
    const float* residual = t.first_block && t.residual != nullptr ? t.residual + last : nullptr;
    const uint16_t* bf16_residual = t.first_block && t.bf16_residual != nullptr ? t.bf16_residual + last : nullptr;
    const bool fits =
        ((!reads_output && !writes_output) || no_row_crosses_a_page<M>(t.output + last, t.output_stride, width * 4)) &&
        no_row_crosses_a_page<M>(residual, t.residual_stride, width * 4) &&
        no_row_crosses_a_page<M>(bf16_residual, t.bf16_residual_stride, width * 2) &&
        (writes_output || no_row_crosses_a_page<M>(t.bf16_output + bf16_output_tail, t.bf16_output_stride,
                                              bf16_output_tail_bytes));
    if (!fits) return bf16_panel_staged<Ops, M, NV, PanelNV>(t, block, rows_end, n0, columns, panel);
  }
  bf16_panel<Ops, M, NV, PanelNV, Prefetch>(t, block, rows_end, n0, columns, panel, prefetch_end);
}

// A last panel whose columns fit in fewer than PanelNV vectors, with exactly the
// vectors it needs (one instantiation per count 1..PanelNV-1).
template <class Ops, size_t M, size_t PanelNV, size_t... Fewer>
inline void bf16_narrow_panel(const gemm_tile& t, const bf16_block& block, const uint16_t* const (&rows_end)[M],
                              size_t n0, size_t columns, const char* panel, std::index_sequence<Fewer...>) {
  const size_t vectors = (columns + Ops::width - 1) / Ops::width;
  ((vectors == Fewer + 1 ? bf16_panel_in_place<Ops, M, Fewer + 1, PanelNV>(t, block, rows_end, n0, columns, panel)
                         : void()),
   ...);
}

// An M x nc block of outputs, nc walked NR = NV vectors at a time. Prefetch: a slice
// of t.prefetch_weights alongside each panel (see bf16_panel).
template <class Ops, size_t M, size_t NV, bool Prefetch = false>
void bf16_rows(const gemm_tile& t) {
  constexpr size_t nr = NV * Ops::width;
  const bf16_block block = bf16_block_of<nr>(t);
  const size_t panel_bytes = block.panel_bytes;
  const uint16_t* rows_end[M];
  bf16_row_ends(t, block, rows_end);

  const char* panel = reinterpret_cast<const char*>(t.weights);
  const char* prefetch_end = static_cast<const char*>(t.prefetch_weights);
  for (size_t n0 = 0; n0 < t.nc; n0 += nr, panel += panel_bytes) {
    const size_t columns = t.nc - n0 < nr ? t.nc - n0 : nr;
    if constexpr (NV > 1) {
      if (columns <= nr - Ops::width) {
        bf16_narrow_panel<Ops, M, NV>(t, block, rows_end, n0, columns, panel, std::make_index_sequence<NV - 1>());
        continue;
      }
    }
    if constexpr (Prefetch) {
      prefetch_end += block.pair_rows * 4 * kBf16PrefetchScale;
      bf16_panel_in_place<Ops, M, NV, NV, true>(t, block, rows_end, n0, columns, panel, prefetch_end);
    } else {
      bf16_panel_in_place<Ops, M, NV, NV>(t, block, rows_end, n0, columns, panel);
    }
  }
}

template <class Ops, size_t NV, size_t... M>
inline void bf16_dispatch_rows(const gemm_tile& t, std::index_sequence<M...>) {
  // One fully unrolled kernel per row count: a tail of pixels costs only its rows.
  static constexpr gemm_kernel_fn by_rows[] = {&bf16_rows<Ops, M + 1, NV>...};
  by_rows[t.mr - 1](t);
}

// The microkernel entry point: t.mr in 1..MR. A full tile honours t.prefetch_weights.
template <class Ops, size_t MR, size_t NV>
void gemm_bf16(const gemm_tile& t) {
  if (t.prefetch_weights != nullptr && t.mr == MR) return bf16_rows<Ops, MR, NV, true>(t);
  bf16_dispatch_rows<Ops, NV>(t, std::make_index_sequence<MR>());
}

}  // namespace
}  // namespace pw
