// The CPU executor: runs a Graph in topological order with the reference (or, where a fast
// kernel exists, the fast) CPU kernels. Intermediates live in one arena planned by liveness
// (runtime/memory_plan.h); weights are bound once by name, used straight from the memory
// mapping when they are aligned F32, converted to F32 once otherwise. Per-node wall time is
// recorded, and a hook sees every executed node (the NPU accounting backend uses it).
// The graph is first rewritten (graph/passes.h): group_norm + silu pairs fused (both paths),
// then, with fast kernels only, image tensors made channels-last (NHWC) between the model's
// edges; graph() returns that rewritten graph (same input/output names and shapes, node names
// kept). The reference path keeps the image tensors NCHW.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "graph/graph.h"
#include "kernels/thread_pool.h"
#include "runtime/memory_plan.h"
#include "runtime/precision.h"
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

// Finds a weight by its state-dict name; nullptr when absent.
using WeightLookup = std::function<const TensorView*(std::string_view name)>;

class Executor {
 public:
  // Binds every weight of `g` through `lookup`; `source` names where weights come from in
  // error messages ("model/unet"). InputError on a missing tensor, wrong shape or dtype.
  // opts.fast_kernels: run linear and conv2d on the packed fast kernels (runtime/fast_ops.h),
  // with their weights in opts.precision (runtime/precision.h); false keeps every op on the
  // reference kernels (the oracle, and `--kernels ref`; InputError unless precision is f32).
  Executor(Graph g, const WeightLookup& lookup, std::string source, ThreadPool& pool, const ExecOptions& opts = {});
  ~Executor();

  // Runs the graph. `inputs` must hold every graph input by name with the declared shape
  // (InputError otherwise); returns the graph outputs by name.
  std::map<std::string, HostTensor> run(const std::map<std::string, HostTensor>& inputs);

  const Graph& graph() const { return graph_; }
  const MemoryPlan& memory_plan() const { return plan_; }
  const std::vector<int>& order() const { return order_; }
  // Wall seconds of each node (indexed like graph().nodes()) in the last run.
  const std::vector<double>& node_seconds() const { return node_seconds_; }
  size_t weight_bytes_converted() const { return converted_bytes_; }
  size_t weight_bytes_packed() const { return packed_bytes_; }  // fast-kernel weights, as packed

  using NodeHook = std::function<void(const Node&, double seconds)>;
  void set_node_hook(NodeHook hook) { hook_ = std::move(hook); }

 private:
  void* tensor_ptr(TensorId t) const;

  Graph graph_;
  ThreadPool& pool_;
  std::vector<int> order_;
  MemoryPlan plan_;
  std::vector<const float*> weight_ptr_;  // by tensor id
  std::vector<std::vector<float>> converted_;
  size_t converted_bytes_ = 0, packed_bytes_ = 0;
  struct FreeDeleter {
    void operator()(void* p) const;
  };
  std::unique_ptr<uint8_t, FreeDeleter> arena_;
  std::vector<double> node_seconds_;
  std::vector<std::unique_ptr<struct FastNode>> fast_;  // by node index; null = reference path
  NodeHook hook_;
  bool fast_kernels_ = true;  // opts.fast_kernels: false runs every op on kernels/ref
};

// Runs one node on the CPU. `ptr(t)` gives the storage of tensor t. fast_kernels: ops that
// kernels/fast covers run there; false: every op on the reference kernels.
void run_cpu_node(const Graph& g, const Node& n, const std::function<void*(TensorId)>& ptr, ThreadPool& pool,
                  bool fast_kernels = true);

}  // namespace zoomrt
