// NpuAccountant: what the graphs a run executes would cost on a simulated NPU. The bridge from the
// graph IR to scheduler/ (tiling plans, exact DRAM bytes) and sim/ (DRAM row buffers, compute
// cycles, power policies, energy). Needs shapes and dtypes only, never weights.
//
// account_graph costs the NPU lowering of a graph (runtime/npu/lowering.h: the executor's graph,
// activations and residual adds fused into conv/linear output stages, CPU layout conversions
// free). Op mapping of the lowered nodes (one table in accounting_nodes.cpp, kVectorOpsPerElement,
// covers every graph op):
//   conv2d     -> conv layer   N, K, C, H, W (-> P, Q), R, S, stride, pad, groups
//   linear     -> GEMM layer   M = rows of x (all leading dims), N = out features, K = in features
//   attention  -> attention    B, heads, Lq, Lk, D = (h*d) / heads
//   any other  -> vector op on the NPU's vector unit: DRAM bytes = every input read once +
//                 the output written once (streamed, no reuse), at the dtype policy's
//                 activation width; cycles = ceil(elements x ops/element / lanes).
//                 `reshape` and NCHW <-> NHWC permutes are free (no traffic, no cycles).
//   fused      -> no row: the matrix row's op reads "conv2d+silu+add"; a fused residual adds a
//                 streamed read of the other input to that row's DRAM traffic.
// Vector lanes: sim/ has no vector-unit key, so we assume one lane per MAC-array column
// (array.cols elements per cycle), the post-array activation/pooling unit of Ethos-/TPU-like
// NPUs. ops/element per op is an assumption too (see the table's comments).
//
// Operand widths come from the dtype policy (SimDtype): f16 = 16-bit weights and activations,
// int8 = W8A8, int4 = W4A8 with one f16 scale per 32 weights (4.5 bits per weight), palettized
// and 2:4 sparse formats as the table below says; partial sums spill at 32 bits. MAC rate and
// energy follow the NPU's per-dtype figures.
//
// Costs of one execution of a matrix layer are the plan's own cost (sched::cost_plan, the function
// the tiling search minimised), on a DRAM model with all rows closed. The search costs each
// layer's operands packed from address 0; account_graph then re-costs the chosen plan with its
// tensors where the model's DRAM allocation puts them (runtime/npu/dram_plan.h: a layer reads its
// input where its producer wrote it; still a fresh DRAM model per layer), unless
// place_tensors is off (fused-chain layers too: the chain's input, weights and output there); vector ops are memoised per distinct work. Repeats (e.g. 50 UNet steps) multiply a layer's cost; the
// power policy sees each layer weighted by its repeats. Rows (`layers`) hold per-execution
// values plus `repeats`; the summary totals are sums of row x repeats.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/enum_table.h"
#include "graph/graph.h"
#include "scheduler/layer.h"
#include "scheduler/objective.h"
#include "scheduler/plan_cost.h"
#include "scheduler/strategy.h"
#include "sim/npu_config.h"
#include "sim/dram.h"
#include "sim/power.h"

namespace zoomrt::sched {
struct FusedPlacement;  // scheduler/fused_plan.h
}  // namespace zoomrt::sched

namespace zoomrt {

// X(enumerator, name, NPU MAC dtype, value bits, palette index bits, f16 scale group, 2:4 sparse,
//   help): the `--dtype` (weight format) policies of `zoomrt sim`. Activations are 16-bit for
// f16 and 8-bit otherwise. Weight storage, in bits per dense weight (sim_weight_bits):
//   plain        value bits (+ 16 / group for the f16 scales when group > 0)
//   palette      index bits + one codebook per layer of 2^index entries at the MAC width
//                (Deep Compression weight sharing; indices are looked up to int8 before the MAC)
//   2:4 sparse   half the values are kept: (value bits + 2 metadata bits per kept value) / 2,
//                + the scales; an array with `skips_zeros` runs half the MACs and half the
//                cycles of conv/GEMM layers (attention has no weights: unchanged)
#define ZOOMRT_SIM_DTYPES(X)                                                                     \
  X(f16, "f16", fp16, 16, 0, 0, false, "16-bit weights and activations")                          \
  X(int8, "int8", int8, 8, 0, 0, false, "8-bit weights and activations (W8A8)")                   \
  X(int4, "int4", int4, 4, 0, 32, false, "W4A8: 4-bit weights + one f16 scale per 32 weights")    \
  X(int4_g64, "int4-g64", int4, 4, 0, 64, false, "W4A8: 4-bit weights + one f16 scale per 64 weights") \
  X(int4_g128, "int4-g128", int4, 4, 0, 128, false, "W4A8: 4-bit weights + one f16 scale per 128 weights") \
  X(palette4, "palette4", int8, 8, 4, 0, false, "4-bit indices into a 16-entry int8 codebook per layer") \
  X(palette6, "palette6", int8, 8, 6, 0, false, "6-bit indices into a 64-entry int8 codebook per layer") \
  X(sparse24, "sparse24", int8, 8, 0, 0, true, "2:4 sparse int8: 8-bit kept values + 2-bit positions")   \
  X(sparse24_int4, "sparse24-int4", int4, 4, 0, 32, true, "2:4 sparse int4 + f16 scale per 32 weights") \
  X(sparse24_f16, "sparse24-f16", fp16, 16, 0, 0, true, "2:4 sparse f16: 16-bit kept values + 2-bit positions")

enum class SimDtype {
#define X(e, name, mac, vbits, ibits, group, sparse, help) e,
  ZOOMRT_SIM_DTYPES(X)
#undef X
};
// Names, help texts and parsing of the simulated formats (base/enum_table.h).
inline constexpr auto kSimDtypes = make_enum_table<SimDtype>({
#define X(e, name, mac, vbits, ibits, group, sparse, help) {SimDtype::e, name, help},
    ZOOMRT_SIM_DTYPES(X)
#undef X
});
const char* sim_dtype_name(SimDtype d);
const char* sim_dtype_help(SimDtype d);
// InputError "<what>: 'x' is not one of f16 | int8 | ..." for an unknown name.
SimDtype sim_dtype_from_name(const std::string& name, std::string_view what = "--dtype");
std::vector<SimDtype> all_sim_dtypes();
sim::MacDtype sim_mac_dtype(SimDtype d);
bool sim_dtype_sparse24(SimDtype d);
// Operand widths without the per-layer codebook (weights = bits per dense weight, see above).
sched::OperandBits sim_operand_bits(SimDtype d);
// Bits per dense weight of a layer holding `weights` weights, codebook included, rounded up to
// the scheduler's 1/1000 bit (a codebook is never under-counted).
double sim_weight_bits(SimDtype d, int64_t weights);
// Number of weights of a conv / GEMM layer (0 for attention).
int64_t layer_weight_count(const sched::Layer& l);
// Sets l.bits.weight to sim_weight_bits(d, layer_weight_count(l)) (attention: unchanged).
void apply_weight_format(sched::Layer& l, SimDtype d);

struct AccountingOptions {
  SimDtype dtype = SimDtype::int8;
  sched::Strategy strategy = sched::Strategy::adaptive;
  sched::Objective objective = sched::Objective::energy;  // what every tiling search minimises
  sim::PowerPolicy policy = sim::PowerPolicy::fixed;
  double power_cap_w = 0;  // <= 0: no cap
  // Speed knob passed to sched::emit_plan: after this many address ranges a layer's DRAM
  // counters are extrapolated from the emitted part (bytes stay exact). 0 = emit everything.
  uint64_t max_ranges_per_layer = 20000;
  // strategy fused: every chainable pair of layers must fit SRAM as a fused chain, else an
  // InputError naming the chain (sched::plan_layers_fused's `require`)
  bool require_fusion = false;
  // account_graph: the tensors at the DRAM addresses of the model's allocation
  // (runtime/npu/dram_plan.h) in the final accounting and the trace; false: every layer's
  // operands packed from address 0 (the plan search's own layout, always used by the search).
  bool place_tensors = true;
};

// A non-MAC op costed on the vector unit: elements produced, work per element, DRAM bytes.
struct VectorWork {
  std::string name, op;
  int64_t elements = 0;
  double ops_per_element = 1;
  uint64_t read_bytes = 0, write_bytes = 0;
  std::vector<uint64_t> input_bytes;  // one contiguous read per input (sums to read_bytes)
};

// Where a vector op's tensors live (runtime/npu/dram_plan.h): input i read from input_addr[i],
// the output written at output_addr. Without one, each tensor gets its own 1 MiB-aligned region
// from address 0.
struct VectorPlace {
  std::vector<uint64_t> input_addr;
  uint64_t output_addr = 0;
};

// One accounted layer (a row of the `layers` table). Values are for ONE execution.
struct AccountedLayer {
  std::string name, op, phase;
  int64_t repeats = 1;
  std::string strategy, tile, loop_order;  // vector ops: strategy "vector", tile/order "-"
  sim::LayerCost cost;                     // cycles, macs, SRAM bytes, DRAM stats
};

class NpuAccountant {
 public:
  NpuAccountant(sim::NpuConfig npu, AccountingOptions opts);

  // Optional speed-up before accounting several graphs: plans every distinct matrix layer of
  // `graphs` once, in parallel on default_pool() (results land in the scheduler's caches, so
  // they do not depend on the thread count). Same errors as account_graph.
  void plan_ahead(const std::vector<const Graph*>& graphs);
  // Every node of `g` executed `repeats` times, rows tagged with `phase` (e.g. "unet").
  void account_graph(const Graph& g, int repeats, const std::string& phase);
  // Matrix layers given directly (SCALE-Sim topologies); planned as one sequence.
  // Their weight bits are set from options().dtype (apply_weight_format).
  void account_layers(std::vector<sched::Layer> layers, int repeats, const std::string& phase);
  void account_vector(const VectorWork& w, int repeats, const std::string& phase, const VectorPlace* place = nullptr);

  // Output frames the accounted work produces (fps = frames / sim_latency_s). Default 1.
  void set_frames(double frames) { frames_ = frames; }
  // Write DRAMsim3 trace lines ("0xADDR READ|WRITE cycle") for the layers emitted from now on,
  // until `max_lines` lines are written (the cap; the layer that crosses it is cut there).
  // Traced layers bypass the memo so their bursts are really emitted. nullptr stops tracing.
  // The line count and trace cycle continue across calls (one trace, paused and resumed).
  // Issue cycles (DRAM clocks of tCK) are one global, non-decreasing order: each traced layer
  // starts where the previous traced one ended and spreads its bursts evenly over its latency
  // at the top V-F point (sim::evaluate_layer: max(compute, DRAM) with double buffering), the
  // compute/transfer overlap the simulator assumes. Untraced layers take no trace time.
  void set_dram_trace(std::ostream* os, uint64_t max_lines);
  uint64_t trace_lines() const;

  const std::vector<AccountedLayer>& layers() const { return rows_; }
  const sim::NpuConfig& npu() const { return npu_; }
  const AccountingOptions& options() const { return opts_; }

  // simulate_power over all rows, each weighted by its repeats (layer order preserved).
  sim::RunResult run() const;
  sim::DramStats dram_total() const;  // sum of row DRAM stats x repeats
  // {sim_latency_s, fps, avg_power_w (NPU + DRAM), npu_avg_power_w, npu_peak_power_w (NPU rail
  //  only: the peak is the highest layer's), objective, fps_per_watt, area_mm2, fps_per_mm2 (fps / area_mm2),
  //  area {process_nm, pe_um2, array_mm2, sram_mm2, dram_phy_mm2, fixed_mm2} (sim/area.h; the three area
  //  keys are null when the NPU description has no `area`), tops_per_watt, energy_j {mac, sram, dram,
  //  static, total}, dram {bytes_read, bytes_written, accesses, row_hits, row_misses,
  //  row_conflicts, activations, ...}, frames, power_policy, cap_met, phases [{name, latency_s,
  //  energy_j, macs, layers}] in order of first appearance, layers [{name, op, phase, repeats, dtype, strategy, tile, loop_order,
  //  dram_bytes_read, dram_bytes_written, dram_accesses, row_hits, cycles, freq_mhz, energy_j}]}
  // With include_layers false, `layers` is omitted (terminal summaries of huge runs).
  nlohmann::json summary(bool include_layers = true) const;
  // Every power policy on the same rows under options().power_cap_w (issue 6 item 5):
  // {cap_w, policies [{policy, fps, sim_latency_s, energy_j, avg_power_w, npu_avg_power_w, npu_peak_power_w,
  //  fps_per_watt, cap_met}], pairs [{policy, baseline, fps_gain_pct, energy_saving_pct}]}
  // (sim::compare_policies: gain = fps / baseline fps - 1, saving = 1 - energy / baseline energy).
  nlohmann::json policy_comparison() const;

 private:
  struct Memo {
    sim::LayerCost cost;
  };
  std::vector<sim::LayerCost> weighted_costs() const;  // rows x repeats
  sim::LayerCost cost_matrix(const sched::Layer& l, const sched::Plan& p,
                             const sched::OperandPlacement* placement = nullptr,
                             const sched::FusedPlacement* fused_place = nullptr);
  sim::LayerCost cost_vector(const VectorWork& w, const VectorPlace* place = nullptr);
  sim::LayerCost vector_cost(const VectorWork& w, std::ostream* trace, const sim::LayerCost* untraced,
                             const VectorPlace* place = nullptr);
  double trace_span_cycles(const sim::LayerCost& c) const;
  void start_trace_layer(sim::DramModel& dram, std::ostream& os, const sim::LayerCost& untraced, double& span) const;
  void add_row(AccountedLayer row);

  sim::NpuConfig npu_;
  AccountingOptions opts_;
  sched::CostContext ctx_;  // what every plan is searched and costed in
  std::map<std::string, Memo> memo_;
  std::vector<AccountedLayer> rows_;
  double frames_ = 1;
  std::ostream* trace_ = nullptr;
  uint64_t trace_max_lines_ = 0, trace_lines_ = 0;
  double trace_cycle_ = 0;  // issue cycle where the next traced layer starts (DRAM clocks)
};

// The vector-unit work of a non-MAC node (elements, ops/element, bytes at `act_bits`);
// reshape gives zero work. Exposed for tests.
VectorWork vector_work_for_node(const Graph& g, const Node& n, int act_bits);
// The scheduler layer of a conv2d / linear / attention node; false for any other op.
bool matrix_layer_for_node(const Graph& g, const Node& n, const sched::OperandBits& bits,
                           sched::Layer& out);

}  // namespace zoomrt
