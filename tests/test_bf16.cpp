// bf16 tensors and bf16 math on every variant: each variant x math x input type x
// output type against the reference that rounds as the math says, on layers with
// tails, groups, strides, channel slices and residuals; NaN and infinities in every
// operand, outputs that round to infinity, the exact rounding of inputs and outputs,
// denormals, and DenseNet layers whose input and output share one buffer.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstring>
#include <numeric>
#include <string>
#include <tuple>
#include <vector>

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
  pw_datatype input_type() const { return std::get<2>(GetParam()); }
  pw_datatype output_type() const { return std::get<3>(GetParam()); }
  // The math the variant runs this desc with.
  pw_math effective_math() const { return typed(conv_shape{}).on_variant(isa()).math; }
  conv_shape typed(conv_shape s) const {
    s.math = math();
    s.input_type = std::get<2>(GetParam());
    s.output_type = std::get<3>(GetParam());
    return s;
  }
};

// A run of `d` on two threads (pool) gives the bits of the run on one, and a run of
// its first n pixels alone, for each n in first_pixels, the bits of those pixels.
void expect_the_bits_of_the_whole_run(pw_isa isa, const conv_shape& s, const conv_data& d, pw_threadpool* pool,
                                      const std::vector<size_t>& first_pixels) {
  const run_result whole = run_conv(isa, s, d);
  ASSERT_EQ(whole.status, PW_OK) << whole.error;
  const run_result threaded = run_conv(isa, s, d, {false, pool});
  ASSERT_EQ(threaded.status, PW_OK) << threaded.error;
  EXPECT_EQ(std::memcmp(threaded.output.data(), whole.output.data(), whole.output.size() * sizeof(float)), 0)
      << "two threads";
  for (size_t pixels : first_pixels) {
    conv_shape few = s;
    few.width = pixels;
    conv_data part = d;
    part.input.resize(pixels * s.in_step());
    part.residual.resize(pixels * s.res_step());
    const run_result r = run_conv(isa, few, part);
    ASSERT_EQ(r.status, PW_OK) << r.error;
    EXPECT_EQ(std::memcmp(r.output.data(), whole.output.data(), pixels * s.out_step() * sizeof(float)), 0)
        << pixels << " pixels";
  }
}

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
  // In place at the output's stride (a bf16 residual in a bf16 output), odd strides.
  g.output_stride = g.residual_stride = 23;
  g.input_stride = 29;
  EXPECT_EQ(check_conv(isa(), typed(g), true, true, 100, {true, nullptr}), "");
}

// NaN and +-Inf in the input, the weights, the bias and the residual, with and
// without a clamp: NaN stays NaN and +-Inf stays +-Inf (or the clamp's bound) through
// the bf16 rounding of inputs, weights and the output.
TEST_P(Bf16, NanAndInfinityInEveryOperand) {
  for (bool in_place : {false, true})
    for (bool clamp : {false, true}) {
      conv_shape s;
      s.in_channels = 19;
      s.out_channels = 37;
      s.height = 3;
      s.width = 6;
      if (clamp) s.output_min = -0.5f, s.output_max = 0.75f;
      s = typed(s);
      conv_data d = make_conv_data(s, true, true, in_place ? 7 : 8);
      const size_t ci = s.in_channels, co = s.out_channels;
      d.input[0 * ci + 4] = NAN;           // pixel 0: NaN in every output
      d.input[1 * ci + 0] = INFINITY;      // pixel 1: +Inf times weights of both signs
      d.input[2 * ci + 7] = -INFINITY;     // pixel 2: -Inf
      d.weights[(ci - 1) * co + 2] = NAN;  // IO layout: output channel 2 is NaN everywhere
      d.weights[3 * co + 5] = INFINITY;    // output channel 5: +-Inf by the input's sign
      d.weights[6 * co + 9] = -INFINITY;
      d.weights[8 * co + 9] = 0.0f;  // next to an infinite weight
      d.bias[11] = INFINITY;         // output channel 11: +Inf (or the clamp's max)
      d.bias[12] = -INFINITY;
      d.bias[13] = NAN;
      d.residual[3 * co + 20] = INFINITY;  // pixel 3 channel 20
      d.residual[4 * co + 21] = -INFINITY;
      d.residual[5 * co + 22] = NAN;
      d.residual[5 * co + 11] = -INFINITY;  // +Inf bias plus -Inf residual: NaN
      run_options options;
      options.in_place_residual = in_place;
      EXPECT_EQ(check_conv_data(isa(), s, d, options), "") << (in_place ? "in place" : "separate");
      // The reference decides every element; make sure the run shows the kinds it should.
      const run_result r = run_conv(isa(), s, d, options);
      ASSERT_EQ(r.status, PW_OK) << r.error;
      const size_t step = s.out_step();
      for (size_t c = 0; c < co; ++c) EXPECT_TRUE(std::isnan(r.output[c])) << "pixel 0 channel " << c;
      for (size_t p = 0; p < s.out_pixels(); ++p) {
        EXPECT_TRUE(std::isnan(r.output[p * step + 2])) << "NaN weight, pixel " << p;
        EXPECT_TRUE(std::isnan(r.output[p * step + 13])) << "NaN bias, pixel " << p;
      }
      EXPECT_TRUE(std::isnan(r.output[5 * step + 22])) << "NaN residual";
      EXPECT_TRUE(std::isnan(r.output[5 * step + 11])) << "Inf - Inf";
      EXPECT_EQ(r.output[3 * step + 11], clamp ? 0.75f : INFINITY) << "+Inf bias";
      EXPECT_EQ(r.output[3 * step + 12], clamp ? -0.5f : -INFINITY) << "-Inf bias";
      EXPECT_EQ(r.output[3 * step + 20], clamp ? 0.75f : INFINITY) << "+Inf residual";
      EXPECT_EQ(r.output[4 * step + 21], clamp ? -0.5f : -INFINITY) << "-Inf residual";
    }
}

// The output's rounding, exactly: weights 0 and the bias as the sum. Ties go to even
// (1 + 2^-8 to 1, 1 + 3 * 2^-8 to 1 + 2^-6), anything above a tie goes up, and a
// finite fp32 sum past bf16's largest value (3.3895e38) rounds to +-Inf, also when the
// clamp's bound is such a value (the rounding follows the clamp).
TEST_P(Bf16, OutputRoundsToNearestEvenAndPastTheLargestBf16ToInfinity) {
  const float tie_down = 1.0f + 0x1p-8f, tie_up = 1.0f + 3 * 0x1p-8f, above_tie = 1.0f + 0x1p-8f + 0x1p-20f;
  const float bf16_max = 0x1.FEp127f, to_infinity = 3.4e38f;
  const std::vector<float> bias = {tie_down,    tie_up,       above_tie,      -above_tie, bf16_max,
                                   to_infinity, -to_infinity, 0x1.FEFFFEp127f /* just below the tie to 2^128 */};
  const bool bf16_out = output_type() == PW_DATATYPE_BF16;
  const std::vector<float> want_bf16 = {1.0f,     1.0f + 0x1p-6f, 1.0f + 0x1p-7f, -1.0f - 0x1p-7f,
                                        bf16_max, INFINITY,       -INFINITY,      bf16_max};
  for (float output_max : {INFINITY, to_infinity}) {
    conv_shape s;
    s.in_channels = 3;
    s.out_channels = bias.size();
    s.width = 5;
    s.output_max = output_max;
    s = typed(s);
    conv_data d = make_conv_data(s, false, false, 3);
    d.bias = bias;
    for (float& w : d.weights) w = 0.0f;
    const run_result r = run_conv(isa(), s, d);
    ASSERT_EQ(r.status, PW_OK) << r.error;
    for (size_t p = 0; p < s.out_pixels(); ++p)
      for (size_t c = 0; c < bias.size(); ++c) {
        const float clamped = std::fmin(bias[c], output_max);
        const float want = bf16_out ? (c == 5 ? INFINITY : want_bf16[c]) : clamped;
        EXPECT_EQ(r.output[p * s.out_step() + c], want) << "bias " << bias[c] << " clamp max " << output_max;
      }
  }
}

// The rounding of inputs and weights under bf16 math, exactly: with one input channel
// and weight 1 (or input 1), the output is the rounded value (a bf16 input tensor holds
// rounded values whatever the math; a bf16 output rounds the result once more, which
// leaves a bf16 value as it is).
TEST_P(Bf16, InputsAndWeightsRoundToNearestEvenUnderBf16Math) {
  const bool rounds = effective_math() == PW_MATH_BF16;
  const std::vector<float> values = {1.0f + 0x1p-8f,  1.0f + 3 * 0x1p-8f, 1.0f + 0x1p-8f + 0x1p-20f,
                                     -1.0f - 0x1p-9f, 0x1.FEFFFEp127f,    3.0e38f};
  for (bool vary_input : {true, false}) {
    conv_shape s;
    s.in_channels = 1;
    s.out_channels = vary_input ? 1 : values.size();
    s.width = vary_input ? values.size() : 3;
    s = typed(s);
    conv_data d = make_conv_data(s, false, false, 4);
    if (vary_input) {
      d.input = values;
      d.weights = {1.0f};
    } else {
      d.weights = values;
      for (float& x : d.input) x = 1.0f;
    }
    const run_result r = run_conv(isa(), s, d);
    ASSERT_EQ(r.status, PW_OK) << r.error;
    for (size_t i = 0; i < r.output.size(); ++i) {
      const float v = values[vary_input ? i : i % values.size()];
      float want = rounds || (vary_input && input_type() == PW_DATATYPE_BF16) ? round_bf16(v) : v;
      if (output_type() == PW_DATATYPE_BF16) want = round_bf16(want);
      EXPECT_EQ(r.output[i], want) << (vary_input ? "input " : "weight ") << v;
    }
  }
}

// Tiny values in every type: denormal bf16 inputs and weights, products and sums below
// FLT_MIN, which bf16 math may flush (the reference allows it) and fp32 math keeps.
TEST_P(Bf16, DenormalsAgainstTheReference) {
  for (const float scale : {1e-38f, 1e-41f, 1e-20f}) {
    conv_shape s;
    s.in_channels = 37;
    s.out_channels = 19;
    s.height = 5;
    s.width = 3;
    s = typed(s);
    conv_data d = make_conv_data(s, true, true, 21);
    for (float& x : d.input) x = s.input_type == PW_DATATYPE_BF16 ? round_bf16(x * scale) : x * scale;
    for (float& r : d.residual) r = s.output_type == PW_DATATYPE_BF16 ? round_bf16(r * scale) : r * scale;
    for (float& b : d.bias) b *= 1e-39f;
    for (size_t i = 0; i < d.weights.size(); i += 5) d.weights[i] = 1e-40f;  // denormal weights too
    EXPECT_EQ(check_conv_data(isa(), s, d), "") << "scale " << scale;
  }
}

// An infinite input times a denormal weight (and a denormal input times an infinite
// weight) under bf16 math: +-Inf, or NaN where the variant counts the denormal as zero
// (avx512_bf16 does: Inf * 0); never a finite value. A fuzzer finding: the reference
// wanted -Inf where vdpbf16ps gave NaN.
TEST_P(Bf16, InfinityTimesADenormalIsInfinityOrNaN) {
  conv_shape s;
  s.in_channels = 2;
  s.out_channels = 3;
  s.width = 4;
  s = typed(s);
  conv_data d = make_conv_data(s, false, false, 5);
  // IO weights: output 0 takes a denormal weight on channel 0, output 1 an infinite
  // weight on channel 1, output 2 is ordinary.
  d.weights = {1e-40f, 0.5f, 0.25f, 0.0f, INFINITY, -0.5f};
  d.input = {-INFINITY, 1.0f, INFINITY, 1.0f, 1.0f, 1e-40f, 2.0f, -1e-40f};
  if (s.input_type == PW_DATATYPE_BF16)
    for (float& x : d.input) x = round_bf16(x);
  EXPECT_EQ(check_conv_data(isa(), s, d), "");
  const run_result r = run_conv(isa(), s, d);
  ASSERT_EQ(r.status, PW_OK) << r.error;
  const bool bf16_math = effective_math() == PW_MATH_BF16;
  // {pixel, output channel, the infinity}: Inf * denormal weight on output 0 (pixels 0
  // and 1), denormal input * Inf weight on output 1 (pixels 2 and 3).
  const struct {
    size_t pixel, channel;
    float infinity;
  } expected[] = {{0, 0, -INFINITY}, {1, 0, INFINITY}, {2, 1, INFINITY}, {3, 1, -INFINITY}};
  for (const auto& e : expected) {
    const float got = r.output[e.pixel * 3 + e.channel];
    EXPECT_TRUE(got == e.infinity || (bf16_math && std::isnan(got)))
        << "pixel " << e.pixel << " channel " << e.channel << ": " << got;
  }
}

// DenseNet: a layer reads channels [0, Ci) of every pixel and writes the channels after
// them in the same buffer, also with a residual from that buffer, and with an input
// and an output of different element types sharing the pixels' bytes (the pixel strides
// then count different elements). Same bits as from separate buffers; every other byte
// of the buffer is as it was.
TEST_P(Bf16, InputAndOutputInOneBuffer) {
  const size_t in_size = input_type() == PW_DATATYPE_BF16 ? 2 : 4, out_size = output_type() == PW_DATATYPE_BF16 ? 2 : 4;
  const size_t h = 9, w = 11, ci = 21, co = 13;
  conv_shape s;
  s.in_channels = ci;
  s.out_channels = co;
  s.height = h;
  s.width = w;
  s = typed(s);
  const conv_data d = make_conv_data(s, true, true, 61);
  pw_conv_desc desc = s.desc(isa());
  pw_conv* conv = nullptr;
  ASSERT_EQ(pw_conv_create(&desc, d.weights.data(), d.bias.data(), &conv), PW_OK) << pw_last_error();
  pw_threadpool* pool = pw_threadpool_create(3);
  ASSERT_NE(pool, nullptr);
  for (bool with_residual : {false, true}) {
    // Bytes of a pixel: the input, then (aligned to the output's element) the residual
    // and the output, then 4 bytes nobody uses.
    const size_t in_bytes = ci * in_size;
    const size_t res_first = (in_bytes + out_size - 1) / out_size * out_size;
    const size_t out_first = res_first + (with_residual ? co * out_size : 0);
    const size_t pixel_bytes = (out_first + co * out_size + 4 + 3) / 4 * 4;
    std::vector<unsigned char> original(h * w * pixel_bytes);
    for (size_t i = 0; i < original.size(); ++i) original[i] = static_cast<unsigned char>(i * 37 + 11);
    // Values of the right type in the input and residual channels (pixel p's residual
    // is d.residual's pixel p: dense, stride Co).
    const typed_tensor input(s.input_type, d.input), residual(s.output_type, d.residual);
    const auto* input_bytes = static_cast<const unsigned char*>(const_cast<typed_tensor&>(input).data());
    const auto* residual_bytes = static_cast<const unsigned char*>(const_cast<typed_tensor&>(residual).data());
    for (size_t p = 0; p < h * w; ++p) {
      std::memcpy(&original[p * pixel_bytes], input_bytes + p * in_bytes, in_bytes);
      if (with_residual)
        std::memcpy(&original[p * pixel_bytes + res_first], residual_bytes + p * co * out_size, co * out_size);
    }
    std::vector<unsigned char> shared = original, separate(h * w * co * out_size, 0xEE);
    const size_t in_stride = pixel_bytes / in_size, out_stride = pixel_bytes / out_size;
    ASSERT_EQ(pw_conv_run(conv, 1, h, w, original.data(), in_stride, separate.data(), 0,
                          with_residual ? &original[res_first] : nullptr, out_stride, pool),
              PW_OK)
        << pw_last_error();
    ASSERT_EQ(pw_conv_run(conv, 1, h, w, shared.data(), in_stride, &shared[out_first], out_stride,
                          with_residual ? &shared[res_first] : nullptr, out_stride, pool),
              PW_OK)
        << pw_last_error();
    for (size_t p = 0; p < h * w; ++p)
      for (size_t b = 0; b < pixel_bytes; ++b) {
        const bool output = b >= out_first && b < out_first + co * out_size;
        const unsigned char want = output ? separate[p * co * out_size + b - out_first] : original[p * pixel_bytes + b];
        ASSERT_EQ(shared[p * pixel_bytes + b], want)
            << "pixel " << p << " byte " << b << (with_residual ? " with residual" : "");
      }
    // One output element over the input's last one: refused, nothing written.
    std::vector<unsigned char> refused = original;
    const size_t overlapping = (in_bytes - 1) / out_size * out_size;
    EXPECT_EQ(
        pw_conv_run(conv, 1, h, w, refused.data(), in_stride, &refused[overlapping], out_stride, nullptr, 0, pool),
        PW_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(std::strstr(pw_last_error(), "is input pixel 0"), nullptr) << pw_last_error();
    EXPECT_EQ(refused, original) << "a refused run wrote";
  }
  pw_threadpool_destroy(pool);
  pw_conv_destroy(conv);
}

TEST_P(Bf16, LargeChannelCountsSplitIntoBlocksOnSeveralThreads) {
  conv_shape s;
  // More than one block of converted rows (kc <= 512) and more than one channel tile
  // of a bf16 output; under an emulator, just past each.
  s.in_channels = emulated_run() ? 530 : 1100;
  s.out_channels = emulated_run() ? 300 : 900;
  s.height = emulated_run() ? 2 : 4;
  s.width = 9;
  pw_threadpool* pool = pw_threadpool_create(3);
  ASSERT_NE(pool, nullptr);
  EXPECT_EQ(check_conv(isa(), typed(s), true, true, 5, {false, pool}), "");
  pw_threadpool_destroy(pool);
}

// Layers of 1..24 output channels (narrow register tiles, such as AVX512_BF16's that
// sum pairs of channel pairs from 12 input channels on): every output count; input
// counts that end a block 0..3 channels past a multiple of four, and of several blocks;
// a residual (separate and in place) and a clamp against the reference; +-Inf in the
// last input channel (alone in its row of four); and the same bits for any number of
// pixels per run and on two threads.
TEST_P(Bf16, NarrowLayersOfEveryOutputCount) {
  pw_threadpool* pool = pw_threadpool_create(2);
  ASSERT_NE(pool, nullptr);
  const std::vector<size_t> input_channels = emulated_run() ? std::vector<size_t>{12, 15, 130}
                                                            : std::vector<size_t>{12, 13, 14, 15, 17, 35, 130, 1100};
  uint32_t seed = 500;
  for (size_t ci : input_channels)
    for (size_t co = 1; co <= 24; ++co) {
      SCOPED_TRACE(std::to_string(ci) + " -> " + std::to_string(co) + " channels");
      conv_shape s;
      s.in_channels = ci;
      s.out_channels = co;
      s.width = 23;
      if (co % 2 == 0) s.output_min = -0.5f, s.output_max = 0.75f;
      s = typed(s);
      EXPECT_EQ(check_conv(isa(), s, true, true, ++seed), "");
      EXPECT_EQ(check_conv(isa(), s, false, true, ++seed, {true, nullptr}), "") << "in place";
      conv_data d = make_conv_data(s, true, true, ++seed);
      d.input[3 * ci + ci - 1] = co % 2 == 0 ? INFINITY : -INFINITY;
      EXPECT_EQ(check_conv_data(isa(), s, d), "") << "an infinite last input channel";
      expect_the_bits_of_the_whole_run(isa(), s, d, pool, {1, 2, 9, 10, 11});
    }
  pw_threadpool_destroy(pool);
}

// 16 output channels, in a dense output (where AVX512_BF16's narrow tile rounds two
// pixels' 16 bf16 outputs with one vcvtne2ps2bf16 and stores them with one move) and
// in a strided one (one pixel a move): short and long blocks, a separate and an
// in-place residual, a clamp, against the reference; every pixel count up to two
// register groups and one more gives the same bits as those pixels of a large run, and
// two threads the same as one.
TEST_P(Bf16, SixteenOutputChannelsDenseAndStrided) {
  pw_threadpool* pool = pw_threadpool_create(2);
  ASSERT_NE(pool, nullptr);
  uint32_t seed = 900;
  for (size_t ci : {size_t{12}, size_t{32}, size_t{35}, size_t{emulated_run() ? 130u : 1100u}})
    for (size_t output_stride : {size_t{0}, size_t{19}}) {
      SCOPED_TRACE(std::to_string(ci) + " -> 16 channels, output stride " + std::to_string(output_stride));
      conv_shape s;
      s.in_channels = ci;
      s.out_channels = 16;
      s.width = 33;
      s.output_stride = output_stride;
      s.residual_stride = output_stride;
      if (ci % 2 == 0) s.output_min = -0.5f, s.output_max = 0.75f;
      s = typed(s);
      EXPECT_EQ(check_conv(isa(), s, true, true, ++seed), "");
      EXPECT_EQ(check_conv(isa(), s, false, true, ++seed, {true, nullptr}), "") << "in place";
      const conv_data d = make_conv_data(s, true, true, ++seed);
      std::vector<size_t> first_pixels(21);
      std::iota(first_pixels.begin(), first_pixels.end(), size_t{1});
      expect_the_bits_of_the_whole_run(isa(), s, d, pool, first_pixels);
    }
  pw_threadpool_destroy(pool);
}

// A run of 1..6 pixels (a variant's few-rows kernel walks several panels at once for
// the few it takes) gives the same bits as those pixels in a run of 23 (the full
// kernel's register groups), in every math and type: several groups of panels and a
// partial last panel, an odd input count in one block and in several, a separate and
// an in-place residual, a clamp; and each small run matches the reference.
TEST_P(Bf16, FewPixelsEqualTheSamePixelsOfALargeRun) {
  const pw_conv_desc probe_desc = typed(conv_shape{}).desc(isa());
  pw_conv* probe = nullptr;
  ASSERT_EQ(pw_conv_create(&probe_desc, std::vector<float>(1, 1.0f).data(), nullptr, &probe), PW_OK) << pw_last_error();
  pw_conv_info info;
  ASSERT_EQ(pw_conv_get_info(probe, &info), PW_OK);
  pw_conv_destroy(probe);
  const size_t pixels = 23;
  uint32_t seed = 700;
  for (size_t ci : {size_t{301}, size_t{emulated_run() ? 601u : 2101u}})
    for (bool in_place : {false, true}) {
      SCOPED_TRACE(std::to_string(ci) + " input channels" + (in_place ? ", residual in place" : ""));
      conv_shape s;
      s.in_channels = ci;
      s.out_channels = 13 * info.nr + 5;
      s.width = pixels;
      s.output_min = -0.5f;
      s.output_max = 0.75f;
      s = typed(s);
      const conv_data d = make_conv_data(s, true, true, ++seed);
      const run_result whole = run_conv(isa(), s, d, {in_place, nullptr});
      ASSERT_EQ(whole.status, PW_OK) << whole.error;
      for (size_t count = 1; count <= 6; ++count) {
        conv_shape few = s;
        few.width = count;
        conv_data part = d;
        part.input.resize(count * s.in_step());
        part.residual.resize(count * s.res_step());
        const run_result r = run_conv(isa(), few, part, {in_place, nullptr});
        ASSERT_EQ(r.status, PW_OK) << r.error;
        EXPECT_EQ(std::memcmp(r.output.data(), whole.output.data(), count * s.out_step() * sizeof(float)), 0)
            << count << " pixels";
        EXPECT_EQ(check_conv_data(isa(), few, part, {in_place, nullptr}), "") << count << " pixels";
      }
    }
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
