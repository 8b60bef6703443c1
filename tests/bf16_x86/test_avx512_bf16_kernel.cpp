// Standalone test of the AVX512_BF16 microkernel (not in CMake until the lead wires the
// variant in). The harness has no ISA flags; only the kernel object has them:
//   F="-mavx512f -mavx512bw -mavx512vl -mavx512bf16 -mavx2 -mfma"
//   g++ -std=c++17 -O2 -Wall -Wextra $F -Ikernels -c kernels/avx512_bf16.cpp -o /tmp/avx512_bf16.o
//   g++ -std=c++17 -O2 -Wall -Wextra -Ikernels tests/bf16_x86/test_avx512_bf16_kernel.cpp /tmp/avx512_bf16.o
//     -o /tmp/test_avx512_bf16_kernel && /tmp/test_avx512_bf16_kernel
//
// Random bf16 inputs and weights against a double-precision reference with the
// contract's error bound, every row count 1..MR, column counts 1..3*NR, block sizes
// 1..67 (odd ones too), as one block or split in 2-3 blocks (partial sums), residual
// off / separate / in place, clamp on and off, input offsets even and odd, NaN inputs.
// The last input row, the residual and the output end at a PROT_NONE page; input
// channels outside the block are NaN (an over-read shows in the result) and every
// output float the kernel must not write holds a sentinel.
#include <sys/mman.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "microkernel.h"

namespace pw {
extern const microkernel avx512_bf16_microkernel;
}

namespace {

constexpr uint16_t kBf16Nan = 0x7FC0;
constexpr uint32_t kSentinelBits = 0x7FBADBADu;  // a NaN no arithmetic produces

// `count` elements whose last one sits just before a page the process may not touch.
template <class T>
class guarded {
 public:
  explicit guarded(size_t count) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t data_bytes = (count * sizeof(T) + page_ - 1) / page_ * page_;
    bytes_ = data_bytes + page_;
    void* memory = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
      std::perror("mmap");
      std::exit(2);
    }
    base_ = static_cast<char*>(memory);
    if (mprotect(base_ + data_bytes, page_, PROT_NONE) != 0) {
      std::perror("mprotect");
      std::exit(2);
    }
    data_ = reinterpret_cast<T*>(base_ + data_bytes) - count;
  }
  ~guarded() { munmap(base_, bytes_); }
  guarded(const guarded&) = delete;
  guarded& operator=(const guarded&) = delete;
  T* data() { return data_; }
  T& operator[](size_t i) { return data_[i]; }

 private:
  size_t page_ = 0, bytes_ = 0;
  char* base_ = nullptr;
  T* data_ = nullptr;
};

float bits_to_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
uint32_t float_to_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}
// Round to nearest even (finite values only in this test).
uint16_t to_bf16(float f) {
  const uint32_t bits = float_to_bits(f);
  return static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}
double bf16_value(uint16_t b) { return bits_to_float(static_cast<uint32_t>(b) << 16); }

enum class residual_mode { none, separate, in_place };

struct test_case {
  size_t mr, nc;
  std::vector<size_t> blocks;  // input channels of each block, in order
  size_t input_offset;         // the first block's first channel in each row
  residual_mode residual;
  bool clamp;
  int nan_row = -1;  // >= 0: one input of this row is NaN
};

struct harness {
  size_t MR, NR;
  std::mt19937 rng{12345};
  long cases = 0, failures = 0;

  float uniform(float lo, float hi) { return std::uniform_real_distribution<float>(lo, hi)(rng); }

  // The packed weights of one block per the contract: per panel, NR fp32 biases on the
  // first block, then ceil(kc/2) rows of NR channel pairs; columns >= nc zero.
  std::vector<uint32_t> pack(const std::vector<uint16_t>& w, const std::vector<float>& bias, size_t nc, size_t k0,
                             size_t kc, bool first) {
    const size_t panels = (nc + NR - 1) / NR, pair_rows = (kc + 1) / 2;
    std::vector<uint32_t> packed;
    for (size_t p = 0; p < panels; ++p) {
      if (first)
        for (size_t j = 0; j < NR; ++j) packed.push_back(p * NR + j < nc ? float_to_bits(bias[p * NR + j]) : 0u);
      for (size_t r = 0; r < pair_rows; ++r) {
        for (size_t j = 0; j < NR; ++j) {
          const size_t n = p * NR + j;
          uint32_t pair = 0;
          if (n < nc) {
            const size_t k = k0 + 2 * r;
            pair = w[k * nc + n];
            if (2 * r + 1 < kc) pair |= static_cast<uint32_t>(w[(k + 1) * nc + n]) << 16;
          }
          packed.push_back(pair);
        }
      }
    }
    return packed;
  }

  void fail(const test_case& c, const char* what, size_t m, size_t n, double got, double want, double bound) {
    if (failures < 20) {
      std::printf("FAIL %s: mr=%zu nc=%zu blocks=", what, c.mr, c.nc);
      for (size_t b : c.blocks) std::printf("%zu,", b);
      std::printf(" offset=%zu residual=%d clamp=%d nan_row=%d at m=%zu n=%zu got=%.9g want=%.9g bound=%.3g\n",
                  c.input_offset, static_cast<int>(c.residual), c.clamp, c.nan_row, m, n, got, want, bound);
    }
    ++failures;
  }

  void run(const test_case& c) {
    ++cases;
    size_t K = 0;
    for (size_t b : c.blocks) K += b;
    const size_t input_stride = c.input_offset + K + 1;  // one NaN channel after the block in every row
    const size_t output_stride = c.nc + 3, residual_stride = c.nc + 5;

    // Inputs: the last row's last block channel is the last element before the guard page.
    const size_t input_count = (c.mr - 1) * input_stride + c.input_offset + K;
    guarded<uint16_t> input(input_count);
    for (size_t i = 0; i < input_count; ++i) input[i] = kBf16Nan;
    std::vector<const float*> rows(c.mr);
    for (size_t m = 0; m < c.mr; ++m) {
      uint16_t* row = input.data() + m * input_stride;
      rows[m] = reinterpret_cast<const float*>(row);
      for (size_t k = 0; k < K; ++k) row[c.input_offset + k] = to_bf16(uniform(-2.f, 2.f));
    }
    if (c.nan_row >= 0) input[static_cast<size_t>(c.nan_row) * input_stride + c.input_offset + rng() % K] = kBf16Nan;

    std::vector<uint16_t> w(K * c.nc);
    for (auto& x : w) x = to_bf16(uniform(-1.f, 1.f));
    std::vector<float> bias(c.nc);
    for (auto& x : bias) x = uniform(-1.f, 1.f);

    const size_t output_count = (c.mr - 1) * output_stride + c.nc;
    guarded<float> output(output_count);
    for (size_t i = 0; i < output_count; ++i) output[i] = bits_to_float(kSentinelBits);
    const size_t residual_count = (c.mr - 1) * residual_stride + c.nc;
    guarded<float> separate_residual(residual_count);
    std::vector<double> residual_value(c.mr * c.nc, 0.0);
    const float* residual = nullptr;
    size_t res_stride = 0;
    if (c.residual != residual_mode::none) {
      const bool in_place = c.residual == residual_mode::in_place;
      float* r = in_place ? output.data() : separate_residual.data();
      res_stride = in_place ? output_stride : residual_stride;
      for (size_t m = 0; m < c.mr; ++m)
        for (size_t n = 0; n < c.nc; ++n) {
          r[m * res_stride + n] = uniform(-4.f, 4.f);
          residual_value[m * c.nc + n] = r[m * res_stride + n];
        }
      residual = r;
    }
    const float lo = c.clamp ? -1.5f : -INFINITY, hi = c.clamp ? 1.5f : INFINITY;

    size_t k0 = 0;
    for (size_t b = 0; b < c.blocks.size(); ++b) {
      const size_t kc = c.blocks[b];
      const bool first = b == 0, last = b + 1 == c.blocks.size();
      // The packed block at a guard page too: a read past its end faults.
      const std::vector<uint32_t> packed = pack(w, bias, c.nc, k0, kc, first);
      guarded<uint32_t> weights(packed.size());
      std::memcpy(weights.data(), packed.data(), packed.size() * sizeof(uint32_t));
      pw::gemm_tile t{};
      t.mr = c.mr;
      t.nc = c.nc;
      t.kc = kc;
      t.input_rows = rows.data();
      t.input_offset = c.input_offset + k0;
      t.weights = reinterpret_cast<const float*>(weights.data());
      t.output = output.data();
      t.output_stride = output_stride;
      t.residual = residual;
      t.residual_stride = res_stride;
      t.first_block = first;
      t.last_block = last;
      t.output_min = lo;
      t.output_max = hi;
      pw::avx512_bf16_microkernel.gemm(t);
      k0 += kc;
    }

    for (size_t m = 0; m < c.mr; ++m) {
      const uint16_t* row = input.data() + m * input_stride + c.input_offset;
      for (size_t n = 0; n < output_stride; ++n) {
        if (m + 1 == c.mr && n >= c.nc) break;
        const float got = output[m * output_stride + n];
        if (n >= c.nc) {
          if (float_to_bits(got) != kSentinelBits) fail(c, "wrote past nc", m, n, got, 0, 0);
          continue;
        }
        if (static_cast<int>(m) == c.nan_row) {
          if (!std::isnan(got)) fail(c, "NaN lost", m, n, got, NAN, 0);
          continue;
        }
        double sum = bias[n] + residual_value[m * c.nc + n], magnitude = std::fabs(sum);
        for (size_t k = 0; k < K; ++k) {
          const double p = bf16_value(row[k]) * bf16_value(w[k * c.nc + n]);
          sum += p;
          magnitude += std::fabs(p);
        }
        const double want = std::fmin(std::fmax(sum, lo), hi);
        const double bound = (K + 2) * std::ldexp(1.0, -23) * magnitude;
        if (!(std::fabs(got - want) <= bound)) fail(c, "value", m, n, got, want, bound);
      }
    }
  }
};

}  // namespace

int main() {
  if (!__builtin_cpu_supports("avx512bf16")) {
    std::printf("SKIP: this CPU has no AVX512_BF16\n");
    return 0;
  }
  harness h;
  h.MR = pw::avx512_bf16_microkernel.mr;
  h.NR = pw::avx512_bf16_microkernel.nr;
  const residual_mode residuals[] = {residual_mode::none, residual_mode::separate, residual_mode::in_place};

  // Every shape, the other options cycling with a counter.
  size_t counter = 0;
  for (size_t mr = 1; mr <= h.MR; ++mr)
    for (size_t nc = 1; nc <= 3 * h.NR; ++nc)
      for (size_t kc = 1; kc <= 67; ++kc, ++counter) {
        test_case c{mr, nc, {kc}, counter % 3, residuals[counter % 3], counter % 2 == 0};
        switch (counter % 4) {
          case 1:
            c.blocks = {kc, 3};
            break;
          case 2:
            c.blocks = {5, kc};
            break;
          case 3:
            c.blocks = {kc, 1, kc};
            break;
          default:
            break;
        }
        h.run(c);
      }
  // Every option on the edge shapes.
  const size_t nr = h.NR;
  for (size_t mr : {size_t{1}, size_t{2}, h.MR - 1, h.MR})
    for (size_t nc : {size_t{1}, size_t{15}, size_t{16}, size_t{17}, nr - 1, nr, nr + 1, 3 * nr})
      for (size_t kc : {1, 2, 3, 32, 66, 67})
        for (const std::vector<size_t>& blocks : std::vector<std::vector<size_t>>{{kc}, {kc, kc}, {kc, 7, kc}})
          for (size_t offset : {0, 1})
            for (residual_mode r : residuals)
              for (bool clamp : {false, true}) h.run(test_case{mr, nc, blocks, offset, r, clamp});
  // NaN inputs stay NaN through the sums and the clamp.
  for (size_t mr = 1; mr <= h.MR; ++mr)
    for (size_t kc : {1, 2, 5, 64})
      for (bool clamp : {false, true}) {
        test_case c{mr, 2 * h.NR + 3, {kc}, 1, residual_mode::separate, clamp};
        c.nan_row = static_cast<int>(counter++ % mr);
        h.run(c);
      }

  std::printf("%s: %ld cases, %ld failures (MR=%zu NR=%zu)\n", h.failures ? "FAILED" : "PASSED", h.cases, h.failures,
              h.MR, h.NR);
  return h.failures ? 1 : 0;
}
