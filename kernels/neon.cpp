// The AArch64 Advanced SIMD variant: the shared microkernel on xsimd::neon64.
//
// Tile 10 pixels x 8 output channels (two 4-float vectors). Its inner loop, per 4
// input channels: 10 input loads (4 channels of a pixel each) and 4 ldp of weights
// feed 80 fmla by lane, 4.4 FMAs per 128-bit register loaded.
//  - registers: 20 accumulators + 10 input groups + 2 weight vectors = all 32; GCC
//    only keeps that without spills when its pre-RA scheduler is off (see
//    POINTWISE_NEON_FLAGS), and .ci/check_neon_inner_loop.sh checks the object.
//  - latency: 20 independent accumulators cover FMA latency x pipes on the common
//    cores (Cortex-A72 / Neoverse N1 / A76: 2 pipes; Neoverse V1: 4 x 4 = 16) and
//    A64FX's 9 x 2 = 18, where 8x8's 16 accumulators fall short.
//  - llvm-mca 14 (fmla/cycle of the loop, 8x8 -> 10x8): A64FX 1.77 -> 1.99,
//    Cortex-A55 0.98 -> 1.06; both at the FMA bound on Cortex-A57/A72 (1), TSV110
//    (2) and Apple A13 (3). 8x12 and 6x16 spill; 12x8 spills; 5x16 loads more.
#include "simd_ops_neon.h"

namespace pw {

constexpr size_t kNeonMR = 10;
constexpr size_t kNeonNR = 8;

const microkernel neon_microkernel = {
    kNeonMR, kNeonNR, &gemm<xsimd::neon64, kNeonMR, kNeonNR / simd_batch<xsimd::neon64>::size>, &f32_panel_layout,
    element_type::f32, &this_unit_conversions, false};

}  // namespace pw
