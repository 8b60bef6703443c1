// The memory contract of pw_conv_run, enforced by the MMU: the input, the residual
// and the output are placed so that their last used float ends exactly at a page
// boundary followed by a PROT_NONE page, or so that their first float starts right
// after one. A kernel that reads or writes one float too far (a full-vector load of
// a channel tail, a store of a whole register tile) faults. Every variant, every tail:
// input channels 1..17 and a few larger, output channels 1..2*NR+1, pixels 1..MR+1.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "conv_harness.h"

namespace pw_test {
namespace {

// `floats` floats with an inaccessible page right after the last (or right before the
// first), the rest of the mapping filled with sentinels.
class guarded_floats {
 public:
  enum side { guard_after, guard_before };
  guarded_floats(size_t floats, side where) : floats_(floats) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    data_pages_ = (floats * sizeof(float) + page_ - 1) / page_;
    bytes_ = (data_pages_ + 2) * page_;
    void* mapping = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapping == MAP_FAILED) return;
    base_ = static_cast<char*>(mapping);
    for (float* f = reinterpret_cast<float*>(base_ + page_); f < reinterpret_cast<float*>(base_ + bytes_ - page_); ++f)
      *f = kSentinel;
    mprotect(base_, page_, PROT_NONE);
    mprotect(base_ + bytes_ - page_, page_, PROT_NONE);
    data_ = where == guard_after ? reinterpret_cast<float*>(base_ + bytes_ - page_) - floats
                                 : reinterpret_cast<float*>(base_ + page_);
  }
  ~guarded_floats() {
    if (base_ != nullptr) munmap(base_, bytes_);
  }
  guarded_floats(const guarded_floats&) = delete;
  guarded_floats& operator=(const guarded_floats&) = delete;

  float* data() const { return data_; }
  // Every float of the accessible pages outside [data, data + floats) is still a sentinel.
  bool untouched_outside() const {
    for (const float* f = reinterpret_cast<const float*>(base_ + page_);
         f < reinterpret_cast<const float*>(base_ + bytes_ - page_); ++f)
      if ((f < data_ || f >= data_ + floats_) && !is_sentinel(*f)) return false;
    return true;
  }

 private:
  size_t floats_, page_ = 0, data_pages_ = 0, bytes_ = 0;
  char* base_ = nullptr;
  float* data_ = nullptr;
};

class GuardPages : public ::testing::TestWithParam<pw_isa> {
 protected:
  void SetUp() override { PW_SKIP_UNLESS_SUPPORTED(GetParam()); }
};

// One layer with its buffers against guard pages on `side`; returns what went wrong.
std::string run_guarded(pw_isa isa, const conv_shape& s, guarded_floats::side side, bool with_residual) {
  const conv_data d = make_conv_data(s, true, with_residual, static_cast<uint32_t>(s.in_channels * 131 + s.out_channels));
  const pw_conv_desc desc = s.desc(isa);
  pw_conv* conv = nullptr;
  if (pw_conv_create(&desc, d.weights.data(), d.bias.data(), &conv) != PW_OK)
    return std::string("create failed: ") + pw_last_error();

  // Exactly the floats the formula uses, up to the last channel of the last pixel.
  const size_t input_floats = (s.in_pixels() - 1) * s.in_step() + s.dense_in();
  const size_t output_floats = (s.out_pixels() - 1) * s.out_step() + s.dense_out();
  const size_t residual_floats = (s.out_pixels() - 1) * s.res_step() + s.dense_out();
  guarded_floats input(input_floats, side), output(output_floats, side), residual(residual_floats, side);
  if (input.data() == nullptr || output.data() == nullptr || residual.data() == nullptr) return "mmap failed";
  std::memcpy(input.data(), d.input.data(), input_floats * sizeof(float));
  if (with_residual) std::memcpy(residual.data(), d.residual.data(), residual_floats * sizeof(float));
  // Padding channels of the output stay sentinels; the computed ones start as sentinels too.
  const pw_status status = pw_conv_run(conv, s.batch, s.height, s.width, input.data(), s.input_stride, output.data(),
                                       s.output_stride, with_residual ? residual.data() : nullptr, s.residual_stride,
                                       nullptr);
  pw_conv_destroy(conv);
  if (status != PW_OK) return std::string("run failed: ") + pw_last_error();
  std::string problems;
  if (!output.untouched_outside()) problems += "wrote outside the output\n";
  for (size_t p = 0; p < s.out_pixels(); ++p)
    for (size_t c = s.dense_out(); c < s.out_step() && p + 1 < s.out_pixels(); ++c)
      if (!is_sentinel(output.data()[p * s.out_step() + c])) {
        problems += "wrote into the output's padding channels\n";
        p = s.out_pixels();
        break;
      }
  // The reference over the same values (the vectors hold the trailing padding of the
  // last pixel too, which the guarded copy leaves out).
  const reference_output ref = reference_conv(s.on_variant(isa), d.input, d.weights, d.bias, d.residual);
  problems += compare_with_reference(s, output.data(), ref);
  return problems.empty() ? problems : s.describe() + (side == guarded_floats::guard_after ? " guard after" : " guard before") + ":\n" + problems;
}

TEST_P(GuardPages, EveryTailEndsAtAGuardPage) {
  const pw_conv_desc probe_desc = variant_desc(GetParam(), 1, 1);
  const float one = 1.0f;
  pw_conv* probe = nullptr;
  ASSERT_EQ(pw_conv_create(&probe_desc, &one, nullptr, &probe), PW_OK) << pw_last_error();
  pw_conv_info info;
  ASSERT_EQ(pw_conv_get_info(probe, &info), PW_OK);
  pw_conv_destroy(probe);
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
        for (auto side : {guarded_floats::guard_after, guarded_floats::guard_before}) {
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
          for (auto side : {guarded_floats::guard_after, guarded_floats::guard_before})
            ASSERT_EQ(run_guarded(GetParam(), s, side, true), "");
        }
}

INSTANTIATE_TEST_SUITE_P(Variants, GuardPages, ::testing::ValuesIn(all_variant_isas()),
                         [](const ::testing::TestParamInfo<pw_isa>& info) { return isa_param_name(info.param); });

}  // namespace
}  // namespace pw_test
