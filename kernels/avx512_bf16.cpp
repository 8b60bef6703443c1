// The AVX512_BF16 variant: vdpbf16ps on bf16 channel pairs. Compiled with
// -mavx512f -mavx512bw -mavx512vl -mavx512bf16 -mavx2 -mfma only.
#include "bf16.h"
#include "gemm_microkernel_bf16.h"
#include "simd_ops_avx512_bf16.h"

namespace pw {
namespace {

// Register tile 10x32, the fp32 AVX-512 kernel's: 20 accumulators, 2 weight vectors
// and 1 broadcast per channel pair; the 10 row pointers, the offset and the weight
// pointer stay in general-purpose registers. Tiles from 5x64 to 14x32 run within 2%
// of each other kernel-alone (bench/bf16_x86/kernel_speed.cpp), and the same tile
// keeps the planner's pixel cuts and channel padding (NR=32 pads 24- and 144-channel
// outputs less than 48 or 64).
constexpr size_t kAvx512Bf16MR = 10;
constexpr size_t kAvx512Bf16NR = 32;

}  // namespace

const microkernel avx512_bf16_microkernel = {
    kAvx512Bf16MR,      kAvx512Bf16NR,         &gemm_bf16<avx512_bf16_ops, kAvx512Bf16MR, kAvx512Bf16NR / avx512_bf16_ops::width>,
    &bf16_pair_layout, element_type::bf16, &this_unit_conversions};

}  // namespace pw
