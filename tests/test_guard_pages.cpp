// The memory contract of pw_conv_run, enforced by the MMU: the input, the residual
// and the output are placed so that their last used float ends exactly at a page
// boundary followed by a PROT_NONE page, or so that their first float starts right
// after one. A kernel that reads or writes one float too far (a full-vector load of
// a channel tail, a store of a whole register tile) faults. Every variant, every tail:
// input channels 1..17 and a few larger, output channels 1..2*NR+1, pixels 1..MR+1.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <vector>

#include "conv_harness.h"

namespace pw_test {
namespace {

// `count` elements of `element_bytes` (4: fp32, 2: bf16) with an inaccessible page
// right after the last (or right before the first), the rest of the mapping filled
// with sentinels of the element's type.
class guarded_elements {
 public:
  enum side { guard_after, guard_before };
  guarded_elements(size_t count, size_t element_bytes, side where) : count_(count), element_(element_bytes) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    data_pages_ = (count * element_ + page_ - 1) / page_;
    bytes_ = (data_pages_ + 2) * page_;
    void* mapping = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) return;
    base_ = static_cast<char*>(mapping);
    for (char* e = base_ + page_; e < base_ + bytes_ - page_; e += element_) write_sentinel(e);
    mprotect(base_, page_, PROT_NONE);
    mprotect(base_ + bytes_ - page_, page_, PROT_NONE);
    data_ = where == guard_after ? base_ + bytes_ - page_ - count * element_ : base_ + page_;
  }
  ~guarded_elements() {
    if (base_ != nullptr) munmap(base_, bytes_);
  }
  guarded_elements(const guarded_elements&) = delete;
  guarded_elements& operator=(const guarded_elements&) = delete;

  void* data() const { return data_; }
  // Every element of the accessible pages outside [data, data + count) is still a sentinel.
  bool untouched_outside() const {
    for (const char* e = base_ + page_; e < base_ + bytes_ - page_; e += element_)
      if ((e < data_ || e >= data_ + count_ * element_) && !is_sentinel_at(e)) return false;
    return true;
  }
  bool is_sentinel_at(const char* e) const {
    if (element_ == 2) {
      uint16_t bits;
      std::memcpy(&bits, e, 2);
      return bits == kSentinelBf16;
    }
    float v;
    std::memcpy(&v, e, 4);
    return is_sentinel(v);
  }
  // Element i of the data as fp32 (a bf16 element widened; a sentinel as kSentinel).
  float value(size_t i) const {
    const char* e = data_ + i * element_;
    if (is_sentinel_at(e)) return kSentinel;
    if (element_ == 4) {
      float v;
      std::memcpy(&v, e, 4);
      return v;
    }
    uint16_t bits;
    std::memcpy(&bits, e, 2);
    return from_bf16(bits);
  }
  // Copies the first `count` values in, in the element's type (bf16 values are exact).
  void fill(const std::vector<float>& values, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      if (element_ == 4) {
        std::memcpy(data_ + i * 4, &values[i], 4);
      } else {
        const uint16_t bits = to_bf16(values[i]);
        std::memcpy(data_ + i * 2, &bits, 2);
      }
    }
  }

 private:
  void write_sentinel(char* e) const {
    if (element_ == 2)
      std::memcpy(e, &kSentinelBf16, 2);
    else
      std::memcpy(e, &kSentinel, 4);
  }
  size_t count_, element_, page_ = 0, data_pages_ = 0, bytes_ = 0;
  char* base_ = nullptr;
  char* data_ = nullptr;
};

size_t element_bytes(pw_datatype type) { return type == PW_DATATYPE_BF16 ? 2 : 4; }

class GuardPages : public ::testing::TestWithParam<pw_isa> {
 protected:
  void SetUp() override { PW_SKIP_UNLESS_SUPPORTED(GetParam()); }
};

// One layer with its buffers against guard pages on `side`; returns what went wrong.
// The shape's types decide each buffer's element size.
std::string run_guarded(pw_isa isa, const conv_shape& s, guarded_elements::side side, bool with_residual) {
  const conv_data d = make_conv_data(s, true, with_residual, static_cast<uint32_t>(s.in_channels * 131 + s.out_channels));
  const pw_conv_desc desc = s.desc(isa);
  pw_conv* conv = nullptr;
  if (pw_conv_create(&desc, d.weights.data(), d.bias.data(), &conv) != PW_OK)
    return std::string("create failed: ") + pw_last_error();

  // Exactly the elements the formula uses, up to the last channel of the last pixel.
  const size_t input_count = (s.in_pixels() - 1) * s.in_step() + s.dense_in();
  const size_t output_count = (s.out_pixels() - 1) * s.out_step() + s.dense_out();
  const size_t residual_count = (s.out_pixels() - 1) * s.res_step() + s.dense_out();
  const size_t in_bytes = element_bytes(s.input_type), out_bytes = element_bytes(s.output_type);
  guarded_elements input(input_count, in_bytes, side), output(output_count, out_bytes, side),
      residual(residual_count, out_bytes, side);
  if (input.data() == nullptr || output.data() == nullptr || residual.data() == nullptr) return "mmap failed";
  input.fill(d.input, input_count);
  if (with_residual) residual.fill(d.residual, residual_count);
  // Padding channels of the output stay sentinels; the computed ones start as sentinels too.
  const pw_status status = pw_conv_run(conv, s.batch, s.height, s.width, input.data(), s.input_stride, output.data(),
                                       s.output_stride, with_residual ? residual.data() : nullptr, s.residual_stride,
                                       nullptr);
  pw_conv_destroy(conv);
  if (status != PW_OK) return std::string("run failed: ") + pw_last_error();
  std::string problems;
  if (!output.untouched_outside()) problems += "wrote outside the output\n";
  std::vector<float> values(s.out_pixels() * s.out_step(), kSentinel);
  for (size_t i = 0; i < output_count; ++i) values[i] = output.value(i);
  for (size_t p = 0; p < s.out_pixels(); ++p)
    for (size_t c = s.dense_out(); c < s.out_step() && p + 1 < s.out_pixels(); ++c)
      if (!is_sentinel(values[p * s.out_step() + c])) {
        problems += "wrote into the output's padding channels\n";
        p = s.out_pixels();
        break;
      }
  // The reference over the same values (the vectors hold the trailing padding of the
  // last pixel too, which the guarded copy leaves out).
  const reference_output ref = reference_conv(s.on_variant(isa), d.input, d.weights, d.bias, d.residual);
  problems += compare_with_reference(s, values.data(), ref);
  return problems.empty()
             ? problems
             : s.describe() + " on " + pw_isa_name(isa) +
                   (side == guarded_elements::guard_after ? " guard after" : " guard before") + ":\n" + problems;
}

// The register tile a variant runs a layer of ci -> co channels on (pw_conv_get_info's
// mr and nr); zeros, and a test failure, if the layer cannot be created.
pw_conv_info tile_for(pw_isa isa, size_t ci, size_t co) {
  pw_conv_info info{};
  const pw_conv_desc desc = variant_desc(isa, ci, co);
  const std::vector<float> ones(ci * co, 1.0f);
  pw_conv* probe = nullptr;
  if (pw_conv_create(&desc, ones.data(), nullptr, &probe) != PW_OK) {
    ADD_FAILURE() << pw_last_error();
    return info;
  }
  if (pw_conv_get_info(probe, &info) != PW_OK) ADD_FAILURE() << pw_last_error();
  pw_conv_destroy(probe);
  return info;
}

TEST_P(GuardPages, EveryTailEndsAtAGuardPage) {
  const pw_conv_info info = tile_for(GetParam(), 1, 1);
  ASSERT_GT(info.nr, 0u);
  const size_t mr = info.mr, nr = info.nr;

  std::vector<size_t> input_channels;
  for (size_t ci = 1; ci <= 17; ++ci) input_channels.push_back(ci);
  for (size_t ci : {31, 64, 129}) input_channels.push_back(ci);
  size_t cases = 0;
  for (size_t ci : input_channels)
    for (size_t co = 1; co <= 2 * nr + 1; ++co)
      for (size_t pixels = 1; pixels <= mr + 1; ++pixels) {
        conv_shape s;
        s.in_channels = ci;
        s.out_channels = co;
        s.width = pixels;  // pixel strides == channels (dense)
        const bool with_residual = (ci + co + pixels) % 2 == 0;
        for (auto side : {guarded_elements::guard_after, guarded_elements::guard_before}) {
          const std::string problems = run_guarded(GetParam(), s, side, with_residual);
          ASSERT_EQ(problems, "");
          ++cases;
        }
      }
  RecordProperty("cases", static_cast<int>(cases));
}

// Strided buffers (padding channels between pixels, none after the last pixel), groups
// and a stride: the last used float still ends at the guard page.
TEST_P(GuardPages, StridedGroupedAndSubsampledTailsEndAtAGuardPage) {
  for (size_t groups : {1, 2, 3})
    for (size_t ci : {1, 3, 5, 8, 13})
      for (size_t co : {1, 7, 17, 33})
        for (size_t stride : {1, 2}) {
          conv_shape s;
          s.groups = groups;
          s.in_channels = ci;
          s.out_channels = co;
          s.height = 3;
          s.width = 5;
          s.stride_h = s.stride_w = stride;
          s.input_stride = groups * ci + 3;
          s.output_stride = groups * co + 2;
          s.residual_stride = groups * co + 1;
          for (auto side : {guarded_elements::guard_after, guarded_elements::guard_before})
            ASSERT_EQ(run_guarded(GetParam(), s, side, true), "");
        }
}

// bf16 tensors and bf16 math: inputs, outputs and residuals of 2-byte elements end at
// (or start after) a PROT_NONE page, every math and type pair the variant does, on the
// tails of every kind: an odd count of 2-byte elements ends mid-word, where a kernel
// that loads or stores pairs (or a vector) of them would touch the guard.
TEST_P(GuardPages, Bf16TensorsAndBf16MathEndAtAGuardPage) {
  const pw_isa isa = GetParam();
  const pw_conv_info info = tile_for(isa, 1, 1);
  ASSERT_GT(info.nr, 0u);
  const size_t mr = info.mr, nr = info.nr;
  // The narrow tiles for layers of few output channels and enough input channels (the
  // variant's own tile when it has none), of 1 and of nr/2 + 1 outputs: their panel
  // and half-panel tails too.
  std::vector<size_t> narrow_nrs;
  for (size_t co : {size_t{1}, nr / 2 + 1}) {
    const size_t narrow_nr = tile_for(isa, 64, co).nr;
    ASSERT_GT(narrow_nr, 0u);
    narrow_nrs.push_back(narrow_nr);
  }
  // Fewer counts than the fp32 sweep, each kind of tail once: input channels below, at
  // and past a pair and a vector of bf16; output channels around one and two panels;
  // pixels around one register group (the kernels' sweep, test_microkernels, has
  // every row count at a guard page).
  std::vector<size_t> input_channels = {1, 2, 3, 7, 8, 9, 16, 17, 33};
  if (!emulated_run()) input_channels.insert(input_channels.end(), {31, 129});
  std::vector<size_t> output_channels = {1, 2, 3};
  for (size_t narrow_nr : narrow_nrs)
    for (size_t co : {narrow_nr / 2, narrow_nr / 2 + 1, narrow_nr - 1, narrow_nr}) output_channels.push_back(co);
  for (size_t co : {nr - 1, nr, nr + 1, 2 * nr - 1, 2 * nr, 2 * nr + 1}) output_channels.push_back(co);
  std::sort(output_channels.begin(), output_channels.end());
  output_channels.erase(std::unique(output_channels.begin(), output_channels.end()), output_channels.end());
  std::vector<size_t> pixel_counts = {1, 2};
  for (size_t pixels : {mr - 1, mr, mr + 1})
    if (pixels > pixel_counts.back()) pixel_counts.push_back(pixels);
  size_t cases = 0;
  for (pw_math math : {PW_MATH_F32, PW_MATH_BF16})
    for (pw_datatype in : {PW_DATATYPE_F32, PW_DATATYPE_BF16})
      for (pw_datatype out : {PW_DATATYPE_F32, PW_DATATYPE_BF16}) {
        if (math == PW_MATH_F32 && variant_does_bf16_math_only(isa)) continue;
        if (math == PW_MATH_F32 && in == PW_DATATYPE_F32 && out == PW_DATATYPE_F32) continue;  // the fp32 tests
        for (size_t ci : input_channels)
          for (size_t co : output_channels)
            for (size_t pixels : pixel_counts) {
              conv_shape s;
              s.in_channels = ci;
              s.out_channels = co;
              s.width = pixels;
              s.math = math;
              s.input_type = in;
              s.output_type = out;
              const bool with_residual = (ci + co + pixels) % 2 == 0;
              for (auto side : {guarded_elements::guard_after, guarded_elements::guard_before}) {
                ASSERT_EQ(run_guarded(isa, s, side, with_residual), "");
                ++cases;
              }
            }
        // Strided, grouped and subsampled: padding between pixels, none after the last.
        for (size_t groups : {1, 3})
          for (size_t ci : {1, 3, 8})
            for (size_t co : {1, 7, 17}) {
              conv_shape s;
              s.groups = groups;
              s.in_channels = ci;
              s.out_channels = co;
              s.height = 3;
              s.width = 5;
              s.stride_h = s.stride_w = groups == 3 ? 2 : 1;
              s.input_stride = groups * ci + 3;
              s.output_stride = groups * co + 1;
              s.residual_stride = groups * co + 2;
              s.math = math;
              s.input_type = in;
              s.output_type = out;
              for (auto side : {guarded_elements::guard_after, guarded_elements::guard_before})
                ASSERT_EQ(run_guarded(isa, s, side, true), "");
            }
      }
  RecordProperty("cases", static_cast<int>(cases));
}

// A bf16 output of every column count up to two panels, so that every column tail of
// a panel (1 to NR - 1 channels) ends at, or starts right after, a PROT_NONE page: the
// AVX512_BF16 kernel rounds a pixel's two vectors into one and stores 32 outputs with
// one move, masked for a tail, which must neither write past the tail nor mix up the
// vectors' halves. Dense rows (a whole register group and one pixel more, then three
// and five more: the last group's few pixels go to a few-rows kernel where the variant
// has one) and strided ones, with and without a residual, one input channel count of
// each parity.
TEST_P(GuardPages, Bf16OutputEveryColumnTailEndsAtAGuardPage) {
  const pw_isa isa = GetParam();
  const pw_conv_info info = tile_for(isa, 1, 1);
  ASSERT_GT(info.nr, 0u);
  const size_t mr = info.mr, nr = info.nr;
  size_t cases = 0;
  for (size_t co = 1; co <= 2 * nr + 1; ++co)
    for (size_t ci : {6, 17})
      for (size_t padding : {0, 3})
        for (size_t pixels : {mr + 1, mr + 3, mr + 5}) {
          conv_shape s;
          s.in_channels = ci;
          s.out_channels = co;
          s.width = pixels;
          s.math = PW_MATH_BF16;
          s.input_type = PW_DATATYPE_BF16;
          s.output_type = PW_DATATYPE_BF16;
          s.output_min = 0.0f;  // ReLU, the layers' epilogue
          if (padding != 0) {
            s.output_stride = co + padding;
            s.residual_stride = co + padding + 1;
          }
          const bool with_residual = (co + ci + padding) % 2 == 0;
          for (auto side : {guarded_elements::guard_after, guarded_elements::guard_before}) {
            ASSERT_EQ(run_guarded(isa, s, side, with_residual), "");
            ++cases;
          }
        }
  RecordProperty("cases", static_cast<int>(cases));
}

INSTANTIATE_TEST_SUITE_P(Variants, GuardPages, ::testing::ValuesIn(all_variant_isas()),
                         [](const ::testing::TestParamInfo<pw_isa>& info) { return isa_param_name(info.param); });

}  // namespace
}  // namespace pw_test
