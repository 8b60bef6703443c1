// The one SIMD microkernel, written once over the xsimd architecture tag and
// instantiated by one translation unit per ISA (kernels/sse.cpp, avx2.cpp, avx512.cpp),
// each compiled with that ISA's flags only.
//
// Include this header ONLY from such an ISA translation unit (or a benchmark/test
// harness compiled with one ISA's flags). Everything here lives in an anonymous
// namespace, so each ISA unit gets its own private copy of every function it
// instantiates: the linker can never merge an AVX-512 copy of an inline function
// into code that runs on an SSE-only CPU (the ODR trap: docs/architecture.md).
//
// Adding an ISA (how e.g. NEON plugs in):
//   1. Specialise `simd_ops<Arch>` for the xsimd tag (see simd_ops_avx512.h for a
//      complete example) with:
//        k_group                     input channels consumed per step of the inner
//                                    loop; 1 = one broadcast per pixel and channel
//        spread_bytes (optional)     0, or the stack bytes of inputs spread into full
//                                    vectors once per call (see gemm_rows_spread)
//        broadcast(p)                a batch of *p
//        clamp(x, lo, hi)            min(max(x, lo), hi), NaN in x stays NaN
//        clamp_below(x, lo)          (optional) max(x, lo), NaN in x stays NaN: ReLU
//                                    without the upper bound's min (clamp_sums.h)
//        fmadd(a, b, c)              a * b + c (fused where the ISA can)
//        load_partial(p, n)          p[0..n) into lanes 0..n-1, zero above; 0 < n < size;
//                                    must not read p[n] or beyond
//        store_partial(p, x, n)      lanes 0..n-1 of x to p[0..n); nothing written beyond
//      and optionally (see masked_tails_fit):
//        masked_tail_bytes           the bytes of the vector the masked moves span
//        load_partial_masked(p, n),  as above, through a masked move, which touches no
//        store_partial_masked(p, x, n)  element past p[n - 1] but spans the whole vector
//      and, only when k_group > 1 (e.g. NEON's vfmaq_laneq_f32, 4 channels per load):
//        group_type                  what load_group returns
//        load_group(p)               channels p[0..k_group) of one pixel
//        fmadd_lane<J>(acc, w, g)    acc + w * (channel J of g)
//   2. Write kernels/<isa>.cpp: include that ops header, pick MR and NR (NR a multiple
//      of the vector width; MR*NR/width accumulators plus NR/width weight vectors must
//      fit the register file) and define
//        const microkernel <name>_microkernel = {MR, NR, &gemm<Arch, MR, NR / width>,
//            &f32_panel_layout, element_type::f32, &this_unit_conversions};
//   3. One row in kernels/variants.def, one flags line in cmake/PointwiseIsa.cmake
//      (docs/architecture.md walks through it).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>
#include <xsimd/xsimd.hpp>

#include "bf16.h"
#include "clamp_sums.h"
#include "microkernel.h"

namespace pw {
namespace {

// The ISA-specific operations: specialised per architecture tag (simd_ops_*.h).
template <class Arch>
struct simd_ops;

template <class Arch>
using simd_batch = xsimd::batch<float, Arch>;

// simd_ops<Arch>::spread_bytes, or 0 for ops that do not declare it.
template <class Ops, class = void>
struct spread_bytes_of : std::integral_constant<size_t, 0> {};
template <class Ops>
struct spread_bytes_of<Ops, std::void_t<decltype(Ops::spread_bytes)>>
    : std::integral_constant<size_t, Ops::spread_bytes> {};

// simd_ops<Arch>::masked_tail_bytes, or 0 for ops without masked tail moves.
template <class Ops, class = void>
struct masked_tail_bytes_of : std::integral_constant<size_t, 0> {};
template <class Ops>
struct masked_tail_bytes_of<Ops, std::void_t<decltype(Ops::masked_tail_bytes)>>
    : std::integral_constant<size_t, Ops::masked_tail_bytes> {};

// Whether the ISA's masked tail moves may serve M rows `stride` floats apart from
// `first`: it has them, and every row's whole vector there lies in the first row's
// page. A masked move whose vector crosses into another page is slow whatever its mask
// (x86_tail_moves.h); the plain tail moves never cross, but cost a block whose rows all
// stay in one page (most small calls) more instructions.
template <class Arch, size_t M>
inline bool masked_tails_fit(const float* first, size_t stride) {
  constexpr size_t bytes = masked_tail_bytes_of<simd_ops<Arch>>::value;
  if constexpr (bytes == 0) {
    return false;
  } else {
    const uintptr_t begin = reinterpret_cast<uintptr_t>(first);
    const uintptr_t last = begin + (M - 1) * stride * sizeof(float) + bytes - 1;
    return (begin >> 12) == (last >> 12);
  }
}

// `remaining` columns from p: a whole vector, a part, or nothing (zero). masked: the
// part through the ISA's masked move (see masked_tails_fit).
template <class Arch>
inline simd_batch<Arch> load_columns(const float* p, size_t remaining, bool masked = false) {
  constexpr size_t width = simd_batch<Arch>::size;
  if (remaining >= width) return simd_batch<Arch>::load_unaligned(p);
  if (remaining == 0) return simd_batch<Arch>(0.0f);
  if constexpr (masked_tail_bytes_of<simd_ops<Arch>>::value > 0) {
    if (masked) return simd_ops<Arch>::load_partial_masked(p, remaining);
  }
  return simd_ops<Arch>::load_partial(p, remaining);
}

template <class Arch>
inline void store_columns(float* p, simd_batch<Arch> x, size_t remaining, bool masked = false) {
  constexpr size_t width = simd_batch<Arch>::size;
  if (remaining >= width) {
    x.store_unaligned(p);
  } else if (remaining != 0) {
    if constexpr (masked_tail_bytes_of<simd_ops<Arch>>::value > 0) {
      if (masked) return simd_ops<Arch>::store_partial_masked(p, x, remaining);
    }
    simd_ops<Arch>::store_partial(p, x, remaining);
  }
}

// The accumulators of an M x (NV vectors) block; whole-array loops are fully
// unrolled so every element lives in its own register.
template <class Arch, size_t M, size_t NV>
struct accumulator_block {
  static constexpr size_t vectors = NV;
  simd_batch<Arch> v[M][NV];
};

// The vectors per row of an accumulator block (for the generic accumulate lambdas).
template <class Block>
constexpr size_t vectors_of = std::decay_t<Block>::vectors;

// The input channel `byte_offset` bytes from a row's end (negative; see gemm_rows).
inline const float* channel_at(const float* row_end, ptrdiff_t byte_offset) {
  return reinterpret_cast<const float*>(reinterpret_cast<const char*>(row_end) + byte_offset);
}

// One input channel for every pixel: acc[m][j] += channel[m] * w[j].
template <class Arch, size_t M, size_t NV>
inline void multiply_add_channel(accumulator_block<Arch, M, NV>& acc, const float* const (&rows_end)[M],
                                 ptrdiff_t byte_offset, const float* w) {
  using ops = simd_ops<Arch>;
  using batch = simd_batch<Arch>;
  constexpr size_t width = batch::size;
  batch weights[NV];
#pragma GCC unroll 16
  for (size_t j = 0; j < NV; ++j) weights[j] = batch::load_unaligned(w + j * width);
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) {
    const batch x = ops::broadcast(channel_at(rows_end[m], byte_offset));
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) acc.v[m][j] = ops::fmadd(x, weights[j], acc.v[m][j]);
  }
}

// Lane J of one pixel's channel group times row J of the group's weights (rows of
// PanelNV vectors, of which the block uses its first NV).
template <class Arch, size_t M, size_t NV, size_t PanelNV, size_t J>
inline void multiply_add_lane(accumulator_block<Arch, M, NV>& acc, const typename simd_ops<Arch>::group_type (&x)[M],
                              const float* w) {
  using ops = simd_ops<Arch>;
  using batch = simd_batch<Arch>;
  constexpr size_t width = batch::size;
  batch weights[NV];
#pragma GCC unroll 16
  for (size_t j = 0; j < NV; ++j) weights[j] = batch::load_unaligned(w + (J * PanelNV + j) * width);
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) acc.v[m][j] = ops::template fmadd_lane<J>(acc.v[m][j], weights[j], x[m]);
  }
}

// k_group input channels for every pixel from one vector load per pixel (ISAs with
// a by-lane multiply-add, such as NEON).
template <class Arch, size_t M, size_t NV, size_t PanelNV, size_t... J>
inline void multiply_add_group(accumulator_block<Arch, M, NV>& acc, const float* const (&rows_end)[M],
                               ptrdiff_t byte_offset, const float* w, std::index_sequence<J...>) {
  using ops = simd_ops<Arch>;
  typename ops::group_type x[M];
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) x[m] = ops::load_group(channel_at(rows_end[m], byte_offset));
  (multiply_add_lane<Arch, M, NV, PanelNV, J>(acc, x, w), ...);
}

// A run of input channels [begin, begin + count) of the tile's block.
struct channel_run {
  size_t begin, count;
};

// How one panel of a channel run starts and ends (see walk_panels).
struct panel_run {
  size_t bias_rows;       // 1 on the tile's first block: the panel opens with NR biases
  bool start_from_bias;   // else from the output (partial sums)
  bool apply_clamp;
};

// The panel_run of a call whose channel run is the whole block.
inline panel_run whole_block_run(const gemm_tile& t) {
  panel_run how;
  how.bias_rows = t.first_block ? 1 : 0;
  how.start_from_bias = t.first_block;
  how.apply_clamp = t.last_block && (t.output_min > -INFINITY || t.output_max < INFINITY);
  return how;
}

// Each row's pointer past the block's last channel, for loops that run a negative
// byte offset up to zero (see gemm_rows_in_place).
template <size_t M>
inline void block_row_ends(const gemm_tile& t, const float* (&rows_end)[M]) {
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) rows_end[m] = static_cast<const float*>(t.input_rows[m]) + t.input_offset + t.kc;
}

// One M x `columns` block of outputs from the panel at `panel` (rows of PanelNV
// vectors, NR = PanelNV * width floats apart), computed with NV <= PanelNV vectors
// per row, columns in ((NV - 1) * width, NV * width]. NV < PanelNV on a last panel
// whose padding fills whole vectors (MobileNet v2's 16 channels on AVX-512's 32-wide
// panels): its multiply-adds, weight loads and stores are skipped, not masked.
template <class Arch, size_t M, size_t NV, size_t PanelNV, class Accumulate>
inline void compute_panel(const gemm_tile& t, channel_run run, panel_run how, size_t n0, size_t columns,
                          const float* panel, Accumulate& accumulate) {
  using ops = simd_ops<Arch>;
  using batch = simd_batch<Arch>;
  constexpr size_t width = batch::size;
  constexpr size_t panel_nr = PanelNV * width;
  float* out = t.output + n0;
  // Read once: the vector stores may alias the tile (their type may alias anything), so
  // GCC would otherwise reload t.output_stride and redo the row's offset before each one.
  const size_t output_stride = t.output_stride;
  // Only the last vector of a row can be a part (columns > (NV - 1) * width).
  const bool tail = columns < NV * width;
  const bool masked_out = tail && masked_tails_fit<Arch, M>(out + (NV - 1) * width, output_stride);
  accumulator_block<Arch, M, NV> acc;
  // The residual is read here, before any store, so residual == output works.
  if (how.start_from_bias) {
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) {
      const batch bias = batch::load_unaligned(panel + j * width);
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) acc.v[m][j] = bias;
    }
    if (t.residual != nullptr) {
      const float* res = t.residual + n0;
      const bool masked_res = tail && masked_tails_fit<Arch, M>(res + (NV - 1) * width, t.residual_stride);
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j) {
          const size_t remaining = columns > j * width ? columns - j * width : 0;
          acc.v[m][j] += load_columns<Arch>(res + m * t.residual_stride + j * width, remaining, masked_res);
        }
      }
    }
  } else {
#pragma GCC unroll 64
    for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) {
        const size_t remaining = columns > j * width ? columns - j * width : 0;
        acc.v[m][j] = load_columns<Arch>(out + m * output_stride + j * width, remaining, masked_out);
      }
    }
  }

  accumulate(acc, panel + (how.bias_rows + run.begin) * panel_nr);

  if (how.apply_clamp) {
    clamp_sums<ops>(t, [](float v) { return batch(v); }, [&](auto clamp) {
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j) acc.v[m][j] = clamp(acc.v[m][j]);
      }
    });
  }
  float* row = out;
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m, row += output_stride) {
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) {
      const size_t remaining = columns > j * width ? columns - j * width : 0;
      store_columns<Arch>(row + j * width, acc.v[m][j], remaining, masked_out);
    }
  }
}

// A last panel whose `columns` fit in fewer than PanelNV vectors, computed with
// exactly the vectors it needs (one instantiation per count 1..PanelNV-1).
template <class Arch, size_t M, size_t PanelNV, class Accumulate, size_t... Fewer>
inline void compute_narrow_panel(const gemm_tile& t, channel_run run, panel_run how, size_t n0, size_t columns,
                                 const float* panel, Accumulate& accumulate, std::index_sequence<Fewer...>) {
  constexpr size_t width = simd_batch<Arch>::size;
  const size_t vectors = (columns + width - 1) / width;
  ((vectors == Fewer + 1 ? compute_panel<Arch, M, Fewer + 1, PanelNV>(t, run, how, n0, columns, panel, accumulate)
                         : void()),
   ...);
}

// Walks the nc output channels NR = NV vectors at a time over the channel run `run`:
// starts each M x NR block from bias (+ residual) when the run opens the tile's first
// block, else from the output (partial sums); `accumulate(acc, w)` adds the run's
// channels from the weight rows at w (rows NR floats apart) into acc, an
// accumulator_block of NV vectors per row, or fewer on a last panel narrower than
// NR; the clamp applies when the run closes the last block; stores never write past
// column nc.
template <class Arch, size_t M, size_t NV, class Accumulate>
inline void walk_panels(const gemm_tile& t, channel_run run, Accumulate&& accumulate) {
  constexpr size_t width = simd_batch<Arch>::size;
  constexpr size_t nr = NV * width;
  panel_run how;
  how.bias_rows = t.first_block ? 1 : 0;
  how.start_from_bias = t.first_block && run.begin == 0;
  how.apply_clamp = t.last_block && run.begin + run.count == t.kc &&
                    (t.output_min > -INFINITY || t.output_max < INFINITY);
  // Panels of the block: [NR biases on the first block] + kc rows of NR weights.
  const size_t panel_stride = nr * (how.bias_rows + t.kc);
  const float* panel = static_cast<const float*>(t.weights);

  for (size_t n0 = 0; n0 < t.nc; n0 += nr, panel += panel_stride) {
    const size_t columns = t.nc - n0 < nr ? t.nc - n0 : nr;
    if constexpr (NV > 1) {
      if (columns <= nr - width) {
        compute_narrow_panel<Arch, M, NV>(t, run, how, n0, columns, panel, accumulate,
                                          std::make_index_sequence<NV - 1>());
        continue;
      }
    }
    compute_panel<Arch, M, NV, NV>(t, run, how, n0, columns, panel, accumulate);
  }
}

// The next block's weights are prefetched with the highest locality (prefetcht0 on
// x86, into L1 as well as L2): it measured 0-3% faster than into L2 alone on the
// EPYC host's 4096->4096 layer, the other streamed layers unchanged (docs/tuning.md).
constexpr int kWeightPrefetchLocality = 3;

// Input channels read in place from the row pointers, one broadcast (or one group
// load, k_group > 1) per pixel and channel. Prefetch: t.prefetch_weights, a slice of
// the weights of the tile loop's next block brought into L2 alongside (see gemm_tile).
template <class Arch, size_t M, size_t NV, bool Prefetch = false>
void gemm_rows_in_place(const gemm_tile& t) {
  using ops = simd_ops<Arch>;
  constexpr size_t k_group = ops::k_group;
  // Each row pointer points past the block's last channel and the inner loop runs a
  // negative byte offset up to zero: the loop then needs M row pointers, one offset
  // (also the loop's exit test) and the weight pointer in general-purpose registers,
  // and nothing else (with an element index, GCC keeps a second induction variable).
  const float* rows_end[M];
  const ptrdiff_t kc_bytes = static_cast<ptrdiff_t>(t.kc * sizeof(float));
  block_row_ends(t, rows_end);

  // The prefetch of a panel ends kc * kPrefetchBytesPerChannel bytes after the last
  // one's; the channel loop's byte offset scaled by this factor walks it.
  constexpr ptrdiff_t prefetch_scale = kPrefetchBytesPerChannel / sizeof(float);
  const char* prefetch_end = static_cast<const char*>(t.prefetch_weights);
  walk_panels<Arch, M, NV>(t, channel_run{0, t.kc}, [&](auto& acc, const float* w) {
    constexpr size_t used = vectors_of<decltype(acc)>;
    constexpr size_t nr = NV * simd_batch<Arch>::size;
    if constexpr (Prefetch) prefetch_end += kc_bytes * prefetch_scale;
    ptrdiff_t offset = -kc_bytes;
    if constexpr (k_group > 1) {
      constexpr ptrdiff_t group_bytes = k_group * sizeof(float);
      for (; offset <= -group_bytes; offset += group_bytes, w += k_group * nr) {
        if constexpr (Prefetch) __builtin_prefetch(prefetch_end + offset * prefetch_scale, 0, kWeightPrefetchLocality);
        multiply_add_group<Arch, M, used, NV>(acc, rows_end, offset, w, std::make_index_sequence<k_group>());
      }
    }
    for (; offset != 0; offset += sizeof(float), w += nr) {
      if constexpr (Prefetch) __builtin_prefetch(prefetch_end + offset * prefetch_scale, 0, kWeightPrefetchLocality);
      multiply_add_channel<Arch, M, used>(acc, rows_end, offset, w);
    }
  });
}

// For ISAs whose broadcast costs a shuffle per pixel and channel (SSE2: movss +
// shufps, competing with the multiplies and adds for the same pipes): the inputs of
// a run of channels are spread once into a stack buffer of full vectors, [k][m], and
// every panel of nc reads them with plain aligned loads. Runs longer than the buffer
// go in several passes over the panels, the partial sums kept in the output (the
// order of each output's sum is unchanged, so the result is the same bit for bit).
template <class Arch, size_t M, size_t NV>
void gemm_rows_spread(const gemm_tile& t) {
  using ops = simd_ops<Arch>;
  using batch = simd_batch<Arch>;
  constexpr size_t width = batch::size;
  constexpr size_t nr = NV * width;
  constexpr size_t run_capacity = spread_bytes_of<ops>::value / (M * sizeof(batch));
  static_assert(run_capacity >= 1, "spread buffer smaller than one channel");
  alignas(64) float spread[run_capacity * M * width];
  for (size_t begin = 0; begin < t.kc; begin += run_capacity) {
    const size_t count = t.kc - begin < run_capacity ? t.kc - begin : run_capacity;
    for (size_t k = 0; k < count; ++k) {
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m)
        ops::broadcast(static_cast<const float*>(t.input_rows[m]) + t.input_offset + begin + k).store_aligned(spread + (k * M + m) * width);
    }
    walk_panels<Arch, M, NV>(t, channel_run{begin, count}, [&](auto& acc, const float* w) {
      constexpr size_t used = vectors_of<decltype(acc)>;
      const float* x = spread;
      for (size_t k = 0; k < count; ++k, w += nr, x += M * width) {
        batch weights[used];
#pragma GCC unroll 16
        for (size_t j = 0; j < used; ++j) weights[j] = batch::load_unaligned(w + j * width);
#pragma GCC unroll 64
        for (size_t m = 0; m < M; ++m) {
          const batch xm = batch::load_aligned(x + m * width);
#pragma GCC unroll 16
          for (size_t j = 0; j < used; ++j) acc.v[m][j] = ops::fmadd(xm, weights[j], acc.v[m][j]);
        }
      }
    });
  }
}

// An M x nc block of outputs (M pixels, nc output channels walked NR = NV vectors at
// a time), kc input channels; see gemm_tile in microkernel.h for the contract.
template <class Arch, size_t M, size_t NV>
void gemm_rows(const gemm_tile& t) {
  constexpr size_t nr = NV * simd_batch<Arch>::size;
  if constexpr (spread_bytes_of<simd_ops<Arch>>::value > 0) {
    // With a single panel the spread would not be reused.
    if (t.nc > nr) return gemm_rows_spread<Arch, M, NV>(t);
  }
  gemm_rows_in_place<Arch, M, NV>(t);
}

template <class Arch, size_t NV, size_t... M>
inline void gemm_dispatch_rows(const gemm_tile& t, std::index_sequence<M...>) {
  // One fully unrolled kernel per row count, so the full MR tile stays fast and a
  // tail of pixels costs no more than its own rows.
  static constexpr gemm_kernel_fn by_rows[] = {&gemm_rows<Arch, M + 1, NV>...};
  by_rows[t.mr - 1](t);
}

// The microkernel entry point: t.mr in 1..MR. Streamed weights are prefetched by the
// full tile only (the tile loop counts its slices over full tiles), and not by
// kernels that spread their inputs.
template <class Arch, size_t MR, size_t NV>
void gemm(const gemm_tile& t) {
  if constexpr (spread_bytes_of<simd_ops<Arch>>::value == 0) {
    if (t.prefetch_weights != nullptr && t.mr == MR) return gemm_rows_in_place<Arch, MR, NV, true>(t);
  }
  gemm_dispatch_rows<Arch, NV>(t, std::make_index_sequence<MR>());
}

}  // namespace
}  // namespace pw
