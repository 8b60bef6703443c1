// Differential fuzzing of pw_conv_create/pw_conv_run against the double-precision
// reference (tests/conv_reference.h). Each input decodes one layer: its desc (groups,
// channels, strides, layout, clamp, denormal flushing, math, input and output types:
// bf16 tensors hold bf16 values, and the reference rounds as the math says), the run's shape, pixel strides,
// residual (none, separate, in place), thread pool, and values with NaN, infinities,
// denormals and huge magnitudes placed where the fuzzer likes. Every variant this host
// runs must then agree with the reference within its error bound, with NaN exactly
// where the reference has NaN, and must leave every float outside the computed output
// elements alone. Inputs with a deliberately bad argument must be rejected with no
// output written. Sizes stay small so that one execution takes well under a millisecond.
#include <fuzzer/FuzzedDataProvider.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

#include "conv_reference.h"
#include "dispatch.h"
#include "pointwise/pointwise.h"

namespace {

using pw_test::conv_shape;
using pw_test::kSentinel;

constexpr size_t kGuardFloats = 16;             // sentinels before and after the output
constexpr size_t kMaxMultiplyAdds = size_t{1} << 16;  // per variant and execution

[[noreturn]] void report(const char* what, const std::string& details) {
  std::fprintf(stderr, "fuzz_conv: %s\n%s\n", what, details.c_str());
  std::abort();
}

// Thread pools: host pools (pw_threadpool_create_custom) of 1 to 3 threads, over
// std::thread and a reversed serial one. No pthreadpool: its workers spin-wait (a
// million `pause`s) for each command, and the caller for them, which on a small
// shared machine cost more than all the rest (95 executions/s with a pthreadpool in
// one run of eight, 560/s without); and because that branch is new coverage, the
// corpus drifted to inputs that picked it (1160 pthreadpools for 1550 inputs even
// when one choice in 128 named it). The task split depends only on the thread
// count, which the host pools cover; tests/test_threads.cpp runs pthreadpool under
// ASan and TSan.
void reversed_serial_parallel_for(void*, pw_task_fn task, void* context, size_t count) {
  for (size_t i = count; i-- > 0;) task(context, i);
}
void std_thread_parallel_for(void* user, pw_task_fn task, void* context, size_t count) {
  const size_t threads = *static_cast<const size_t*>(user);
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t)
    workers.emplace_back([=] {
      for (size_t i = t; i < count; i += threads) task(context, i);
    });
  for (size_t i = 0; i < count; i += threads) task(context, i);
  for (std::thread& w : workers) w.join();
}

// The pool of one run: nullptr (the calling thread) or a host pool; choice in [0, 4).
pw_threadpool* pool_for(unsigned choice) {
  static size_t two = 2, three = 3;
  static pw_threadpool* const pools[] = {
      nullptr,
      pw_threadpool_create_custom(reversed_serial_parallel_for, nullptr, 3),
      pw_threadpool_create_custom(std_thread_parallel_for, &two, two),
      pw_threadpool_create_custom(std_thread_parallel_for, &three, three),
  };
  return pools[choice % 4];
}

// A cheap generator (std::uniform_real_distribution calls logl per value).
float uniform_in_plus_minus_one(uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return static_cast<float>(static_cast<int32_t>(state >> 32)) * 0x1p-31f;
}

// A float the fuzzer picks: ordinary values mostly, and every kind of special one.
float special_value(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 11)) {
    case 0: return NAN;
    case 1: return -NAN;
    case 2: return INFINITY;
    case 3: return -INFINITY;
    case 4: return 1e-40f;                                // denormal
    case 5: return -std::numeric_limits<float>::denorm_min();
    case 6: return 3e38f;                                 // huge: sums overflow float
    case 7: return -3.3e38f;
    case 8: return 0.0f;
    case 9: return -0.0f;
    case 10: return std::numeric_limits<float>::min();     // smallest normal
    default: {
      uint32_t bits = in.ConsumeIntegral<uint32_t>();
      float value;
      std::memcpy(&value, &bits, sizeof value);
      return value;
    }
  }
}

// Fills `values` from a generator seeded by the fuzzer, then lets the fuzzer place
// special values (indices modulo the size), so values cost few input bytes.
void fill(FuzzedDataProvider& in, std::vector<float>& values, size_t used_stride, size_t used, uint32_t seed) {
  const float scale = std::ldexp(1.0f, in.ConsumeIntegralInRange<int>(-140, 120));
  const bool use_scale = in.ConsumeBool();
  uint64_t state = 0x9e3779b97f4a7c15ull ^ seed;
  for (size_t i = 0; i < values.size(); ++i) {
    // Channels between `used` and the stride are padding: NaN, so a kernel that reads
    // them into a sum shows it.
    if (used_stride != 0 && i % used_stride >= used) {
      values[i] = NAN;
      continue;
    }
    const float value = uniform_in_plus_minus_one(state);
    values[i] = use_scale ? value * scale : value;
  }
  const int specials = in.ConsumeIntegralInRange<int>(0, 4);
  for (int k = 0; k < specials && !values.empty(); ++k) {
    size_t index = in.ConsumeIntegral<uint16_t>() % values.size();
    if (used_stride != 0 && index % used_stride >= used) index -= index % used_stride;  // stay in used channels
    values[index] = special_value(in);
  }
}

float flush_if_denormal(float v) { return std::fpclassify(v) == FP_SUBNORMAL ? std::copysign(0.0f, v) : v; }

// The ways an execution asks for a bad argument on purpose.
enum class bad_argument { none, zero_size, min_above_max, nan_bound, input_stride_too_small, output_overlaps_input,
                          residual_overlaps_output, in_place_stride_differs, count };

struct layer {
  conv_shape shape;
  bool with_bias = false;
  int residual_kind = 0;  // 0 none, 1 separate buffer, 2 in place (the output pointer)
  bool flush_denormals = false;
  unsigned pool = 0;
  bad_argument bad = bad_argument::none;
};

size_t element_bytes(pw_datatype type) { return type == PW_DATATYPE_BF16 ? 2 : 4; }

// A tensor in its element type, sized exactly (AddressSanitizer sees an over-read).
struct typed_buffer {
  pw_datatype type = PW_DATATYPE_F32;
  std::vector<float> f32;
  std::vector<uint16_t> bf16;
  typed_buffer(pw_datatype t, const std::vector<float>& values) : type(t) {
    if (t == PW_DATATYPE_F32) {
      f32 = values;
    } else {
      bf16.resize(values.size());
      for (size_t i = 0; i < values.size(); ++i) bf16[i] = pw_test::to_bf16(values[i]);
    }
  }
  typed_buffer(pw_datatype t, size_t count) : type(t) {
    if (t == PW_DATATYPE_F32) f32.assign(count, kSentinel);
    else bf16.assign(count, pw_test::kSentinelBf16);
  }
  void* data() { return type == PW_DATATYPE_F32 ? static_cast<void*>(f32.data()) : bf16.data(); }
  // Element i, widened; a sentinel of either type reads as kSentinel.
  float value(size_t i) const {
    if (type == PW_DATATYPE_F32) return f32[i];
    return bf16[i] == pw_test::kSentinelBf16 ? kSentinel : pw_test::from_bf16(bf16[i]);
  }
  void set(size_t i, float v) {
    if (type == PW_DATATYPE_F32) f32[i] = v;
    else bf16[i] = pw_test::to_bf16(v);
  }
  bool is_sentinel(size_t i) const {
    return type == PW_DATATYPE_F32 ? pw_test::is_sentinel(f32[i]) : bf16[i] == pw_test::kSentinelBf16;
  }
  size_t size() const { return type == PW_DATATYPE_F32 ? f32.size() : bf16.size(); }
  // Bit for bit (a NaN equals itself).
  bool same_bits(const typed_buffer& other) const {
    return f32.size() == other.f32.size() && bf16 == other.bf16 &&
           (f32.empty() || std::memcmp(f32.data(), other.f32.data(), f32.size() * sizeof(float)) == 0);
  }
};

layer decode_layer(FuzzedDataProvider& in) {
  layer l;
  conv_shape& s = l.shape;
  s.groups = in.ConsumeIntegralInRange<size_t>(1, 4);
  s.in_channels = in.ConsumeIntegralInRange<size_t>(1, 64);
  s.out_channels = in.ConsumeIntegralInRange<size_t>(1, 64);
  s.stride_h = in.ConsumeIntegralInRange<size_t>(1, 3);
  s.stride_w = in.ConsumeIntegralInRange<size_t>(1, 3);
  s.batch = in.ConsumeIntegralInRange<size_t>(1, 2);
  s.height = in.ConsumeIntegralInRange<size_t>(1, 16);
  s.width = in.ConsumeIntegralInRange<size_t>(1, 16);
  // Keep an execution cheap: shrink the image until the work is small.
  while (s.out_pixels() * s.groups * s.in_channels * s.out_channels > kMaxMultiplyAdds && (s.height > 1 || s.width > 1)) {
    if (s.height >= s.width) s.height = (s.height + 1) / 2; else s.width = (s.width + 1) / 2;
    if (s.height == 1 && s.width == 1 && s.batch > 1) s.batch = 1;
  }
  s.layout = in.ConsumeBool() ? PW_WEIGHTS_OI : PW_WEIGHTS_IO;
  // Pixel strides: 0 (dense) or the channels plus a little padding.
  const size_t in_pad = in.ConsumeIntegralInRange<size_t>(0, 3);
  const size_t out_pad = in.ConsumeIntegralInRange<size_t>(0, 3);
  const size_t res_pad = in.ConsumeIntegralInRange<size_t>(0, 3);
  s.input_stride = in_pad == 0 ? 0 : s.dense_in() + in_pad - 1;
  s.output_stride = out_pad == 0 ? 0 : s.dense_out() + out_pad - 1;
  s.residual_stride = res_pad == 0 ? 0 : s.dense_out() + res_pad - 1;
  switch (in.ConsumeIntegralInRange<int>(0, 4)) {
    case 0: break;  // no clamp
    case 1: s.output_min = 0.0f; break;
    case 2: s.output_min = 0.0f; s.output_max = 6.0f; break;
    case 3: s.output_min = s.output_max = special_value(in); break;
    default:
      s.output_min = special_value(in);
      s.output_max = special_value(in);
      if (s.output_min > s.output_max) std::swap(s.output_min, s.output_max);
      break;
  }
  if (std::isnan(s.output_min)) s.output_min = -INFINITY;
  if (std::isnan(s.output_max)) s.output_max = INFINITY;
  l.with_bias = in.ConsumeBool();
  l.residual_kind = in.ConsumeIntegralInRange<int>(0, 2);
  if (l.residual_kind == 2) s.residual_stride = s.output_stride;  // in place: the output's stride
  l.flush_denormals = in.ConsumeBool();
  l.pool = in.ConsumeIntegralInRange<unsigned>(0, 3);
  // One execution in eight asks for a bad argument.
  if (in.ConsumeIntegralInRange<int>(0, 7) == 0)
    l.bad = static_cast<bad_argument>(in.ConsumeIntegralInRange<int>(1, static_cast<int>(bad_argument::count) - 1));
  // Last, so that the saved inputs from before these fields decode as the fp32 layers
  // they were (an exhausted provider gives 0: fp32).
  s.math = in.ConsumeBool() ? PW_MATH_BF16 : PW_MATH_F32;
  s.input_type = in.ConsumeBool() ? PW_DATATYPE_BF16 : PW_DATATYPE_F32;
  s.output_type = in.ConsumeBool() ? PW_DATATYPE_BF16 : PW_DATATYPE_F32;
  return l;
}

struct buffers {
  std::vector<float> input, weights, bias, residual;
};

// Values sized exactly (no slack after the last used float, so AddressSanitizer sees
// any over-read of input or residual).
buffers decode_values(FuzzedDataProvider& in, const layer& l) {
  const conv_shape& s = l.shape;
  buffers b;
  const uint32_t seed = in.ConsumeIntegral<uint32_t>();
  b.input.resize((s.in_pixels() - 1) * s.in_step() + s.dense_in());
  fill(in, b.input, s.in_step(), s.dense_in(), seed);
  b.weights.resize(s.groups * s.in_channels * s.out_channels);
  fill(in, b.weights, 0, 0, seed + 1);
  if (l.with_bias) {
    b.bias.resize(s.dense_out());
    fill(in, b.bias, 0, 0, seed + 2);
  }
  if (l.residual_kind != 0) {
    b.residual.resize((s.out_pixels() - 1) * s.res_step() + s.dense_out());
    fill(in, b.residual, s.res_step(), s.dense_out(), seed + 3);
  }
  // bf16 tensors hold bf16 values: the reference sees exactly what the run reads.
  if (s.input_type == PW_DATATYPE_BF16)
    for (float& x : b.input) x = pw_test::round_bf16(x);
  if (s.output_type == PW_DATATYPE_BF16)
    for (float& r : b.residual) r = pw_test::round_bf16(r);
  return b;
}

pw_conv_desc make_desc(const layer& l, pw_isa isa) {
  pw_conv_desc desc = l.shape.desc(isa);
  desc.flush_denormals = l.flush_denormals ? 1 : 0;
  return desc;
}

// The layer as the kernel sees it: with flushing on, a denormal clamp bound reads as
// zero too (DAZ applies to every operand; a fuzzer finding: an overflowed sum clamped
// to a denormal output_max came out as 0, rightly).
conv_shape seen_shape(const layer& l) {
  conv_shape s = l.shape;
  if (l.flush_denormals) {
    s.output_min = flush_if_denormal(s.output_min);
    s.output_max = flush_if_denormal(s.output_max);
  }
  return s;
}

// The expected result: the reference over what the kernel sees. With flushing on, the
// kernel reads denormal inputs as zero (DAZ) and may flush each denormal product or
// partial sum to zero (FTZ): at most FLT_MIN per operation.
pw_test::reference_output expected_output(const layer& l, const buffers& b) {
  const conv_shape s = seen_shape(l);  // with the math the variant does (conv_shape::on_variant)
  if (!l.flush_denormals) return pw_test::reference_conv(s, b.input, b.weights, b.bias, b.residual);
  // With bf16 math, inputs and weights stay as given: the reference rounds them, and a
  // value that is denormal before its rounding may be read either as zero (DAZ first,
  // as vcvtneps2bf16 does) or as its rounding, FLT_MIN (a fuzzer finding: a weight
  // 0x1.fffp-127 times 2^50 counted in every variant); the reference allows both. Other
  // values are flushed as the run's DAZ sees them: a bf16 tensor's after its rounding.
  buffers flushed = b;
  const bool bf16_math = s.math == PW_MATH_BF16;
  auto stored = [](std::vector<float>& values, bool rounded) {
    for (float& x : values) x = flush_if_denormal(rounded ? pw_test::round_bf16(x) : x);
  };
  if (!bf16_math) {
    stored(flushed.input, s.input_type == PW_DATATYPE_BF16);
    stored(flushed.weights, false);
  }
  stored(flushed.bias, false);
  stored(flushed.residual, s.output_type == PW_DATATYPE_BF16);
  pw_test::reference_output ref = pw_test::reference_conv(s, flushed.input, flushed.weights, flushed.bias, flushed.residual);
  const double slack = static_cast<double>(2 * s.in_channels + 2) * FLT_MIN;
  for (double& bound : ref.bound) bound += slack;
  return ref;
}

// Runs one variant; returns a description of what went wrong, empty if nothing did.
std::string check_variant(pw_isa isa, const layer& l, const buffers& b, const pw_test::reference_output& ref) {
  const conv_shape& s = l.shape;
  pw_conv_desc desc = make_desc(l, isa);
  const bool bad_desc = l.bad == bad_argument::zero_size || l.bad == bad_argument::min_above_max ||
                        l.bad == bad_argument::nan_bound;
  if (l.bad == bad_argument::zero_size) desc.out_channels = 0;
  if (l.bad == bad_argument::min_above_max) {
    desc.output_min = 1.0f;
    desc.output_max = 0.5f;
  }
  if (l.bad == bad_argument::nan_bound) desc.output_max = NAN;
  pw_conv* conv = reinterpret_cast<pw_conv*>(uintptr_t{16});
  const pw_status created = pw_conv_create(&desc, b.weights.data(), b.bias.empty() ? nullptr : b.bias.data(), &conv);
  if (bad_desc) {
    if (created != PW_ERROR_INVALID_ARGUMENT || conv != nullptr) return "a bad desc was not rejected";
    if (std::strstr(pw_last_error(), "desc->") == nullptr) return std::string("unclear message: ") + pw_last_error();
    return "";
  }
  if (created != PW_OK) return std::string("create failed: ") + pw_last_error();

  // The output with sentinels around it and in its padding channels, in its type.
  const size_t out_size = element_bytes(s.output_type);
  const size_t output_count = (s.out_pixels() - 1) * s.out_step() + s.dense_out();
  typed_buffer arena(s.output_type, kGuardFloats + output_count + kGuardFloats);
  char* const output = static_cast<char*>(arena.data()) + kGuardFloats * out_size;
  typed_buffer input_buffer(s.input_type, b.input), residual_buffer(s.output_type, b.residual);
  const void* input = input_buffer.data();
  const void* residual = b.residual.empty() ? nullptr : residual_buffer.data();
  size_t input_stride = s.input_stride, residual_stride = s.residual_stride;
  if (l.residual_kind == 2) {
    for (size_t p = 0; p < s.out_pixels(); ++p)
      for (size_t c = 0; c < s.dense_out(); ++c)
        arena.set(kGuardFloats + p * s.out_step() + c, b.residual[p * s.res_step() + c]);
    residual = output;
  }
  const typed_buffer before = arena;
  bool bad_run = true;
  switch (l.bad) {
    case bad_argument::input_stride_too_small:
      if (s.dense_in() > 1) input_stride = s.dense_in() - 1;
      else bad_run = false;  // with one channel no stride is too small
      break;
    case bad_argument::output_overlaps_input: input = output + (output_count - 1) * out_size; break;
    case bad_argument::residual_overlaps_output:
      // The residual's first element is the output's second channel; with one output
      // channel, output + 1 is padding or the next pixel, which may be legitimately disjoint.
      if (s.dense_out() > 1) residual = output + out_size;
      else bad_run = false;
      break;
    case bad_argument::in_place_stride_differs:
      residual = output;
      residual_stride = s.out_step() + 1;
      break;
    default: bad_run = false; break;
  }
#if defined(__x86_64__)
  // MXCSR's control bits (FTZ, DAZ, rounding, exception masks); bits 0-5 are the
  // sticky exception flags that any arithmetic sets.
  constexpr unsigned kControlBits = ~0x3fu;
  const unsigned mode_before = _mm_getcsr() & kControlBits;
#endif
  const pw_status ran = pw_conv_run(conv, s.batch, s.height, s.width, input, input_stride, output, s.output_stride,
                                    residual, residual_stride, pool_for(l.pool));
  pw_conv_destroy(conv);
#if defined(__x86_64__)
  if ((_mm_getcsr() & kControlBits) != mode_before) return "the run changed the caller's MXCSR (FTZ/DAZ not restored)";
#endif
  if (bad_run) {
    if (ran != PW_ERROR_INVALID_ARGUMENT) return "a bad run argument was not rejected";
    if (!arena.same_bits(before)) return "a rejected run wrote to the output";
    return "";
  }
  if (ran != PW_OK) return std::string("run failed: ") + pw_last_error();
  std::string problems;
  for (size_t i = 0; i < arena.size(); ++i) {
    const bool computed = i >= kGuardFloats && i < kGuardFloats + output_count &&
                          (i - kGuardFloats) % s.out_step() < s.dense_out();
    if (!computed && !arena.is_sentinel(i)) {
      problems += "wrote outside the output at element " + std::to_string(i) + " of the arena\n";
      break;
    }
  }
  std::vector<float> values(output_count);
  for (size_t i = 0; i < output_count; ++i) values[i] = arena.value(kGuardFloats + i);
  std::string mismatch = pw_test::compare_with_reference(seen_shape(l), values.data(), ref);
  // With flushing on, a denormal clamp bound comes out as zero from a kernel that
  // clamps with min/max under DAZ, or as itself from one that selects the bound (the
  // scalar kernel: a finding, regressions/flush-denormal-clamp-bound-selected-as-is).
  // Both are right: try the bounds as given too.
  const conv_shape seen = seen_shape(l);
  if (!mismatch.empty() && (seen.output_min != l.shape.output_min || seen.output_max != l.shape.output_max ||
                            std::signbit(seen.output_min) != std::signbit(l.shape.output_min) ||
                            std::signbit(seen.output_max) != std::signbit(l.shape.output_max)) &&
      pw_test::compare_with_reference(l.shape, values.data(), ref).empty())
    mismatch.clear();
  problems += mismatch;
  return problems;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const layer l = decode_layer(in);
  const buffers b = decode_values(in, l);
  const pw_test::reference_output ref = expected_output(l, b);
  // A bf16-only variant runs an fp32-math layer with bf16 math (conv_shape::desc): its
  // own reference, made once.
  layer bf16_layer = l;
  bf16_layer.shape.math = PW_MATH_BF16;
  pw_test::reference_output bf16_ref;
  // A bad argument of run is checked on the fast path only: every variant validates alike.
  for (const pw::variant& v : pw::all_variants()) {
    const pw_isa isa = v.isa;
    if (!pw_isa_supported(isa)) continue;
    const bool bf16_only = pw_test::variant_does_bf16_math_only(isa) && l.shape.math == PW_MATH_F32;
    if (bf16_only && bf16_ref.value.empty()) bf16_ref = expected_output(bf16_layer, b);
    const std::string problems =
        bf16_only ? check_variant(isa, bf16_layer, b, bf16_ref) : check_variant(isa, l, b, ref);
    if (!problems.empty())
      report("mismatch", l.shape.describe() + " on " + pw_isa_name(isa) + (l.flush_denormals ? " flush" : "") +
                             " residual " + std::to_string(l.residual_kind) + " pool " + std::to_string(l.pool) +
                             " bad " + std::to_string(static_cast<int>(l.bad)) + ":\n" + problems);
  }
  return 0;
}
