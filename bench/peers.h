// The libraries pointwise is compared with, each compiled in when its Debian package
// was found (POINTWISE_BENCH_WITH_<PEER>); none is needed by the library itself.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runner.h"

namespace pw_bench {

using peer_factory = std::unique_ptr<conv_runner> (*)(const layer& l, const layer_data& data, precision p,
                                                      size_t threads, std::string* error);

struct peer_library {
  std::string name;     // "onednn", "xnnpack", "openblas": the benchmark name's variant part
  std::string version;  // what the library reports about itself
  peer_factory make;
  std::vector<precision> precisions;  // what it is run at (fp32 at least)
};

std::vector<peer_library> available_peers();

#if defined(POINTWISE_BENCH_WITH_ONEDNN)
peer_library onednn_peer();
#endif
#if defined(POINTWISE_BENCH_WITH_XNNPACK)
peer_library xnnpack_peer();
#endif
#if defined(POINTWISE_BENCH_WITH_OPENBLAS)
peer_library openblas_peer();
#endif

}  // namespace pw_bench
