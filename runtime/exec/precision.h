// The precision policy of the fast executor path (`--dtype` on `zoomrt eval` and `zoomrt zoom`):
// which format linear and conv2d weights are packed in, per op class. Activations stay FP32
// between ops; norms, softmax and every other op always run in FP32, attention too except
// under a bf16 base format (below).
//
//   f32   weights f32 (the default; the reference path only knows this one)
//   f16   weights stored f16 in the packed panels, expanded to f32 per B block (F16C)
//   bf16  weights bf16, activations rounded to bf16 at every linear / conv, products summed in
//         f32 (kernels/gemm/bf16_gemm.h: AMX tiles, else the f32 kernels on widened values);
//         as the base format also attention (kernels/attention/attention_bf16.h: q, k, v and the
//         softmax weights rounded, f32 sums and softmax; f32 attention where the CPU lacks AMX)
//   int8  weights int8 per output channel (symmetric), activations int8 per row, int32 sums
//   int8w analysis: the int8 weights, dequantised and run in f32 (weight error alone)
//   int4  weights 4-bit with one f32 scale per group of 32/64/128 k (`int4` = `int4-g64`),
//         expanded to f32 per B block (W4A16-style: activations stay f32)
//   int4a8  the same weights run W4A8: activations int8 per row, int32 sums per group, nibbles
//         unpacked in registers (kernels/gemm/w4a8_gemm.h, kernels/conv/conv_w4a8.h)
//   paletteB  B-bit indices (B = 2..8) into a k-means codebook of 2^B floats per layer
//         (`paletteB-ch`: one per output channel), expanded to f32 per B block
//   sparse24  2:4 structured sparse (the 2 largest |w| of every 4 along k kept, f16), expanded
//         to f32 per B block; a weight whose K is not a multiple of 4 stays f32
//
// A policy is a base format plus optional per-class overrides, written
// `BASE[,CLASS=FORMAT...]`, e.g. `int4-g64,resnet=int8,time=f16` or `f32,ff=int8` (only the
// GEGLU feed-forward quantised: how sensitivity is measured). The class of a weight comes from
// its (diffusers / transformers) tensor name, see op_class_of_weight. Named presets
// (`int8-mix`, `int4-mix`, `int4a8-mix`, `palette4-mix`) stand for such policies; the plain names
// are uniform. docs/kernels.md lists the presets and why they keep which classes wide.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace zoomrt {

// X(enumerator, name, help): the weight formats of the policy.
#define ZOOMRT_WEIGHT_FORMATS(X)                                             \
  X(f32, "f32", "f32 weights")                                             \
  X(f16, "f16", "f16 weights, f32 arithmetic")                            \
  X(bf16, "bf16", "bf16 weights and activations, f32 sums (AMX tiles where the CPU has them)") \
  X(int8, "int8", "int8 weights per output channel, int8 activations per row") \
  X(int4, "int4", "int4 weights, one scale per group of k (int4-g32|g64|g128)") \
  X(int4a8, "int4a8", "int4 weights, int8 activations in linear layers (int4a8-g32|g64|g128)") \
  X(palette, "palette4", "k-means codebook of 2^B weights per layer or per channel (palette2..8[-ch])") \
  X(sparse24, "sparse24", "2:4 structured sparse weights, f16 values")

enum class WeightFormat {
#define X(e, name, help) e,
  ZOOMRT_WEIGHT_FORMATS(X)
#undef X
};

// X(enumerator, name, help): the op classes a policy can set apart, by weight name.
#define ZOOMRT_OP_CLASSES(X)                                                            \
  X(conv_io, "conv_io", "conv_in / conv_out (model edges)")                             \
  X(resnet, "resnet", "resnet 3x3 convs (conv1, conv2)")                               \
  X(shortcut, "shortcut", "resnet 1x1 conv_shortcut")                                  \
  X(sampler, "sampler", "downsampler / upsampler convs")                               \
  X(time, "time", "time embedding linears and resnet time_emb_proj")                   \
  X(qkv, "qkv", "attention to_q / to_k / to_v (q_proj / k_proj / v_proj)")             \
  X(attn_out, "attn_out", "attention to_out (out_proj)")                                \
  X(proj, "proj", "transformer proj_in / proj_out")                                    \
  X(ff, "ff", "feed-forward: GEGLU ff.net (mlp fc1 / fc2)")                             \
  X(other, "other", "any other linear / conv weight")

enum class OpClass {
#define X(e, name, help) e,
  ZOOMRT_OP_CLASSES(X)
#undef X
};
constexpr int kOpClassCount = 0
#define X(e, name, help) +1
    ZOOMRT_OP_CLASSES(X)
#undef X
    ;

// The class of a linear / conv weight from its tensor name ("down_blocks.0.resnets.1.conv2.weight"
// -> resnet). Unknown names are OpClass::other.
OpClass op_class_of_weight(std::string_view weight_name);
const char* op_class_name(OpClass c);
std::string op_class_names();  // "conv_io | resnet | ..." for help texts

// One class's format.
struct LayerPrecision {
  WeightFormat weights = WeightFormat::f32;
  int group = 64;             // int4 / int4a8 only: k per scale (32, 64 or 128)
  bool weights_only = false;  // int8 only ("int8w"): round the weights to int8, run in f32
  int bits = 4;               // palette only: index bits (2..8)
  bool per_channel = false;   // palette only: one codebook per output channel ("-ch")
  bool operator==(const LayerPrecision&) const = default;
};

struct Precision {
  LayerPrecision base = {};  // every class not overridden
  struct Override {
    OpClass cls;
    LayerPrecision p;
    bool operator==(const Override&) const = default;
  };
  std::vector<Override> overrides = {};  // at most one per class, in class order, none equal to base

  LayerPrecision for_class(OpClass c) const;
  LayerPrecision for_weight(std::string_view weight_name) const { return for_class(op_class_of_weight(weight_name)); }
  bool all_f32() const;  // every class f32 (what the reference kernels can run)
  bool operator==(const Precision&) const = default;
};

// "f32", "int8", "int4-g64", "palette4-ch", or a base plus overrides "int4-g64,resnet=int8"
// (presets by name).
std::string precision_name(const Precision& p);
std::string layer_precision_name(const LayerPrecision& p);
// Parses those names; InputError "<what>: 'x' is not one of f32 | f16 | ..." (or naming the bad
// class / override) otherwise.
Precision precision_from_name(const std::string& name, const std::string& what = "--dtype");
// "f32 | f16 | int8 | ..." (the plain formats and presets) for help texts.
std::string precision_names();

// How an Executor runs (runtime/exec/executor.h).
struct ExecOptions {
  bool fast_kernels = true;  // false: every op on the reference kernels (requires f32)
  Precision precision;
};

}  // namespace zoomrt
