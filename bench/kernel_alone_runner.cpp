// The kernel-alone rows: a variant's microkernel called on its own, on the shapes the
// planner chose for a layer, so that a report can put "kernel alone X% of peak" next
// to "whole layer Y%" on whatever host runs it. The conv is created through the C API
// and its plan, packed weights and kernel are read from the internal struct: nothing
// here plans or packs.
#include <algorithm>
#include <memory>

#include "conv.h"
#include "dispatch.h"
#include "runner.h"

namespace pw_bench {
namespace {

class kernel_alone_runner final : public conv_runner {
 public:
  kernel_alone_runner(const layer& l, const layer_data& data, pw_conv* conv)
      : conv_(conv), kernel_(*conv->kernel) {
    const pw_conv& c = *conv;
    const bool bf16_rows = kernel_.input_type == pw::element_type::bf16;
    // What one task of the layer's run on one thread gives its kernel calls: a full
    // register group (fewer pixels only when the layer has fewer), the first channel
    // tile, the first block of input channels.
    const pw::run_plan plan = pw::plan_run(c.tiles, l.out_pixels(), c.groups, 1);
    mr_ = std::min(kernel_.mr, l.out_pixels());
    // The kernel the tile loop calls for that many pixels.
    gemm_ = mr_ <= kernel_.few_rows ? kernel_.gemm_few_rows : kernel_.gemm;
    nc_ = std::min(plan.channel_tile, c.out_channels);
    kc_ = std::min(c.channels.kc, c.in_channels);
    // The layer's first mr output pixels, read in place as the tile loop reads them:
    // the same rows every call, so they stay in L1.
    const void* tensor = bf16_rows ? static_cast<const void*>(data.input_bf16.data()) : data.input.data();
    const unsigned char* input = static_cast<const unsigned char*>(tensor);
    const size_t row_bytes = l.in_channels * pw::row_element_bytes(kernel_);
    for (size_t m = 0; m < mr_; ++m) {
      const size_t oh = m / l.out_width(), ow = m % l.out_width();
      rows_[m] = input + (oh * l.stride * l.width + ow * l.stride) * row_bytes;
    }
    // A kernel with the bf16 epilogue stores a bf16 output itself, as in the layer's
    // bf16 rows; every other kernel stores fp32 (the tile loop narrows it afterwards).
    bf16_output_ = kernel_.bf16_epilogue && c.output_type == PW_DATATYPE_BF16;
    output_.assign(mr_ * nc_, 0.0f);
    if (bf16_output_) output_bf16_.assign(mr_ * nc_, 0);
    timed_ = tile_for_block(0, output_.data(), output_bf16_.data());
    timed_.last_block = true;  // bias and clamp in one call: the block's kernel on its own
  }
  ~kernel_alone_runner() override { pw_conv_destroy(conv_); }

  void run() override { gemm_(timed_); }

  // Every block of input channels in order for the same rows and channels, as the tile
  // loop runs them: the full sums, comparable with the layer's reference.
  std::vector<float> output_values() const override {
    std::vector<float> sums(mr_ * nc_, 0.0f);
    std::vector<uint16_t> sums_bf16(bf16_output_ ? mr_ * nc_ : 0, 0);
    for (size_t k0 = 0; k0 < conv_->in_channels; k0 += conv_->channels.kc)
      gemm_(tile_for_block(k0, sums.data(), sums_bf16.data()));
    if (bf16_output_)
      for (size_t i = 0; i < sums.size(); ++i) sums[i] = from_bf16(sums_bf16[i]);
    return sums;
  }
  output_block checked_block(const layer&) const override { return {mr_, nc_}; }
  double flops_per_run(const layer&) const override { return 2.0 * mr_ * kc_ * nc_; }
  // The packed panels one call reads (bias row included).
  double weight_bytes() const override {
    const pw::weight_layout& layout = *kernel_.layout;
    const size_t panels = (nc_ + kernel_.nr - 1) / kernel_.nr;
    return static_cast<double>(panels * layout.panel_stride(conv_->packing, 0));
  }
  std::string label() const override {
    return std::string(conv_->variant->name) + " mr=" + std::to_string(mr_) + " nr=" + std::to_string(kernel_.nr) +
           " kc=" + std::to_string(kc_) + " nc=" + std::to_string(nc_) + " (kernel alone: first block, bias + clamp)";
  }

 private:
  pw::gemm_tile tile_for_block(size_t k0, float* output, uint16_t* bf16_output) const {
    const pw_conv& c = *conv_;
    pw::gemm_tile tile{};
    tile.mr = mr_;
    tile.nc = nc_;
    tile.kc = std::min(c.channels.kc, c.in_channels - k0);
    tile.input_rows = rows_;
    tile.input_offset = k0;
    tile.weights = c.packed_weights + kernel_.layout->block_offset(c.packing, k0);
    tile.output = output;
    tile.output_stride = nc_;
    tile.residual = nullptr;
    tile.first_block = k0 == 0;
    tile.last_block = k0 + tile.kc >= c.in_channels;
    tile.output_min = c.output_min;
    tile.output_max = c.output_max;
    if (bf16_output_) {
      tile.bf16_output = bf16_output;
      tile.bf16_output_stride = nc_;
    }
    return tile;
  }

  pw_conv* conv_;
  const pw::microkernel& kernel_;
  pw::gemm_kernel_fn gemm_ = nullptr;
  size_t mr_ = 0, nc_ = 0, kc_ = 0;
  const void* rows_[16] = {};  // the largest MR of the variants is 14
  bool bf16_output_ = false;
  tensor_buffer<float> output_;
  tensor_buffer<uint16_t> output_bf16_;
  pw::gemm_tile timed_{};
};

}  // namespace

precision native_precision(pw_isa variant) {
  const pw::variant* v = pw::find_built_variant(variant);
  return v != nullptr && v->kernel->input_type == pw::element_type::bf16 ? precision::bf16 : precision::fp32;
}

std::unique_ptr<conv_runner> make_kernel_alone_runner(const layer& l, const layer_data& data, pw_isa variant,
                                                      precision p, std::string* error) {
  if (p != native_precision(variant)) {
    *error = std::string("the kernel of ") + pw_isa_name(variant) + " does not read " + precision_name(p) +
             " rows in place";
    return nullptr;
  }
  const pw_conv_desc desc = pointwise_desc(l, variant, p);
  pw_conv* conv = nullptr;
  if (pw_conv_create(&desc, data.weights_io.data(), data.bias.data(), &conv) != PW_OK) {
    *error = std::string("pw_conv_create: ") + pw_last_error();
    return nullptr;
  }
  if (conv->groups != 1 || conv->kernel->mr > 16 || pw::needs_row_conversion(*conv->kernel, desc)) {
    pw_conv_destroy(conv);
    *error = "the kernel-alone row needs one group, mr <= 16 and rows the kernel reads in place";
    return nullptr;
  }
  return std::make_unique<kernel_alone_runner>(l, data, conv);
}

}  // namespace pw_bench
