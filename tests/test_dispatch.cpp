// The dispatcher as a pure function of fake CPUs, and the check that every variant
// this CPU can run is built in and really runs.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <utility>

#include "conv_harness.h"
#include "cpu_info.h"
#include "dispatch.h"

namespace pw {
namespace {

bool built(pw_isa isa) { return find_built_variant(isa) != nullptr; }

cpu_feature_set sse2_only() {
  cpu_feature_set f;
  f.x86_sse2 = true;
  return f;
}

cpu_feature_set avx512_server() {
  cpu_feature_set f = sse2_only();
  f.x86_avx2 = f.x86_fma3 = f.x86_avx512f = true;
  f.os_saves_ymm = f.os_saves_zmm = true;
  return f;
}

pw_isa expected_best(std::initializer_list<pw_isa> preference) {
  for (pw_isa isa : preference)
    if (built(isa)) return isa;
  return PW_ISA_SCALAR;
}

TEST(Dispatch, Sse2OnlyCpuGetsSse) {
  EXPECT_EQ(best_isa_for(sse2_only()), expected_best({PW_ISA_SSE}));
}

TEST(Dispatch, Avx2WithoutFmaDoesNotGetAvx2) {
  cpu_feature_set f = sse2_only();
  f.x86_avx2 = true;
  f.os_saves_ymm = true;
  EXPECT_EQ(best_isa_for(f), expected_best({PW_ISA_SSE}));
  f.x86_fma3 = true;
  EXPECT_EQ(best_isa_for(f), expected_best({PW_ISA_AVX2, PW_ISA_SSE}));
}

TEST(Dispatch, Avx512WithoutOsZmmStateFallsBackToAvx2) {
  cpu_feature_set f = avx512_server();
  f.os_saves_zmm = false;
  EXPECT_EQ(best_isa_for(f), expected_best({PW_ISA_AVX2, PW_ISA_SSE}));
  f.os_saves_ymm = false;  // no AVX state at all: not even AVX2
  EXPECT_EQ(best_isa_for(f), expected_best({PW_ISA_SSE}));
}

TEST(Dispatch, Avx512ServerGetsAvx512) {
  EXPECT_EQ(best_isa_for(avx512_server()), expected_best({PW_ISA_AVX512, PW_ISA_AVX2, PW_ISA_SSE}));
}

TEST(Dispatch, Aarch64CpuGetsNeonOrScalar) {
  cpu_feature_set f;
  f.arm_asimd = true;
  EXPECT_EQ(best_isa_for(f), expected_best({PW_ISA_NEON}));
  EXPECT_EQ(best_isa_for(cpu_feature_set{}), PW_ISA_SCALAR) << "a CPU with nothing still runs scalar";
}

TEST(Dispatch, ForcedVariantTheCpuCannotRunIsUnsupported) {
  const isa_choice choice = choose_variant(PW_ISA_AVX512, nullptr, sse2_only());
  EXPECT_EQ(choice.status, PW_ERROR_UNSUPPORTED);
  EXPECT_NE(std::strstr(choice.reason, "avx512"), nullptr) << choice.reason;
  EXPECT_EQ(choose_variant(PW_ISA_NEON, nullptr, avx512_server()).status, PW_ERROR_UNSUPPORTED);
}

TEST(Dispatch, EnvironmentOverrideNamesTheVariantForAutoOnly) {
  isa_choice choice = choose_variant(PW_ISA_AUTO, "scalar", avx512_server());
  ASSERT_EQ(choice.status, PW_OK);
  EXPECT_EQ(choice.chosen->isa, PW_ISA_SCALAR);
  choice = choose_variant(PW_ISA_AUTO, "avx512", sse2_only());
  EXPECT_EQ(choice.status, PW_ERROR_UNSUPPORTED) << "never a silent fallback";
  EXPECT_NE(std::strstr(choice.reason, "POINTWISE_ISA"), nullptr) << choice.reason;
  choice = choose_variant(PW_ISA_AUTO, "avx9000", avx512_server());
  EXPECT_EQ(choice.status, PW_ERROR_UNSUPPORTED);
  EXPECT_NE(std::strstr(choice.reason, "avx9000"), nullptr) << choice.reason;
  choice = choose_variant(PW_ISA_SCALAR, "avx9000", avx512_server());
  EXPECT_EQ(choice.status, PW_OK) << "an explicit desc->isa is not overridden";
  choice = choose_variant(PW_ISA_AUTO, "auto", sse2_only());
  ASSERT_EQ(choice.status, PW_OK);
  EXPECT_EQ(choice.chosen->isa, expected_best({PW_ISA_SSE}));
}

TEST(Dispatch, IsaNamesRoundTrip) {
  for (int value = PW_ISA_AUTO; value <= PW_ISA_NEON; ++value) {
    pw_isa parsed = PW_ISA_AUTO;
    ASSERT_EQ(pw_isa_from_name(pw_isa_name(static_cast<pw_isa>(value)), &parsed), PW_OK);
    EXPECT_EQ(parsed, value);
  }
  // Any case, as users type them (POINTWISE_ISA=AVX2, isa="Avx512").
  const std::pair<const char*, pw_isa> spellings[] = {
      {"AVX2", PW_ISA_AVX2}, {"Avx512", PW_ISA_AVX512}, {"SCALAR", PW_ISA_SCALAR}, {"sSe", PW_ISA_SSE},
      {"NEON", PW_ISA_NEON}, {"Auto", PW_ISA_AUTO}};
  for (const auto& spelling : spellings) {
    pw_isa parsed = PW_ISA_SCALAR;
    EXPECT_EQ(pw_isa_from_name(spelling.first, &parsed), PW_OK) << spelling.first;
    EXPECT_EQ(parsed, spelling.second) << spelling.first;
  }
  pw_isa parsed;
  EXPECT_EQ(pw_isa_from_name("AVX", &parsed), PW_ERROR_INVALID_ARGUMENT) << "a prefix is not a name";
  EXPECT_EQ(pw_isa_from_name("avx22", &parsed), PW_ERROR_INVALID_ARGUMENT) << "nor is a longer word";
  EXPECT_NE(std::strstr(pw_last_error(), "avx22"), nullptr);
  EXPECT_STREQ(pw_isa_name(static_cast<pw_isa>(42)), "unknown");
}

// ruy's lesson: a SIMD path that silently stops running is the worst regression.
// Every variant this CPU can run must be built in, supported, and produce results.
TEST(VariantCoverage, EveryVariantThisCpuRunsIsBuiltAndExercised) {
  const cpu_feature_set& host = host_cpu_features();
  size_t count = 0;
  const variant* variants = built_variants(&count);
  std::string ran;
  for (size_t i = 0; i < count; ++i) {
    const pw_isa isa = variants[i].isa;
    EXPECT_EQ(pw_isa_supported(isa), variants[i].runs_on(host) ? 1 : 0) << pw_isa_name(isa);
    if (!pw_isa_supported(isa)) continue;
    pw_test::conv_shape s;
    s.in_channels = 19;
    s.out_channels = 37;
    s.height = 5;
    s.width = 3;
    EXPECT_EQ(pw_test::check_conv(isa, s, true, true, 3), "") << pw_isa_name(isa);
    ran += std::string(" ") + pw_isa_name(isa);
  }
#if defined(__x86_64__)
  if (host.x86_sse2) {
    EXPECT_TRUE(pw_isa_supported(PW_ISA_SSE)) << "this CPU runs SSE2 but the sse variant is missing";
  }
  if (host.x86_avx2 && host.x86_fma3 && host.os_saves_ymm) {
    EXPECT_TRUE(pw_isa_supported(PW_ISA_AVX2)) << "this CPU runs AVX2+FMA but the avx2 variant is missing";
  }
  if (host.x86_avx512f && host.os_saves_zmm) {
    EXPECT_TRUE(pw_isa_supported(PW_ISA_AVX512)) << "this CPU runs AVX-512F but the avx512 variant is missing";
  }
#endif
#if defined(__aarch64__)
  if (host.arm_asimd) {
    EXPECT_TRUE(pw_isa_supported(PW_ISA_NEON)) << "this CPU runs NEON but the neon variant is missing";
  }
#endif
  std::printf("[ variants ] exercised on this CPU:%s; PW_ISA_AUTO picks %s\n", ran.c_str(), pw_isa_name(pw_best_isa()));
}

TEST(VariantCoverage, AutoPicksTheBestVariantOfThisCpu) {
  if (process_isa_override() != nullptr) GTEST_SKIP() << "POINTWISE_ISA is set for this process";
  EXPECT_EQ(pw_best_isa(), best_isa_for(host_cpu_features()));
  const float weights[2] = {1, 2};
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, 2, 1);
  pw_conv* conv = nullptr;
  ASSERT_EQ(pw_conv_create(&desc, weights, nullptr, &conv), PW_OK);
  pw_conv_info info;
  ASSERT_EQ(pw_conv_get_info(conv, &info), PW_OK);
  EXPECT_EQ(info.isa, pw_best_isa());
  pw_conv_destroy(conv);
}

}  // namespace
}  // namespace pw
