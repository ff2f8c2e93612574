#include "runtime/executor.h"

#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>

#include "runtime/fast_ops.h"
#include "weights/error.h"

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

}  // namespace

Executor::Executor(Graph g, const WeightLookup& lookup, std::string source, ThreadPool& pool, const ExecOptions& opts)
    : graph_(std::move(g)), pool_(pool) {
  const bool fast_kernels = opts.fast_kernels;
  if (!fast_kernels && opts.precision.weights != WeightFormat::f32)
    fail_input("--dtype: {} needs the fast kernels (the reference kernels are f32 only)",
               precision_name(opts.precision));
  order_ = topological_order(graph_);
  plan_ = plan_memory(graph_, order_);
  weight_ptr_.assign(graph_.tensors().size(), nullptr);
  std::vector<int> consumers(graph_.tensors().size(), 0);
  for (const Node& n : graph_.nodes())
    for (TensorId t : n.inputs) ++consumers[size_t(t)];
  // Weights that only a fast node reads are packed straight from their file view (one layer
  // converted at a time), never bound as a whole-model f32 copy.
  std::vector<const TensorView*> packed_view(graph_.tensors().size(), nullptr);
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
    Shape have(v->shape.begin(), v->shape.end());
    if (have != info.shape)
      fail_input("{}: tensor '{}' has shape {}, expected {}", source, info.name, shape_str(have),
                 shape_str(info.shape));
    if (v->dtype != DType::F32 && v->dtype != DType::F16 && v->dtype != DType::BF16)
      fail_input("{}: tensor '{}' has dtype {}, expected F32, F16 or BF16", source, info.name,
                 dtype_name(v->dtype));
    if (pack_only[size_t(w)]) {
      packed_view[size_t(w)] = v;
    } else if (v->dtype == DType::F32 && reinterpret_cast<uintptr_t>(v->data) % alignof(float) == 0) {
      weight_ptr_[size_t(w)] = reinterpret_cast<const float*>(v->data);
    } else {
      converted_.push_back(to_f32(*v));
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
      fast_[i] = prepare_fast_node(graph_, n, packs ? weight_ptr_[size_t(w)] : nullptr,
                                   packs ? packed_view[size_t(w)] : nullptr, opts.precision);
      if (fast_[i]) packed_bytes_ += fast_[i]->weight_bytes();
      // The packed copy replaces the weight: let the kernel drop its pages of the mapping
      // (they are re-read from the file if ever touched again), so memory holds one copy.
      if (fast_[i] && packs && pack_only[size_t(w)]) {
        const TensorView* v = packed_view[size_t(w)];
        release_mapped_pages(v->data, v->nbytes);
      }
    }
  size_t bytes = std::max<size_t>(plan_.arena_bytes, MemoryPlan::kAlign);
  arena_.reset(static_cast<uint8_t*>(std::aligned_alloc(MemoryPlan::kAlign, bytes)));
  if (!arena_) throw std::bad_alloc();
}

Executor::~Executor() = default;

void* Executor::tensor_ptr(TensorId t) const {
  if (const float* w = weight_ptr_[size_t(t)]) return const_cast<float*>(w);
  return arena_.get() + plan_.offset[size_t(t)];
}

std::map<std::string, HostTensor> Executor::run(const std::map<std::string, HostTensor>& inputs) {
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
  auto ptr = [this](TensorId t) { return tensor_ptr(t); };
  for (int idx : order_) {
    const Node& n = graph_.nodes()[size_t(idx)];
    auto t0 = std::chrono::steady_clock::now();
    if (const FastNode* f = fast_[size_t(idx)].get())
      run_fast_node(graph_, n, *f, ptr, pool_);
    else
      run_cpu_node(graph_, n, ptr, pool_);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    node_seconds_[size_t(idx)] = s;
    if (hook_) hook_(n, s);
  }
  std::map<std::string, HostTensor> out;
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
