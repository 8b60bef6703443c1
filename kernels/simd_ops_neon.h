// The AArch64 Advanced SIMD operations of the shared microkernel (gemm_microkernel.h).
// Include only from kernels/neon.cpp: like the template, everything here lives in
// pw's anonymous namespace, one private copy per ISA translation unit.
//
// NEON multiplies by a lane of another register (fmla v.4s, v.4s, v.s[j]), so the
// kernel loads four input channels of a pixel with one 128-bit load and uses each
// lane in turn, instead of one broadcast load per pixel and channel (k_group = 4).
#pragma once

#include <arm_neon.h>

#include "gemm_microkernel.h"

namespace pw {
namespace {

template <>
struct simd_ops<xsimd::neon64> {
  using batch = simd_batch<xsimd::neon64>;
  static_assert(batch::size == 4, "neon64 holds four floats");

  static constexpr size_t k_group = 4;
  using group_type = float32x4_t;

  static batch broadcast(const float* p) { return vld1q_dup_f32(p); }
  static batch fmadd(batch a, batch b, batch c) { return vfmaq_f32(c, a, b); }
  // fmax/fmin (not fmaxnm/fminnm) return NaN when either operand is NaN.
  static batch clamp(batch x, batch lo, batch hi) { return vminq_f32(vmaxq_f32(x, lo), hi); }
  // No clamp_below (clamp_sums.h): with a second clamp path GCC allocates the 10x8
  // tile's registers otherwise and spills in the inner loop
  // (.ci/check_neon_inner_loop.sh).

  static group_type load_group(const float* p) { return vld1q_f32(p); }
  template <size_t J>
  static batch fmadd_lane(batch acc, batch w, group_type group) {
    return vfmaq_laneq_f32(acc, w, group, J);
  }

  // n in 1..3 floats: a 2-wide and/or a 1-wide load, never touching p[n].
  static batch load_partial(const float* p, size_t n) {
    const float32x2_t zero = vdup_n_f32(0.0f);
    const float32x2_t low = n >= 2 ? vld1_f32(p) : vld1_lane_f32(p, zero, 0);
    const float32x2_t high = n == 3 ? vld1_lane_f32(p + 2, zero, 0) : zero;
    return vcombine_f32(low, high);
  }
  // n in 1..3 floats: a 2-wide and/or a 1-wide store, nothing written at p[n].
  static void store_partial(float* p, batch x, size_t n) {
    float32x2_t pair = vget_low_f32(x);
    if (n & 2) {
      vst1_f32(p, pair);
      pair = vget_high_f32(x);
      p += 2;
    }
    if (n & 1) vst1_lane_f32(p, pair, 0);
  }
};

}  // namespace
}  // namespace pw
