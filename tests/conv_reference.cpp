#include "conv_reference.h"

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <sstream>

#include "dispatch.h"

namespace pw_test {

bool variant_does_bf16_math_only(pw_isa isa) {
  const pw::variant* v = pw::find_variant(isa);
  return v != nullptr && v->kernel != nullptr && !pw::variant_does_math(*v, PW_MATH_F32);
}

uint16_t to_bf16(float x) {
  uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  if ((bits & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);
  return static_cast<uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

float from_bf16(uint16_t bits) {
  const uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float x;
  std::memcpy(&x, &wide, sizeof x);
  return x;
}

std::string conv_shape::describe() const {
  char text[256];
  std::snprintf(text, sizeof(text),
                "G=%zu Ci=%zu Co=%zu stride=%zux%zu N=%zu H=%zu W=%zu strides(in,out,res)=%zu,%zu,%zu %s clamp=[%g,%g] "
                "math %s in %s out %s",
                groups, in_channels, out_channels, stride_h, stride_w, batch, height, width, input_stride,
                output_stride, residual_stride, layout == PW_WEIGHTS_IO ? "IO" : "OI",
                static_cast<double>(output_min), static_cast<double>(output_max), math == PW_MATH_BF16 ? "bf16" : "f32",
                input_type == PW_DATATYPE_BF16 ? "bf16" : "f32", output_type == PW_DATATYPE_BF16 ? "bf16" : "f32");
  return text;
}

reference_output reference_conv(const conv_shape& s, const std::vector<float>& input,
                                const std::vector<float>& weights, const std::vector<float>& bias,
                                const std::vector<float>& residual) {
  const size_t G = s.groups, Ci = s.in_channels, Co = s.out_channels;
  const size_t OH = s.out_height(), OW = s.out_width();
  reference_output ref;
  ref.value.assign(s.out_pixels() * s.dense_out(), 0.0);
  ref.bound.assign(ref.value.size(), 0.0);
  ref.may_overflow.assign(ref.value.size(), 0);
  ref.may_be_nan.assign(ref.value.size(), 0);
  const double unit = std::ldexp(1.0, -23) * static_cast<double>(Ci + 2);
  // Below float's normal range the rounding error is absolute, not relative: up to half
  // of denorm_min per operation (2*Ci + 2 of them), whatever the magnitude.
  const bool bf16_math = s.math == PW_MATH_BF16;
  // bf16 math may flush denormal partial sums (the dot-product instructions do, whatever
  // the floating-point mode): up to FLT_MIN per operation.
  const double underflow = (bf16_math ? static_cast<double>(FLT_MIN) : std::ldexp(1.0, -149)) *
                           static_cast<double>(2 * Ci + 2);
  const double output_rounding = s.output_type == PW_DATATYPE_BF16 ? std::ldexp(1.0, -8) : 0.0;
  // Below FLT_MIN a bf16 output's spacing is fixed, 2^-133: half of it, absolute.
  const double output_underflow = s.output_type == PW_DATATYPE_BF16 ? std::ldexp(1.0, -134) : 0.0;
  auto flushable = [&](double v) { return bf16_math && v != 0.0 && std::fabs(v) < static_cast<double>(FLT_MIN); };
  for (size_t n = 0; n < s.batch; ++n)
    for (size_t oh = 0; oh < OH; ++oh)
      for (size_t ow = 0; ow < OW; ++ow) {
        const size_t out_pixel = (n * OH + oh) * OW + ow;
        const size_t in_pixel = (n * s.height + oh * s.stride_h) * s.width + ow * s.stride_w;
        const float* x = input.data() + in_pixel * s.in_step();
        for (size_t g = 0; g < G; ++g)
          for (size_t o = 0; o < Co; ++o) {
            double acc = bias.empty() ? 0.0 : bias[g * Co + o];
            double magnitude = std::fabs(acc);
            // Only finite terms: a true infinity is not an overflow.
            auto finite_part = [](double term) { return std::isfinite(term) ? std::fabs(term) : 0.0; };
            double finite_magnitude = finite_part(acc);
            double flushed = flushable(acc) ? std::fabs(acc) : 0.0;
            bool infinity_times_flushed = false;
            for (size_t i = 0; i < Ci; ++i) {
              float wf = s.layout == PW_WEIGHTS_IO ? weights[(g * Ci + i) * Co + o] : weights[(g * Co + o) * Ci + i];
              float xf = x[g * Ci + i];
              const float w_raw = wf, x_raw = xf;
              if (bf16_math) wf = round_bf16(wf);
              if (s.rounds_input()) xf = round_bf16(xf);
              const double term = static_cast<double>(xf) * wf;
              acc += term;
              magnitude += std::fabs(term);
              // A flushed denormal input, weight or product counts as zero: allow both.
              // The value before rounding counts too: a denormal fp32 value may be read as
              // zero before it is rounded (vcvtneps2bf16 does), though rounding would have
              // made it FLT_MIN.
              const bool x_flushable = flushable(xf) || flushable(x_raw);
              const bool w_flushable = flushable(wf) || flushable(w_raw);
              if (x_flushable || w_flushable || flushable(term)) flushed += std::fabs(term);
              infinity_times_flushed |= (std::isinf(xf) && w_flushable) || (std::isinf(wf) && x_flushable);
              finite_magnitude += finite_part(term);
            }
            if (!residual.empty()) {
              const double r = residual[out_pixel * s.res_step() + g * Co + o];
              acc += r;
              magnitude += std::fabs(r);
              finite_magnitude += finite_part(r);
            }
            ref.may_be_nan[out_pixel * s.dense_out() + g * Co + o] = infinity_times_flushed;
            ref.may_overflow[out_pixel * s.dense_out() + g * Co + o] =
                finite_magnitude * (1.0 + unit) >= std::numeric_limits<float>::max();
            // The clamp in double, with NaN passing through as the library promises.
            if (acc < s.output_min) acc = s.output_min;
            if (acc > s.output_max) acc = s.output_max;
            ref.value[out_pixel * s.dense_out() + g * Co + o] = acc;
            const double bound = unit * magnitude + underflow + flushed;
            ref.bound[out_pixel * s.dense_out() + g * Co + o] =
                bound + (output_rounding > 0 ? output_rounding * (std::fabs(acc) + bound) : 0.0) + output_underflow;
          }
      }
  return ref;
}

std::string compare_with_reference(const conv_shape& s, const float* output, const reference_output& ref) {
  std::ostringstream misses;
  size_t count = 0;
  for (size_t p = 0; p < s.out_pixels(); ++p)
    for (size_t c = 0; c < s.dense_out(); ++c) {
      const double want = ref.value[p * s.dense_out() + c];
      const double bound = ref.bound[p * s.dense_out() + c];
      const float got = output[p * s.out_step() + c];
      const bool may_overflow = !ref.may_overflow.empty() && ref.may_overflow[p * s.dense_out() + c];
      // The clamp of an overflowed float sum.
      // (in a bf16 output, rounded: a finite bound may round to another value or to Inf).
      float overflowed_up = std::min(std::max(INFINITY, s.output_min), s.output_max);
      float overflowed_down = std::min(std::max(-INFINITY, s.output_min), s.output_max);
      if (s.output_type == PW_DATATYPE_BF16) {
        overflowed_up = round_bf16(overflowed_up);
        overflowed_down = round_bf16(overflowed_down);
      }
      // bf16 math may flush a denormal result (a clamp bound below FLT_MIN) to zero.
      auto clamped_overflow = [&](float bound) {
        return got == bound || (s.math == PW_MATH_BF16 && got == 0.0f && std::fpclassify(bound) == FP_SUBNORMAL);
      };
      const bool may_be_nan = !ref.may_be_nan.empty() && ref.may_be_nan[p * s.dense_out() + c];
      bool ok;
      if (may_be_nan && std::isnan(got)) {
        ok = true;
      } else if (std::isnan(want)) {
        ok = std::isnan(got);  // NaN in the exact sum (NaN input, inf * 0, inf - inf) is NaN in any float order
      } else if (may_overflow && (std::isnan(got) || clamped_overflow(overflowed_up) || clamped_overflow(overflowed_down))) {
        ok = true;
      } else if (std::isinf(want)) {
        ok = static_cast<double>(got) == want;
      } else if (std::isinf(bound) || std::isnan(bound)) {
        // The sum's magnitude overflowed double's range of meaning: only the sign is known.
        ok = !std::isnan(got);
      } else {
        // A result of the right size that float cannot hold is an infinity: allow it
        // when the reference lies beyond float's range by at most the bound.
        const double error = std::fabs(static_cast<double>(got) - want);
        ok = error <= bound || (std::isinf(got) && std::fabs(want) + bound >= std::numeric_limits<float>::max() &&
                                (got > 0) == (want > 0));
      }
      if (!ok && count++ < 5)
        misses << "pixel " << p << " channel " << c << ": got " << got << ", want " << want << " +- " << bound << "\n";
    }
  if (count > 0) misses << count << " of " << s.out_pixels() * s.dense_out() << " outputs out of bound\n";
  return misses.str();
}

std::vector<float> random_floats(size_t count, uint32_t seed, float lo, float hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& x : v) x = dist(rng);
  return v;
}

}  // namespace pw_test
