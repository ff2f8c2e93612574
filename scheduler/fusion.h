// Cross-layer (depth-first) fusion: a chain of layers run row tile by row tile, so that the
// feature maps between them stay in SRAM instead of making a round trip through DRAM.
//
// A chain is 2..kMaxChainLayers conv layers (batch 1) or GEMM and attention layers, each reading
// what the previous one writes, joined by links:
//   direct      the producer's output is the consumer's input (activations, residual adds and
//               other epilogues fused into the producer's output stage pass it through)
//   geglu       GEMM -> GEGLU -> GEMM: the producer's 2F columns become F (x[:, :F] * gelu(x[:, F:]))
//   group_norm  conv -> group norm (+SiLU) -> conv. Group norm needs the mean and variance of the
//               producer's WHOLE output before it can normalise a single row, so the chain runs a
//               statistics pass first: the prefix of the chain up to that producer is computed
//               once more, row tile by row tile, only to accumulate the sums (its input and, when
//               streamed, its weights read from DRAM again, all its MACs again; nothing written).
//               One such pass per group-norm link. Costed, not executed by scheduler/fused_exec.
//   attention   GEMM -> attention (the GEMM's output rows are the attention's query rows, M = B*Lq,
//               N = heads*D) or attention -> GEMM (its output rows are the GEMM's input rows). An
//               output row of attention needs every key and value row of its batch but only its
//               own query row, so the query rows tile like any GEMM's rows: per step the Q
//               projection of the tile's rows, flash attention of that Q tile against all of K
//               and V, the output projection of the tile's rows (its epilogue, e.g. the residual
//               add, included). K and V are NOT in the chain: their projections (separate linears
//               in our graphs; no pass merges Q, K and V into one GEMM) run before it over the
//               whole sequence and write K and V to DRAM; the chain reads them as the attention's
//               "weights": resident (all of K and V read once before the first step and held) or
//               streamed (per step, for each batch its rows touch, each head's K and V read, one
//               head at a time — the per-layer attention plan's traffic for one query tile).
//               Keys are taken kv_rows at a time (flash attention: online softmax, the running
//               max and sum per row kept on chip), so only one block of K and V and a rows x
//               kv_rows score tile need SRAM; streamed K and V are read block by block.
//
// Schedule (FusedTiling): the last layer's output is cut into tiles of `rows` full-width rows
// (conv: rows of P with every channel and column; GEMM: rows of M). Each step derives, backwards
// up the chain, the rows every intermediate must hold (a 3x3 conv needs its input rows
// [p0*stride - pad, (p1-1)*stride - pad + 3)): that window of rows, all channels, full width, is
// resident in SRAM. Halos (rows two consecutive steps both need):
//   line_buffer  kept from the previous step (a line buffer); only rows not computed before are
//                computed, the first layer's input rows are read from DRAM exactly once
//   recompute    every step computes its whole window again and re-reads the first layer's input
//                window: extra MACs and extra DRAM reads, nothing carried between steps
// With full-width row tiles both hold the same window at the peak of a step, so line_buffer is
// never worse; the search costs both anyway and records which it chose.
// Weights: resident (every layer's weights read once before the first step, all held at once) or
// streamed (each layer's filters read once per step in which it computes rows, one output
// channel at a time — GEGLU producers two, the value and gate columns of one output).
// Weights of an attention layer (its K and V) follow FusedTiling::kv instead of weights_resident.
// Within a step a layer computes one output channel (conv; GEMM: one output column, GEGLU: a
// column pair) of its new rows at a time, into an ofmap tile at psum bits; the output stage then
// stores it into the consumer's window at the consumer's input bits. The last layer: conv writes
// each output channel's rows to DRAM as it is done (contiguous in NCHW); GEMM keeps its rows x N
// output tile at psum bits and writes it once per step. Attention computes one head at a time:
// its rows x D output tile and rows x 2 softmax statistics at psum bits, and the rows x Lk score
// tile at 32 bits; the head's output columns then go to the consumer's window.
// SRAM partitions (non-unified budgets): input and intermediate windows in ifmap, weights in
// filter, ofmap tiles in ofmap. The budget is already halved for double buffering (sram_budget.h).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scheduler/layer.h"
#include "scheduler/loop_nest.h"
#include "scheduler/sram_budget.h"

namespace zoomrt::sched {

inline constexpr int kMaxChainLayers = 4;

enum class LinkKind { none, direct, geglu, group_norm, attention };
const char* link_kind_name(LinkKind k);

enum class HaloMode { line_buffer, recompute };
const char* halo_mode_name(HaloMode h);

struct FusedChain {
  std::vector<Layer> layers;
  std::vector<LinkKind> links;  // links[i] joins layers[i] -> layers[i + 1] (size layers - 1)
};

// K and V of an attention layer in the chain (none: the chain has no attention layer).
enum class KvMode { none, resident, streamed };

struct FusedTiling {
  int64_t rows = 1;  // output rows of the last layer per step
  HaloMode halo = HaloMode::line_buffer;
  bool weights_resident = true;  // conv and GEMM weights
  KvMode kv = KvMode::none;      // attention K and V (none counts as resident)
  int64_t kv_rows = 0;           // attention: keys per block (flash style); 0: all Lk at once
  std::string describe() const;  // "rows 8 line-buffer weights resident" (+ " kv streamed by 64")
};

bool chain_has_attention(const FusedChain& c);
// Layer i's weights (attention: K and V) held for the whole chain?
bool layer_weights_resident(const FusedChain& c, const FusedTiling& t, int i);
// Batches a range of attention rows (of B*Lq) touches: each needs its own K and V. 1 otherwise.
int64_t batches_touched(const Layer& l, Range rows);
// Keys per block of an attention layer under t (min(kv_rows, Lk), all Lk when kv_rows is 0).
int64_t kv_block(const Layer& l, const FusedTiling& t);
// Streamed K and V of one head of one batch: bytes and transfers (K and V of each block).
uint64_t kv_head_bytes(const Layer& l, const FusedTiling& t, uint64_t& transfers);

// Can `a` feed `b` through link `k` (shapes agree, batch 1, conv->conv or GEMM->GEMM, or through
// an attention link GEMM->attention / attention->GEMM)?
bool chainable(const Layer& a, const Layer& b, LinkKind k);
// "" when every link is chainable and the chain has 2..kMaxChainLayers layers, else the reason.
std::string chain_problem(const FusedChain& c);

// Rows of one layer: output rows are P (conv) or M (GEMM, attention B*Lq); input rows H or M.
int64_t output_rows(const Layer& l);
int64_t input_rows(const Layer& l);
// Input rows a layer reads to produce output rows r (clipped; zero padding is never fetched).
Range input_window(const Layer& l, Range r);

// One step of a fused schedule.
struct FusedStep {
  Range fetch;                  // first layer's input rows read from DRAM this step
  Range in_window;              // first layer's input rows resident this step
  std::vector<Range> need;      // per layer: output rows the rest of the chain needs this step
  std::vector<Range> compute;   // per layer: output rows computed this step
};
int64_t fused_steps(const FusedChain& c, const FusedTiling& t);
// All steps in order (line buffers carry state from step to step).
std::vector<FusedStep> fused_schedule(const FusedChain& c, const FusedTiling& t);

// Element counts and widths of one layer as the fused schedule moves it.
struct ChainLayerGeometry {
  int64_t in_row_elems = 0;     // one input row, all channels (conv C*W, GEMM K)
  int64_t out_row_elems = 0;    // one output row (conv K*Q, GEMM N)
  int64_t channels = 0;         // output channels computed one at a time (conv K, GEMM N or N/2,
                                // attention heads)
  int64_t channel_row_elems = 0;  // ofmap elements of one channel of one row (conv Q, GEMM 1 or 2,
                                  // attention D)
  int64_t filter_elems = 0;     // weights of one channel (conv C/g*R*S, GEMM K or 2K, attention
                                // 2*Lk*D: one head's K and V of one batch)
  int64_t weight_elems = 0;     // all weights (attention: all of K and V)
  int weight_parts = 1;         // DRAM transfers per filter / all weights (attention 2: K, V)
  int64_t in_bits = 8000, weight_bits = 8000, out_bits = 8000, psum_bits = 32000;  // milli-bits
  double macs_per_row = 0;      // MACs of one output row
};
ChainLayerGeometry chain_geometry(const FusedChain& c, int layer);
// SRAM (ofmap) an attention layer needs beside its rows x D output tile while it computes one head
// of `rows` query rows: the softmax statistics (rows x 2 at psum bits) and the score tile (rows x
// kv_block at 32 bits).
int64_t attention_head_scratch(const Layer& l, const FusedTiling& t, int64_t rows);

// Exact DRAM traffic of a fused schedule, per layer (layer 0: its input reads; every layer: its
// weights, attention its K and V; the last: its output writes), statistics passes included; and the MACs each layer runs
// (recomputed halos and statistics passes included).
struct FusedTraffic {
  std::vector<uint64_t> read_bytes, write_bytes, transfers;
  std::vector<uint64_t> weight_read_bytes;  // the part of read_bytes that is weights
  std::vector<double> macs;
  uint64_t total_read() const;
  uint64_t total_write() const;
  uint64_t total_transfers() const;
};
FusedTraffic fused_traffic(const FusedChain& c, const FusedTiling& t);

// Peak SRAM bytes per partition over the steps (an upper bound of what scheduler/fused_exec holds).
SramUse fused_sram_use(const FusedChain& c, const FusedTiling& t);

// Statistics passes of a chain: for each group-norm link after layer j, the prefix chain 0..j.
std::vector<FusedChain> statistics_passes(const FusedChain& c);

}  // namespace zoomrt::sched
