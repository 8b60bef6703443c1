#include "peers.h"

namespace pw_bench {

std::vector<peer_library> available_peers() {
  std::vector<peer_library> peers;
#if defined(POINTWISE_BENCH_WITH_ONEDNN)
  peers.push_back(onednn_peer());
#endif
#if defined(POINTWISE_BENCH_WITH_XNNPACK)
  peers.push_back(xnnpack_peer());
#endif
#if defined(POINTWISE_BENCH_WITH_OPENBLAS)
  peers.push_back(openblas_peer());
#endif
  return peers;
}

}  // namespace pw_bench
