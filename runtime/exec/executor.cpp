#include "runtime/exec/executor.h"

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "graph/passes.h"
#include "runtime/exec/fast_ops.h"
#include "weights/quantized.h"
#include "base/error.h"

namespace zoomrt {

HostTensor HostTensor::from_view(const TensorView& v) {
  HostTensor t;
  t.shape = Shape(v.shape.begin(), v.shape.end());
  if (v.dtype == DType::I64 || v.dtype == DType::I32) {
    t.dtype = DType::I64;
    t.i64.resize(size_t(v.numel()));
    for (size_t i = 0; i < t.i64.size(); ++i) {
      if (v.dtype == DType::I64) {
        std::memcpy(&t.i64[i], v.data + 8 * i, 8);
      } else {
        int32_t x;
        std::memcpy(&x, v.data + 4 * i, 4);
        t.i64[i] = x;
      }
    }
  } else {
    t.f32 = to_f32(v);
  }
  return t;
}

void Executor::FreeDeleter::operator()(void* p) const { std::free(p); }

namespace {

// madvise(MADV_DONTNEED) on the whole pages inside [p, p + count floats) of a read-only file
// mapping: the pages are dropped and would be re-read from the file if touched again.
void release_mapped_pages(const void* p, size_t bytes) {
  const uintptr_t page = uintptr_t(sysconf(_SC_PAGESIZE));
  uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + page - 1) / page * page;
  uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) / page * page;
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

void check_stored_finite(const StoredWeight& sw, std::string_view source) {
  for (const TensorView* t : {sw.quantized ? nullptr : sw.data, sw.scales, sw.codebook})
    if (t) check_finite_weights(*t, source);
}

}  // namespace

ExecGraph plan_execution(const Graph& model, bool fast_kernels, int ff_chunk_rows) {
  ExecGraph e;
  // Fused group norm + silu: one pass over memory per pair.
  e.graph = fuse_group_norm_silu(model);
  // The fast kernels run image tensors NHWC between the graph's edges (the convolutions read
  // and write them in place); the reference path keeps them NCHW: the oracle.
  if (fast_kernels) e.graph = to_channels_last(e.graph);
  if (fast_kernels && ff_chunk_rows > 0) e.chains = find_feed_forward_chains(e.graph);
  PlanHints hints;
  if (!e.chains.empty()) {
    hints.virtual_tensor.assign(e.graph.tensors().size(), 0);
    hints.scratch_bytes.assign(e.graph.nodes().size(), 0);
  }
  if (fast_kernels) {  // the fast kernels of these ops may write over their input (kernels/fast/ops.h)
    hints.in_place.assign(e.graph.nodes().size(), 0);
    for (size_t i = 0; i < e.graph.nodes().size(); ++i) {
      const Node& n = e.graph.nodes()[i];
      hints.in_place[i] = ((n.op == Op::group_norm || n.op == Op::group_norm_silu) && n.attrs.channels_last) ||
                          n.op == Op::silu || n.op == Op::gelu || n.op == Op::quick_gelu;
    }
  }
  e.order = order_for_in_place(e.graph, topological_order(e.graph), hints.in_place);
  for (const FeedForwardChain& c : e.chains) {
    for (int i : {c.proj, c.geglu, c.residual >= 0 ? c.out : -1})
      if (i >= 0) hints.virtual_tensor[size_t(e.graph.nodes()[size_t(i)].output)] = 1;
    hints.scratch_bytes[size_t(c.last())] = feed_forward_scratch_bytes(e.graph, c, ff_chunk_rows);
  }
  e.plan = plan_memory(e.graph, e.order, hints);
  return e;
}

Executor::Executor(Graph g, const WeightLookup& lookup, std::string source, ThreadPool& pool, const ExecOptions& opts,
                   int ff_chunk_rows)
    : pool_(pool), ff_chunk_rows_(ff_chunk_rows), opts_(opts) {
  const bool fast_kernels = opts.fast_kernels;
  if (!fast_kernels && !opts.precision.all_f32())
    fail_input("--dtype: {} needs the fast kernels (the reference kernels are f32 only)",
               precision_name(opts.precision));
  {
    ExecGraph e = plan_execution(g, fast_kernels, ff_chunk_rows);
    g = Graph();  // the model graph is not needed past this point
    graph_ = std::move(e.graph), order_ = std::move(e.order), chains_ = std::move(e.chains), plan_ = std::move(e.plan);
  }
  prepare_chains();
  weight_ptr_.assign(graph_.tensors().size(), nullptr);
  std::vector<int> consumers(graph_.tensors().size(), 0);
  for (const Node& n : graph_.nodes())
    for (TensorId t : n.inputs) ++consumers[size_t(t)];
  // Weights that only a fast node reads are packed straight from their file view (one layer
  // converted at a time; quantised ones from their codes), never bound as a whole-model f32 copy.
  std::vector<std::optional<StoredWeight>> stored(graph_.tensors().size());
  std::vector<char> pack_only(graph_.tensors().size(), 0);
  if (fast_kernels)
    for (const Node& n : graph_.nodes())
      if (fast_node_packs_weight(graph_, n) && graph_.tensor(n.inputs[1]).role == TensorRole::weight &&
          consumers[size_t(n.inputs[1])] == 1)
        pack_only[size_t(n.inputs[1])] = 1;
  for (TensorId w : graph_.weights()) {
    const TensorInfo& info = graph_.tensor(w);
    const TensorView* v = lookup(info.name);
    if (!v) fail_input("{}: missing tensor '{}'", source, info.name);
    // Companions (".scales", ...) sit next to the name the file uses (v->name).
    std::optional<StoredWeight> sw =
        find_stored_weight(lookup, v->name, std::vector<int64_t>(info.shape.begin(), info.shape.end()), source);
    if (!sw->quantized) {
      Shape have(v->shape.begin(), v->shape.end());
      if (have != info.shape)
        fail_input("{}: tensor '{}' has shape {}, expected {}", source, info.name, shape_str(have),
                   shape_str(info.shape));
      if (v->dtype != DType::F32 && v->dtype != DType::F16 && v->dtype != DType::BF16)
        fail_input("{}: tensor '{}' has dtype {}, expected F32, F16 or BF16", source, info.name,
                   dtype_name(v->dtype));
    }
    // Non-finite weights are refused once, on the stored form (quantised: their scales and
    // codebook): here, or just before packing for a weight that is only packed (its pages are
    // read once, then dropped).
    if (!pack_only[size_t(w)]) check_stored_finite(*sw, source);
    if (pack_only[size_t(w)]) {
      stored[size_t(w)] = std::move(sw);
    } else if (!sw->quantized && v->dtype == DType::F32 && reinterpret_cast<uintptr_t>(v->data) % alignof(float) == 0) {
      weight_ptr_[size_t(w)] = reinterpret_cast<const float*>(v->data);
    } else {
      converted_.push_back(dequantize(*sw));
      converted_bytes_ += converted_.back().size() * sizeof(float);
      weight_ptr_[size_t(w)] = converted_.back().data();
    }
  }
  fast_.resize(graph_.nodes().size());
  if (fast_kernels)
    for (size_t i = 0; i < graph_.nodes().size(); ++i) {
      const Node& n = graph_.nodes()[i];
      const bool packs = fast_node_packs_weight(graph_, n);
      const TensorId w = packs ? n.inputs[1] : TensorId(0);
      const StoredWeight* sw = packs && stored[size_t(w)] ? &*stored[size_t(w)] : nullptr;
      if (sw) check_stored_finite(*sw, source);
      fast_[i] = prepare_fast_node(graph_, n, packs ? weight_ptr_[size_t(w)] : nullptr, sw, opts.precision);
      if (fast_[i]) packed_bytes_ += fast_[i]->weight_bytes();
      // The packed copy replaces the weight: let the kernel drop its pages of the mapping
      // (they are re-read from the file if ever touched again), so memory holds one copy.
      if (fast_[i] && sw)
        for (const TensorView* t : {sw->data, sw->scales, sw->codebook, sw->positions})
          if (t) release_mapped_pages(t->data, t->nbytes);
    }
}

Executor::Executor(Graph g, Executor& weights_from)
    : pool_(weights_from.pool_), ff_chunk_rows_(weights_from.ff_chunk_rows_), opts_(weights_from.opts_) {
  {
    ExecGraph e = plan_execution(g, opts_.fast_kernels, ff_chunk_rows_);
    g = Graph();
    graph_ = std::move(e.graph), order_ = std::move(e.order), chains_ = std::move(e.chains), plan_ = std::move(e.plan);
  }
  prepare_chains();
  const Graph& from = weights_from.graph_;
  std::map<std::string_view, TensorId> weight_by_name;
  for (TensorId w : from.weights()) weight_by_name[from.tensor(w).name] = w;
  std::map<std::string_view, const std::shared_ptr<FastNode>*> packed_by_weight;
  for (size_t i = 0; i < from.nodes().size(); ++i)
    if (weights_from.fast_[i] && fast_node_packs_weight(from, from.nodes()[i]))
      packed_by_weight[from.tensor(from.nodes()[i].inputs[1]).name] = &weights_from.fast_[i];
  weight_ptr_.assign(graph_.tensors().size(), nullptr);
  for (TensorId w : graph_.weights()) {
    auto it = weight_by_name.find(graph_.tensor(w).name);
    if (it == weight_by_name.end() || from.tensor(it->second).shape != graph_.tensor(w).shape)
      throw std::logic_error(fmt::format("shared weights: '{}' is not a weight of the executor shared from",
                                         graph_.tensor(w).name));
    weight_ptr_[size_t(w)] = weights_from.weight_ptr_[size_t(it->second)];  // null: only packed there
  }
  fast_.resize(graph_.nodes().size());
  for (size_t i = 0; i < graph_.nodes().size(); ++i) {
    const Node& n = graph_.nodes()[i];
    const bool packs = opts_.fast_kernels && fast_node_packs_weight(graph_, n);
    if (packs) {
      auto it = packed_by_weight.find(graph_.tensor(n.inputs[1]).name);
      if (it == packed_by_weight.end())
        throw std::logic_error(fmt::format("shared weights: node '{}' has no packed weight to share", n.name));
      fast_[i] = *it->second;
    } else if (opts_.fast_kernels) {
      fast_[i] = prepare_fast_node(graph_, n, nullptr, nullptr, opts_.precision);  // attention: no weights
    }
    for (size_t k = 0; k < n.inputs.size(); ++k)
      if (graph_.tensor(n.inputs[k]).role == TensorRole::weight && !weight_ptr_[size_t(n.inputs[k])] &&
          !(packs && k == 1))
        throw std::logic_error(fmt::format("shared weights: node '{}' reads '{}', held only packed", n.name,
                                           graph_.tensor(n.inputs[k]).name));
  }
  if (weights_from.plan_.arena_bytes >= plan_.arena_bytes) arena_owner_ = &weights_from;
}

void Executor::prepare_chains() {
  chain_at_.assign(graph_.nodes().size(), -1);
  in_chain_.assign(graph_.nodes().size(), 0);
  for (size_t c = 0; c < chains_.size(); ++c) {
    const FeedForwardChain& ch = chains_[c];
    for (int i : {ch.proj, ch.geglu, ch.out, ch.residual})
      if (i >= 0 && i != ch.last()) in_chain_[size_t(i)] = 1;
    chain_at_[size_t(ch.last())] = int(c);
  }
}

Executor::~Executor() = default;

void* Executor::tensor_ptr(TensorId t) const {
  if (const float* w = weight_ptr_[size_t(t)]) return const_cast<float*>(w);
  return base_ + plan_.offset[size_t(t)];
}

void Executor::release_arena() { arena_.reset(); }

uint8_t* Executor::arena() {
  if (arena_owner_) return arena_owner_->arena();
  if (!arena_) {  // allocated on first use and after release_arena()
    size_t bytes = std::max<size_t>(plan_.arena_bytes, MemoryPlan::kAlign);
    bytes = (bytes + MemoryPlan::kAlign - 1) / MemoryPlan::kAlign * MemoryPlan::kAlign;
    arena_.reset(static_cast<uint8_t*>(std::aligned_alloc(MemoryPlan::kAlign, bytes)));
    if (!arena_) throw std::bad_alloc();
  }
  return arena_.get();
}

Executor::RunObserver& Executor::run_observer() {
  static RunObserver o;
  return o;
}

void Executor::set_run_observer(RunObserver o) { run_observer() = std::move(o); }

std::map<std::string, HostTensor> Executor::run(const std::map<std::string, HostTensor>& inputs) {
  const auto run_start = std::chrono::steady_clock::now();
  base_ = arena();
  for (TensorId t : graph_.inputs()) {
    const TensorInfo& info = graph_.tensor(t);
    auto it = inputs.find(info.name);
    if (it == inputs.end()) fail_input("input '{}' is missing", info.name);
    const HostTensor& h = it->second;
    if (h.shape != info.shape)
      fail_input("input '{}' has shape {}, expected {}", info.name, shape_str(h.shape), shape_str(info.shape));
    size_t n = size_t(shape_numel(info.shape));
    if (info.dtype == DType::I64) {
      if (h.i64.size() != n) fail_input("input '{}' must be integer token ids", info.name);
      std::memcpy(tensor_ptr(t), h.i64.data(), n * sizeof(int64_t));
    } else {
      if (h.f32.size() != n) fail_input("input '{}' must be floating point", info.name);
      std::memcpy(tensor_ptr(t), h.f32.data(), n * sizeof(float));
    }
  }
  node_seconds_.assign(graph_.nodes().size(), 0.0);
  // Per-thread busy time only while observed (`zoom --trace`): otherwise no clock in the pool.
  const bool per_thread = bool(run_observer());
  const size_t threads = size_t(pool_.threads());
  std::vector<int64_t> busy_before;
  node_thread_seconds_.clear();
  if (per_thread) {
    pool_.set_busy_timing(true);
    node_thread_seconds_.assign(graph_.nodes().size() * threads, 0.0);
  }
  auto ptr = [this](TensorId t) { return tensor_ptr(t); };
  for (int idx : order_) {
    const Node& n = graph_.nodes()[size_t(idx)];
    if (in_chain_[size_t(idx)]) continue;  // runs with its chain, at the chain's last node
    if (per_thread) busy_before = pool_.busy_ns();
    auto t0 = std::chrono::steady_clock::now();
    if (const int c = chain_at_[size_t(idx)]; c >= 0)
      run_feed_forward_chunked(graph_, chains_[size_t(c)], *fast_[size_t(chains_[size_t(c)].proj)],
                               *fast_[size_t(chains_[size_t(c)].out)], ff_chunk_rows_, ptr,
                               base_ + plan_.scratch_offset[size_t(idx)], pool_);
    else if (const FastNode* f = fast_[size_t(idx)].get())
      run_fast_node(graph_, n, *f, ptr, pool_);
    else
      run_cpu_node(graph_, n, ptr, pool_, opts_.fast_kernels);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    node_seconds_[size_t(idx)] = s;
    if (per_thread) {
      const std::vector<int64_t> busy = pool_.busy_ns();
      for (size_t t = 0; t < threads; ++t)
        node_thread_seconds_[size_t(idx) * threads + t] = double(busy[t] - busy_before[t]) * 1e-9;
    }
  }
  std::map<std::string, HostTensor> out;
  if (run_observer()) run_observer()(*this, run_start, std::chrono::steady_clock::now());
  for (TensorId t : graph_.outputs()) {
    const TensorInfo& info = graph_.tensor(t);
    HostTensor h;
    h.shape = info.shape;
    const float* p = static_cast<const float*>(tensor_ptr(t));
    h.f32.assign(p, p + shape_numel(info.shape));
    out[info.name] = std::move(h);
  }
  return out;
}

}  // namespace zoomrt
