// Linear layers of the SD2 UNet at 512x512 (64x64 latents, batch 1: 4096 tokens at the first
// level): C[m, n] = A[m, k] · W[n, k]^T, weights in PyTorch layout, no bias for any impl.
#include <cblas.h>
#include <fmt/core.h>

#include <memory>

#include "kernels/gemm/bf16_gemm.h"
#include "kernels/gemm/config.h"
#include "kernels/gemm/gemm.h"
#include "kernels/gemm/q8_gemm.h"
#include "kernels/gemm/w4a8_gemm.h"
#include "tools/bench/bench.h"
#include "tools/bench/onednn_util.h"

namespace zoomrt::bench {

OneDnn& onednn() {
  static OneDnn o;
  return o;
}

namespace {

struct LinearShape {
  int m, n, k;
  const char* what;  // where the shape occurs, for the reader of this table
};

constexpr LinearShape kLinearShapes[] = {
    {4096, 2560, 320, "GEGLU proj, level 0"},
    {4096, 320, 1280, "feed-forward out, level 0"},
    {4096, 320, 320, "attention q/k/v/out, level 0"},
    {1024, 5120, 640, "GEGLU proj, level 1"},
    {1024, 640, 2560, "feed-forward out, level 1"},
    {256, 10240, 1280, "GEGLU proj, level 2"},
    {256, 1280, 5120, "feed-forward out, level 2"},
    {77, 320, 1024, "cross-attention k/v of the text context"},
};

struct LinearData {
  std::vector<float> a, w, c;
  explicit LinearData(const LinearShape& s)
      : a(random_floats(size_t(s.m) * s.k, 1)), w(random_floats(size_t(s.n) * s.k, 2)), c(size_t(s.m) * s.n) {}
};

Runner zoomrt_linear(const LinearShape& s, ThreadPool& pool) {
  auto d = std::make_shared<LinearData>(s);
  auto packed = std::make_shared<PackedGemmB>(pack_b_f32(d->w.data(), s.n, s.k, Layout::nk));
  return [d, packed, s, &pool] {
    gemm_f32(s.m, d->a.data(), size_t(s.k), *packed, nullptr, Epilogue{}, d->c.data(), size_t(s.n), pool);
  };
}

// Int8: weights quantised per output channel at pack time; the timed call quantises the
// activations per row (dynamic), so that cost is included.
Runner zoomrt_linear_q8(const LinearShape& s, ThreadPool& pool) {
  auto d = std::make_shared<LinearData>(s);
  auto packed = std::make_shared<PackedGemmBQ8>(pack_b_q8(d->w.data(), s.n, s.k, Layout::nk));
  return [d, packed, s, &pool] {
    gemm_q8(s.m, d->a.data(), size_t(s.k), *packed, nullptr, Epilogue{}, d->c.data(), size_t(s.n), pool);
  };
}

// INT4 W4A8 (dtype "int4"): 4-bit weights, one scale per 64 k (the runtime's int4a8 default),
// activations quantised per row inside the timed call as for int8.
constexpr int kInt4Group = 64;
Runner zoomrt_linear_w4a8(const LinearShape& s, ThreadPool& pool) {
  auto d = std::make_shared<LinearData>(s);
  auto packed = std::make_shared<PackedGemmBW4A8>(pack_b_w4a8(q8_gemm_default(), d->w.data(), s.n, s.k, kInt4Group));
  return [d, packed, s, &pool] {
    gemm_w4a8(s.m, d->a.data(), size_t(s.k), *packed, nullptr, Epilogue{}, d->c.data(), size_t(s.n), pool);
  };
}

// BF16 (dtype "bf16"): weights rounded at pack time, activations rounded inside the timed call;
// AMX tiles where the CPU has them, else the f32 kernels on widened values.
Runner zoomrt_linear_bf16(const LinearShape& s, ThreadPool& pool) {
  auto d = std::make_shared<LinearData>(s);
  auto packed = std::make_shared<PackedGemmBBf16>(pack_b_bf16(d->w.data(), s.n, s.k, Layout::nk));
  return [d, packed, s, &pool] {
    gemm_bf16(s.m, d->a.data(), size_t(s.k), *packed, nullptr, Epilogue{}, d->c.data(), size_t(s.n), pool);
  };
}

// Weights kept in a format the driver expands per B block (kExpandedDtypes).
Runner zoomrt_linear_expanded(const LinearShape& s, const std::string& dtype, ThreadPool& pool) {
  auto d = std::make_shared<LinearData>(s);
  auto packed = std::make_shared<PackedGemmB>(random_expanded_b(dtype, s.n, s.k));
  return [d, packed, s, &pool] {
    gemm_f32(s.m, d->a.data(), size_t(s.k), *packed, nullptr, Epilogue{}, d->c.data(), size_t(s.n), pool);
  };
}

Runner openblas_linear(const LinearShape& s, ThreadPool&) {
  auto d = std::make_shared<LinearData>(s);
  return [d, s] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, s.m, s.n, s.k, 1.0f, d->a.data(), s.k, d->w.data(), s.k,
                0.0f, d->c.data(), s.n);
  };
}

// oneDNN's matmul computing in `compute` (f32, or bf16 on the same terms as ours: weights
// reordered once, the f32 activations converted inside the timed call), f32 out.
Runner onednn_linear(const LinearShape& s, dnnl::memory::data_type compute) {
  using namespace dnnl;
  using tag = memory::format_tag;
  using dt = memory::data_type;
  auto d = std::make_shared<LinearData>(s);
  memory::desc a_f32_md({s.m, s.k}, dt::f32, tag::ab), a_md({s.m, s.k}, compute, tag::ab);
  memory::desc c_md({s.m, s.n}, dt::f32, tag::ab);
  memory::desc w_user_md({s.k, s.n}, dt::f32, tag::ba);  // W [n, k] seen as [k, n]
  memory::desc w_any({s.k, s.n}, compute, tag::any);
  matmul::primitive_desc pd(matmul::desc(a_md, w_any, c_md), onednn().engine);
  memory w = reorder_to(memory(w_user_md, onednn().engine, d->w.data()), pd.weights_desc());
  memory a_f32(a_f32_md, onednn().engine, d->a.data()), c(c_md, onednn().engine, d->c.data());
  memory a = compute == dt::f32 ? a_f32 : memory(a_md, onednn().engine);
  auto convert = compute == dt::f32 ? nullptr : std::make_shared<reorder>(a_f32, a);
  auto prim = std::make_shared<matmul>(pd);
  return [d, convert, prim, a_f32, a, w, c]() mutable {
    if (convert) convert->execute(onednn().stream, a_f32, a);
    prim->execute(onednn().stream, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, c}});
    onednn().stream.wait();
  };
}

}  // namespace

void add_gemm_cases(std::vector<Case>& cases, int) {
  for (const LinearShape& s : kLinearShapes) {
    const std::string shape = fmt::format("m{}_n{}_k{}", s.m, s.n, s.k);
    const double flops = 2.0 * s.m * s.n * s.k;
    cases.push_back({"linear", "f32", shape, "zoomrt", flops, [s](ThreadPool& p) { return zoomrt_linear(s, p); }});
    cases.push_back({"linear", "f32", shape, "openblas", flops, [s](ThreadPool& p) { return openblas_linear(s, p); }});
    cases.push_back({"linear", "f32", shape, "onednn", flops,
                     [s](ThreadPool&) { return onednn_linear(s, dnnl::memory::data_type::f32); }});
    cases.push_back({"linear", "int8", shape, "zoomrt", flops, [s](ThreadPool& p) { return zoomrt_linear_q8(s, p); }});
    cases.push_back({"linear", "int4", shape, "zoomrt", flops, [s](ThreadPool& p) { return zoomrt_linear_w4a8(s, p); }});
    cases.push_back({"linear", "bf16", shape, "zoomrt", flops, [s](ThreadPool& p) { return zoomrt_linear_bf16(s, p); }});
    cases.push_back({"linear", "bf16", shape, "onednn", flops,
                     [s](ThreadPool&) { return onednn_linear(s, dnnl::memory::data_type::bf16); }});
    for (const std::string dtype : kExpandedDtypes)
      if (dtype != "sparse24" || s.k % 4 == 0)
        cases.push_back({"linear", dtype, shape, "zoomrt", flops,
                         [s, dtype](ThreadPool& p) { return zoomrt_linear_expanded(s, dtype, p); }});
  }
}

}  // namespace zoomrt::bench
