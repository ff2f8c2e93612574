#include "runtime/exec/ff_chunk.h"

#include <algorithm>

#include "kernels/fast/ops.h"

namespace zoomrt {
namespace {

// The chain's sizes: m rows of k inputs -> 2f -> f -> n outputs.
struct ChainDims {
  int64_t m;
  int k, f, n;
};

ChainDims dims(const Graph& g, const FeedForwardChain& c) {
  const Shape& w1 = g.tensor(g.nodes()[size_t(c.proj)].inputs[1]).shape;  // [2f, k]
  const Shape& w2 = g.tensor(g.nodes()[size_t(c.out)].inputs[1]).shape;   // [n, f]
  const TensorId x = g.nodes()[size_t(c.proj)].inputs[0];
  return {shape_numel(g.tensor(x).shape) / w1[1], int(w1[1]), int(w1[0] / 2), int(w2[0])};
}

size_t aligned64(size_t bytes) { return (bytes + 63) / 64 * 64; }

}  // namespace

size_t feed_forward_scratch_bytes(const Graph& g, const FeedForwardChain& c, int chunk_rows) {
  const ChainDims d = dims(g, c);
  const size_t rows = size_t(std::min<int64_t>(chunk_rows, d.m));
  return aligned64(rows * 2 * size_t(d.f) * sizeof(float)) + aligned64(rows * size_t(d.f) * sizeof(float));
}

void run_feed_forward_chunked(const Graph& g, const FeedForwardChain& c, const FastNode& proj, const FastNode& out,
                              int chunk_rows, const std::function<void*(TensorId)>& ptr, void* scratch,
                              ThreadPool& pool) {
  const ChainDims d = dims(g, c);
  const Node& p = g.nodes()[size_t(c.proj)];
  const Node& o = g.nodes()[size_t(c.out)];
  auto in = [&](TensorId t) { return static_cast<const float*>(ptr(t)); };
  const float* x = in(p.inputs[0]);
  const float* bias1 = p.inputs.size() > 2 ? in(p.inputs[2]) : nullptr;
  const float* bias2 = o.inputs.size() > 2 ? in(o.inputs[2]) : nullptr;
  const float* residual = nullptr;
  if (c.residual >= 0) {
    const Node& a = g.nodes()[size_t(c.residual)];
    residual = in(a.inputs[0] == o.output ? a.inputs[1] : a.inputs[0]);
  }
  float* y = static_cast<float*>(ptr(g.nodes()[size_t(c.last())].output));
  const int64_t rows = std::min<int64_t>(chunk_rows, d.m);
  float* hidden = static_cast<float*>(scratch);  // [rows, 2f]
  float* gate = reinterpret_cast<float*>(static_cast<char*>(scratch) +
                                         aligned64(size_t(rows) * 2 * size_t(d.f) * sizeof(float)));  // [rows, f]
  for (int64_t r0 = 0; r0 < d.m; r0 += rows) {
    const int r = int(std::min(rows, d.m - r0));
    run_fast_linear(proj, r, x + r0 * d.k, d.k, bias1, Epilogue{}, hidden, 2 * d.f, pool);
    fast::geglu(r, d.f, hidden, gate, pool);
    Epilogue epi;
    if (residual) epi.residual = residual + r0 * d.n, epi.ld_residual = size_t(d.n);
    run_fast_linear(out, r, gate, d.f, bias2, epi, y + r0 * d.n, d.n, pool);
  }
}

}  // namespace zoomrt
