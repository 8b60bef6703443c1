// The one SIMD microkernel, written once over the xsimd architecture tag and
// instantiated by one translation unit per ISA (kernels/sse.cpp, avx2.cpp, avx512.cpp),
// each compiled with that ISA's flags only.
//
// Include this header ONLY from such an ISA translation unit (or a benchmark/test
// harness compiled with one ISA's flags). Everything here lives in an anonymous
// namespace, so each ISA unit gets its own private copy of every function it
// instantiates: the linker can never merge an AVX-512 copy of an inline function
// into code that runs on an SSE-only CPU (the ODR trap of STYLE.md).
//
// Adding an ISA (how e.g. NEON plugs in):
//   1. Specialise `simd_ops<Arch>` for the xsimd tag (see simd_ops_avx512.h for a
//      complete example) with:
//        k_group                     input channels consumed per step of the inner
//                                    loop; 1 = one broadcast per pixel and channel
//        broadcast(p)                a batch of *p
//        clamp(x, lo, hi)            min(max(x, lo), hi), NaN in x stays NaN
//        fmadd(a, b, c)              a * b + c (fused where the ISA can)
//        load_partial(p, n)          p[0..n) into lanes 0..n-1, zero above; 0 < n < size;
//                                    must not read p[n] or beyond
//        store_partial(p, x, n)      lanes 0..n-1 of x to p[0..n); nothing written beyond
//      and, only when k_group > 1 (e.g. NEON's vfmaq_laneq_f32, 4 channels per load):
//        group_type                  what load_group returns
//        load_group(p)               channels p[0..k_group) of one pixel
//        fmadd_lane<J>(acc, w, g)    acc + w * (channel J of g)
//   2. Write kernels/<isa>.cpp: include that ops header, pick MR and NR (NR a multiple
//      of the vector width; MR*NR/width accumulators plus NR/width weight vectors must
//      fit the register file) and define
//        const microkernel <isa>_microkernel = {MR, NR, &gemm<Arch, MR, NR / width>};
//   3. One row in src/variants.def, one option in cmake/PointwiseIsa.cmake.
#pragma once

#include <cmath>
#include <cstddef>
#include <utility>
#include <xsimd/xsimd.hpp>

#include "microkernel.h"

namespace pw {
namespace {

// The ISA-specific operations: specialised per architecture tag (simd_ops_*.h).
template <class Arch>
struct simd_ops;

template <class Arch>
using simd_batch = xsimd::batch<float, Arch>;

// `remaining` columns from p: a whole vector, a masked part, or nothing (zero).
template <class Arch>
inline simd_batch<Arch> load_columns(const float* p, size_t remaining) {
  constexpr size_t width = simd_batch<Arch>::size;
  if (remaining >= width) return simd_batch<Arch>::load_unaligned(p);
  if (remaining == 0) return simd_batch<Arch>(0.0f);
  return simd_ops<Arch>::load_partial(p, remaining);
}

template <class Arch>
inline void store_columns(float* p, simd_batch<Arch> x, size_t remaining) {
  constexpr size_t width = simd_batch<Arch>::size;
  if (remaining >= width) {
    x.store_unaligned(p);
  } else if (remaining != 0) {
    simd_ops<Arch>::store_partial(p, x, remaining);
  }
}

// The accumulators of an M x (NV vectors) block; whole-array loops are fully
// unrolled so every element lives in its own register.
template <class Arch, size_t M, size_t NV>
struct accumulator_block {
  simd_batch<Arch> v[M][NV];
};

// One input channel for every pixel: acc[m][j] += rows[m][k] * w[j] (k < 0, see gemm_rows).
template <class Arch, size_t M, size_t NV>
inline void multiply_add_channel(accumulator_block<Arch, M, NV>& acc, const float* const (&rows)[M], ptrdiff_t k,
                                 const float* w) {
  using ops = simd_ops<Arch>;
  using batch = simd_batch<Arch>;
  constexpr size_t width = batch::size;
  batch weights[NV];
#pragma GCC unroll 16
  for (size_t j = 0; j < NV; ++j) weights[j] = batch::load_unaligned(w + j * width);
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) {
    const batch x = ops::broadcast(rows[m] + k);
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) acc.v[m][j] = ops::fmadd(x, weights[j], acc.v[m][j]);
  }
}

// Lane J of one pixel's channel group times row J of the group's weights.
template <class Arch, size_t M, size_t NV, size_t J>
inline void multiply_add_lane(accumulator_block<Arch, M, NV>& acc, const typename simd_ops<Arch>::group_type (&x)[M],
                              const float* w) {
  using ops = simd_ops<Arch>;
  using batch = simd_batch<Arch>;
  constexpr size_t width = batch::size;
  batch weights[NV];
#pragma GCC unroll 16
  for (size_t j = 0; j < NV; ++j) weights[j] = batch::load_unaligned(w + (J * NV + j) * width);
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
    for (size_t j = 0; j < NV; ++j) acc.v[m][j] = ops::template fmadd_lane<J>(acc.v[m][j], weights[j], x[m]);
  }
}

// k_group input channels for every pixel from one vector load per pixel (ISAs with
// a by-lane multiply-add, such as NEON).
template <class Arch, size_t M, size_t NV, size_t... J>
inline void multiply_add_group(accumulator_block<Arch, M, NV>& acc, const float* const (&rows)[M], ptrdiff_t k,
                               const float* w, std::index_sequence<J...>) {
  using ops = simd_ops<Arch>;
  typename ops::group_type x[M];
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) x[m] = ops::load_group(rows[m] + k);
  (multiply_add_lane<Arch, M, NV, J>(acc, x, w), ...);
}

// An M x nc block of outputs (M pixels, nc output channels walked NR = NV vectors at
// a time), kc input channels; see gemm_tile in microkernel.h for the contract.
template <class Arch, size_t M, size_t NV>
void gemm_rows(const gemm_tile& t) {
  using ops = simd_ops<Arch>;
  using batch = simd_batch<Arch>;
  constexpr size_t width = batch::size;
  constexpr size_t nr = NV * width;
  constexpr size_t k_group = ops::k_group;

  // Each row pointer points past the block's last channel and the inner loop runs a
  // negative index up to zero: the loop then needs M row pointers, one index and
  // the weight pointer, and nothing else, in general-purpose registers (12 rows
  // still fit x86-64's 16 with no reload from the stack).
  const float* rows_end[M];
  const ptrdiff_t kc = static_cast<ptrdiff_t>(t.kc);
#pragma GCC unroll 64
  for (size_t m = 0; m < M; ++m) rows_end[m] = t.input_rows[m] + t.input_offset + t.kc;
  const bool apply_clamp = t.last_block && (t.output_min > -INFINITY || t.output_max < INFINITY);
  const float* w = t.weights;

  for (size_t n0 = 0; n0 < t.nc; n0 += nr) {
    const size_t columns = t.nc - n0 < nr ? t.nc - n0 : nr;
    float* out = t.output + n0;
    accumulator_block<Arch, M, NV> acc;
    // Start from bias (+ residual) on the first block, from the partial sums after.
    // The residual is read here, before any store, so residual == output works.
    if (t.first_block) {
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) {
        const batch bias = batch::load_unaligned(w + j * width);
#pragma GCC unroll 64
        for (size_t m = 0; m < M; ++m) acc.v[m][j] = bias;
      }
      w += nr;
      if (t.residual != nullptr) {
        const float* res = t.residual + n0;
#pragma GCC unroll 64
        for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
          for (size_t j = 0; j < NV; ++j) {
            const size_t remaining = columns > j * width ? columns - j * width : 0;
            acc.v[m][j] += load_columns<Arch>(res + m * t.residual_stride + j * width, remaining);
          }
        }
      }
    } else {
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j) {
          const size_t remaining = columns > j * width ? columns - j * width : 0;
          acc.v[m][j] = load_columns<Arch>(out + m * t.output_stride + j * width, remaining);
        }
      }
    }

    ptrdiff_t k = -kc;
    if constexpr (k_group > 1) {
      for (; k <= -static_cast<ptrdiff_t>(k_group); k += k_group, w += k_group * nr)
        multiply_add_group<Arch, M, NV>(acc, rows_end, k, w, std::make_index_sequence<k_group>());
    }
    for (; k != 0; ++k, w += nr) multiply_add_channel<Arch, M, NV>(acc, rows_end, k, w);

    if (apply_clamp) {
      const batch lo(t.output_min), hi(t.output_max);
#pragma GCC unroll 64
      for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
        for (size_t j = 0; j < NV; ++j) acc.v[m][j] = ops::clamp(acc.v[m][j], lo, hi);
      }
    }
#pragma GCC unroll 64
    for (size_t m = 0; m < M; ++m) {
#pragma GCC unroll 16
      for (size_t j = 0; j < NV; ++j) {
        const size_t remaining = columns > j * width ? columns - j * width : 0;
        store_columns<Arch>(out + m * t.output_stride + j * width, acc.v[m][j], remaining);
      }
    }
  }
}

template <class Arch, size_t NV, size_t... M>
inline void gemm_dispatch_rows(const gemm_tile& t, std::index_sequence<M...>) {
  // One fully unrolled kernel per row count, so the full MR tile stays fast and a
  // tail of pixels costs no more than its own rows.
  static constexpr gemm_kernel_fn by_rows[] = {&gemm_rows<Arch, M + 1, NV>...};
  by_rows[t.mr - 1](t);
}

// The microkernel entry point: t.mr in 1..MR.
template <class Arch, size_t MR, size_t NV>
void gemm(const gemm_tile& t) {
  gemm_dispatch_rows<Arch, NV>(t, std::make_index_sequence<MR>());
}

}  // namespace
}  // namespace pw
