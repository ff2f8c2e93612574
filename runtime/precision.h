// The precision policy of the fast executor path (`--dtype` on `zoomrt eval` and `zoomrt zoom`):
// which format linear and conv2d weights are packed in. Activations stay FP32 between ops;
// norms, softmax, attention and every other op always run in FP32.
//
//   f32   weights f32 (the default; the reference path only knows this one)
//   f16   weights stored f16 in the packed panels, expanded to f32 per B block (F16C)
//   int8  weights int8 per output channel (symmetric), activations int8 per row, int32 sums
//   int4  weights 4-bit with one f32 scale per group of 32/64/128 k (`int4` = `int4-g64`),
//         expanded to f32 per B block (W4A16-style: activations stay f32)
//   int4a8  the same weights; linear layers run W4A8 (kernels/gemm/w4a8_gemm.h: activations
//         int8 per row, int32 sums per group); conv2d stays W4A16 (no int4 implicit-GEMM conv)
#pragma once
#include <string>

namespace zoomrt {

// X(enumerator, name, help): the weight formats of the policy.
#define ZOOMRT_WEIGHT_FORMATS(X)                                             \
  X(f32, "f32", "FP32 weights")                                             \
  X(f16, "f16", "FP16 weights, FP32 arithmetic")                            \
  X(int8, "int8", "INT8 weights per output channel, INT8 activations per row") \
  X(int4, "int4", "INT4 weights, one scale per group of k (int4-g32|g64|g128)") \
  X(int4a8, "int4a8", "INT4 weights, INT8 activations in linear layers (int4a8-g32|g64|g128)")

enum class WeightFormat {
#define X(e, name, help) e,
  ZOOMRT_WEIGHT_FORMATS(X)
#undef X
};

struct Precision {
  WeightFormat weights = WeightFormat::f32;
  int group = 64;  // int4 / int4a8 only: k per scale (32, 64 or 128)
};

// "f32", "f16", "int8", "int4", "int4-g32", "int4-g64", "int4-g128", "int4a8", "int4a8-g32", ...
std::string precision_name(const Precision& p);
// Parses those names; InputError "<what>: 'x' is not one of f32 | f16 | ..." otherwise.
Precision precision_from_name(const std::string& name, const std::string& what = "--dtype");
// "f32 | f16 | int8 | int4 | int4-g32 | int4-g64 | int4-g128" for help texts.
std::string precision_names();

// How an Executor runs (runtime/executor.h).
struct ExecOptions {
  bool fast_kernels = true;  // false: every op on the reference kernels (requires f32)
  Precision precision;
};

}  // namespace zoomrt
