// bf16 tensors and bf16 math on every variant: each variant x math x input type x
// output type against the reference that rounds as the math says, on layers with
// tails, groups, strides, channel slices and residuals.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "conv_harness.h"

namespace pw_test {
namespace {

using bf16_case = std::tuple<pw_isa, pw_math, pw_datatype, pw_datatype>;

class Bf16 : public ::testing::TestWithParam<bf16_case> {
 protected:
  void SetUp() override {
    PW_SKIP_UNLESS_SUPPORTED(isa());
    if (math() == PW_MATH_F32 && variant_does_bf16_math_only(isa()))
      GTEST_SKIP() << pw_isa_name(isa()) << " does bf16 math only";
  }
  pw_isa isa() const { return std::get<0>(GetParam()); }
  pw_math math() const { return std::get<1>(GetParam()); }
  conv_shape typed(conv_shape s) const {
    s.math = math();
    s.input_type = std::get<2>(GetParam());
    s.output_type = std::get<3>(GetParam());
    return s;
  }
};

TEST_P(Bf16, TailsGroupsStridesAndResiduals) {
  uint32_t seed = 1;
  for (size_t ci : {1, 2, 3, 17, 64, 67})
    for (size_t co : {1, 5, 33, 48}) {
      conv_shape s;
      s.in_channels = ci;
      s.out_channels = co;
      s.height = 3;
      s.width = 7;
      s = typed(s);
      EXPECT_EQ(check_conv(isa(), s, true, false, seed++), "");
      EXPECT_EQ(check_conv(isa(), s, true, true, seed++), "");
      EXPECT_EQ(check_conv(isa(), s, false, true, seed++, {true, nullptr}), "");
    }
  conv_shape g;
  g.groups = 3;
  g.in_channels = 9;
  g.out_channels = 7;
  g.stride_h = g.stride_w = 2;
  g.batch = 2;
  g.height = 5;
  g.width = 6;
  g.input_stride = 31;
  g.output_stride = 25;
  g.residual_stride = 22;
  g.output_min = -0.5f;
  g.output_max = 0.75f;
  EXPECT_EQ(check_conv(isa(), typed(g), true, true, 99), "");
}

TEST_P(Bf16, LargeChannelCountsSplitIntoBlocksOnSeveralThreads) {
  conv_shape s;
  s.in_channels = 1100;  // more than one block of converted rows
  s.out_channels = 900;  // more than one channel tile of a bf16 output
  s.height = 4;
  s.width = 9;
  pw_threadpool* pool = pw_threadpool_create(3);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(check_conv(isa(), typed(s), true, true, 5, {false, pool}), "");
  pw_threadpool_destroy(pool);
}

std::string case_name(const ::testing::TestParamInfo<bf16_case>& info) {
  const auto type = [](pw_datatype t) { return t == PW_DATATYPE_BF16 ? "bf16" : "f32"; };
  return std::string(pw_isa_name(std::get<0>(info.param))) + "_math_" +
         (std::get<1>(info.param) == PW_MATH_BF16 ? "bf16" : "f32") + "_in_" + type(std::get<2>(info.param)) +
         "_out_" + type(std::get<3>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Variants, Bf16,
                         ::testing::Combine(::testing::ValuesIn(all_variant_isas()),
                                            ::testing::Values(PW_MATH_F32, PW_MATH_BF16),
                                            ::testing::Values(PW_DATATYPE_F32, PW_DATATYPE_BF16),
                                            ::testing::Values(PW_DATATYPE_F32, PW_DATATYPE_BF16)),
                         case_name);

}  // namespace
}  // namespace pw_test
