// The few-pixel microkernel: a tile of a few pixels (a fully-connected or squeeze-excite
// layer's single pixel, the last register group of a run), written once over the xsimd
// architecture tag like gemm_microkernel.h and instantiated by the same ISA translation
// units (include it after their simd_ops_<isa>.h).
//
// Why: the MR x NR kernel keeps M x NV independent sums per panel, each a chain of kc
// dependent multiply-adds; one pixel on AVX-512's 32-channel panels is 2 chains, a
// quarter of what 2 FMA pipes x 4 cycles of latency need. This kernel walks several
// panels of the same packed layout at once, broadcasting each input once for all of
// them. Each output still starts from its bias (+ residual) or its partial sum and adds
// its input channels in order with the same operations, so its result is the MR x NR
// kernel's bit for bit: only independent sums are interleaved, k is never split.
#pragma once

#include <cstddef>
#include <utility>

#include "gemm_microkernel.h"

namespace pw {
namespace {

// At most 6 panels at once: their weight pointers and the row pointers then stay in
// general-purpose registers (with 7 on x86-64 GCC moves them through vector registers
// every channel).
constexpr size_t kMaxPanelsAtOnce = 6;

// Panels walked at once for M pixels: no more sums than the full tile's MR x NV (which
// fit the register file), at least one panel.
template <size_t MR, size_t M>
constexpr size_t few_rows_panels = MR / M < 1 ? 1 : MR / M > kMaxPanelsAtOnce ? kMaxPanelsAtOnce : MR / M;

// Outputs [n0, n0 + P panels) of an M-pixel tile, every input channel of the block,
// from the P panels at `panel`, `panel_stride` floats apart. Columns past t.nc (a last
// panel's padding, whose packed weights are zero) are computed and never stored.
template <class Arch, size_t M, size_t NV, size_t P>
inline void compute_panel_group(const gemm_tile& t, const panel_run& how, size_t n0, const float* panel,
                                size_t panel_stride, const float* const (&rows_end)[M], ptrdiff_t kc_bytes) {
  using ops = simd_ops<Arch>;
  using batch = simd_batch<Arch>;
  constexpr size_t width = batch::size;
  constexpr size_t nr = NV * width;
  const size_t columns = t.nc - n0;
  auto remaining = [columns](size_t p, size_t j) {
    const size_t first = p * nr + j * width;
    return columns > first ? columns - first : 0;
  };
  float* out = t.output + n0;
  batch acc[P][M][NV];
  // The residual is read here, before any store, so residual == output works.
  if (how.start_from_bias) {
#pragma GCC unroll 16
    for (size_t p = 0; p < P; ++p) {
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) {
        const batch bias = batch::load_unaligned(panel + p * panel_stride + j * width);
#pragma GCC unroll 16
        for (size_t m = 0; m < M; ++m) acc[p][m][j] = bias;
      }
    }
    if (t.residual != nullptr) {
      const float* res = t.residual + n0;
#pragma GCC unroll 16
      for (size_t p = 0; p < P; ++p)
#pragma GCC unroll 16
        for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 16
          for (size_t j = 0; j < NV; ++j)
            acc[p][m][j] += load_columns<Arch>(res + m * t.residual_stride + p * nr + j * width, remaining(p, j));
    }
  } else {
#pragma GCC unroll 16
    for (size_t p = 0; p < P; ++p)
#pragma GCC unroll 16
      for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j)
          acc[p][m][j] = load_columns<Arch>(out + m * t.output_stride + p * nr + j * width, remaining(p, j));
  }

  const float* w = panel + how.bias_rows * nr;
  for (ptrdiff_t offset = -kc_bytes; offset != 0; offset += sizeof(float), w += nr) {
    batch x[M];
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m) x[m] = ops::broadcast(channel_at(rows_end[m], offset));
#pragma GCC unroll 16
    for (size_t p = 0; p < P; ++p) {
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) {
        const batch weights = batch::load_unaligned(w + p * panel_stride + j * width);
#pragma GCC unroll 16
        for (size_t m = 0; m < M; ++m) acc[p][m][j] = ops::fmadd(x[m], weights, acc[p][m][j]);
      }
    }
  }

  if (how.apply_clamp) {
    clamp_sums<ops>(t, [](float v) { return batch(v); }, [&](auto clamp) {
#pragma GCC unroll 16
      for (size_t p = 0; p < P; ++p)
#pragma GCC unroll 16
        for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 16
          for (size_t j = 0; j < NV; ++j) acc[p][m][j] = clamp(acc[p][m][j]);
    });
  }
#pragma GCC unroll 16
  for (size_t p = 0; p < P; ++p)
#pragma GCC unroll 16
    for (size_t m = 0; m < M; ++m)
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j)
        store_columns<Arch>(out + m * t.output_stride + p * nr + j * width, acc[p][m][j], remaining(p, j));
}

// The last `count` (< P) panels of the tile, one instantiation per count.
template <class Arch, size_t M, size_t NV, size_t... Fewer>
inline void compute_last_panels(size_t count, const gemm_tile& t, const panel_run& how, size_t n0,
                                const float* panel, size_t panel_stride, const float* const (&rows_end)[M],
                                ptrdiff_t kc_bytes, std::index_sequence<Fewer...>) {
  ((count == Fewer + 1
        ? compute_panel_group<Arch, M, NV, Fewer + 1>(t, how, n0, panel, panel_stride, rows_end, kc_bytes)
        : void()),
   ...);
}

// M pixels, the tile's nc output channels P panels at a time.
template <class Arch, size_t MR, size_t M, size_t NV>
void gemm_few_rows_of(const gemm_tile& t) {
  constexpr size_t nr = NV * simd_batch<Arch>::size;
  constexpr size_t P = few_rows_panels<MR, M>;
  // Row pointers past the block's last channel and a negative byte offset, as in
  // gemm_rows_in_place.
  const float* rows_end[M];
  const ptrdiff_t kc_bytes = static_cast<ptrdiff_t>(t.kc * sizeof(float));
  block_row_ends(t, rows_end);
  const panel_run how = whole_block_run(t);
  const size_t panel_stride = nr * (how.bias_rows + t.kc);
  const float* panel = static_cast<const float*>(t.weights);
  const size_t panels = (t.nc + nr - 1) / nr;
  size_t p0 = 0;
  for (; p0 + P <= panels; p0 += P)
    compute_panel_group<Arch, M, NV, P>(t, how, p0 * nr, panel + p0 * panel_stride, panel_stride, rows_end, kc_bytes);
  if constexpr (P > 1) {
    if (p0 < panels)
      compute_last_panels<Arch, M, NV>(panels - p0, t, how, p0 * nr, panel + p0 * panel_stride, panel_stride,
                                       rows_end, kc_bytes, std::make_index_sequence<P - 1>());
  }
}

template <class Arch, size_t MR, size_t NV, size_t... M>
inline void gemm_few_rows_dispatch(const gemm_tile& t, std::index_sequence<M...>) {
  static constexpr gemm_kernel_fn by_rows[] = {&gemm_few_rows_of<Arch, MR, M + 1, NV>...};
  by_rows[t.mr - 1](t);
}

// The entry point: t.mr in 1..FewRows, the same contract as gemm<Arch, MR, NV> and the
// same results. Each ISA unit measures its FewRows: the most pixels for which walking
// panels together beats the full kernel (docs/tuning.md, "Few pixels").
template <class Arch, size_t MR, size_t NV, size_t FewRows>
void gemm_few_rows(const gemm_tile& t) {
  static_assert(FewRows >= 1 && FewRows < MR, "the full kernel serves MR pixels");
  gemm_few_rows_dispatch<Arch, MR, NV>(t, std::make_index_sequence<FewRows>());
}

}  // namespace
}  // namespace pw
