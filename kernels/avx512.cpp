// The AVX-512F variant. Compiled with -mavx512f only (plus AVX2/FMA, implied).
#include "simd_ops_avx512.h"

namespace pw {
namespace {

// Register tile 10x32: 20 accumulators + 2 weight vectors + 1 broadcast of the 32
// zmm registers; 20 independent FMAs per channel cover this CPU's 2 FMA pipes x 4
// cycles of latency 2.5 times over, with 12 loads per 20 FMAs. Kernel alone,
// against an interleaved 24-chain FMA peak loop (% of peak):
//   kc=128 nc=512 (best of 8): 10x32 97.7, 14x32 97.1, 12x32 95.4, 8x48 95.2,
//                              6x64 95.0, 28x16 74.3 (one FMA per broadcast: load-bound)
//   kc=256 nc=256 (median of 5): 10x32 96.7, 14x32 97.0, 12x32 96.8, 6x64 96.9,
//                              8x48 96.5, 16x16 81.0
//   kc=64 nc=64 (median of 5): 14x32 94.0, 12x32 94.5, 8x48 95.7, 6x64 95.5
// The NR=32 tiles are within noise of each other; NR=32 pads a channel tail less
// than 48 or 64 (MobileNet v2's 24, 144, ...). Of those, 10 rows is the most whose
// row pointers, channel offset and weight pointer all stay in general-purpose
// registers: with 12 or 14 rows GCC reloads 1-4 row pointers from the stack every
// channel. Whole layers through the API: 28x28 512->512 93.6%, 256->512 94.6%.
// Checked again on the 38 ResNet-50 / MobileNet layers, each build against this one
// in one process (alternating 10 ms bursts, median ratio): 6x64 0.94-1.05, median
// 0.97 (it loses on every small-Ci layer); 8x32 0.995 (geomean); 20x16 and 16x16 on
// the 16- to 32-channel outputs 0.66-0.91.
constexpr size_t kAvx512MR = 10;
constexpr size_t kAvx512NR = 32;
using avx512_arch = xsimd::avx512f;

}  // namespace

const microkernel avx512_microkernel = {kAvx512MR, kAvx512NR,
                                        &gemm<avx512_arch, kAvx512MR, kAvx512NR / simd_batch<avx512_arch>::size>};

}  // namespace pw
