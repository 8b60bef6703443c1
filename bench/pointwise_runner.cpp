#include <map>
#include <vector>

#include "runner.h"

namespace pw_bench {
namespace {

class pointwise_runner final : public conv_runner {
 public:
  pointwise_runner(const layer& l, const layer_data& data, precision p, pw_conv* conv, pw_threadpool* pool)
      : layer_(l), conv_(conv), pool_(pool) {
    const size_t outputs = l.out_pixels() * l.out_channels;
    if (p == precision::bf16) {
      input_ = data.input_bf16.data();
      output_bf16_.resize(outputs);
      output_ = output_bf16_.data();
    } else {
      input_ = data.input.data();
      output_f32_.resize(outputs);
      output_ = output_f32_.data();
    }
  }
  ~pointwise_runner() override { pw_conv_destroy(conv_); }

  void run() override { pw_conv_run(conv_, 1, layer_.height, layer_.width, input_, 0, output_, 0, nullptr, 0, pool_); }
  std::vector<float> output_values() const override {
    if (output_bf16_.empty()) return {output_f32_.begin(), output_f32_.end()};
    std::vector<float> values(output_bf16_.size());
    for (size_t i = 0; i < values.size(); ++i) values[i] = from_bf16(output_bf16_[i]);
    return values;
  }
  double weight_bytes() const override {
    pw_conv_info info;
    return pw_conv_get_info(conv_, &info) == PW_OK ? static_cast<double>(info.packed_weight_bytes) : 0.0;
  }
  std::string label() const override {
    pw_conv_info info;
    if (pw_conv_get_info(conv_, &info) != PW_OK) return "";
    return std::string(pw_isa_name(info.isa)) + " mr=" + std::to_string(info.mr) + " nr=" + std::to_string(info.nr) +
           " kc=" + std::to_string(info.kc) + " nc=" + std::to_string(info.nc);
  }

 private:
  const layer& layer_;
  pw_conv* conv_;
  pw_threadpool* pool_;
  const void* input_;
  void* output_;
  tensor_buffer<float> output_f32_;
  tensor_buffer<uint16_t> output_bf16_;
};

}  // namespace

pw_conv_desc pointwise_desc(const layer& l, pw_isa variant, precision p) {
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, l.in_channels, l.out_channels);
  desc.stride_h = desc.stride_w = l.stride;
  desc.output_min = 0.0f;  // ReLU
  desc.isa = variant;
  desc.math = math_of(p);
  desc.input_type = desc.output_type = tensor_type_of(p);
  return desc;
}

pw_threadpool* pointwise_pool(size_t threads) {
  if (threads <= 1) return nullptr;
  static std::map<size_t, pw_threadpool*> pools;
  pw_threadpool*& pool = pools[threads];
  if (pool == nullptr) pool = pw_threadpool_create(threads);
  return pool;
}

std::unique_ptr<conv_runner> make_pointwise_runner(const layer& l, const layer_data& data, pw_isa variant, precision p,
                                                   size_t threads, std::string* error) {
  const pw_conv_desc desc = pointwise_desc(l, variant, p);
  pw_conv* conv = nullptr;
  if (pw_conv_create(&desc, data.weights_io.data(), data.bias.data(), &conv) != PW_OK) {
    *error = std::string("pw_conv_create: ") + pw_last_error();
    return nullptr;
  }
  return std::make_unique<pointwise_runner>(l, data, p, conv, pointwise_pool(threads));
}

pw_isa auto_variant(precision p) {
  const layer probe{"probe", 1, 1, 16, 16, 1};
  const pw_conv_desc desc = pointwise_desc(probe, PW_ISA_AUTO, p);
  const std::vector<float> weights(16 * 16, 0.0f);
  pw_conv* conv = nullptr;
  if (pw_conv_create(&desc, weights.data(), nullptr, &conv) != PW_OK) return PW_ISA_AUTO;
  pw_conv_info info;
  const pw_isa picked = pw_conv_get_info(conv, &info) == PW_OK ? info.isa : PW_ISA_AUTO;
  pw_conv_destroy(conv);
  return picked;
}

}  // namespace pw_bench
