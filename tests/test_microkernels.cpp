// Every microkernel called directly on packed panels (the bf16 kernels on bf16 rows and
// their channel-pair layout), each few-rows kernel against the variant's full one bit
// for bit, and each narrow-output kernel against the tile it narrows: every row count
// 1..MR, every column count 1..2*NR+1, input-channel blocks of 1, 2, 3, 7, 16, 17, 64 and 257 (odd ones end on a lone
// channel), each position of the block (first, last, both, neither: partial sums) at
// odd and even input offsets, residual off / separate / in place, clamp on and off,
// NaN inputs, against a double-precision reference.
// The last row of the input, the residual and the output ends at a guard page, and
// every float of the output the kernel must not write holds a sentinel.
//
// POINTWISE_TEST_QUICK=1 (set for emulated runs) sweeps fewer shapes.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "bf16.h"
#include "conv_harness.h"
#include "dispatch.h"

namespace pw_test {
namespace {

// Elements whose last one sits just before a page the process may not touch: a read
// or write one element past the end faults.
template <class T>
class guarded {
 public:
  explicit guarded(size_t count) : count_(count) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t data_bytes = (count * sizeof(T) + page_ - 1) / page_ * page_;
    bytes_ = data_bytes + page_;
    void* memory = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return;
    base_ = static_cast<char*>(memory);
    mprotect(base_ + data_bytes, page_, PROT_NONE);
    data_ = reinterpret_cast<T*>(base_ + data_bytes) - count;
  }
  ~guarded() {
    if (base_ != nullptr) munmap(base_, bytes_);
  }
  guarded(const guarded&) = delete;
  guarded& operator=(const guarded&) = delete;
  T* data() { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  size_t size() const { return count_; }

 private:
  size_t count_ = 0, page_ = 0, bytes_ = 0;
  char* base_ = nullptr;
  T* data_ = nullptr;
};
using guarded_floats = guarded<float>;

enum class block_position { only, first, last, middle };
enum class residual_mode { none, separate, in_place };
// The last block's clamp: none, both bounds, or ReLU's (0, +infinity), which a kernel
// may apply without the upper bound's min.
enum class clamp_mode { none, both, relu };
constexpr clamp_mode kClampModes[] = {clamp_mode::none, clamp_mode::both, clamp_mode::relu};
// The clamp of the i-th case of a sweep: each mode in turn.
clamp_mode clamp_in_turn(size_t i) { return kClampModes[i % 3]; }

struct kernel_case {
  size_t m, n, kc;
  block_position position = block_position::only;
  residual_mode residual = residual_mode::none;
  clamp_mode clamp = clamp_mode::none;
  bool nan_input = false;  // one input of row min(1, m-1) is NaN
  bool inf_last_input = false;  // the block's last input channel of row 0 is +infinity
  bool prefetch_weights = false;
  std::string describe() const {
    static const char* positions[] = {"only", "first", "last", "middle"};
    static const char* residuals[] = {"none", "separate", "in place"};
    static const char* clamps[] = {"none", "both", "relu"};
    std::ostringstream s;
    s << "m=" << m << " n=" << n << " kc=" << kc << " block=" << positions[static_cast<int>(position)]
      << " residual=" << residuals[static_cast<int>(residual)] << " clamp=" << clamps[static_cast<int>(clamp)] << (nan_input ? " NaN input" : "") << (inf_last_input ? " infinite last input" : "")
      << (prefetch_weights ? " prefetched weights" : "");
    return s.str();
  }
};

// Runs one tile through `gemm` (the kernel's full one when nullptr) and returns "" or
// what went wrong; `tile_values`, when given, receives the m x n outputs.
std::string run_kernel_case(const pw::microkernel& kernel, const kernel_case& c, uint32_t seed,
                            pw::gemm_kernel_fn gemm = nullptr, std::vector<float>* tile_values = nullptr) {
  const bool first = c.position == block_position::only || c.position == block_position::first;
  const bool last = c.position == block_position::only || c.position == block_position::last;
  // The packing's blocks are kc channels each (the last one possibly shorter); the
  // tested block starts at k0 of `total` input channels.
  size_t total = c.kc, k0 = 0;
  if (c.position == block_position::first) total = c.kc + 1;
  if (c.position == block_position::last) total = 2 * c.kc, k0 = c.kc;
  if (c.position == block_position::middle) total = 3 * c.kc, k0 = c.kc;

  // A bf16 kernel reads bf16 rows and rounded weights: the reference sees the same values.
  const bool bf16 = kernel.input_type == pw::element_type::bf16;
  const pw::packing_shape shape{total, c.n, kernel.nr, c.kc, bf16};
  std::vector<float> weights = random_floats(total * c.n, seed);  // IO layout
  const std::vector<float> bias = random_floats(c.n, seed + 1);
  size_t packed_bytes = 0;
  if (!kernel.layout->group_bytes(shape, &packed_bytes)) return "the packed size overflows";
  std::vector<unsigned char> packed(packed_bytes);
  kernel.layout->pack_group(shape, pw::group_weights{weights.data(), PW_WEIGHTS_IO, bias.data()}, packed.data());
  if (bf16)
    for (float& w : weights) w = pw::round_to_bf16(w);

  // Input rows in reverse order at an odd stride; channels outside the block are NaN,
  // so a read outside it would show in the sums. The first row ends at the guard.
  const size_t in_stride = total + 3;
  guarded_floats input(bf16 ? 1 : (c.m - 1) * in_stride + total);
  guarded<uint16_t> input_bf16(bf16 ? (c.m - 1) * in_stride + total : 1);
  std::vector<const float*> rows(c.m);             // what the reference reads
  std::vector<const void*> kernel_rows(c.m);       // what the kernel reads
  std::vector<float> bf16_values(bf16 ? c.m * in_stride : 0);
  const std::vector<float> x = random_floats(c.m * total, seed + 2);
  for (size_t m = 0; m < c.m; ++m) {
    float* row = bf16 ? bf16_values.data() + m * in_stride : input.data() + (c.m - 1 - m) * in_stride;
    rows[m] = row;
    kernel_rows[m] = row;
    for (size_t i = 0; i < total; ++i) row[i] = (i >= k0 && i < k0 + c.kc) ? x[m * total + i] : NAN;
    if (c.nan_input && m == (c.m > 1 ? 1 : 0)) row[k0 + c.kc / 2] = NAN;
    if (c.inf_last_input && m == 0) row[k0 + c.kc - 1] = INFINITY;
    if (m != 0)  // row 0 is the last in memory: the guard page follows it
      for (size_t i = total; i < in_stride; ++i) row[i] = NAN;
    if (bf16) {
      uint16_t* bits = input_bf16.data() + (c.m - 1 - m) * in_stride;
      const size_t used = m != 0 ? in_stride : total;
      for (size_t i = 0; i < used; ++i) {
        bits[i] = pw::bf16_from_float(row[i]);
        row[i] = pw::float_from_bf16(bits[i]);
      }
      kernel_rows[m] = bits;
    }
  }

  // Output: one row of sentinels before the tile, sentinels in the gap after column n,
  // the last row ends at the guard.
  const size_t out_stride = c.n + 2;
  guarded_floats output(out_stride + (c.m - 1) * out_stride + c.n);
  for (size_t i = 0; i < output.size(); ++i) output[i] = kSentinel;
  float* tile = output.data() + out_stride;
  const std::vector<float> partial = random_floats(c.m * c.n, seed + 3);
  const std::vector<float> res = random_floats(c.m * c.n, seed + 4);
  for (size_t m = 0; m < c.m; ++m)
    for (size_t o = 0; o < c.n; ++o) {
      if (!first) tile[m * out_stride + o] = partial[m * c.n + o];
      else if (c.residual == residual_mode::in_place) tile[m * out_stride + o] = res[m * c.n + o];
    }
  const size_t res_stride = c.n + 5;
  guarded_floats separate_residual((c.m - 1) * res_stride + c.n);
  for (size_t i = 0; i < separate_residual.size(); ++i) separate_residual[i] = NAN;
  for (size_t m = 0; m < c.m; ++m)
    for (size_t o = 0; o < c.n; ++o) separate_residual[m * res_stride + o] = res[m * c.n + o];

  const float lo = c.clamp == clamp_mode::both ? -0.5f : c.clamp == clamp_mode::relu ? 0.0f : -INFINITY;
  const float hi = c.clamp == clamp_mode::both ? 0.75f : INFINITY;
  pw::gemm_tile t{};
  t.mr = c.m;
  t.nc = c.n;
  t.kc = c.kc;
  t.input_rows = kernel_rows.data();
  t.input_offset = k0;
  t.weights = packed.data() + kernel.layout->block_offset(shape, k0);
  t.output = tile;
  t.output_stride = out_stride;
  t.residual = c.residual == residual_mode::none       ? nullptr
               : c.residual == residual_mode::in_place ? tile
                                                       : separate_residual.data();
  t.residual_stride = c.residual == residual_mode::in_place ? out_stride : res_stride;
  t.first_block = first;
  t.last_block = last;
  t.output_min = lo;
  t.output_max = hi;
  // Any address: a prefetch never faults; the packing itself, whose slices run past its end.
  t.prefetch_weights = c.prefetch_weights ? packed.data() : nullptr;
  (gemm != nullptr ? gemm : kernel.gemm)(t);
  if (tile_values != nullptr) {
    tile_values->clear();
    for (size_t m = 0; m < c.m; ++m)
      for (size_t o = 0; o < c.n; ++o) tile_values->push_back(tile[m * out_stride + o]);
  }

  std::ostringstream errors;
  size_t misses = 0;
  for (size_t m = 0; m < c.m && misses < 5; ++m) {
    for (size_t o = 0; o < c.n && misses < 5; ++o) {
      double start = 0, magnitude = 0;
      if (first) {
        start = bias[o] + (c.residual != residual_mode::none ? res[m * c.n + o] : 0.0);
        magnitude = std::fabs(bias[o]) + (c.residual != residual_mode::none ? std::fabs(res[m * c.n + o]) : 0.0);
      } else {
        start = partial[m * c.n + o];
        magnitude = std::fabs(start);
      }
      double sum = start;
      for (size_t k = 0; k < c.kc; ++k) {
        const double term = static_cast<double>(rows[m][k0 + k]) * weights[(k0 + k) * c.n + o];
        sum += term;
        magnitude += std::fabs(term);
      }
      if (last) {
        if (sum < lo) sum = lo;
        if (sum > hi) sum = hi;  // NaN fails both comparisons and stays NaN
      }
      const double bound = (static_cast<double>(c.kc) + 2) * std::ldexp(1.0, -23) * magnitude;
      const float y = tile[m * out_stride + o];
      const bool ok = std::isnan(sum)   ? std::isnan(y)
                      : std::isinf(sum) ? y == sum
                                        : std::fabs(y - sum) <= bound;
      if (!ok) {
        errors << " [" << m << "][" << o << "]=" << y << " want " << sum << " +- " << bound << ";";
        ++misses;
      }
    }
  }
  for (size_t i = 0; i < output.size() && misses < 5; ++i) {
    const bool in_tile = i >= out_stride && (i - out_stride) % out_stride < c.n;
    if (!in_tile && !is_sentinel(output[i])) {
      errors << " wrote outside the tile at float " << i << " of the output buffer;";
      ++misses;
    }
  }
  return misses == 0 ? "" : c.describe() + ":" + errors.str();
}

bool quick_mode() {
  const char* value = std::getenv("POINTWISE_TEST_QUICK");
  return value != nullptr && value[0] != '\0' && value[0] != '0';
}

class Microkernel : public ::testing::TestWithParam<pw_isa> {
 protected:
  void SetUp() override {
    PW_SKIP_UNLESS_SUPPORTED(GetParam());
    const pw::variant* v = pw::find_built_variant(GetParam());
    ASSERT_NE(v, nullptr);
    kernel_ = v->kernel;
  }
  const pw::microkernel& kernel() const { return *kernel_; }

 private:
  const pw::microkernel* kernel_ = nullptr;
};

TEST_P(Microkernel, EveryRowColumnAndChannelCount) {
  const std::vector<size_t> ks = quick_mode() ? std::vector<size_t>{1, 3, 17} : std::vector<size_t>{1, 2, 3, 7, 16, 17, 64, 257};
  const size_t nr = kernel().nr;
  std::vector<size_t> ns;
  for (size_t n = 1; n <= 2 * nr + 1; n += quick_mode() ? 3 : 1) ns.push_back(n);
  if (ns.back() != 2 * nr + 1) ns.push_back(2 * nr + 1);
  uint32_t seed = 1;
  size_t failures = 0;
  for (size_t kc : ks)
    for (size_t m = 1; m <= kernel().mr; ++m)
      for (size_t n : ns) {
        kernel_case c{m, n, kc};
        c.clamp = clamp_in_turn(m + n);
        const std::string error = run_kernel_case(kernel(), c, seed++);
        EXPECT_EQ(error, "");
        if (!error.empty() && ++failures > 10) return;
      }
}

TEST_P(Microkernel, BlockPositionsResidualsAndClamp) {
  const size_t mr = kernel().mr, nr = kernel().nr;
  const std::vector<size_t> ms = {1, (mr + 1) / 2, mr};
  const std::vector<size_t> ns = {1, nr - 1, nr, nr + 1, 2 * nr + 1};
  // 257 channels: more than the SSE kernel's spread buffer holds for 4+ rows, so its
  // passes over the panels meet every block position too. A block after the first
  // starts at channel kc: odd and even offsets (a bf16 kernel's channel pairs then
  // start mid-pair or not).
  const std::vector<size_t> ks =
      quick_mode() ? std::vector<size_t>{1, 2, 7, 17} : std::vector<size_t>{1, 2, 7, 16, 17, 257};
  uint32_t seed = 1000;
  size_t failures = 0;
  for (block_position position :
       {block_position::only, block_position::first, block_position::last, block_position::middle})
    for (residual_mode residual : {residual_mode::none, residual_mode::separate, residual_mode::in_place})
      for (clamp_mode clamp : kClampModes)
        for (size_t m : ms)
          for (size_t n : ns)
            for (size_t kc : ks) {
              kernel_case c{m, n, kc, position, residual, clamp};
              const std::string error = run_kernel_case(kernel(), c, seed++);
              EXPECT_EQ(error, "");
              if (!error.empty() && ++failures > 10) return;
            }
}

// A kernel asked to prefetch weights (the tile loop's next block) reads them alongside
// its own: the sums must not change, and nothing past the tile may be written.
TEST_P(Microkernel, StreamedWeightsGiveTheSameResults) {
  const size_t mr = kernel().mr, nr = kernel().nr;
  uint32_t seed = 5000;
  for (block_position position : {block_position::only, block_position::first, block_position::middle})
    for (size_t m : {mr, size_t{1}})
      for (size_t n : {nr - 1, nr, 2 * nr + 1, 4 * nr})
        for (size_t kc : {size_t{1}, size_t{7}, size_t{64}}) {
          kernel_case c{m, n, kc, position, residual_mode::separate, clamp_in_turn(n + kc)};
          c.prefetch_weights = true;
          EXPECT_EQ(run_kernel_case(kernel(), c, seed++), "");
        }
}

TEST_P(Microkernel, NaNPropagatesThroughTheClamp) {
  const size_t mr = kernel().mr, nr = kernel().nr;
  for (block_position position : {block_position::only, block_position::last})
    for (clamp_mode clamp : {clamp_mode::both, clamp_mode::relu}) {
      kernel_case c{mr, nr + 3, 17, position, residual_mode::none, clamp, true};
      EXPECT_EQ(run_kernel_case(kernel(), c, 77), "");
      c.m = 1;
      EXPECT_EQ(run_kernel_case(kernel(), c, 78), "");
    }
}

// The few-rows kernel (several panels at once for 1..few_rows pixels) against the
// reference, the sentinels and the guard pages, and bit for bit against the full
// kernel on the same tile: every row count it takes, every column count over two
// panels and around every multiple of a panel up to 13 (two groups of the most panels
// it walks at once and every remainder), channel blocks short and long (one pixel
// takes the full kernel's path below 128 channels on AVX-512), every block position,
// residual and clamp.
// Runs the case through `gemm` of `kernel` (checked as run_kernel_case checks) and
// through the full kernel of `full`, each on its own packing of the same weights, and
// returns "" when both pass and their outputs are the same bit for bit.
std::string same_bits_case(const pw::microkernel& kernel, pw::gemm_kernel_fn gemm, const pw::microkernel& full,
                           const kernel_case& c, uint32_t seed) {
  std::vector<float> tested, reference;
  std::string error = run_kernel_case(kernel, c, seed, gemm, &tested);
  if (!error.empty()) return "tested kernel: " + error;
  error = run_kernel_case(full, c, seed, full.gemm, &reference);
  if (!error.empty()) return "full kernel: " + error;
  for (size_t i = 0; i < tested.size(); ++i)
    if (std::memcmp(&tested[i], &reference[i], sizeof(float)) != 0) {
      std::ostringstream s;
      s.precision(9);
      s << c.describe() << ": output " << i << " is " << tested[i] << ", the full kernel's " << reference[i];
      return s.str();
    }
  return "";
}

std::string few_rows_case(const pw::microkernel& kernel, const kernel_case& c, uint32_t seed) {
  return same_bits_case(kernel, kernel.gemm_few_rows, kernel, c, seed);
}

TEST_P(Microkernel, FewRowsKernelMatchesReferenceAndFullKernelBitForBit) {
  // Without one (few_rows 0), the tile loop calls the full kernel for every tile.
  if (kernel().gemm_few_rows == nullptr) {
    EXPECT_EQ(kernel().few_rows, 0u) << "few_rows without a few-rows kernel";
    return;
  }
  const size_t few_rows = kernel().few_rows, nr = kernel().nr;
  ASSERT_GE(few_rows, 1u);
  ASSERT_LT(few_rows, kernel().mr);
  std::vector<size_t> ns;
  for (size_t n = 1; n <= 2 * nr + 1; n += quick_mode() ? 5 : 1) ns.push_back(n);
  for (size_t panels = 3; panels <= 13; panels += quick_mode() ? 5 : 1)
    for (size_t n : {panels * nr - 1, panels * nr, panels * nr + 1}) ns.push_back(n);
  const std::vector<size_t> ks =
      quick_mode() ? std::vector<size_t>{1, 17, 130} : std::vector<size_t>{1, 2, 7, 17, 64, 130, 257};
  uint32_t seed = 5000;
  size_t failures = 0;
  for (size_t kc : ks)
    for (size_t m = 1; m <= few_rows; ++m)
      for (size_t n : ns) {
        kernel_case c{m, n, kc};
        c.clamp = clamp_in_turn(m + n);
        const std::string error = few_rows_case(kernel(), c, seed++);
        EXPECT_EQ(error, "");
        if (!error.empty() && ++failures > 10) return;
      }
  const std::vector<size_t> edge_ns = {1, nr + 1, 3 * nr, 7 * nr + 5};
  for (block_position position :
       {block_position::only, block_position::first, block_position::last, block_position::middle})
    for (residual_mode residual : {residual_mode::none, residual_mode::separate, residual_mode::in_place})
      for (clamp_mode clamp : kClampModes)
        for (size_t m = 1; m <= few_rows; ++m)
          for (size_t n : edge_ns)
            for (size_t kc : {size_t{7}, size_t{130}}) {
              kernel_case c{m, n, kc, position, residual, clamp};
              const std::string error = few_rows_case(kernel(), c, seed++);
              EXPECT_EQ(error, "");
              if (!error.empty() && ++failures > 10) return;
            }
  for (size_t m = 1; m <= few_rows; ++m) {
    kernel_case c{m, 7 * nr + 3, 130, block_position::last, residual_mode::none, clamp_mode::both, true};
    EXPECT_EQ(few_rows_case(kernel(), c, 77), "");
  }
}

// Each narrow-output tile of the variant's chain (its own mr, nr and packing) against
// the reference, the sentinels and the guard pages, and bit for bit against the tile it
// narrows on the same weights unless it sums_channel_pairs: every row count, every
// column count over two of its panels, short and long blocks (odd ones end on a lone
// channel), every block position, residual and clamp, NaN.
std::string narrow_case(const pw::microkernel& narrow, const pw::microkernel& wider, const kernel_case& c,
                        uint32_t seed) {
  if (narrow.sums_channel_pairs) return run_kernel_case(narrow, c, seed);
  return same_bits_case(narrow, narrow.gemm, wider, c, seed);
}

TEST_P(Microkernel, NarrowKernelsMatchReferenceAndWiderKernel) {
  // Without one (narrow_from 0), every conv runs the full kernel.
  if (kernel().narrow == nullptr) {
    EXPECT_EQ(kernel().narrow_from, 0u) << "narrow_from without a narrow kernel";
    return;
  }
  for (const pw::microkernel* wider = &kernel(); wider->narrow != nullptr; wider = wider->narrow) {
    const pw::microkernel* narrow = wider->narrow;
    SCOPED_TRACE("narrow tile " + std::to_string(narrow->mr) + "x" + std::to_string(narrow->nr));
    ASSERT_GE(wider->narrow_from, 1u);
    ASSERT_LE(wider->narrow_from, narrow->nr);
    ASSERT_LT(narrow->nr, wider->nr) << "each tile of the chain is narrower than the one before";
    const size_t mr = narrow->mr, nr = narrow->nr;
    const std::vector<size_t> ks =
        quick_mode() ? std::vector<size_t>{1, 17, 130} : std::vector<size_t>{1, 2, 3, 7, 16, 17, 64, 257};
    uint32_t seed = 9000;
    size_t failures = 0;
    for (size_t kc : ks)
      for (size_t m = 1; m <= mr; ++m)
        for (size_t n = 1; n <= 2 * nr + 1; n += quick_mode() ? 3 : 1) {
          kernel_case c{m, n, kc};
          c.clamp = clamp_in_turn(m + n);
          const std::string error = narrow_case(*narrow, *wider, c, seed++);
          EXPECT_EQ(error, "");
          if (!error.empty() && ++failures > 10) return;
        }
    const std::vector<size_t> ms = {1, 2, (mr + 1) / 2, mr - 1, mr};
    const std::vector<size_t> ns = {1, wider->narrow_from, nr / 2, nr / 2 + 1, nr - 1, nr, nr + 1, 2 * nr + 1};
    for (block_position position :
         {block_position::only, block_position::first, block_position::last, block_position::middle})
      for (residual_mode residual : {residual_mode::none, residual_mode::separate, residual_mode::in_place})
        for (clamp_mode clamp : kClampModes)
          for (size_t m : ms)
            for (size_t n : ns)
              for (size_t kc : {size_t{1}, size_t{2}, size_t{7}, size_t{17}, size_t{257}}) {
                kernel_case c{m, n, kc, position, residual, clamp};
                const std::string error = narrow_case(*narrow, *wider, c, seed++);
                EXPECT_EQ(error, "");
                if (!error.empty() && ++failures > 10) return;
              }
    for (size_t m : ms)
      for (block_position position : {block_position::only, block_position::last})
        for (size_t kc : {size_t{17}, size_t{18}, size_t{19}}) {
          kernel_case c{m, nr, kc, position, residual_mode::none, clamp_mode::both, true};
          EXPECT_EQ(narrow_case(*narrow, *wider, c, 78), "");
          // No clamp: an infinite input stays infinite, and times the zero padding of a
          // lone last channel's pair would make NaN.
          c = kernel_case{m, nr, kc, position};
          c.inf_last_input = true;
          EXPECT_EQ(narrow_case(*narrow, *wider, c, 79), "");
        }
    // A conv takes this tile for narrow_from..nr output channels and at least
    // narrow_min_in_channels input channels, but for the layers a narrower tile further
    // down the chain takes, and a wider one above nr or below the input channels.
    const pw::microkernel* next = narrow->narrow;
    const size_t fewest_in = std::max<size_t>(wider->narrow_min_in_channels, 1);
    const std::pair<size_t, size_t> layers[] = {{64, wider->narrow_from - 1}, {64, wider->narrow_from},
                                                {64, nr},                      {64, nr + 1},
                                                {fewest_in, nr},               {fewest_in - 1, nr}};
    for (const auto& [ci, co] : layers) {
      if (co == 0 || ci == 0) continue;
      const bool takes_next = next != nullptr && co >= narrow->narrow_from && co <= next->nr &&
                              ci >= narrow->narrow_min_in_channels;
      const bool takes_this =
          co >= wider->narrow_from && co <= nr && ci >= wider->narrow_min_in_channels && !takes_next;
      const pw_conv_desc desc = variant_desc(GetParam(), ci, co);
      const std::vector<float> weights(ci * co, 0.5f);
      pw_conv* conv = nullptr;
      ASSERT_EQ(pw_conv_create(&desc, weights.data(), nullptr, &conv), PW_OK) << pw_last_error();
      pw_conv_info info;
      ASSERT_EQ(pw_conv_get_info(conv, &info), PW_OK);
      if (takes_this) {
        EXPECT_EQ(info.nr, nr) << ci << " -> " << co << " channels";
        EXPECT_EQ(info.mr, mr) << ci << " -> " << co << " channels";
      } else {
        EXPECT_NE(info.nr, nr) << ci << " -> " << co << " channels";
      }
      pw_conv_destroy(conv);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, Microkernel, ::testing::ValuesIn(all_variant_isas()),
                         [](const ::testing::TestParamInfo<pw_isa>& info) { return isa_param_name(info.param); });

}  // namespace
}  // namespace pw_test
