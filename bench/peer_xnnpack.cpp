// XNNPACK (Debian's 2022 snapshot): xnn_create_convolution2d_nhwc_f32 as a 1x1
// convolution, no padding, subsampling = the stride, min 0 max +inf; no pool for one
// thread, a pthreadpool of the row's thread count otherwise.
#include <pthreadpool.h>
#include <xnnpack.h>

#include <cmath>
#include <map>

#include "peers.h"

namespace pw_bench {
namespace {

pthreadpool_t xnnpack_pool(size_t threads) {
  if (threads <= 1) return nullptr;
  static std::map<size_t, pthreadpool_t> pools;
  pthreadpool_t& pool = pools[threads];
  if (pool == nullptr) pool = pthreadpool_create(threads);
  return pool;
}

class xnnpack_runner final : public conv_runner {
 public:
  xnnpack_runner(xnn_operator_t op, pthreadpool_t pool, tensor_buffer<float> output)
      : op_(op), pool_(pool), output_(std::move(output)) {}
  ~xnnpack_runner() override { xnn_delete_operator(op_); }
  void run() override { xnn_run_operator(op_, pool_); }
  std::vector<float> output_values() const override { return {output_.begin(), output_.end()}; }
  tensor_buffer<float>* output_buffer() { return &output_; }

 private:
  xnn_operator_t op_;
  pthreadpool_t pool_;
  tensor_buffer<float> output_;
};

std::unique_ptr<conv_runner> make_xnnpack(const layer& l, const layer_data& data, precision, size_t threads,
                                          std::string* error) {
  static const xnn_status initialized = xnn_initialize(nullptr);
  if (initialized != xnn_status_success) {
    *error = "xnn_initialize failed with status " + std::to_string(initialized);
    return nullptr;
  }
  const uint32_t stride = static_cast<uint32_t>(l.stride);
  xnn_operator_t op = nullptr;
  // The kernel is [groups][Co][kh][kw][Ci]: for 1x1, the OI layout.
  xnn_status status = xnn_create_convolution2d_nhwc_f32(
      0, 0, 0, 0, 1, 1, stride, stride, 1, 1, 1, l.in_channels, l.out_channels, l.in_channels, l.out_channels,
      data.weights_oi.data(), data.bias.data(), 0.0f, INFINITY, 0, &op);
  if (status != xnn_status_success) {
    *error = "xnn_create_convolution2d_nhwc_f32 failed with status " + std::to_string(status);
    return nullptr;
  }
  tensor_buffer<float> output(l.out_pixels() * l.out_channels);
  pthreadpool_t pool = xnnpack_pool(threads);
  status = xnn_setup_convolution2d_nhwc_f32(op, 1, l.height, l.width, data.input.data(), output.data(), pool);
  if (status != xnn_status_success) {
    xnn_delete_operator(op);
    *error = "xnn_setup_convolution2d_nhwc_f32 failed with status " + std::to_string(status);
    return nullptr;
  }
  // The vector's heap buffer moves with it, so the pointer given to setup stays valid.
  return std::make_unique<xnnpack_runner>(op, pool, std::move(output));
}

}  // namespace

peer_library xnnpack_peer() {
  return {"xnnpack", "XNNPACK (Debian libxnnpack 2022 snapshot)", make_xnnpack, {precision::fp32}};
}

}  // namespace pw_bench
