// The API suite, run through every variant: each test is instantiated once per ISA
// and skips (saying so) where the variant is not built in or not runnable.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "conv.h"
#include "conv_harness.h"

namespace pw_test {
namespace {

class ConvApi : public ::testing::TestWithParam<pw_isa> {
 protected:
  void SetUp() override { PW_SKIP_UNLESS_SUPPORTED(GetParam()); }
  pw_isa isa() const { return GetParam(); }
};

pw_conv* create_conv(pw_isa isa, const pw_conv_desc& base, const float* weights, const float* bias) {
  pw_conv_desc desc = base;
  desc.isa = isa;
  // A bf16-only variant does bf16 math only; the values here stay exact in bf16 where
  // a test expects exact results.
  if (variant_does_bf16_math_only(isa)) desc.math = PW_MATH_BF16;
  pw_conv* conv = nullptr;
  EXPECT_EQ(pw_conv_create(&desc, weights, bias, &conv), PW_OK) << pw_last_error();
  return conv;
}

TEST_P(ConvApi, WorkedExampleFromDesign) {
  const float input[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};
  const float weights[2] = {1, 2};
  const float expected[9] = {5, 11, 17, 23, 29, 35, 41, 47, 53};
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, 2, 1);
  pw_conv* conv = create_conv(isa(), desc, weights, nullptr);
  ASSERT_NE(conv, nullptr);
  pw_conv_info info;
  ASSERT_EQ(pw_conv_get_info(conv, &info), PW_OK);
  EXPECT_EQ(info.isa, isa()) << "the conv runs a different variant than the one asked for";
  float output[9];
  ASSERT_EQ(pw_conv_run(conv, 1, 3, 3, input, 0, output, 0, nullptr, 0, nullptr), PW_OK) << pw_last_error();
  for (int i = 0; i < 9; ++i) EXPECT_EQ(output[i], expected[i]) << "pixel " << i;
  pw_conv_destroy(conv);
}

TEST_P(ConvApi, PyTorchLayoutFiltersOn12x12x64) {
  for (size_t filters : {1, 5, 32, 67}) {
    conv_shape s;
    s.in_channels = 64;
    s.out_channels = filters;
    s.height = s.width = 12;
    s.layout = PW_WEIGHTS_OI;
    EXPECT_EQ(check_conv(isa(), s, true, false, 11), "");
  }
}

TEST_P(ConvApi, FullyConnectedEqualsPerPixelRunOfImage) {
  const size_t ci = 37, co = 29, h = 9, w = 7;
  const std::vector<float> image = random_floats(h * w * ci, 5);
  const std::vector<float> weights = random_floats(ci * co, 6);
  const std::vector<float> bias = random_floats(co, 7);
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, ci, co);
  pw_conv* conv = create_conv(isa(), desc, weights.data(), bias.data());
  ASSERT_NE(conv, nullptr);
  std::vector<float> map(h * w * co);
  ASSERT_EQ(pw_conv_run(conv, 1, h, w, image.data(), 0, map.data(), 0, nullptr, 0, nullptr), PW_OK);
  for (size_t p = 0; p < h * w; ++p) {
    std::vector<float> fc(co);
    ASSERT_EQ(pw_conv_run(conv, 1, 1, 1, image.data() + p * ci, 0, fc.data(), 0, nullptr, 0, nullptr), PW_OK);
    ASSERT_EQ(std::memcmp(fc.data(), map.data() + p * co, co * sizeof(float)), 0) << "pixel " << p;
  }
  pw_conv_destroy(conv);
  conv_shape s;
  s.in_channels = 2048;
  s.out_channels = 1000;
  EXPECT_EQ(check_conv(isa(), s, true, false, 8), "") << "FC 2048->1000";
}

// A run of 1..5 pixels (the few-rows kernel walks several panels at once) gives the
// same bits as those pixels in a run of many (the full kernel's register groups), over
// several panel groups and a partial panel, input channels in one block and in several,
// with a residual and a clamp; and each such small run matches the reference.
TEST_P(ConvApi, FewPixelsEqualTheSamePixelsOfALargeRun) {
  pw_conv_desc probe;
  pw_conv_desc_init(&probe, 8, 8);
  pw_conv* probe_conv = create_conv(isa(), probe, std::vector<float>(64).data(), nullptr);
  ASSERT_NE(probe_conv, nullptr);
  pw_conv_info info;
  ASSERT_EQ(pw_conv_get_info(probe_conv, &info), PW_OK);
  pw_conv_destroy(probe_conv);
  const size_t co = 13 * info.nr + 5, pixels = 23;
  for (size_t ci : {size_t{300}, size_t{2100}}) {
    SCOPED_TRACE("in_channels " + std::to_string(ci));
    const std::vector<float> image = random_floats(pixels * ci, 15);
    const std::vector<float> weights = random_floats(ci * co, 16);
    const std::vector<float> bias = random_floats(co, 17);
    const std::vector<float> residual = random_floats(pixels * co, 18);
    pw_conv_desc desc;
    pw_conv_desc_init(&desc, ci, co);
    desc.output_min = -0.5f;
    desc.output_max = 0.5f;
    pw_conv* conv = create_conv(isa(), desc, weights.data(), bias.data());
    ASSERT_NE(conv, nullptr);
    std::vector<float> map(pixels * co);
    ASSERT_EQ(pw_conv_run(conv, 1, 1, pixels, image.data(), 0, map.data(), 0, residual.data(), 0, nullptr), PW_OK);
    for (size_t count = 1; count <= 5; ++count) {
      std::vector<float> few(count * co);
      ASSERT_EQ(pw_conv_run(conv, 1, 1, count, image.data(), 0, few.data(), 0, residual.data(), 0, nullptr), PW_OK);
      EXPECT_EQ(std::memcmp(few.data(), map.data(), few.size() * sizeof(float)), 0) << count << " pixels";
    }
    pw_conv_destroy(conv);
  }
  for (size_t count = 1; count <= 5; ++count) {
    conv_shape s;
    s.in_channels = 1152;
    s.out_channels = 7 * info.nr + 3;
    s.width = count;
    s.output_min = 0.0f;
    EXPECT_EQ(check_conv(isa(), s, true, true, 19), "") << count << " pixels";
  }
}

// A layer of few output channels (which a variant may run on a narrow register tile
// with its own packing) gives the same bits as the same channels of a wider layer (the
// variant's full tile), with a residual, a clamp, a pixel tail, input channels in
// several blocks, and on two threads; a tile that sums channel pairs, the same bits on
// one and two threads and the reference's values.
TEST_P(ConvApi, NarrowOutputsEqualTheSameChannelsOfAWiderLayer) {
  const size_t extra = 40, pixels = 23;
  pw_threadpool* pool = pw_threadpool_create(2);
  ASSERT_NE(pool, nullptr);
  for (size_t ci : {size_t{96}, size_t{1500}})
    for (size_t co = 1; co <= 25; ++co) {
      SCOPED_TRACE("in_channels " + std::to_string(ci) + " out_channels " + std::to_string(co));
      const size_t wide = co + extra;
      const std::vector<float> image = random_floats(pixels * ci, 25);
      const std::vector<float> wide_weights = random_floats(ci * wide, 26);  // IO: [i][o]
      const std::vector<float> wide_bias = random_floats(wide, 27);
      const std::vector<float> wide_residual = random_floats(pixels * wide, 28);
      std::vector<float> weights(ci * co), residual(pixels * co);
      for (size_t i = 0; i < ci; ++i)
        for (size_t o = 0; o < co; ++o) weights[i * co + o] = wide_weights[i * wide + o];
      for (size_t p = 0; p < pixels; ++p)
        for (size_t o = 0; o < co; ++o) residual[p * co + o] = wide_residual[p * wide + o];
      pw_conv_desc desc;
      pw_conv_desc_init(&desc, ci, co);
      desc.output_min = -0.5f;
      desc.output_max = 0.5f;
      pw_conv* narrow = create_conv(isa(), desc, weights.data(), wide_bias.data());
      desc.out_channels = wide;
      pw_conv* full = create_conv(isa(), desc, wide_weights.data(), wide_bias.data());
      ASSERT_NE(narrow, nullptr);
      ASSERT_NE(full, nullptr);
      std::vector<float> expected(pixels * wide), single(pixels * co), threaded(pixels * co);
      ASSERT_EQ(pw_conv_run(full, 1, 1, pixels, image.data(), 0, expected.data(), 0, wide_residual.data(), 0, nullptr),
                PW_OK);
      ASSERT_EQ(pw_conv_run(narrow, 1, 1, pixels, image.data(), 0, single.data(), 0, residual.data(), 0, nullptr),
                PW_OK);
      ASSERT_EQ(pw_conv_run(narrow, 1, 1, pixels, image.data(), 0, threaded.data(), 0, residual.data(), 0, pool),
                PW_OK);
      const bool same_order = !narrow->kernel->sums_channel_pairs;
      for (size_t p = 0; p < pixels; ++p) {
        EXPECT_EQ(std::memcmp(threaded.data() + p * co, single.data() + p * co, co * sizeof(float)), 0)
            << "pixel " << p << " on two threads";
        if (same_order) {
          EXPECT_EQ(std::memcmp(single.data() + p * co, expected.data() + p * wide, co * sizeof(float)), 0)
              << "pixel " << p;
        }
      }
      if (!same_order) {
        conv_shape shape;
        shape.in_channels = ci;
        shape.out_channels = co;
        shape.width = pixels;
        shape.output_min = -0.5f;
        shape.output_max = 0.5f;
        EXPECT_EQ(check_conv(isa(), shape, true, true, 29), "");
        run_options on_pool;
        on_pool.pool = pool;
        EXPECT_EQ(check_conv(isa(), shape, true, true, 29, on_pool), "");
      }
      pw_conv_destroy(narrow);
      pw_conv_destroy(full);
    }
  pw_threadpool_destroy(pool);
  for (size_t co : {size_t{17}, size_t{20}, size_t{24}}) {
    conv_shape s;
    s.in_channels = 144;
    s.out_channels = co;
    s.height = 5;
    s.width = 7;
    s.output_min = 0.0f;
    EXPECT_EQ(check_conv(isa(), s, true, true, 29), "") << co << " outputs";
    s.layout = PW_WEIGHTS_OI;
    s.output_stride = co + 3;
    EXPECT_EQ(check_conv(isa(), s, true, false, 30), "") << co << " outputs, OI weights, output slice";
  }
}

TEST_P(ConvApi, Groups) {
  for (size_t groups : {2, 3, 8}) {
    conv_shape s;
    s.groups = groups;
    s.in_channels = 5;
    s.out_channels = 19;
    s.height = 6;
    s.width = 5;
    EXPECT_EQ(check_conv(isa(), s, true, false, 21), "");
    s.layout = PW_WEIGHTS_OI;
    s.in_channels = 16;
    s.out_channels = 4;
    EXPECT_EQ(check_conv(isa(), s, true, true, 22), "");
  }
}

TEST_P(ConvApi, StrideTwoOnOddSizes) {
  conv_shape s;
  s.in_channels = 24;
  s.out_channels = 40;
  s.height = 7;
  s.width = 9;
  s.stride_h = s.stride_w = 2;
  EXPECT_EQ(check_conv(isa(), s, true, false, 31), "");
  s.stride_h = 3;
  s.stride_w = 1;
  s.batch = 2;
  EXPECT_EQ(check_conv(isa(), s, true, true, 32), "");
}

TEST_P(ConvApi, OutputIntoChannelSliceLeavesNeighboursAlone) {
  // Inception: four branches write their channels into one concatenated tensor.
  const size_t h = 5, w = 6, ci = 12, total = 64;
  const std::vector<float> input = random_floats(h * w * ci, 41);
  std::vector<float> concat(h * w * total, kSentinel);
  const size_t slices[][2] = {{0, 16}, {16, 23}, {39, 9}, {48, 16}};  // {first channel, channels}
  for (const auto& slice : slices) {
    const std::vector<float> weights = random_floats(ci * slice[1], 42 + slice[0]);
    pw_conv_desc desc;
    pw_conv_desc_init(&desc, ci, slice[1]);
    pw_conv* conv = create_conv(isa(), desc, weights.data(), nullptr);
    ASSERT_NE(conv, nullptr);
    std::vector<float> before = concat;
    ASSERT_EQ(pw_conv_run(conv, 1, h, w, input.data(), 0, concat.data() + slice[0], total, nullptr, 0, nullptr), PW_OK);
    for (size_t p = 0; p < h * w; ++p)
      for (size_t c = 0; c < total; ++c) {
        const bool inside = c >= slice[0] && c < slice[0] + slice[1];
        if (!inside) {
          ASSERT_EQ(std::memcmp(&concat[p * total + c], &before[p * total + c], 4), 0) << p << "," << c;
        }
      }
    pw_conv_destroy(conv);
  }
  for (float v : concat) EXPECT_FALSE(is_sentinel(v));
  conv_shape s;
  s.in_channels = 33;
  s.out_channels = 21;
  s.height = 4;
  s.width = 5;
  s.output_stride = 50;
  s.input_stride = 40;
  s.residual_stride = 27;
  EXPECT_EQ(check_conv(isa(), s, true, true, 43), "");
}

TEST_P(ConvApi, ResidualAddInPlace) {
  for (size_t ci : {8, 64, 300}) {
    conv_shape s;
    s.in_channels = ci;
    s.out_channels = 48;
    s.height = 7;
    s.width = 7;
    run_options in_place;
    in_place.in_place_residual = true;
    EXPECT_EQ(check_conv(isa(), s, true, true, 51, in_place), "");
    s.output_stride = 53;
    EXPECT_EQ(check_conv(isa(), s, true, true, 52, in_place), "");
  }
}

TEST_P(ConvApi, ReluAndRelu6Clamps) {
  conv_shape s;
  s.in_channels = 17;
  s.out_channels = 33;
  s.height = 5;
  s.width = 5;
  s.output_min = 0.0f;
  EXPECT_EQ(check_conv(isa(), s, true, true, 61), "");
  s.output_max = 6.0f;
  EXPECT_EQ(check_conv(isa(), s, true, true, 62), "");
  s.output_min = -0.25f;
  s.output_max = 0.25f;
  EXPECT_EQ(check_conv(isa(), s, true, false, 63), "");
}

TEST_P(ConvApi, BatchGreaterThanOne) {
  conv_shape s;
  s.batch = 3;
  s.in_channels = 20;
  s.out_channels = 36;
  s.height = 4;
  s.width = 6;
  EXPECT_EQ(check_conv(isa(), s, true, true, 71), "");
}

TEST_P(ConvApi, NanAndInfinityReachTheOutputAsTheReferenceSays) {
  conv_shape s;
  s.in_channels = 9;
  s.out_channels = 20;
  s.height = 3;
  s.width = 4;
  s.output_min = 0.0f;
  s.output_max = 6.0f;
  conv_data d = make_conv_data(s, true, false, 81);
  d.input[0 * 9 + 3] = NAN;        // pixel 0: NaN through every output, clamp included
  d.input[1 * 9 + 0] = INFINITY;   // pixel 1: +inf times weights of both signs
  d.input[2 * 9 + 5] = -INFINITY;
  const run_result r = run_conv(isa(), s, d, {});
  ASSERT_EQ(r.status, PW_OK) << r.error;
  const reference_output ref = reference_conv(s.on_variant(isa()), d.input, d.weights, d.bias, {});
  EXPECT_EQ(compare_with_reference(s, r.output.data(), ref), "");
  for (size_t c = 0; c < 20; ++c) EXPECT_TRUE(std::isnan(r.output[c])) << "channel " << c;
}

TEST_P(ConvApi, TailsOfEveryKindAgainstReference) {
  // Pixels, output channels and input channels that are not multiples of any tile.
  for (size_t ci : {1, 2, 3, 7, 16, 17, 64, 257})
    for (size_t co : {1, 3, 8, 13, 33, 65}) {
      conv_shape s;
      s.in_channels = ci;
      s.out_channels = co;
      s.height = 3;
      s.width = 7;
      ASSERT_EQ(check_conv(isa(), s, true, co % 2 == 1, static_cast<uint32_t>(ci * 131 + co)), "");
    }
}

TEST_P(ConvApi, LargeInputChannelCountsSplitIntoBlocks) {
  // 6000 channels are more than any variant's rows fit in a 32-64 KiB L1: the planner
  // must split them into blocks whose partial sums accumulate in the output.
  constexpr size_t kSplitChannels = 6000;
  {
    const std::vector<float> weights = random_floats(kSplitChannels * 2, 5);
    pw_conv_desc desc;
    pw_conv_desc_init(&desc, kSplitChannels, 2);
    pw_conv* conv = create_conv(isa(), desc, weights.data(), nullptr);
    ASSERT_NE(conv, nullptr);
    pw_conv_info info;
    ASSERT_EQ(pw_conv_get_info(conv, &info), PW_OK);
    EXPECT_LT(info.kc, kSplitChannels);
    pw_conv_destroy(conv);
  }
  for (size_t ci : {size_t{1000}, size_t{2048}, kSplitChannels}) {
    conv_shape s;
    s.in_channels = ci;
    s.out_channels = 70;
    s.height = 3;
    s.width = 5;
    s.output_min = 0.0f;
    run_options in_place;
    in_place.in_place_residual = true;
    EXPECT_EQ(check_conv(isa(), s, true, true, 91, in_place), "");
  }
}

TEST_P(ConvApi, RejectedRunLeavesOutputUntouched) {
  const std::vector<float> weights = random_floats(4 * 3, 1);
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, 4, 3);
  pw_conv* conv = create_conv(isa(), desc, weights.data(), nullptr);
  ASSERT_NE(conv, nullptr);
  std::vector<float> input(2 * 2 * 4, 1.0f), output(2 * 2 * 3, kSentinel);
  EXPECT_EQ(pw_conv_run(conv, 1, 2, 2, input.data(), 3, output.data(), 0, nullptr, 0, nullptr),
            PW_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(pw_last_error(), "input_pixel_stride"), nullptr) << pw_last_error();
  EXPECT_EQ(pw_conv_run(conv, 1, 2, 2, input.data(), 0, output.data(), 2, nullptr, 0, nullptr),
            PW_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(pw_last_error(), "output_pixel_stride"), nullptr) << pw_last_error();
  // The output overlapping the input.
  EXPECT_EQ(pw_conv_run(conv, 1, 2, 2, input.data(), 0, const_cast<float*>(input.data()) + 2, 0, nullptr, 0, nullptr),
            PW_ERROR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(pw_last_error(), "overlaps"), nullptr) << pw_last_error();
  for (float v : output) EXPECT_TRUE(is_sentinel(v));
  pw_conv_destroy(conv);
}

INSTANTIATE_TEST_SUITE_P(Variants, ConvApi, ::testing::ValuesIn(all_variant_isas()),
                         [](const ::testing::TestParamInfo<pw_isa>& info) { return isa_param_name(info.param); });

}  // namespace
}  // namespace pw_test
