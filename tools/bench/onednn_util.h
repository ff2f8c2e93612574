// Small helpers over the oneDNN 2.x C++ API for the bench baselines: one CPU engine/stream,
// and primitives whose weights are reordered once into the layout oneDNN prefers (as our
// packed weights are), so only the compute is timed.
#pragma once
#include <dnnl.hpp>

namespace zoomrt::bench {

struct OneDnn {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
};
OneDnn& onednn();

// Memory with `want`'s layout holding `user`'s data (a reorder when they differ).
inline dnnl::memory reorder_to(dnnl::memory user, const dnnl::memory::desc& want) {
  if (user.get_desc() == want) return user;
  dnnl::memory m(want, onednn().engine);
  dnnl::reorder(user, m).execute(onednn().stream, user, m);
  onednn().stream.wait();
  return m;
}

}  // namespace zoomrt::bench
