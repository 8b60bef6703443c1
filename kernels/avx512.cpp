// The AVX-512F variant. Compiled with -mavx512f only (plus AVX2/FMA, implied).
#include "simd_ops_avx512.h"

namespace pw {
namespace {

// Register tile 14x32: 28 accumulators + 2 weight vectors + 1 broadcast of the 32
// zmm registers; 28 independent FMAs per channel cover this CPU's 2 FMA pipes x 4
// cycles of latency 3.5 times over, with 16 loads per 28 FMAs. Measured against an
// interleaved 24-chain FMA peak loop (one process, median of 5, % of peak):
//   kc=256 nc=256: 14x32 97.0, 12x32 96.8, 10x32 96.7, 6x64 96.9, 8x48 96.5,
//                  7x48 96.2, 16x16 81.0, 28x16 73.7 (one vector per broadcast:
//                  load-bound)
//   kc=128 nc=512: 14x32 94.6, 12x32 95.6, 8x48 97.0, 6x64 97.1
//   kc=64  nc=64:  14x32 94.0, 12x32 94.5, 8x48 95.7, 6x64 95.5
// The NR=32 tiles are all within noise of each other; NR=32 pads a channel tail
// less than 48 or 64 (MobileNet v2's 24, 144 ... channels), and MR=14 divides the
// pixel counts of every suite (7x7, 14x14, 28x28, 56x56, 112x112 are multiples of 7),
// so no short tail tile runs at all there.
constexpr size_t kAvx512MR = 14;
constexpr size_t kAvx512NR = 32;
using avx512_arch = xsimd::avx512f;

}  // namespace

const microkernel avx512_microkernel = {kAvx512MR, kAvx512NR,
                                        &gemm<avx512_arch, kAvx512MR, kAvx512NR / simd_batch<avx512_arch>::size>};

}  // namespace pw
