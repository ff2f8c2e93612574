// Feed-forward chunking on the fast path: a FeedForwardChain (graph/passes.h: linear [M,C] ->
// [M,2F], geglu -> [M,F], linear -> [M,C], optionally + residual) runs chunk_rows rows at a
// time through a per-chain scratch, so neither the [M,2F] projection nor the [M,F] gate output
// is ever stored whole (SD2's 64x64 feed-forward: 84 MB + 42 MB in the arena otherwise). Every
// op in the chain computes output row i from input row i alone (GEMM rows are independent, the
// int8 activation scale is per row, geglu is per row), so the result equals the unfused fast
// path bit for bit. The residual add goes into the second GEMM's epilogue (C = (A.B + bias) + r:
// the same float sum as the add node's r + (A.B + bias)).
#pragma once
#include <cstddef>
#include <functional>

#include "graph/passes.h"
#include "runtime/exec/fast_ops.h"

namespace zoomrt {

// Rows per chunk. 256 rows of SD2's widest chain (2F = 5120 at 1280 channels) is a 5 MiB
// projection + 2.5 MiB gate scratch; smaller chunks cost GEMM calls (per-call thread hand-out,
// compressed B panels expanded once per call) for little memory (docs/kernels.md, "Feed-forward
// chunking").
inline constexpr int kFeedForwardChunkRows = 256;

// Bytes of the chain's scratch: a [rows, 2F] block and a [rows, F] block (each 64-byte aligned)
// with rows = min(chunk_rows, M).
size_t feed_forward_scratch_bytes(const Graph& g, const FeedForwardChain& c, int chunk_rows);

// Runs the chain: reads c.proj's input (and the residual's other input), writes c.last()'s
// output. proj / out: the prepared fast nodes of c.proj and c.out (runtime/exec/fast_ops.h, any
// weight format); scratch: feed_forward_scratch_bytes(g, c, chunk_rows) bytes, 64-byte aligned.
void run_feed_forward_chunked(const Graph& g, const FeedForwardChain& c, const FastNode& proj, const FastNode& out,
                              int chunk_rows, const std::function<void*(TensorId)>& ptr, void* scratch,
                              ThreadPool& pool);

}  // namespace zoomrt
