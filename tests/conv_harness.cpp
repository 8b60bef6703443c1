#include "conv_harness.h"

#include <cmath>
#include <cstdlib>

#include "dispatch.h"

namespace pw_test {

conv_data make_conv_data(const conv_shape& s, bool with_bias, bool with_residual, uint32_t seed) {
  conv_data d;
  d.input = random_floats(s.in_pixels() * s.in_step(), seed);
  // Padding channels hold NaN: a kernel that read them into a sum would show it.
  for (size_t p = 0; p < s.in_pixels(); ++p)
    for (size_t c = s.dense_in(); c < s.in_step(); ++c) d.input[p * s.in_step() + c] = NAN;
  d.weights = random_floats(s.groups * s.in_channels * s.out_channels, seed + 1);
  if (with_bias) d.bias = random_floats(s.dense_out(), seed + 2);
  if (with_residual) {
    d.residual = random_floats(s.out_pixels() * s.res_step(), seed + 3);
  }
  // bf16 tensors hold bf16 values: the reference sees exactly what the run reads.
  if (s.input_type == PW_DATATYPE_BF16)
    for (float& x : d.input) x = round_bf16(x);
  if (s.output_type == PW_DATATYPE_BF16)
    for (float& r : d.residual) r = round_bf16(r);
  return d;
}

typed_tensor::typed_tensor(pw_datatype type, const std::vector<float>& values) : type_(type), values_(values) {
  if (type == PW_DATATYPE_BF16) {
    bits_.resize(values.size());
    for (size_t i = 0; i < values.size(); ++i) bits_[i] = is_sentinel(values[i]) ? kSentinelBf16 : to_bf16(values[i]);
  }
}

void* typed_tensor::data() { return type_ == PW_DATATYPE_BF16 ? static_cast<void*>(bits_.data()) : values_.data(); }

std::vector<float> typed_tensor::values() const {
  if (type_ != PW_DATATYPE_BF16) return values_;
  std::vector<float> widened(bits_.size());
  for (size_t i = 0; i < bits_.size(); ++i) widened[i] = bits_[i] == kSentinelBf16 ? kSentinel : from_bf16(bits_[i]);
  return widened;
}

run_result run_conv(pw_isa isa, const conv_shape& s, const conv_data& d, const run_options& options) {
  run_result result;
  const pw_conv_desc desc = s.desc(isa);
  pw_conv* conv = nullptr;
  result.status = pw_conv_create(&desc, d.weights.data(), d.bias.empty() ? nullptr : d.bias.data(), &conv);
  if (result.status != PW_OK) {
    result.error = pw_last_error();
    result.output.assign(s.out_pixels() * s.out_step(), kSentinel);
    return result;
  }
  std::vector<float> output(s.out_pixels() * s.out_step(), kSentinel);
  size_t residual_stride = s.residual_stride;
  if (!d.residual.empty() && options.in_place_residual) {
    // In place: the residual lives in the output buffer, at the output's stride.
    for (size_t p = 0; p < s.out_pixels(); ++p)
      for (size_t c = 0; c < s.dense_out(); ++c) output[p * s.out_step() + c] = d.residual[p * s.res_step() + c];
    residual_stride = s.output_stride;
  }
  typed_tensor input(s.input_type, d.input), out(s.output_type, output), separate(s.output_type, d.residual);
  const void* residual = d.residual.empty() ? nullptr : options.in_place_residual ? out.data() : separate.data();
  result.status = pw_conv_run(conv, s.batch, s.height, s.width, input.data(), s.input_stride, out.data(),
                              s.output_stride, residual, residual_stride, options.pool);
  if (result.status != PW_OK) result.error = pw_last_error();
  result.output = out.values();
  pw_conv_destroy(conv);
  return result;
}

std::string check_conv(pw_isa isa, const conv_shape& s, bool with_bias, bool with_residual, uint32_t seed,
                       const run_options& options) {
  return check_conv_data(isa, s, make_conv_data(s, with_bias, with_residual, seed), options);
}

std::string check_conv_data(pw_isa isa, const conv_shape& s, const conv_data& d, const run_options& options) {
  const run_result r = run_conv(isa, s, d, options);
  if (r.status != PW_OK) return std::string("run failed: ") + pw_status_string(r.status) + ": " + r.error;
  std::string problems;
  for (size_t p = 0; p < s.out_pixels(); ++p)
    for (size_t c = s.dense_out(); c < s.out_step(); ++c)
      if (!is_sentinel(r.output[p * s.out_step() + c])) {
        problems += "wrote outside the output channels at pixel " + std::to_string(p) + " channel " + std::to_string(c) + "\n";
        p = s.out_pixels();
        break;
      }
  // The reference sees the residual at the stride it was given to the run.
  conv_shape ref_shape = s;
  if (options.in_place_residual) ref_shape.residual_stride = s.output_stride;
  std::vector<float> residual = d.residual;
  if (options.in_place_residual && !residual.empty()) {
    residual.assign(s.out_pixels() * s.out_step(), 0.0f);
    for (size_t p = 0; p < s.out_pixels(); ++p)
      for (size_t c = 0; c < s.dense_out(); ++c) residual[p * s.out_step() + c] = d.residual[p * s.res_step() + c];
  }
  const reference_output ref = reference_conv(ref_shape.on_variant(isa), d.input, d.weights, d.bias, residual);
  problems += compare_with_reference(s, r.output.data(), ref);
  return problems.empty() ? problems : s.describe() + " on " + pw_isa_name(isa) + ":\n" + problems;
}

void reverse_parallel_for(void*, pw_task_fn task, void* task_context, size_t count) {
  for (size_t i = count; i-- > 0;) task(task_context, i);
}

pw_conv_desc variant_desc(pw_isa isa, size_t in_channels, size_t out_channels) {
  conv_shape s;
  s.in_channels = in_channels;
  s.out_channels = out_channels;
  return s.desc(isa);
}

std::vector<conv_shape> bf16_variants_of(pw_isa isa, const conv_shape& shape) {
  std::vector<conv_shape> shapes;
  for (pw_math math : {PW_MATH_F32, PW_MATH_BF16})
    for (pw_datatype in : {PW_DATATYPE_F32, PW_DATATYPE_BF16})
      for (pw_datatype out : {PW_DATATYPE_F32, PW_DATATYPE_BF16}) {
        if (math == PW_MATH_F32 &&
            (variant_does_bf16_math_only(isa) || (in == PW_DATATYPE_F32 && out == PW_DATATYPE_F32)))
          continue;
        conv_shape s = shape;
        s.math = math;
        s.input_type = in;
        s.output_type = out;
        shapes.push_back(s);
      }
  return shapes;
}

bool emulated_run() {
  const char* value = std::getenv("POINTWISE_TEST_EMULATED");
  return value != nullptr && value[0] != '\0' && value[0] != '0';
}

std::string isa_param_name(pw_isa isa) { return pw_isa_name(isa); }

std::vector<pw_isa> all_variant_isas() {
  std::vector<pw_isa> isas;
  for (const pw::variant& v : pw::all_variants()) isas.push_back(v.isa);
  return isas;
}

}  // namespace pw_test
