// The AArch64 Advanced SIMD variant: the shared microkernel on xsimd::neon64.
//
// Tile 8 pixels x 8 output channels (two 4-float vectors):
//  - registers: 16 accumulators + 8 input groups (4 channels of each pixel) + 2
//    weight vectors = 26 of the 32 vector registers, so nothing spills;
//  - latency: 16 independent accumulators cover FMA latency x pipes on the common
//    cores (Neoverse N1 / Cortex-A76: 4 x 2 = 8; Cortex-A72: 7 x 2 = 14; Neoverse V1
//    on 128-bit vectors: 4 x 4 = 16);
//  - loads: per 4 input channels, 8 input loads and 8 weight loads feed 64 fmla by
//    lane, 4 FMAs per load (6x16 would need 24 + 6 + 4 = 34 registers and spill).
#include "simd_ops_neon.h"

namespace pw {

constexpr size_t kNeonMR = 8;
constexpr size_t kNeonNR = 8;

const microkernel neon_microkernel = {
    kNeonMR, kNeonNR, &gemm<xsimd::neon64, kNeonMR, kNeonNR / simd_batch<xsimd::neon64>::size>};

}  // namespace pw
