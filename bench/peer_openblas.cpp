// OpenBLAS: cblas_sgemm (X[M x Ci] * W[Ci x Co]) then a bias + ReLU pass over the
// output; for a strided layer the input pixels are first gathered into a dense
// matrix, inside the timed region (pointwise reads them in place). OpenBLAS runs the
// GEMM on the row's thread count; the gather and the bias pass (O(M*Ci) and O(M*Co)
// against the GEMM's O(M*Ci*Co)) run on the calling thread, since a second pool
// would fight OpenBLAS's spinning workers for the cores.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "peers.h"

namespace pw_bench {
namespace {

class openblas_runner final : public conv_runner {
 public:
  openblas_runner(const layer& l, const layer_data& data, size_t threads)
      : layer_(l), data_(data), threads_(threads), output_(l.out_pixels() * l.out_channels) {
    if (l.stride != 1) gathered_.resize(l.out_pixels() * l.in_channels);
    openblas_set_num_threads(static_cast<int>(threads));  // kept until another OpenBLAS row sets it
  }

  void run() override {
    const float* a = data_.input.data();
    if (layer_.stride != 1) {
      for (size_t oh = 0; oh < layer_.out_height(); ++oh) gather_row(oh);
      a = gathered_.data();
    }
    const int m = static_cast<int>(layer_.out_pixels()), n = static_cast<int>(layer_.out_channels),
              k = static_cast<int>(layer_.in_channels);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, data_.weights_io.data(), n, 0.0f,
                output_.data(), n);
    bias_relu();
  }
  std::vector<float> output_values() const override { return {output_.begin(), output_.end()}; }
  std::string label() const override { return openblas_get_corename(); }
  void after_row() override {
    // OpenBLAS's workers spin for a while after a call: let them fall asleep so they
    // do not steal the cores from the next row.
    if (threads_ > 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

 private:
  void gather_row(size_t oh) {
    const layer& l = layer_;
    for (size_t ow = 0; ow < l.out_width(); ++ow) {
      const float* from = data_.input.data() + ((oh * l.stride) * l.width + ow * l.stride) * l.in_channels;
      std::copy(from, from + l.in_channels, gathered_.data() + (oh * l.out_width() + ow) * l.in_channels);
    }
  }

  void bias_relu() {
    const float* bias = data_.bias.data();
    for (size_t p = 0; p < layer_.out_pixels(); ++p) {
      float* row = output_.data() + p * layer_.out_channels;
      for (size_t o = 0; o < layer_.out_channels; ++o) row[o] = std::max(row[o] + bias[o], 0.0f);
    }
  }

  const layer& layer_;
  const layer_data& data_;
  size_t threads_;
  tensor_buffer<float> gathered_;
  tensor_buffer<float> output_;
};

std::unique_ptr<conv_runner> make_openblas(const layer& l, const layer_data& data, precision, size_t threads,
                                           std::string*) {
  return std::make_unique<openblas_runner>(l, data, threads);
}

}  // namespace

peer_library openblas_peer() {
  return {"openblas",
          std::string(openblas_get_config()) + ", core " + openblas_get_corename(),
          make_openblas,
          {precision::fp32}};
}

}  // namespace pw_bench
