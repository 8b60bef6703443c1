// The clamp of a tile's last block, written once for every SIMD kernel. ReLU's bounds
// (0, +infinity), what most layers ask for, take one max per vector and no min: on a
// short block the clamp is a fair share of the work outside the multiply-adds.
//
// Include it ONLY from kernel headers that live in an anonymous namespace (as
// gemm_microkernel.h): the function is instantiated per ISA unit.
#pragma once

#include <cmath>
#include <type_traits>

#include "microkernel.h"

namespace pw {
namespace {

// Whether Ops has clamp_below (see clamp_sums).
template <class Ops, class = void>
struct has_clamp_below : std::false_type {};
template <class Ops>
struct has_clamp_below<Ops, std::void_t<decltype(sizeof(&Ops::clamp_below))>> : std::true_type {};

// Calls visit(clamp) once, with clamp a function that takes a vector of sums and
// returns it clamped to [t.output_min, t.output_max] (NaN stays NaN); visit applies it
// to every vector of sums. Ops has clamp(x, lo, hi) = min(max(x, lo), hi) and,
// optionally, clamp_below(x, lo) = max(x, lo) (ops whose kernel a second clamp path
// would make spill leave it out); splat(v) makes a vector of v.
template <class Ops, class Splat, class Visit>
inline void clamp_sums(const gemm_tile& t, Splat splat, Visit&& visit) {
  const auto lo = splat(t.output_min);
  if constexpr (has_clamp_below<Ops>::value) {
    if (t.output_max == INFINITY) return visit([lo](auto x) { return Ops::clamp_below(x, lo); });
  }
  const auto hi = splat(t.output_max);
  visit([lo, hi](auto x) { return Ops::clamp(x, lo, hi); });
}

}  // namespace
}  // namespace pw
