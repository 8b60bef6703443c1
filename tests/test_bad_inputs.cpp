// Every bad argument of the C API, one table row each: the call must return its
// specific status, leave a pw_last_error() message that names the argument and its
// value, leave the output buffer untouched, set *conv to NULL when create fails, and
// print nothing.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "conv_harness.h"
#include "conv_reference.h"
#include "pointwise/pointwise.h"
#include "raw_enum_calls.h"

namespace pw_test {
namespace {

constexpr size_t kCi = 4, kCo = 3;            // the valid layer every case starts from
constexpr size_t kHeight = 2, kWidth = 3;     // 6 pixels
constexpr size_t kPixels = kHeight * kWidth;
constexpr size_t kArenaFloats = 256;          // output (and overlap) buffer, all sentinels

std::string pointer_text(const void* p) {
  char text[32];
  std::snprintf(text, sizeof(text), "%p", p);
  return text;
}

// A C caller can store any int in an enum field; so does this test, byte for byte,
// without ever holding an out-of-range value in a C++ enum object.
template <typename Enum>
void store_raw_enum(Enum* field, int value) {
  static_assert(sizeof(Enum) == sizeof(int), "the C enums are int-sized");
  std::memcpy(field, &value, sizeof value);
}

// The state one case starts from: a valid desc, weights, a created conv, an input,
// and an arena of sentinels that serves as the output (and as overlapping buffers).
struct world {
  pw_conv_desc desc{};
  std::vector<float> weights = random_floats(kCi * kCo, 1);
  std::vector<float> input = random_floats(kPixels * kCi, 2);
  std::vector<float> residual = random_floats(kPixels * kCo, 3);
  std::vector<float> arena = std::vector<float>(kArenaFloats, kSentinel);
  pw_conv* conv = nullptr;

  world() {
    pw_conv_desc_init(&desc, kCi, kCo);
    pw_conv_desc valid = desc;
    if (pw_conv_create(&valid, weights.data(), nullptr, &conv) != PW_OK) conv = nullptr;
  }
  ~world() { pw_conv_destroy(conv); }
  float* output() { return arena.data(); }

  // A create that must fail: *conv must come back NULL whatever it held before.
  pw_status create(const pw_conv_desc* d, const float* w = nullptr, bool with_weights = true) {
    pw_conv* out = reinterpret_cast<pw_conv*>(static_cast<uintptr_t>(0x1234));
    const pw_status status = pw_conv_create(d, with_weights ? (w ? w : weights.data()) : nullptr, nullptr, &out);
    EXPECT_EQ(out, nullptr) << "a failed pw_conv_create must set *conv to NULL";
    if (status == PW_OK) pw_conv_destroy(out);
    return status;
  }
  pw_status create_with(const std::function<void(pw_conv_desc&)>& edit) {
    pw_conv_desc d = desc;
    edit(d);
    return create(&d);
  }
  // A run of the valid conv with every argument valid unless overridden.
  struct run_args {
    const pw_conv* conv;
    size_t batch = 1, height = kHeight, width = kWidth;
    const float* input;
    size_t input_stride = 0;
    float* output;
    size_t output_stride = 0;
    const float* residual = nullptr;
    size_t residual_stride = 0;
  };
  run_args args() {
    run_args a;
    a.conv = conv;
    a.input = input.data();
    a.output = output();
    return a;
  }
  static pw_status run(const run_args& a) {
    return pw_conv_run(a.conv, a.batch, a.height, a.width, a.input, a.input_stride, a.output, a.output_stride,
                       a.residual, a.residual_stride, nullptr);
  }
};

struct bad_case {
  const char* name;
  pw_status expected;
  // Substrings the message must contain: the argument's name and its value. A
  // function because some values (pointers) exist only once the world does.
  std::function<std::vector<std::string>(world&)> message_parts;
  std::function<pw_status(world&)> call;
};

std::function<std::vector<std::string>(world&)> parts(std::vector<std::string> fixed) {
  return [fixed](world&) { return fixed; };
}

constexpr size_t kBig = size_t{1} << 40;   // products of two of these overflow 64 bits
constexpr size_t kHuge = size_t{1} << 50;  // 2^20 pixels this far apart overflow the address space

std::vector<bad_case> bad_cases() {
  using W = world;
  const std::string big = std::to_string(kBig);
  return {
      // pw_conv_create: pointers.
      {"CreateNullDesc", PW_ERROR_INVALID_ARGUMENT, parts({"desc", "NULL"}), [](W& w) { return w.create(nullptr); }},
      {"CreateNullWeights", PW_ERROR_INVALID_ARGUMENT, parts({"weights", "NULL"}),
       [](W& w) { return w.create(&w.desc, nullptr, false); }},
      {"CreateNullConvOutParam", PW_ERROR_INVALID_ARGUMENT, parts({"conv", "NULL"}),
       [](W& w) { return pw_conv_create(&w.desc, w.weights.data(), nullptr, nullptr); }},
      // pw_conv_create: zero sizes and strides.
      {"ZeroGroups", PW_ERROR_INVALID_ARGUMENT, parts({"desc->groups", "0"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { d.groups = 0; }); }},
      {"ZeroInChannels", PW_ERROR_INVALID_ARGUMENT, parts({"desc->in_channels", "0"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { d.in_channels = 0; }); }},
      {"ZeroOutChannels", PW_ERROR_INVALID_ARGUMENT, parts({"desc->out_channels", "0"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { d.out_channels = 0; }); }},
      {"ZeroStrideH", PW_ERROR_INVALID_ARGUMENT, parts({"desc->stride_h", "0"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { d.stride_h = 0; }); }},
      {"ZeroStrideW", PW_ERROR_INVALID_ARGUMENT, parts({"desc->stride_w", "0"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { d.stride_w = 0; }); }},
      // pw_conv_create: the clamp.
      {"MinGreaterThanMax", PW_ERROR_INVALID_ARGUMENT, parts({"desc->output_min (6)", "desc->output_max (-1)"}),
       [](W& w) {
         return w.create_with([](pw_conv_desc& d) {
           d.output_min = 6;
           d.output_max = -1;
         });
       }},
      {"NanMin", PW_ERROR_INVALID_ARGUMENT, parts({"desc->output_min", "NaN"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { d.output_min = NAN; }); }},
      {"NanMax", PW_ERROR_INVALID_ARGUMENT, parts({"desc->output_max", "NaN"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { d.output_max = -NAN; }); }},
      // pw_conv_create: sizes whose products overflow size_t.
      {"GroupsTimesInChannelsOverflows", PW_ERROR_INVALID_ARGUMENT,
       parts({"desc->groups (" + big + ")", "desc->in_channels (" + big + ")", "overflow"}),
       [](W& w) {
         return w.create_with([](pw_conv_desc& d) {
           d.groups = kBig;
           d.in_channels = kBig;
         });
       }},
      {"GroupsTimesOutChannelsOverflows", PW_ERROR_INVALID_ARGUMENT,
       parts({"desc->groups (" + big + ")", "desc->out_channels (" + big + ")", "overflow"}),
       [](W& w) {
         return w.create_with([](pw_conv_desc& d) {
           d.groups = kBig;
           d.out_channels = kBig;
         });
       }},
      {"WeightCountOverflows", PW_ERROR_INVALID_ARGUMENT,
       parts({"weights", "desc->in_channels 4294967296", "desc->out_channels 4294967296", "overflow"}),
       [](W& w) {
         return w.create_with([](pw_conv_desc& d) {
           d.in_channels = size_t{1} << 32;
           d.out_channels = size_t{1} << 32;
         });
       }},
      {"WeightBytesOverflow", PW_ERROR_INVALID_ARGUMENT,
       parts({"weights", "desc->in_channels 2147483648", "desc->out_channels 2147483648", "overflow"}),
       [](W& w) {
         return w.create_with([](pw_conv_desc& d) {
           d.in_channels = size_t{1} << 31;  // 2^62 floats fit, 2^64 bytes do not
           d.out_channels = size_t{1} << 31;
         });
       }},
      {"PackedWeightBytesOverflow", PW_ERROR_INVALID_ARGUMENT,
       parts({"packed weights", "in_channels 1", "out_channels 2305843009213693952", "overflow"}),
       [](W& w) {
         return w.create_with([](pw_conv_desc& d) {
           d.in_channels = 1;  // 2^61 floats of weights fit; 2 * 2^61 packed floats do not
           d.out_channels = size_t{1} << 61;
         });
       }},
      // pw_conv_create: enums.
      {"WeightLayoutOutOfRange", PW_ERROR_INVALID_ARGUMENT, parts({"desc->weight_layout", "7"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { store_raw_enum(&d.weight_layout, 7); }); }},
      {"WeightLayoutNegative", PW_ERROR_INVALID_ARGUMENT, parts({"desc->weight_layout", "-1"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { store_raw_enum(&d.weight_layout, -1); }); }},
      {"IsaOutOfRange", PW_ERROR_INVALID_ARGUMENT, parts({"desc->isa", "99"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { store_raw_enum(&d.isa, 99); }); }},
      {"IsaNegative", PW_ERROR_INVALID_ARGUMENT, parts({"desc->isa", "-3"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { store_raw_enum(&d.isa, -3); }); }},
      // The bf16 fields: any int a C caller stores.
      {"InputTypeOutOfRange", PW_ERROR_INVALID_ARGUMENT, parts({"desc->input_type", "2"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { store_raw_enum(&d.input_type, 2); }); }},
      {"InputTypeNegative", PW_ERROR_INVALID_ARGUMENT, parts({"desc->input_type", "-1"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { store_raw_enum(&d.input_type, -1); }); }},
      {"OutputTypeOutOfRange", PW_ERROR_INVALID_ARGUMENT, parts({"desc->output_type", "16"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { store_raw_enum(&d.output_type, 16); }); }},
      {"OutputTypeNegative", PW_ERROR_INVALID_ARGUMENT, parts({"desc->output_type", "-2147483648"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { store_raw_enum(&d.output_type, INT32_MIN); }); }},
      {"MathOutOfRange", PW_ERROR_INVALID_ARGUMENT, parts({"desc->math", "2"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { store_raw_enum(&d.math, 2); }); }},
      {"MathNegative", PW_ERROR_INVALID_ARGUMENT, parts({"desc->math", "-7"}),
       [](W& w) { return w.create_with([](pw_conv_desc& d) { store_raw_enum(&d.math, -7); }); }},
      {"MathOutOfRangeWithBf16Types", PW_ERROR_INVALID_ARGUMENT, parts({"desc->math", "3"}),
       [](W& w) {
         return w.create_with([](pw_conv_desc& d) {
           d.input_type = d.output_type = PW_DATATYPE_BF16;
           store_raw_enum(&d.math, 3);
         });
       }},
      // pw_conv_run: pointers and zero sizes.
      {"RunNullConv", PW_ERROR_INVALID_ARGUMENT, parts({"conv", "NULL"}),
       [](W& w) {
         auto a = w.args();
         a.conv = nullptr;
         return W::run(a);
       }},
      {"RunNullInput", PW_ERROR_INVALID_ARGUMENT, parts({"input", "NULL"}),
       [](W& w) {
         auto a = w.args();
         a.input = nullptr;
         return W::run(a);
       }},
      {"RunNullOutput", PW_ERROR_INVALID_ARGUMENT, parts({"output", "NULL"}),
       [](W& w) {
         auto a = w.args();
         a.output = nullptr;
         return W::run(a);
       }},
      // pw_conv_run: an empty run still needs a conv and pixel strides that fit its channels.
      {"EmptyRunNullConv", PW_ERROR_INVALID_ARGUMENT, parts({"conv", "NULL"}),
       [](W& w) {
         auto a = w.args();
         a.conv = nullptr;
         a.batch = 0;
         return W::run(a);
       }},
      {"EmptyRunInputPixelStrideBelowChannels", PW_ERROR_INVALID_ARGUMENT, parts({"input_pixel_stride", "3", "(4)"}),
       [](W& w) {
         auto a = w.args();
         a.height = 0;
         a.input_stride = kCi - 1;
         return W::run(a);
       }},
      {"EmptyRunOutputPixelStrideBelowChannels", PW_ERROR_INVALID_ARGUMENT,
       parts({"output_pixel_stride", "2", "(3)"}),
       [](W& w) {
         auto a = w.args();
         a.width = 0;
         a.output_stride = kCo - 1;
         return W::run(a);
       }},
      // pw_conv_run: pixel strides smaller than the channels.
      {"InputPixelStrideBelowChannels", PW_ERROR_INVALID_ARGUMENT, parts({"input_pixel_stride", "3", "(4)"}),
       [](W& w) {
         auto a = w.args();
         a.input_stride = kCi - 1;
         return W::run(a);
       }},
      {"OutputPixelStrideBelowChannels", PW_ERROR_INVALID_ARGUMENT, parts({"output_pixel_stride", "2", "(3)"}),
       [](W& w) {
         auto a = w.args();
         a.output_stride = kCo - 1;
         return W::run(a);
       }},
      {"ResidualPixelStrideBelowChannels", PW_ERROR_INVALID_ARGUMENT, parts({"residual_pixel_stride", "1", "(3)"}),
       [](W& w) {
         auto a = w.args();
         a.residual = w.residual.data();
         a.residual_stride = 1;
         return W::run(a);
       }},
      // pw_conv_run: sizes whose products overflow.
      {"BatchHeightWidthOverflows", PW_ERROR_INVALID_ARGUMENT,
       parts({"batch (" + big + ")", "height (" + big + ")", "width (3)", "overflow"}),
       [](W& w) {
         auto a = w.args();
         a.batch = kBig;
         a.height = kBig;
         return W::run(a);
       }},
      {"InputPixelsTimesStrideOverflows", PW_ERROR_INVALID_ARGUMENT,
       parts({"input", std::to_string(kBig * kHeight * kWidth) + " pixels", "input_pixel_stride " + big, "overflow"}),
       [](W& w) {
         auto a = w.args();
         a.batch = kBig;
         a.input_stride = kBig;
         return W::run(a);
       }},
      {"OutputPixelsTimesStrideOverflows", PW_ERROR_INVALID_ARGUMENT,
       parts({"output", std::to_string(size_t{1} << 20) + " pixels", "output_pixel_stride " + std::to_string(kHuge), "overflow"}),
       [](W& w) {
         auto a = w.args();
         a.batch = size_t{1} << 20;  // the input span (2^20 * 6 * 4 floats) fits
         a.height = 1;
         a.width = 1;
         a.output_stride = kHuge;
         return W::run(a);
       }},
      {"ResidualPixelsTimesStrideOverflows", PW_ERROR_INVALID_ARGUMENT,
       parts({"residual", std::to_string(size_t{1} << 20) + " pixels", "residual_pixel_stride " + std::to_string(kHuge), "overflow"}),
       [](W& w) {
         auto a = w.args();
         a.batch = size_t{1} << 20;
         a.height = 1;
         a.width = 1;
         a.residual = w.residual.data();
         a.residual_stride = kHuge;
         return W::run(a);
       }},
      // pw_conv_run: aliasing.
      {"OutputOverlapsInput", PW_ERROR_INVALID_ARGUMENT,
       [](W& w) {
         return std::vector<std::string>{"output (" + pointer_text(w.output() + 5) + ")",
                                         "input (" + pointer_text(w.output()) + ")", "overlaps",
                                         "output pixel 0 channel 0 is input pixel 1 channel 1"};
       },
       [](W& w) {
         auto a = w.args();
         a.input = w.output();  // the input's last pixel shares floats with the output's first
         a.output = w.output() + 5;
         return W::run(a);
       }},
      {"InputEndsOnOutputsFirstFloat", PW_ERROR_INVALID_ARGUMENT,
       [](W& w) {
         return std::vector<std::string>{"output (" + pointer_text(w.output() + 32) + ")",
                                         "input (" + pointer_text(w.output() + 32 - (kPixels * kCi - 1)) + ")",
                                         "overlaps", "output pixel 0 channel 0 is input pixel 5 channel 3"};
       },
       [](W& w) {
         auto a = w.args();
         a.output = w.output() + 32;
         a.input = a.output - (kPixels * kCi - 1);  // one float shared: the input's last, the output's first
         return W::run(a);
       }},
      {"ResidualOverlapsOutputNotSamePointer", PW_ERROR_INVALID_ARGUMENT,
       [](W& w) {
         return std::vector<std::string>{"residual (" + pointer_text(w.output() + 1) + ")",
                                         "output (" + pointer_text(w.output()) + ")", "overlaps",
                                         "output pixel 0 channel 1 is residual pixel 0 channel 0"};
       },
       [](W& w) {
         auto a = w.args();
         a.residual = w.output() + 1;
         return W::run(a);
       }},
      {"InPlaceResidualWithDifferentStride", PW_ERROR_INVALID_ARGUMENT,
       parts({"residual_pixel_stride (5)", "output_pixel_stride (3)"}),
       [](W& w) {
         auto a = w.args();
         a.residual = w.output();
         a.residual_stride = 5;
         return W::run(a);
       }},
      // pw_conv_get_info.
      {"InfoNullConv", PW_ERROR_INVALID_ARGUMENT, parts({"conv", "NULL"}),
       [](W&) {
         pw_conv_info info;
         return pw_conv_get_info(nullptr, &info);
       }},
      {"InfoNullInfo", PW_ERROR_INVALID_ARGUMENT, parts({"info", "NULL"}),
       [](W& w) { return pw_conv_get_info(w.conv, nullptr); }},
      // pw_isa_from_name.
      {"IsaFromUnknownName", PW_ERROR_INVALID_ARGUMENT, parts({"name", "\"avx1024\""}),
       [](W&) {
         pw_isa isa = PW_ISA_SCALAR;
         const pw_status status = pw_isa_from_name("avx1024", &isa);
         EXPECT_EQ(isa, PW_ISA_SCALAR) << "a failed lookup must leave *isa alone";
         return status;
       }},
      {"IsaFromNameWithTrailingSpace", PW_ERROR_INVALID_ARGUMENT, parts({"name", "\"AVX2 \""}),
       [](W&) {
         pw_isa isa;
         return pw_isa_from_name("AVX2 ", &isa);
       }},
      {"IsaFromEmptyName", PW_ERROR_INVALID_ARGUMENT, parts({"name", "\"\""}),
       [](W&) {
         pw_isa isa;
         return pw_isa_from_name("", &isa);
       }},
      {"IsaFromNullName", PW_ERROR_INVALID_ARGUMENT, parts({"name", "NULL"}),
       [](W&) {
         pw_isa isa;
         return pw_isa_from_name(nullptr, &isa);
       }},
      {"IsaFromNameNullResult", PW_ERROR_INVALID_ARGUMENT, parts({"isa", "NULL"}),
       [](W&) { return pw_isa_from_name("scalar", nullptr); }},
  };
}

class BadInput : public ::testing::TestWithParam<bad_case> {};

TEST_P(BadInput, RejectedWithItsStatusAndANamedMessageAndNoOutput) {
  const bad_case& c = GetParam();
  world w;
  ASSERT_NE(w.conv, nullptr) << "the valid conv every case starts from: " << pw_last_error();
  // A different message first, so a stale one cannot pass for this case's.
  pw_isa unused;
  ASSERT_NE(pw_isa_from_name("stale-marker", &unused), PW_OK);

  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const pw_status status = c.call(w);
  const std::string out = ::testing::internal::GetCapturedStdout();
  const std::string err = ::testing::internal::GetCapturedStderr();
  const std::string message = pw_last_error();

  EXPECT_EQ(status, c.expected) << pw_status_string(status) << ": " << message;
  EXPECT_EQ(message.find("stale-marker"), std::string::npos) << "no message was set";
  for (const std::string& part : c.message_parts(w))
    EXPECT_NE(message.find(part), std::string::npos) << "message \"" << message << "\" lacks \"" << part << "\"";
  for (size_t i = 0; i < w.arena.size(); ++i)
    ASSERT_TRUE(is_sentinel(w.arena[i])) << "a rejected call wrote to the output at float " << i;
  EXPECT_EQ(out, "") << "the library printed to stdout";
  EXPECT_EQ(err, "") << "the library printed to stderr";
}

INSTANTIATE_TEST_SUITE_P(Table, BadInput, ::testing::ValuesIn(bad_cases()),
                         [](const ::testing::TestParamInfo<bad_case>& info) { return std::string(info.param.name); });

// The world's valid calls do succeed: each case fails for its own reason only.
TEST(BadInputBaseline, TheValidCallsEveryCaseEditsSucceed) {
  world w;
  ASSERT_NE(w.conv, nullptr) << pw_last_error();
  EXPECT_EQ(world::run(w.args()), PW_OK) << pw_last_error();
  auto in_place = w.args();
  in_place.residual = w.output();
  EXPECT_EQ(world::run(in_place), PW_OK) << pw_last_error();
  auto separate = w.args();
  separate.residual = w.residual.data();
  EXPECT_EQ(world::run(separate), PW_OK) << pw_last_error();
  pw_conv_info info;
  EXPECT_EQ(pw_conv_get_info(w.conv, &info), PW_OK);
  pw_isa isa;
  EXPECT_EQ(pw_isa_from_name("scalar", &isa), PW_OK);
}

// Every ISA this CPU or this build cannot run: create fails as unsupported, naming it.
TEST(BadInputIsa, UnsupportedIsaIsRejectedAsUnsupported) {
  world w;
  int unsupported = 0;
  for (pw_isa isa : pw_test::all_variant_isas()) {
    if (pw_isa_supported(isa)) continue;
    ++unsupported;
    pw_conv_desc d = w.desc;
    d.isa = isa;
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(w.create(&d), PW_ERROR_UNSUPPORTED) << pw_isa_name(isa);
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    const std::string message = pw_last_error();
    EXPECT_NE(message.find("desc->isa"), std::string::npos) << message;
    EXPECT_NE(message.find(pw_isa_name(isa)), std::string::npos) << message;
  }
  if (unsupported == 0) GTEST_SKIP() << "every variant runs here: no unsupported pw_isa to ask for";
}

// A variant that does bf16 math only, forced with PW_MATH_F32 (the default): refused
// as unsupported, saying which variant and why, never run on another variant.
TEST(BadInputIsa, Bf16OnlyVariantWithF32MathIsUnsupportedSayingWhy) {
  world w;
  int bf16_only = 0;
  for (pw_isa isa : pw_test::all_variant_isas()) {
    if (!pw_isa_supported(isa) || !variant_does_bf16_math_only(isa)) continue;
    ++bf16_only;
    for (pw_datatype type : {PW_DATATYPE_F32, PW_DATATYPE_BF16}) {
      pw_conv_desc d = w.desc;
      d.isa = isa;
      d.input_type = d.output_type = type;
      EXPECT_EQ(w.create(&d), PW_ERROR_UNSUPPORTED) << pw_isa_name(isa);
      const std::string message = pw_last_error();
      for (const char* part : {"desc->isa", pw_isa_name(isa), "PW_MATH_BF16", "PW_MATH_F32"})
        EXPECT_NE(message.find(part), std::string::npos) << message << " lacks " << part;
      d.math = PW_MATH_BF16;
      pw_conv* conv = nullptr;
      EXPECT_EQ(pw_conv_create(&d, w.weights.data(), nullptr, &conv), PW_OK) << pw_last_error();
      pw_conv_destroy(conv);
    }
  }
  if (bf16_only == 0) GTEST_SKIP() << "no bf16-only variant runs here";
}

TEST(BadInputThreadpool, CustomPoolWithNullParallelForIsNull) {
  EXPECT_EQ(pw_threadpool_create_custom(nullptr, nullptr, 4), nullptr);
  int context = 0;
  EXPECT_EQ(pw_threadpool_create_custom(nullptr, &context, 0), nullptr);
}

TEST(BadInputNoOps, DestroyingNullIsANoOp) {
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  pw_conv_destroy(nullptr);
  pw_threadpool_destroy(nullptr);
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
  EXPECT_EQ(pw_threadpool_threads(nullptr), 1u);
  pw_conv_desc_init(nullptr, 1, 1);  // documented as ignored
}

TEST(BadInputNames, OutOfRangeValuesHaveNames) {
  EXPECT_STREQ(raw_isa_name(77), "unknown");
  EXPECT_STREQ(raw_isa_name(-1), "unknown");
  EXPECT_EQ(raw_isa_supported(77), 0);
  EXPECT_EQ(raw_isa_supported(-1), 0);
  EXPECT_STREQ(raw_status_string(42), "unknown status");
}

// pw_last_error is per thread: a failure on one thread neither shows on nor clobbers
// another thread's message.
TEST(BadInputThreads, LastErrorIsPerThread) {
  pw_isa unused;
  ASSERT_NE(pw_isa_from_name("main-thread-name", &unused), PW_OK);
  std::vector<std::string> seen(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < seen.size(); ++t)
    threads.emplace_back([&seen, t] {
      seen[t] = pw_last_error();  // nothing failed on this thread yet
      const std::string name = "thread-" + std::to_string(t);
      pw_isa isa;
      for (int repeat = 0; repeat < 100; ++repeat) {
        if (pw_isa_from_name(name.c_str(), &isa) == PW_OK || std::string(pw_last_error()).find(name) == std::string::npos) {
          seen[t] += " | lost its own message";
          return;
        }
      }
      seen[t] += " | " + std::string(pw_last_error());
    });
  for (std::thread& t : threads) t.join();
  for (size_t t = 0; t < seen.size(); ++t) {
    EXPECT_EQ(seen[t].rfind(" | ", 0), 0u) << "thread " << t << " started with a message: " << seen[t];
    EXPECT_NE(seen[t].find("thread-" + std::to_string(t)), std::string::npos) << seen[t];
  }
  EXPECT_NE(std::string(pw_last_error()).find("main-thread-name"), std::string::npos) << pw_last_error();
}

}  // namespace
}  // namespace pw_test
