#include <map>
#include <vector>

#include "runner.h"

namespace pw_bench {
namespace {

class pointwise_runner final : public conv_runner {
 public:
  pointwise_runner(const layer& l, const layer_data& data, pw_conv* conv, pw_threadpool* pool)
      : layer_(l), data_(data), conv_(conv), pool_(pool), output_(l.out_pixels() * l.out_channels) {}
  ~pointwise_runner() override { pw_conv_destroy(conv_); }

  void run() override {
    pw_conv_run(conv_, 1, layer_.height, layer_.width, data_.input.data(), 0, output_.data(), 0, nullptr, 0,
                pool_);
  }
  const float* output() const override { return output_.data(); }
  std::string label() const override {
    pw_conv_info info;
    if (pw_conv_get_info(conv_, &info) != PW_OK) return "";
    return std::string(pw_isa_name(info.isa)) + " mr=" + std::to_string(info.mr) + " nr=" + std::to_string(info.nr) +
           " kc=" + std::to_string(info.kc) + " nc=" + std::to_string(info.nc);
  }

 private:
  const layer& layer_;
  const layer_data& data_;
  pw_conv* conv_;
  pw_threadpool* pool_;
  std::vector<float> output_;
};

}  // namespace

pw_threadpool* pointwise_pool(size_t threads) {
  if (threads <= 1) return nullptr;
  static std::map<size_t, pw_threadpool*> pools;
  pw_threadpool*& pool = pools[threads];
  if (pool == nullptr) pool = pw_threadpool_create(threads);
  return pool;
}

std::unique_ptr<conv_runner> make_pointwise_runner(const layer& l, const layer_data& data, pw_isa variant,
                                                   size_t threads, std::string* error) {
  pw_conv_desc desc;
  pw_conv_desc_init(&desc, l.in_channels, l.out_channels);
  desc.stride_h = desc.stride_w = l.stride;
  desc.output_min = 0.0f;  // ReLU
  desc.isa = variant;
  pw_conv* conv = nullptr;
  if (pw_conv_create(&desc, data.weights_io.data(), data.bias.data(), &conv) != PW_OK) {
    *error = std::string("pw_conv_create: ") + pw_last_error();
    return nullptr;
  }
  return std::make_unique<pointwise_runner>(l, data, conv, pointwise_pool(threads));
}

}  // namespace pw_bench
