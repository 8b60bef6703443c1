// Run by ctest with POINTWISE_ISA set (see tests/CMakeLists.txt): the value read at
// load time decides what PW_ISA_AUTO means for the whole process.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "pointwise/pointwise.h"

namespace {

TEST(IsaOverride, AutoFollowsPointwiseIsa) {
  const char* value = std::getenv("POINTWISE_ISA");
  ASSERT_NE(value, nullptr) << "this test runs with POINTWISE_ISA set";
  const float weights[2] = {1, 2};
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, 2, 1);
  pw_conv* conv = nullptr;
  const pw_status status = pw_conv_create(&desc, weights, nullptr, &conv);
  const std::string error = pw_last_error();
  pw_isa named;
  const char* is_a_name = std::getenv("POINTWISE_TEST_ISA_IS_A_NAME");
  if (is_a_name != nullptr && std::strcmp(is_a_name, "1") == 0)
    ASSERT_EQ(pw_isa_from_name(value, &named), PW_OK) << "POINTWISE_ISA=" << value << " names a variant in any case";
  if (pw_isa_from_name(value, &named) != PW_OK || (named != PW_ISA_AUTO && !pw_isa_supported(named))) {
    EXPECT_EQ(status, PW_ERROR_UNSUPPORTED) << "POINTWISE_ISA=" << value << " cannot be honoured";
    EXPECT_EQ(conv, nullptr);
    EXPECT_NE(error.find("POINTWISE_ISA"), std::string::npos) << error;
    EXPECT_EQ(pw_best_isa(), PW_ISA_AUTO);
    return;
  }
  if (named != PW_ISA_AUTO && status == PW_ERROR_UNSUPPORTED) {
    // A bf16-only variant: the fp32-math desc is refused with the reason, never run
    // elsewhere, and a bf16-math desc runs on it.
    EXPECT_NE(error.find("PW_MATH_BF16"), std::string::npos) << error;
    EXPECT_EQ(pw_best_isa(), PW_ISA_AUTO);
    desc.math = PW_MATH_BF16;
    ASSERT_EQ(pw_conv_create(&desc, weights, nullptr, &conv), PW_OK) << pw_last_error();
  } else {
    ASSERT_EQ(status, PW_OK) << pw_last_error();
    EXPECT_EQ(pw_best_isa(), named == PW_ISA_AUTO ? pw_best_isa() : named);
  }
  pw_conv_info info;
  ASSERT_EQ(pw_conv_get_info(conv, &info), PW_OK);
  if (named != PW_ISA_AUTO) {  // any case: POINTWISE_ISA=AVX2 is avx2
    EXPECT_EQ(info.isa, named) << "POINTWISE_ISA=" << value;
    EXPECT_STRCASEEQ(pw_isa_name(info.isa), value);
  }
  if (pw_best_isa() != PW_ISA_AUTO) EXPECT_EQ(pw_best_isa(), info.isa);
  pw_conv_destroy(conv);
}

}  // namespace
