// The bf16 few-pixel microkernel: gemm_microkernel_bf16.h's tile for 1..FewRows pixels
// (a fully-connected layer's single pixel, a run's last register group), over the same
// ops struct and packing, walking several panels at once.
//
// Why: one pixel on a panel of NV vectors keeps NV sums, each a chain of kc/2
// dependent vdpbf16ps, and the full kernel runs the panels one after another. Here
// each channel pair is broadcast once for P panels, so P x M x NV chains are in flight.
// Each output still starts from its bias (+ residual) or its partial sum, adds its
// channel pairs in order with the same vdpbf16ps and is clamped and rounded alike: the
// full kernel's results bit for bit. Include ONLY from the ISA's translation unit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "gemm_microkernel_bf16.h"

namespace pw {
namespace {

// At most 6 panels at once: their weights then stay reachable from general-purpose
// registers, as in the fp32 few-rows kernel.
constexpr size_t kBf16MaxPanelsAtOnce = 6;

// Panels walked at once for M pixels: no more sums than the full tile's MR x NV.
template <size_t MR, size_t M>
constexpr size_t bf16_few_rows_panels =
    MR / M < 1 ? 1 : MR / M > kBf16MaxPanelsAtOnce ? kBf16MaxPanelsAtOnce : MR / M;

// Whether every row's masked moves of a column tail (n0 the last panel's first column,
// columns < NV * width of it) lie in one page, as bf16_panel_in_place requires: the
// partly used fp32 vector, and for a bf16 output the partly used pair (or lone vector).
template <class Ops, size_t M, size_t NV>
inline bool bf16_tail_moves_fit(const gemm_tile& t, size_t n0, size_t columns) {
  constexpr size_t width = Ops::width;
  const bool writes_output = !(t.last_block && t.bf16_output != nullptr);
  bool fits = true;
  if (columns % width != 0) {
    const size_t part = n0 + columns / width * width;
    if (!t.first_block || writes_output) fits &= no_row_crosses_a_page<M>(t.output + part, t.output_stride, width * 4);
    if (t.first_block && t.bf16_residual != nullptr)
      fits &= no_row_crosses_a_page<M>(t.bf16_residual + part, t.bf16_residual_stride, width * 2);
    else if (t.first_block && t.residual != nullptr)
      fits &= no_row_crosses_a_page<M>(t.residual + part, t.residual_stride, width * 4);
  }
  if (!writes_output) {
    const size_t pair = columns / (2 * width) * 2;  // the first vector of the partly used pair
    const bool lone = NV % 2 != 0 && pair == NV - 1;
    if (columns != pair * width && !(lone && columns % width == 0))
      fits &= no_row_crosses_a_page<M>(t.bf16_output + n0 + pair * width, t.bf16_output_stride,
                                       lone ? width * 2 : width * 4);
  }
  return fits;
}

// Outputs [n0, n0 + P panels) of an M-pixel tile from the P panels at `panel`,
// `panel_bytes` apart, every pair row of the block. Columns past t.nc (a last panel's
// padding, whose packed weights are zero) are computed and never moved.
template <class Ops, size_t M, size_t NV, size_t P>
inline void bf16_panel_group(const gemm_tile& t, const bf16_block& block, const uint16_t* const (&rows_end)[M],
                             size_t n0, const char* panel, size_t panel_bytes) {
  using acc_type = typename Ops::acc_type;
  constexpr size_t width = Ops::width;
  constexpr size_t nr = NV * width;
  const size_t columns = t.nc - n0;
  auto remaining = [columns](size_t p, size_t j) {
    const size_t first = p * nr + j * width;
    return columns > first ? columns - first : 0;
  };
  float* out = t.output + n0;
  acc_type acc[P][M][NV];
  // The residual is read here, before any store, so residual == output works.
  if (t.first_block) {
#pragma GCC unroll 16
    for (size_t p = 0; p < P; ++p) {
      const float* bias = reinterpret_cast<const float*>(panel + p * panel_bytes);
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) {
        const acc_type b = Ops::load_columns(bias + j * width, width);
#pragma GCC unroll 16
        for (size_t m = 0; m < M; ++m) acc[p][m][j] = b;
      }
    }
    if (t.bf16_residual != nullptr) {
      const uint16_t* res = t.bf16_residual + n0;
#pragma GCC unroll 16
      for (size_t p = 0; p < P; ++p)
#pragma GCC unroll 16
        for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 16
          for (size_t j = 0; j < NV; ++j)
            acc[p][m][j] +=
                Ops::load_bf16_columns(res + m * t.bf16_residual_stride + p * nr + j * width, remaining(p, j));
    } else if (t.residual != nullptr) {
      const float* res = t.residual + n0;
#pragma GCC unroll 16
      for (size_t p = 0; p < P; ++p)
#pragma GCC unroll 16
        for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 16
          for (size_t j = 0; j < NV; ++j)
            acc[p][m][j] += Ops::load_columns(res + m * t.residual_stride + p * nr + j * width, remaining(p, j));
    }
  } else {
#pragma GCC unroll 16
    for (size_t p = 0; p < P; ++p)
#pragma GCC unroll 16
      for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j)
          acc[p][m][j] = Ops::load_columns(out + m * t.output_stride + p * nr + j * width, remaining(p, j));
  }

  auto dot_row = [&](ptrdiff_t offset, const char* w, auto single) {
    typename Ops::pair_type x[M];
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m)
      x[m] = decltype(single)::value ? Ops::broadcast_single(pair_at(rows_end[m], offset))
                                     : Ops::broadcast_pair(pair_at(rows_end[m], offset));
#pragma GCC unroll 16
    for (size_t p = 0; p < P; ++p) {
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) {
        const auto weights = Ops::load_pairs(w + p * panel_bytes + j * width * 4);
#pragma GCC unroll 16
        for (size_t m = 0; m < M; ++m) acc[p][m][j] = Ops::dot(acc[p][m][j], x[m], weights);
      }
    }
  };
  const char* w = panel + block.bias_bytes;
  for (ptrdiff_t offset = -static_cast<ptrdiff_t>(block.pair_rows * 4); offset != 0; offset += 4, w += nr * 4)
    dot_row(offset, w, std::false_type());
  if (block.odd) dot_row(0, w, std::true_type());

  if (block.apply_clamp) {
    clamp_sums<Ops>(t, [](float v) { return Ops::splat(v); }, [&](auto clamp) {
#pragma GCC unroll 16
      for (size_t p = 0; p < P; ++p)
#pragma GCC unroll 16
        for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 16
          for (size_t j = 0; j < NV; ++j) acc[p][m][j] = clamp(acc[p][m][j]);
    });
  }
  if (t.last_block && t.bf16_output != nullptr) {
#pragma GCC unroll 16
    for (size_t p = 0; p < P; ++p)
#pragma GCC unroll 16
      for (size_t m = 0; m < M; ++m) {
        uint16_t* row = t.bf16_output + n0 + m * t.bf16_output_stride + p * nr;
#pragma GCC unroll 16
        for (size_t j = 0; j + 1 < NV; j += 2)
          Ops::store_bf16_column_pair(row + j * width, acc[p][m][j], acc[p][m][j + 1], remaining(p, j));
        if constexpr (NV % 2 != 0)
          Ops::store_bf16_columns(row + (NV - 1) * width, acc[p][m][NV - 1], remaining(p, NV - 1));
      }
    return;
  }
#pragma GCC unroll 16
  for (size_t p = 0; p < P; ++p)
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j)
        Ops::store_columns(out + m * t.output_stride + p * nr + j * width, acc[p][m][j], remaining(p, j));
}

// The full kernel on the tile's last panel alone, when a column tail of it would take
// a masked move across a page: its own path stages that panel (bf16_panel_in_place).
template <class Ops, size_t M, size_t NV>
__attribute__((noinline)) void bf16_last_panel_alone(const gemm_tile& t, size_t n0, const char* panel) {
  gemm_tile last = t;
  last.nc = t.nc - n0;
  last.weights = panel;
  last.output = t.output + n0;
  if (t.residual != nullptr) last.residual = t.residual + n0;
  if (t.bf16_residual != nullptr) last.bf16_residual = t.bf16_residual + n0;
  if (t.bf16_output != nullptr) last.bf16_output = t.bf16_output + n0;
  bf16_rows<Ops, M, NV>(last);
}

// `count` (1..P) panels from the p0-th, one instantiation per count; the tile's partial
// last panel among them joins the group where its tail moves fit.
template <class Ops, size_t M, size_t NV, size_t... Counts>
inline void bf16_panels_from(size_t p0, size_t count, const gemm_tile& t, const bf16_block& block,
                             const uint16_t* const (&rows_end)[M], const char* weights, size_t panel_bytes,
                             std::index_sequence<Counts...>) {
  constexpr size_t nr = NV * Ops::width;
  const size_t last_n0 = (p0 + count - 1) * nr;
  const bool partial = t.nc - last_n0 < nr;
  if (partial && !bf16_tail_moves_fit<Ops, M, NV>(t, last_n0, t.nc - last_n0)) {
    bf16_last_panel_alone<Ops, M, NV>(t, last_n0, weights + (p0 + count - 1) * panel_bytes);
    --count;
    if (count == 0) return;
  }
  ((count == Counts + 1
        ? bf16_panel_group<Ops, M, NV, Counts + 1>(t, block, rows_end, p0 * nr, weights + p0 * panel_bytes, panel_bytes)
        : void()),
   ...);
}

// M pixels, the tile's nc output channels P panels at a time.
template <class Ops, size_t MR, size_t M, size_t NV>
void bf16_few_rows_of(const gemm_tile& t) {
  constexpr size_t nr = NV * Ops::width;
  constexpr size_t P = bf16_few_rows_panels<MR, M>;
  const bf16_block block = bf16_block_of<nr>(t);
  const size_t panel_bytes = block.panel_bytes;
  const uint16_t* rows_end[M];
  bf16_row_ends(t, block, rows_end);
  const char* weights = reinterpret_cast<const char*>(t.weights);
  const size_t panels = (t.nc + nr - 1) / nr;
  for (size_t p0 = 0; p0 < panels; p0 += P) {
    const size_t count = panels - p0 < P ? panels - p0 : P;
    bf16_panels_from<Ops, M, NV>(p0, count, t, block, rows_end, weights, panel_bytes, std::make_index_sequence<P>());
  }
}

template <class Ops, size_t MR, size_t NV, size_t... M>
inline void bf16_few_rows_dispatch(const gemm_tile& t, std::index_sequence<M...>) {
  static constexpr gemm_kernel_fn by_rows[] = {&bf16_few_rows_of<Ops, MR, M + 1, NV>...};
  by_rows[t.mr - 1](t);
}

// The entry point: t.mr in 1..FewRows, the contract and results of gemm_bf16<Ops, MR, NV>.
template <class Ops, size_t MR, size_t NV, size_t FewRows>
void gemm_few_rows_bf16(const gemm_tile& t) {
  static_assert(FewRows >= 1 && FewRows < MR, "the full kernel serves MR pixels");
  bf16_few_rows_dispatch<Ops, MR, NV>(t, std::make_index_sequence<FewRows>());
}

}  // namespace
}  // namespace pw
