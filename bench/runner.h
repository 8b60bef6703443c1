// One implementation of one layer, ready to run: created (weights packed/reordered)
// outside the timed loop, run inside it.
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
  // The output as fp32 values (a bf16 output widened), out_pixels x Co, dense: what
  // the check compares; called outside the timed loop.
  virtual std::vector<float> output_values() const = 0;
  virtual std::string label() const { return ""; }  // what actually ran, for the report
  virtual void after_row() {}                    // called once the row's last batch is over
};

// The pointwise conv of `variant` (PW_ISA_AUTO: whatever the library picks) at
// precision `p` on `threads` threads (1: no pool). nullptr and *error set when it
// cannot be made.
std::unique_ptr<conv_runner> make_pointwise_runner(const layer& l, const layer_data& data, pw_isa variant, precision p,
                                                   size_t threads, std::string* error);

// The variant PW_ISA_AUTO runs at precision `p` (POINTWISE_ISA included); PW_ISA_AUTO
// when no conv can be made.
pw_isa auto_variant(precision p);

// A pw_threadpool per thread count, kept for the whole run (nullptr for 1 thread).
pw_threadpool* pointwise_pool(size_t threads);

}  // namespace pw_bench
