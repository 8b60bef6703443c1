// The NEON BF16 microkernel (kernels/neon_bf16.cpp) called directly on panels packed
// by the bf16 kernel contract: every row count 1..MR, column counts around NR and 2*NR,
// every input-channel block of 1..67 (odd ones end on a lone channel), each position
// of the block (first, last, both, neither: partial sums), residual off / separate /
// in place, clamp on and off, NaN inputs, and blocks chained over a layer, against a
// double-precision reference with the bound (Ci + 2) * 2^-23 * (|b| + sum|x w| + |r|).
// One input row, the packed weights, the residual and the output each end at a guard
// page; every float of the output the kernel must not write holds a sentinel.
//
// Runs only where the CPU has FEAT_BF16 (qemu-aarch64 -cpu max); skips elsewhere.
#include <gtest/gtest.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "microkernel.h"

#ifndef HWCAP2_BF16
#define HWCAP2_BF16 (1 << 14)
#endif

namespace pw {
extern const microkernel neon_bf16_microkernel;
}

namespace {

bool cpu_has_bf16() { return (getauxval(AT_HWCAP2) & HWCAP2_BF16) != 0; }

#define SKIP_WITHOUT_BF16() \
  if (!cpu_has_bf16()) GTEST_SKIP() << "this CPU has no FEAT_BF16 (HWCAP2_BF16)"

// `count` elements of T whose last one sits just before a page the process may not
// touch: a read or write one element past the end faults.
template <class T>
class guarded_array {
 public:
  explicit guarded_array(size_t count) : count_(count) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t data_bytes = (count * sizeof(T) + page - 1) / page * page;
    bytes_ = data_bytes + page;
    void* memory = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return;
    base_ = static_cast<char*>(memory);
    if (mprotect(base_ + data_bytes, page, PROT_NONE) != 0) return;
    data_ = reinterpret_cast<T*>(base_ + data_bytes) - count;
  }
  ~guarded_array() {
    if (base_ != nullptr) munmap(base_, bytes_);
  }
  guarded_array(const guarded_array&) = delete;
  guarded_array& operator=(const guarded_array&) = delete;
  bool ok() const { return data_ != nullptr; }
  T* data() { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  size_t size() const { return count_; }

 private:
  size_t count_ = 0, bytes_ = 0;
  char* base_ = nullptr;
  T* data_ = nullptr;
};

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

float bf16_to_float(uint16_t b) {
  const uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

// Round to nearest even (the values here are finite or NaN).
uint16_t float_to_bf16(float f) {
  const uint32_t u = float_bits(f);
  if (std::isnan(f)) return static_cast<uint16_t>((u >> 16) | 0x40);
  return static_cast<uint16_t>((u + 0x7fff + ((u >> 16) & 1)) >> 16);
}

constexpr uint32_t kSentinelBits = 0x7fa5a5a5;  // a signalling NaN no kernel produces
float sentinel() {
  float f;
  std::memcpy(&f, &kSentinelBits, sizeof(f));
  return f;
}
bool is_sentinel(float f) { return float_bits(f) == kSentinelBits; }

// bf16 values in [-2, 2], about one in eight exactly zero, no denormals (the hardware
// may flush those, which the reference does not model).
std::vector<uint16_t> random_bf16(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(-2.0f, 2.0f);
  std::vector<uint16_t> out(count);
  for (auto& b : out) b = (rng() % 8 == 0) ? 0 : float_to_bf16(value(rng));
  return out;
}

std::vector<float> random_floats(size_t count, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  std::vector<float> out(count);
  for (auto& f : out) f = value(rng);
  return out;
}

// Packs one block of the contract: per panel of NR output channels, [NR fp32 biases on
// the first block], then ceil(kc/2) rows of NR channel pairs (channel 2p low, 2p+1
// high, 0 past the block), channels past n zero. weights[k * n + o] are bf16 bits of
// the whole layer's `total` input channels; the block is [k0, k0 + kc).
std::vector<uint32_t> pack_block(const std::vector<uint16_t>& weights, const std::vector<float>& bias, size_t n,
                                 size_t nr, size_t k0, size_t kc, bool first) {
  const size_t pair_rows = (kc + 1) / 2;
  const size_t panel_words = nr * ((first ? 1 : 0) + pair_rows);
  const size_t panels = (n + nr - 1) / nr;
  std::vector<uint32_t> packed(panels * panel_words, 0);
  for (size_t p = 0; p < panels; ++p) {
    uint32_t* panel = packed.data() + p * panel_words;
    for (size_t c = 0; c < nr; ++c) {
      const size_t o = p * nr + c;
      if (o >= n) continue;
      if (first) panel[c] = float_bits(bias[o]);
      uint32_t* rows = panel + (first ? nr : 0);
      for (size_t k = 0; k < kc; ++k) {
        const uint32_t w = weights[(k0 + k) * n + o];
        rows[(k / 2) * nr + c] |= (k % 2 == 0) ? w : w << 16;
      }
    }
  }
  return packed;
}

enum class block_position { only, first, last, middle };
enum class residual_mode { none, separate, in_place };

struct kernel_case {
  size_t m, n, kc;
  block_position position = block_position::only;
  residual_mode residual = residual_mode::none;
  bool clamp = false;
  bool nan_input = false;  // one input of row min(1, m-1) is NaN
  std::string describe() const {
    static const char* positions[] = {"only", "first", "last", "middle"};
    static const char* residuals[] = {"none", "separate", "in place"};
    std::ostringstream s;
    s << "m=" << m << " n=" << n << " kc=" << kc << " block=" << positions[static_cast<int>(position)]
      << " residual=" << residuals[static_cast<int>(residual)] << " clamp=" << clamp << (nan_input ? " NaN input" : "");
    return s.str();
  }
};

// Runs one tile through the kernel and returns "" or what went wrong.
std::string run_kernel_case(const kernel_case& c, uint32_t seed) {
  const pw::microkernel& kernel = pw::neon_bf16_microkernel;
  const bool first = c.position == block_position::only || c.position == block_position::first;
  const bool last = c.position == block_position::only || c.position == block_position::last;
  // The block starts at channel k0 of `total`; an odd k0 makes every input load 2-byte
  // aligned only.
  size_t total = c.kc, k0 = 0;
  if (c.position == block_position::first) total = c.kc + 3;
  if (c.position == block_position::last) k0 = c.kc % 2 == 0 ? 3 : 2, total = k0 + c.kc;
  if (c.position == block_position::middle) k0 = 5, total = k0 + c.kc + 4;

  const std::vector<uint16_t> weights = random_bf16(total * c.n, seed);  // [k][o]
  const std::vector<float> bias = random_floats(c.n, seed + 1);
  const std::vector<uint32_t> packed = pack_block(weights, bias, c.n, kernel.nr, k0, c.kc, first);
  guarded_array<uint32_t> packed_guarded(packed.size());
  if (!packed_guarded.ok()) return "mmap failed";
  std::memcpy(packed_guarded.data(), packed.data(), packed.size() * sizeof(uint32_t));

  // Input rows at an odd stride, row `at_guard` last in memory (it ends at the guard
  // page, just after the block's last channel); channels outside the block are NaN, so
  // a read outside it would show in the sums.
  const uint16_t nan_bits = 0x7fc1;
  const size_t at_guard = c.kc % c.m;
  const size_t in_stride = k0 + c.kc + 3;
  guarded_array<uint16_t> input((c.m - 1) * in_stride + k0 + c.kc);
  if (!input.ok()) return "mmap failed";
  for (size_t i = 0; i < input.size(); ++i) input[i] = nan_bits;
  std::vector<const float*> rows(c.m);
  std::vector<const uint16_t*> row_bits(c.m);
  const std::vector<uint16_t> x = random_bf16(c.m * c.kc, seed + 2);
  for (size_t m = 0, slot = 0; m < c.m; ++m) {
    const size_t position = m == at_guard ? c.m - 1 : slot++;
    uint16_t* row = input.data() + position * in_stride;
    for (size_t k = 0; k < c.kc; ++k) row[k0 + k] = x[m * c.kc + k];
    if (c.nan_input && m == (c.m > 1 ? 1 : 0)) row[k0 + c.kc / 2] = nan_bits;
    row_bits[m] = row;
    rows[m] = reinterpret_cast<const float*>(row);  // the tile carries bf16 rows as const float*
  }

  // Output: one row of sentinels before the tile, sentinels in the gap after column n,
  // the last row ends at the guard.
  const size_t out_stride = c.n + 2;
  guarded_array<float> output(out_stride + (c.m - 1) * out_stride + c.n);
  if (!output.ok()) return "mmap failed";
  for (size_t i = 0; i < output.size(); ++i) output[i] = sentinel();
  float* tile = output.data() + out_stride;
  const std::vector<float> partial = random_floats(c.m * c.n, seed + 3);
  const std::vector<float> res = random_floats(c.m * c.n, seed + 4);
  for (size_t m = 0; m < c.m; ++m)
    for (size_t o = 0; o < c.n; ++o) {
      if (!first)
        tile[m * out_stride + o] = partial[m * c.n + o];
      else if (c.residual == residual_mode::in_place)
        tile[m * out_stride + o] = res[m * c.n + o];
    }
  const size_t res_stride = c.n + 5;
  guarded_array<float> separate_residual((c.m - 1) * res_stride + c.n);
  if (!separate_residual.ok()) return "mmap failed";
  for (size_t i = 0; i < separate_residual.size(); ++i) separate_residual[i] = NAN;
  for (size_t m = 0; m < c.m; ++m)
    for (size_t o = 0; o < c.n; ++o) separate_residual[m * res_stride + o] = res[m * c.n + o];

  const float lo = c.clamp ? -0.5f : -INFINITY, hi = c.clamp ? 0.75f : INFINITY;
  pw::gemm_tile t{};
  t.mr = c.m;
  t.nc = c.n;
  t.kc = c.kc;
  t.input_rows = rows.data();
  t.input_offset = k0;
  t.weights = reinterpret_cast<const float*>(packed_guarded.data());
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
  kernel.gemm(t);

  std::ostringstream errors;
  size_t misses = 0;
  for (size_t m = 0; m < c.m && misses < 5; ++m) {
    for (size_t o = 0; o < c.n && misses < 5; ++o) {
      double start = 0, magnitude = 0;
      if (first) {
        const double r = c.residual != residual_mode::none ? res[m * c.n + o] : 0.0;
        start = bias[o] + r;
        magnitude = std::fabs(bias[o]) + std::fabs(r);
      } else {
        start = partial[m * c.n + o];
        magnitude = std::fabs(start);
      }
      double sum = start;
      for (size_t k = 0; k < c.kc; ++k) {
        const double term =
            static_cast<double>(bf16_to_float(row_bits[m][k0 + k])) * bf16_to_float(weights[(k0 + k) * c.n + o]);
        sum += term;
        magnitude += std::fabs(term);
      }
      if (last) {
        if (sum < lo) sum = lo;
        if (sum > hi) sum = hi;  // NaN fails both comparisons and stays NaN
      }
      const double bound = (static_cast<double>(c.kc) + 2) * std::ldexp(1.0, -23) * magnitude;
      const float y = tile[m * out_stride + o];
      const bool ok = std::isnan(sum) ? std::isnan(y) : std::fabs(y - sum) <= bound;
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

// Column counts around one and two panels, and a wider tile.
const size_t kColumnCounts[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 24};

TEST(NeonBf16Microkernel, TileShape) {
  EXPECT_EQ(pw::neon_bf16_microkernel.mr, 10u);
  EXPECT_EQ(pw::neon_bf16_microkernel.nr, 8u);
  EXPECT_NE(pw::neon_bf16_microkernel.gemm, nullptr);
}

// Every row count, block length 1..67 and column count; the block position, residual
// and clamp cycle with the shape so every combination meets every tail.
TEST(NeonBf16Microkernel, EveryRowCountBlockAndColumnTail) {
  SKIP_WITHOUT_BF16();
  size_t failures = 0, cases = 0;
  for (size_t m = 1; m <= pw::neon_bf16_microkernel.mr; ++m) {
    for (size_t kc = 1; kc <= 67; ++kc) {
      for (size_t n : kColumnCounts) {
        kernel_case c{m, n, kc};
        const size_t shape = m + kc + n;
        c.position = static_cast<block_position>(shape % 4);
        c.residual = static_cast<residual_mode>((shape / 4) % 3);
        c.clamp = (shape / 12) % 2 == 1;
        const std::string error = run_kernel_case(c, static_cast<uint32_t>(1000 * m + 10 * kc + n));
        ++cases;
        if (!error.empty() && ++failures <= 10) ADD_FAILURE() << error;
      }
    }
  }
  EXPECT_EQ(failures, 0u) << "of " << cases << " cases";
}

// Every block position x residual x clamp on the group boundaries (7, 8, 9, 16, 17)
// and the odd and even shortest blocks.
TEST(NeonBf16Microkernel, EveryBlockPositionResidualAndClamp) {
  SKIP_WITHOUT_BF16();
  const size_t block_lengths[] = {1, 2, 3, 7, 8, 9, 16, 17, 66, 67};
  size_t failures = 0;
  for (size_t m = 1; m <= pw::neon_bf16_microkernel.mr; ++m)
    for (size_t kc : block_lengths)
      for (size_t n : {3, 8, 13})
        for (int position = 0; position < 4; ++position)
          for (int residual = 0; residual < 3; ++residual)
            for (bool clamp : {false, true}) {
              kernel_case c{m, n, kc};
              c.position = static_cast<block_position>(position);
              c.residual = static_cast<residual_mode>(residual);
              c.clamp = clamp;
              const std::string error = run_kernel_case(c, static_cast<uint32_t>(7 * m + 131 * kc + n));
              if (!error.empty() && ++failures <= 10) ADD_FAILURE() << error;
            }
  EXPECT_EQ(failures, 0u);
}

// A NaN input makes its row's outputs NaN, with and without the clamp, in a group, in a
// pair and as the lone last channel of an odd block.
TEST(NeonBf16Microkernel, NanInputStaysNanThroughClamp) {
  SKIP_WITHOUT_BF16();
  for (size_t m : {1, 2, 10})
    for (size_t kc : {1, 3, 5, 16, 19})
      for (bool clamp : {false, true}) {
        kernel_case c{m, 13, kc};
        c.clamp = clamp;
        c.nan_input = true;
        EXPECT_EQ(run_kernel_case(c, static_cast<uint32_t>(m + kc)), "");
      }
}

// A layer of 45 input channels in blocks of 13, 13, 13 and 6 (odd block starts):
// first from bias + residual, then partial sums, the clamp on the last; the packing of
// each block as the tile loop would hand it over.
TEST(NeonBf16Microkernel, ChainedBlocksMatchOneSum) {
  SKIP_WITHOUT_BF16();
  const pw::microkernel& kernel = pw::neon_bf16_microkernel;
  const size_t total = 45, block = 13, n = 19, mr = kernel.mr;
  const std::vector<uint16_t> weights = random_bf16(total * n, 11);
  const std::vector<float> bias = random_floats(n, 12);
  const std::vector<float> res = random_floats(mr * n, 13);
  const std::vector<uint16_t> x = random_bf16(mr * total, 14);
  std::vector<const float*> rows(mr);
  for (size_t m = 0; m < mr; ++m) rows[m] = reinterpret_cast<const float*>(x.data() + m * total);
  std::vector<float> out(mr * n, 0.0f);
  for (size_t k0 = 0; k0 < total; k0 += block) {
    const size_t kc = total - k0 < block ? total - k0 : block;
    const std::vector<uint32_t> packed = pack_block(weights, bias, n, kernel.nr, k0, kc, k0 == 0);
    pw::gemm_tile t{};
    t.mr = mr;
    t.nc = n;
    t.kc = kc;
    t.input_rows = rows.data();
    t.input_offset = k0;
    t.weights = reinterpret_cast<const float*>(packed.data());
    t.output = out.data();
    t.output_stride = n;
    t.residual = res.data();
    t.residual_stride = n;
    t.first_block = k0 == 0;
    t.last_block = k0 + kc == total;
    t.output_min = -3.0f;
    t.output_max = 3.0f;
    kernel.gemm(t);
  }
  for (size_t m = 0; m < mr; ++m)
    for (size_t o = 0; o < n; ++o) {
      double sum = bias[o] + res[m * n + o], magnitude = std::fabs(bias[o]) + std::fabs(res[m * n + o]);
      for (size_t k = 0; k < total; ++k) {
        const double term = static_cast<double>(bf16_to_float(x[m * total + k])) * bf16_to_float(weights[k * n + o]);
        sum += term;
        magnitude += std::fabs(term);
      }
      sum = std::fmin(std::fmax(sum, -3.0), 3.0);
      EXPECT_NEAR(out[m * n + o], sum, (total + 2) * std::ldexp(1.0, -23) * magnitude) << "[" << m << "][" << o << "]";
    }
}

}  // namespace
