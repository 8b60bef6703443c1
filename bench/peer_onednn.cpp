// oneDNN: its direct convolution, NHWC source and destination, weights in the format
// the primitive prefers (format_tag::any) reordered once at creation, bias, ReLU as
// a post-op. Its OpenMP runtime is given the row's thread count.
// Precisions: fp32; bf16 (bf16 source, weights and destination, fp32 bias); bf16math
// (fp32 tensors with fpmath_mode::bf16, which allows oneDNN to round to bf16 inside:
// a hint, which an implementation may not take, so the check accepts either math and
// the label says which one the output matched).
#include <omp.h>

#include <cstdio>
#include <dnnl.hpp>
#include <set>

#include "peers.h"

namespace pw_bench {
namespace {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

class onednn_runner final : public conv_runner {
 public:
  onednn_runner(const layer& l, const layer_data& data, precision p)
      : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    const memory::dim ci = static_cast<memory::dim>(l.in_channels), co = static_cast<memory::dim>(l.out_channels);
    const memory::dim h = static_cast<memory::dim>(l.height), w = static_cast<memory::dim>(l.width);
    const memory::dim oh = static_cast<memory::dim>(l.out_height()), ow = static_cast<memory::dim>(l.out_width());
    const memory::dim s = static_cast<memory::dim>(l.stride);
    const auto f32 = memory::data_type::f32;
    const auto tensors = p == precision::bf16 ? memory::data_type::bf16 : f32;
    memory::desc src_md({1, ci, h, w}, tensors, tag::nhwc);
    memory::desc dst_md({1, co, oh, ow}, tensors, tag::nhwc);
    memory::desc bias_md({co}, f32, tag::x);
    memory::desc any_weights_md({co, ci, 1, 1}, tensors, tag::any);
    dnnl::post_ops relu;
    relu.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(relu);
    if (p == precision::bf16math) attr.set_fpmath_mode(dnnl::fpmath_mode::bf16);
    dnnl::convolution_forward::desc conv_desc(dnnl::prop_kind::forward_inference,
                                              dnnl::algorithm::convolution_direct, src_md, any_weights_md, bias_md,
                                              dst_md, {s, s}, {0, 0}, {0, 0});
    dnnl::convolution_forward::primitive_desc pd(conv_desc, attr, engine_);
    implementation_ = pd.impl_info_str();
    conv_ = dnnl::convolution_forward(pd);

    // The fp32 weights, reordered (and for bf16 rounded to nearest even) once.
    memory user_weights({{co, ci, 1, 1}, f32, tag::oihw}, engine_, const_cast<float*>(data.weights_oi.data()));
    weights_ = memory(pd.weights_desc(), engine_);
    dnnl::reorder(user_weights, weights_).execute(stream_, user_weights, weights_);
    stream_.wait();
    const size_t outputs = l.out_pixels() * l.out_channels;
    if (p == precision::bf16) {
      output_bf16_.resize(outputs);
      src_ = memory(src_md, engine_, const_cast<uint16_t*>(data.input_bf16.data()));
      dst_ = memory(dst_md, engine_, output_bf16_.data());
    } else {
      output_f32_.resize(outputs);
      src_ = memory(src_md, engine_, const_cast<float*>(data.input.data()));
      dst_ = memory(dst_md, engine_, output_f32_.data());
    }
    bias_ = memory(bias_md, engine_, const_cast<float*>(data.bias.data()));
  }

  void run() override {
    conv_.execute(stream_, {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_BIAS, bias_},
                            {DNNL_ARG_DST, dst_}});
    stream_.wait();
  }
  std::vector<float> output_values() const override {
    if (output_bf16_.empty()) return {output_f32_.begin(), output_f32_.end()};
    std::vector<float> values(output_bf16_.size());
    for (size_t i = 0; i < values.size(); ++i) values[i] = from_bf16(output_bf16_[i]);
    return values;
  }
  std::string label() const override { return implementation_; }

 private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  tensor_buffer<float> output_f32_;
  tensor_buffer<uint16_t> output_bf16_;
  dnnl::convolution_forward conv_;
  memory src_, weights_, bias_, dst_;
  std::string implementation_;
};

std::unique_ptr<conv_runner> make_onednn(const layer& l, const layer_data& data, precision p, size_t threads,
                                         std::string* error) {
  // Set before the primitive is created: oneDNN plans its split for this count.
  omp_set_num_threads(static_cast<int>(threads));
  try {
    auto runner = std::make_unique<onednn_runner>(l, data, p);
    // The implementation oneDNN picked, once per layer and precision, in the console log.
    static std::set<std::string> told;
    const std::string key = l.suite + "/" + l.name() + "/" + row_variant_name("onednn", p);
    if (told.insert(key).second) std::fprintf(stderr, "onednn %s: %s\n", key.c_str(), runner->label().c_str());
    return runner;
  } catch (const dnnl::error& e) {
    *error = std::string("oneDNN: ") + e.what();
    return nullptr;
  }
}

}  // namespace

peer_library onednn_peer() {
  const dnnl_version_t* v = dnnl_version();
  std::string version = "oneDNN " + std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
                        std::to_string(v->patch) + " (" + v->hash + ")";
  return {"onednn", version, make_onednn, {precision::fp32, precision::bf16math, precision::bf16}};
}

}  // namespace pw_bench
