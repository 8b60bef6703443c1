// OpenBLAS: cblas_sgemm (X[M x Ci] * W[Ci x Co]) then a bias + ReLU pass over the
// output; for a strided layer the input pixels are first gathered into a dense
// matrix, inside the timed region (pointwise reads them in place). With more than
// one thread, OpenBLAS uses its own threads and the gather and bias pass run on a
// pthreadpool of the same count.
#include <cblas.h>
#include <pthreadpool.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "peers.h"

namespace pw_bench {
namespace {

pthreadpool_t helper_pool(size_t threads) {
  if (threads <= 1) return nullptr;
  static std::map<size_t, pthreadpool_t> pools;
  pthreadpool_t& pool = pools[threads];
  if (pool == nullptr) pool = pthreadpool_create(threads);
  return pool;
}

class openblas_runner final : public conv_runner {
 public:
  openblas_runner(const layer& l, const layer_data& data, size_t threads)
      : layer_(l), data_(data), threads_(threads), pool_(helper_pool(threads)),
        output_(l.out_pixels() * l.out_channels) {
    if (l.stride != 1) gathered_.resize(l.out_pixels() * l.in_channels);
    openblas_set_num_threads(static_cast<int>(threads));  // kept until another OpenBLAS row sets it
  }

  void run() override {
    const float* a = data_.input.data();
    if (layer_.stride != 1) {
      pthreadpool_parallelize_1d(pool_, gather_row, this, layer_.out_height(), 0);
      a = gathered_.data();
    }
    const int m = static_cast<int>(layer_.out_pixels()), n = static_cast<int>(layer_.out_channels),
              k = static_cast<int>(layer_.in_channels);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k, data_.weights_io.data(), n, 0.0f,
                output_.data(), n);
    pthreadpool_parallelize_1d(pool_, bias_relu_rows, this, (layer_.out_pixels() + kRowsPerTask - 1) / kRowsPerTask,
                               0);
  }
  const float* output() const override { return output_.data(); }
  std::string label() const override { return openblas_get_corename(); }
  void after_row() override {
    // OpenBLAS's workers spin for a while after a call: let them fall asleep so they
    // do not steal the cores from the next row.
    if (threads_ > 1) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }

 private:
  static constexpr size_t kRowsPerTask = 64;

  static void gather_row(void* context, size_t oh) {
    auto* self = static_cast<openblas_runner*>(context);
    const layer& l = self->layer_;
    for (size_t ow = 0; ow < l.out_width(); ++ow) {
      const float* from = self->data_.input.data() + ((oh * l.stride) * l.width + ow * l.stride) * l.in_channels;
      std::copy(from, from + l.in_channels, self->gathered_.data() + (oh * l.out_width() + ow) * l.in_channels);
    }
  }

  static void bias_relu_rows(void* context, size_t task) {
    auto* self = static_cast<openblas_runner*>(context);
    const layer& l = self->layer_;
    const float* bias = self->data_.bias.data();
    const size_t end = std::min(l.out_pixels(), (task + 1) * kRowsPerTask);
    for (size_t p = task * kRowsPerTask; p < end; ++p) {
      float* row = self->output_.data() + p * l.out_channels;
      for (size_t o = 0; o < l.out_channels; ++o) row[o] = std::max(row[o] + bias[o], 0.0f);
    }
  }

  const layer& layer_;
  const layer_data& data_;
  size_t threads_;
  pthreadpool_t pool_;
  std::vector<float> gathered_;
  std::vector<float> output_;
};

std::unique_ptr<conv_runner> make_openblas(const layer& l, const layer_data& data, size_t threads, std::string*) {
  return std::make_unique<openblas_runner>(l, data, threads);
}

}  // namespace

peer_library openblas_peer() {
  return {"openblas", std::string(openblas_get_config()) + ", core " + openblas_get_corename(), make_openblas};
}

}  // namespace pw_bench
