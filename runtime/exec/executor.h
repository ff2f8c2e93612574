// The CPU executor: runs a Graph in topological order with the reference (or, where a fast
// kernel exists, the fast) CPU kernels. Intermediates live in one arena planned by liveness
// (runtime/exec/memory_plan.h); weights are bound once by name, used straight from the memory
// mapping when they are aligned F32, converted to F32 once otherwise. Per-node wall time is
// recorded. The NPU accounting does not hook into runs: it costs this graph's NPU lowering
// (runtime/npu/lowering.h) from shapes alone.
// The graph is first rewritten (graph/passes.h): group_norm + silu pairs fused (both paths),
// then, with fast kernels only, image tensors made channels-last (NHWC) between the model's
// edges; graph() returns that rewritten graph (same input/output names and shapes, node names
// kept). The reference path keeps the image tensors NCHW. The fast path also runs each
// transformer feed-forward chain in row chunks (runtime/exec/ff_chunk.h): its nodes stay in graph(),
// but its intermediates never get arena bytes (plan_execution below).
#pragma once
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"
#include "graph/passes.h"
#include "kernels/thread_pool.h"
#include "runtime/exec/ff_chunk.h"
#include "runtime/exec/memory_plan.h"
#include "runtime/exec/precision.h"
#include "weights/safetensors.h"

namespace zoomrt {

// A tensor owned by the caller: graph inputs and outputs. F32 data lives in `f32`, I64 in `i64`.
struct HostTensor {
  Shape shape;
  DType dtype = DType::F32;
  std::vector<float> f32;
  std::vector<int64_t> i64;
  static HostTensor from_view(const TensorView& v);  // F32/F16/BF16 -> f32, I64/I32 -> i64
};

// What an Executor runs for `model`, built by this one function for the executor and for the
// memory budget estimate (runtime/exec/memory_budget.h), so the estimate counts what is allocated:
// the rewritten graph (passes in order), its execution order, the feed-forward chains the fast
// path runs chunked (none with ff_chunk_rows 0 or on the reference path), and the arena plan
// in which those chains' intermediates are virtual and their scratch is planned at their last
// node (MemoryPlan::scratch_offset). On the fast path group norm (channels-last) and the
// activations may also write over their input (PlanHints::in_place, order_for_in_place).
struct ExecGraph {
  Graph graph;
  std::vector<int> order;
  std::vector<FeedForwardChain> chains;
  MemoryPlan plan;
};
ExecGraph plan_execution(const Graph& model, bool fast_kernels, int ff_chunk_rows = kFeedForwardChunkRows);

// Finds a weight by its state-dict name; nullptr when absent.
using WeightLookup = std::function<const TensorView*(std::string_view name)>;

class Executor {
 public:
  // Binds every weight of `g` through `lookup`; `source` names where weights come from in
  // error messages ("model/unet"). InputError on a missing tensor, wrong shape or dtype.
  // opts.fast_kernels: run linear and conv2d on the packed fast kernels (runtime/exec/fast_ops.h),
  // with their weights in opts.precision (runtime/exec/precision.h); false keeps every op on the
  // reference kernels (the oracle, and `--kernels ref`; InputError unless precision is f32).
  // ff_chunk_rows: rows per feed-forward chunk on the fast path; 0 runs those chains node by
  // node (the unfused fast path, for tests and measurements).
  Executor(Graph g, const WeightLookup& lookup, std::string source, ThreadPool& pool, const ExecOptions& opts = {},
           int ff_chunk_rows = kFeedForwardChunkRows);
  // An executor of `g` that holds no weights of its own: every weight of `g` is the one
  // `weights_from` bound under the same name, and every linear / conv2d the one it packed (step
  // caching's shallow UNet, graph/models.h: nothing is loaded or packed twice). Its runs use
  // `weights_from`'s activation arena when that is at least as large as its own plan (it is then
  // allocated there if released), so it adds no arena either; otherwise it allocates its own.
  // Same kernels, precision and feed-forward chunking as `weights_from`, which must outlive it
  // and must not run at the same time. std::logic_error if `weights_from` lacks a weight of `g`.
  Executor(Graph g, Executor& weights_from);
  ~Executor();

  // Runs the graph. `inputs` must hold every graph input by name with the declared shape
  // (InputError otherwise); returns the graph outputs by name. The activation arena
  // (memory_plan().arena_bytes) is allocated by the first run and kept for the next ones.
  std::map<std::string, HostTensor> run(const std::map<std::string, HostTensor>& inputs);
  // Frees the activation arena until the next run (which allocates it again): a caller that
  // runs other models between this one's runs holds only the packed weights meanwhile.
  void release_arena();
  bool holds_arena() const { return arena_ != nullptr; }
  // True when runs use the arena of the executor whose weights this one shares (above).
  bool borrows_arena() const { return arena_owner_ != nullptr; }

  const Graph& graph() const { return graph_; }
  const MemoryPlan& memory_plan() const { return plan_; }
  const std::vector<int>& order() const { return order_; }
  const std::vector<FeedForwardChain>& feed_forward_chains() const { return chains_; }
  // Wall seconds of each node (indexed like graph().nodes()) in the last run. A chunked
  // feed-forward chain's time is its last node's; its other nodes read 0.
  const std::vector<double>& node_seconds() const { return node_seconds_; }
  // While a run observer is set: each node's busy seconds per pool thread in the last run
  // (thread 0 the executor's own, i the pool's i-th worker: ThreadPool::busy_ns), node-major,
  // threads() per node; time a node spends outside parallel_for counts on no thread. Empty
  // otherwise.
  const std::vector<double>& node_thread_seconds() const { return node_thread_seconds_; }
  int threads() const { return pool_.threads(); }
  // Called after every run() of every executor while set (`zoomrt zoom --trace`,
  // runtime/trace/cpu_trace.h) with the run's start and end; unset (empty) by default.
  using RunObserver = std::function<void(const Executor&, std::chrono::steady_clock::time_point start,
                                         std::chrono::steady_clock::time_point end)>;
  static void set_run_observer(RunObserver o);
  size_t weight_bytes_converted() const { return converted_bytes_; }
  size_t weight_bytes_packed() const { return packed_bytes_; }  // fast-kernel weights, as packed

 private:
  static RunObserver& run_observer();
  void* tensor_ptr(TensorId t) const;
  void prepare_chains();
  uint8_t* arena();  // this run's arena: allocated on first use, or the arena owner's

  Graph graph_;
  ThreadPool& pool_;
  std::vector<int> order_;
  MemoryPlan plan_;
  std::vector<FeedForwardChain> chains_;
  std::vector<int> chain_at_;  // by node index: the chain whose last node it is, else -1
  std::vector<char> in_chain_;  // by node index: runs inside a chain (not at its own step)
  int ff_chunk_rows_ = 0;
  std::vector<const float*> weight_ptr_;  // by tensor id
  std::vector<std::vector<float>> converted_;
  size_t converted_bytes_ = 0, packed_bytes_ = 0;
  struct FreeDeleter {
    void operator()(void* p) const;
  };
  std::unique_ptr<uint8_t, FreeDeleter> arena_;
  Executor* arena_owner_ = nullptr;  // the weights' executor, whose arena runs use (borrows_arena)
  uint8_t* base_ = nullptr;          // the arena of the current run
  std::vector<double> node_seconds_;
  std::vector<double> node_thread_seconds_;
  // By node index; null = reference path. Shared: an executor built on another's weights holds
  // the same packed nodes.
  std::vector<std::shared_ptr<struct FastNode>> fast_;
  ExecOptions opts_;          // opts.fast_kernels false: every op on kernels/ref
};

// Runs one node on the CPU. `ptr(t)` gives the storage of tensor t. fast_kernels: ops that
// kernels/fast covers run there; false: every op on the reference kernels.
void run_cpu_node(const Graph& g, const Node& n, const std::function<void*(TensorId)>& ptr, ThreadPool& pool,
                  bool fast_kernels = true);

}  // namespace zoomrt
