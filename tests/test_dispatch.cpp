// The dispatcher as a pure function of fake CPUs, and the check that every variant
// this CPU can run is built in and really runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

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

// The rule behind PW_ISA_AUTO for bf16 math: the bf16 dot product only where it beats
// the FMA kernel on rounded inputs (docs/tuning.md has the measurements).
TEST(Dispatch, Bf16DotBeatsFmaOnlyWhereMeasured) {
#if defined(__aarch64__)
  EXPECT_TRUE(bf16_dot_beats_fma("", 0)) << "BFDOT: two multiply-adds per lane at the FMLA rate";
#else
  EXPECT_TRUE(bf16_dot_beats_fma("AuthenticAMD", 0x1A)) << "Zen 5: vdpbf16ps zmm at the FMA rate";
  EXPECT_TRUE(bf16_dot_beats_fma("AuthenticAMD", 0x1B)) << "later AMD families keep the rule";
  EXPECT_FALSE(bf16_dot_beats_fma("AuthenticAMD", 0x19)) << "Zen 4 is not measured";
  EXPECT_FALSE(bf16_dot_beats_fma("AuthenticAMD", 0x17));
  EXPECT_FALSE(bf16_dot_beats_fma("GenuineIntel", 6)) << "Sapphire/Emerald Rapids: half the FMA rate";
  EXPECT_FALSE(bf16_dot_beats_fma("GenuineIntel", 0x1A)) << "the family number alone is not the rule";
  EXPECT_FALSE(bf16_dot_beats_fma("", 0));
#endif
}

cpu_feature_set avx512_bf16_cpu(bool bf16_dot_beats_fma) {
  cpu_feature_set f = avx512_server();
  f.x86_avx512bw = f.x86_avx512vl = f.x86_avx512_bf16 = true;
  f.bf16_dot_beats_fma = bf16_dot_beats_fma;
  return f;
}

TEST(Dispatch, Bf16MathOnAnIntelLikeAvx512Bf16CpuTakesTheFmaKernel) {
  const cpu_feature_set intel = avx512_bf16_cpu(false);
  EXPECT_EQ(best_isa_for(intel, PW_MATH_BF16), expected_best({PW_ISA_AVX512, PW_ISA_AVX2, PW_ISA_SSE}));
  EXPECT_EQ(best_isa_for(intel, PW_MATH_F32), expected_best({PW_ISA_AVX512, PW_ISA_AVX2, PW_ISA_SSE}));
  // Forced, it runs there: the rule only steers PW_ISA_AUTO.
  if (built(PW_ISA_AVX512_BF16)) {
    const isa_choice forced = choose_variant(PW_ISA_AVX512_BF16, nullptr, intel, PW_MATH_BF16);
    ASSERT_EQ(forced.status, PW_OK) << forced.reason;
    EXPECT_EQ(forced.chosen->isa, PW_ISA_AVX512_BF16);
  }
}

TEST(Dispatch, Bf16MathOnAnAmdLikeAvx512Bf16CpuTakesTheBf16Variant) {
  cpu_feature_set amd = avx512_bf16_cpu(true);
  EXPECT_EQ(best_isa_for(amd, PW_MATH_BF16),
            expected_best({PW_ISA_AVX512_BF16, PW_ISA_AVX512, PW_ISA_AVX2, PW_ISA_SSE}));
  EXPECT_EQ(best_isa_for(amd, PW_MATH_F32), expected_best({PW_ISA_AVX512, PW_ISA_AVX2, PW_ISA_SSE}))
      << "fp32 math never goes to a bf16-only variant";
  amd.x86_avx512_bf16 = false;
  EXPECT_EQ(best_isa_for(amd, PW_MATH_BF16), expected_best({PW_ISA_AVX512, PW_ISA_AVX2, PW_ISA_SSE}));
  amd.x86_avx512_bf16 = true;
  amd.x86_avx512bw = false;  // AVX512_BF16 needs BW and VL too
  EXPECT_EQ(best_isa_for(amd, PW_MATH_BF16), expected_best({PW_ISA_AVX512, PW_ISA_AVX2, PW_ISA_SSE}));
  amd.x86_avx512bw = true;
  amd.os_saves_zmm = false;
  EXPECT_EQ(best_isa_for(amd, PW_MATH_BF16), expected_best({PW_ISA_AVX2, PW_ISA_SSE}));
}

TEST(Dispatch, Bf16MathOnAarch64WithAndWithoutBf16) {
  cpu_feature_set arm;
  arm.arm_asimd = true;
  arm.bf16_dot_beats_fma = true;
  EXPECT_EQ(best_isa_for(arm, PW_MATH_BF16), expected_best({PW_ISA_NEON})) << "no FEAT_BF16";
  arm.arm_bf16 = true;
  EXPECT_EQ(best_isa_for(arm, PW_MATH_BF16), expected_best({PW_ISA_NEON_BF16, PW_ISA_NEON}));
  EXPECT_EQ(best_isa_for(arm, PW_MATH_F32), expected_best({PW_ISA_NEON}));
  arm.bf16_dot_beats_fma = false;
  EXPECT_EQ(best_isa_for(arm, PW_MATH_BF16), expected_best({PW_ISA_NEON}));
}

cpu_feature_set aarch64_bf16_cpu() {
  cpu_feature_set f;
  f.arm_asimd = f.arm_bf16 = f.bf16_dot_beats_fma = true;
  return f;
}

TEST(Dispatch, ForcedBf16OnlyVariantWithF32MathIsUnsupportedSayingWhy) {
  const struct {
    pw_isa isa;
    cpu_feature_set cpu;
  } cases[] = {{PW_ISA_AVX512_BF16, avx512_bf16_cpu(true)}, {PW_ISA_NEON_BF16, aarch64_bf16_cpu()}};
  for (const auto& c : cases) {
    if (!built(c.isa)) continue;
    isa_choice choice = choose_variant(c.isa, nullptr, c.cpu, PW_MATH_F32);
    EXPECT_EQ(choice.status, PW_ERROR_UNSUPPORTED);
    EXPECT_NE(std::strstr(choice.reason, pw_isa_name(c.isa)), nullptr) << choice.reason;
    EXPECT_NE(std::strstr(choice.reason, "PW_MATH_BF16"), nullptr) << choice.reason;
    choice = choose_variant(PW_ISA_AUTO, pw_isa_name(c.isa), c.cpu, PW_MATH_F32);
    EXPECT_EQ(choice.status, PW_ERROR_UNSUPPORTED) << "never a silent fallback";
    EXPECT_NE(std::strstr(choice.reason, "POINTWISE_ISA"), nullptr) << choice.reason;
    choice = choose_variant(PW_ISA_AUTO, pw_isa_name(c.isa), c.cpu, PW_MATH_BF16);
    ASSERT_EQ(choice.status, PW_OK) << choice.reason;
    EXPECT_EQ(choice.chosen->isa, c.isa);
  }
}

TEST(Dispatch, IsaNamesRoundTripInAnyCase) {
  for (const variant& v : all_variants()) {
    pw_isa parsed = PW_ISA_AUTO;
    ASSERT_EQ(pw_isa_from_name(pw_isa_name(v.isa), &parsed), PW_OK) << v.name;
    EXPECT_EQ(parsed, v.isa);
    std::string upper = v.name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    ASSERT_EQ(pw_isa_from_name(upper.c_str(), &parsed), PW_OK) << upper;
    EXPECT_EQ(parsed, v.isa);
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

// The public header's enum is the contract; kernels/variants.def is the list the
// library is built from. They must name the same values, and new rows append.
TEST(VariantList, AgreesWithThePublicEnum) {
  const std::pair<pw_isa, const char*> header[] = {
      {PW_ISA_SCALAR, "scalar"}, {PW_ISA_SSE, "sse"}, {PW_ISA_AVX2, "avx2"}, {PW_ISA_AVX512, "avx512"},
      {PW_ISA_NEON, "neon"},     {PW_ISA_AVX512_BF16, "avx512_bf16"}, {PW_ISA_AMX, "amx"},
      {PW_ISA_NEON_BF16, "neon_bf16"}};
  for (const auto& [isa, name] : header) {
    const variant* v = find_variant(isa);
    ASSERT_NE(v, nullptr) << name << " is in pointwise.h but not in kernels/variants.def";
    EXPECT_STREQ(v->name, name);
  }
  EXPECT_STREQ(pw_isa_name(PW_ISA_AUTO), "auto");
  std::vector<int> values;
  for (const variant& v : all_variants()) {
    values.push_back(static_cast<int>(v.isa));
    for (const variant& other : all_variants())
      if (&other != &v) {
        EXPECT_STRNE(other.name, v.name) << "two rows named " << v.name;
      }
  }
  std::sort(values.begin(), values.end());
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(values[i], static_cast<int>(i) + 1) << "pw_isa values must run 1..N without gaps or repeats";
}

// CMake reads the same rows to decide what to compile: both readings must agree.
TEST(VariantList, AgreesWithWhatCMakeBuilt) {
  std::string all, built;
  for (const variant& v : all_variants()) {
    all += (all.empty() ? "" : " ") + std::string(v.name);
    if (v.kernel != nullptr) built += (built.empty() ? "" : " ") + std::string(v.name);
  }
  EXPECT_EQ(all, POINTWISE_CMAKE_ALL_VARIANTS);
  EXPECT_EQ(built, POINTWISE_CMAKE_BUILT_VARIANTS);
}

// ruy's lesson: a SIMD path that silently stops running is the worst regression.
// Every variant this CPU can run must be built in, supported, and produce results.
TEST(VariantCoverage, EveryVariantThisCpuRunsIsBuiltAndExercised) {
  const cpu_feature_set& host = host_cpu_features();
  std::string ran;
  for (const variant& v : all_variants()) {
    EXPECT_EQ(pw_isa_supported(v.isa), v.kernel != nullptr && v.runs_on(host) ? 1 : 0) << v.name;
    if (v.runs_on(host)) {
      EXPECT_NE(v.kernel, nullptr) << "this CPU runs " << v.name << " but the variant is not built";
    }
    if (!pw_isa_supported(v.isa)) continue;
    pw_test::conv_shape s;
    s.in_channels = 19;
    s.out_channels = 37;
    s.height = 5;
    s.width = 3;
    EXPECT_EQ(pw_test::check_conv(v.isa, s, true, true, 3), "") << v.name;
    ran += std::string(" ") + v.name;
  }
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
