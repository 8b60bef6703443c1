// One implementation of one layer, ready to run: created (weights packed/reordered)
// outside the timed loop, run inside it. A kernel-alone runner is one call of a
// variant's microkernel on the shapes the planner chose for the layer.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "layer_data.h"
#include "pointwise/pointwise.h"

namespace pw_bench {

class conv_runner {
 public:
  virtual ~conv_runner() = default;
  virtual void run() = 0;                        // one forward pass, bias + ReLU
  // The output as fp32 values (a bf16 output widened), checked_block().pixels x
  // checked_block().channels, dense: what the check compares; called outside the
  // timed loop.
  virtual std::vector<float> output_values() const = 0;
  // The corner of the layer's output that output_values() holds: all of it for a layer.
  virtual output_block checked_block(const layer& l) const { return whole_output(l); }
  // The flops of one run().
  virtual double flops_per_run(const layer& l) const { return l.flops(); }
  // The bytes of weights one run reads as the implementation stores them (pointwise:
  // its packed weights); 0 when the runner does not know (the row then counts the
  // dense weights of the precision).
  virtual double weight_bytes() const { return 0; }
  virtual std::string label() const { return ""; }  // what actually ran, for the report
  virtual void after_row() {}                    // called once the row's last batch is over
};

// The desc of the layer rows' conv: the layer's channels and stride, bias + ReLU, the
// variant, and the math and tensor types of precision `p`.
pw_conv_desc pointwise_desc(const layer& l, pw_isa variant, precision p);

// The pointwise conv of `variant` (PW_ISA_AUTO: whatever the library picks) at
// precision `p` on `threads` threads (1: no pool). nullptr and *error set when it
// cannot be made.
std::unique_ptr<conv_runner> make_pointwise_runner(const layer& l, const layer_data& data, pw_isa variant, precision p,
                                                   size_t threads, std::string* error);

// The kernel-alone row of `variant` at precision `p` for layer `l`: the conv the
// layer rows create, and one call of its microkernel (mr rows, the first channel
// tile, the first block of kc input channels with bias and clamp) on the layer's
// first mr pixels, whose rows stay in L1, into a small output. nullptr and *error set
// when it cannot be made, or when this variant's kernel would not read the rows of
// precision `p` in place (its layer rows convert them first: not a distinct kernel).
std::unique_ptr<conv_runner> make_kernel_alone_runner(const layer& l, const layer_data& data, pw_isa variant,
                                                      precision p, std::string* error);

// The precision at which `variant`'s kernel reads the tensors in place: fp32 for an
// fp32 kernel, bf16 tensors for a bf16 kernel.
precision native_precision(pw_isa variant);

// The variant PW_ISA_AUTO runs at precision `p` (POINTWISE_ISA included); PW_ISA_AUTO
// when no conv can be made.
pw_isa auto_variant(precision p);

// A pw_threadpool per thread count, kept for the whole run (nullptr for 1 thread).
pw_threadpool* pointwise_pool(size_t threads);

}  // namespace pw_bench
