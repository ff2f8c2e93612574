// The memory budget (runtime/exec/memory_budget.h): the estimate against independent figures (the
// published parameter counts of SD2-inpainting; what an Executor really packs and plans for the
// fixture model), size parsing, and the refusal message.
#include <catch2/catch.hpp>

#include <random>

#include "kernels/gemm/config.h"
#include "kernels/gemm/gemm.h"
#include "runtime/exec/executor.h"
#include "runtime/exec/memory_budget.h"
#include "runtime/model/model.h"
#include "runtime/model/weight_names.h"
#include "weights/diffusers_dir.h"
#include "base/error.h"

using namespace zoomrt;

TEST_CASE("f32 estimate of the full-size SD2-inpainting UNet is its parameter count x 4 plus the arena") {
  // 865,925,124 parameters: diffusers' count for stabilityai/stable-diffusion-2-inpainting's UNet
  // (REFERENCE.md; also checked by `zoomrt inspect`).
  const ModelConfigs m = load_model_configs("sd2-inpainting");
  const Graph g = build_component_for_image(m, Component::unet, 512, 512);
  const MemoryNeed f32 = estimate_memory(g, Precision{{WeightFormat::f32, 64}});
  // Every SD2 UNet linear/conv has a multiple of 32 output channels except conv_out (4 -> padded
  // to 32 columns of 320*9 weights).
  CHECK(f32.weight_bytes == (size_t(865925124) + 28 * 320 * 9) * 4);
  CHECK(f32.activation_bytes > size_t(2) * 320 * 64 * 64 * 4);  // at least one batch-2 320x64x64 map
  // Linear/conv weights are > 99 % of the parameters, so each format's estimate is close to
  // params x its bytes per weight.
  const double params = 865925124.0;
  const auto ratio = [&](WeightFormat w) { return double(estimate_memory(g, Precision{{w, 64}}).weight_bytes) / params; };
  CHECK(ratio(WeightFormat::f16) == Approx(2.0).epsilon(0.01));
  CHECK(ratio(WeightFormat::int8) == Approx(1.0).epsilon(0.02));
  CHECK(ratio(WeightFormat::int4) == Approx(0.5 + 4.0 / 64).epsilon(0.03));
  CHECK(ratio(WeightFormat::palette) == Approx(0.5).epsilon(0.01));  // palette4: the codebooks are 64 B per layer
  CHECK(ratio(WeightFormat::sparse24) == Approx(1.125).epsilon(0.01));  // conv_in (K = 81) stays f32: 0.003 %
  // A mixed policy prices each class in its own format: int8-mix keeps conv_in/conv_out, the 1x1
  // shortcuts and proj_in/proj_out in f16 (runtime/exec/precision.h), i.e. each of those weights costs
  // 2 bytes instead of 1 byte plus 8 per output channel (the header's int8 price). Their sizes,
  // counted on diffusers' UNet2DConditionModel built from this config (meta device), not from
  // our graph: conv_in, conv_out, 14 conv_shortcut and 32 proj_in/proj_out weights, 48,063,040
  // parameters, 37,764 output channels; conv_out's 4 channels pad to 32 (28 more columns of
  // 320*9 weights).
  const size_t f16_params = 48063040 + 28 * 320 * 9, f16_channels = 37764 + 28;
  const size_t f16_classes = 2 * f16_params - (f16_params + 8 * f16_channels);
  CHECK(estimate_memory(g, precision_from_name("int8-mix")).weight_bytes ==
        estimate_memory(g, Precision{{WeightFormat::int8, 64}}).weight_bytes + f16_classes);
}

TEST_CASE("the estimate covers what an Executor packs and plans for the fixture UNet") {
  const std::string dir = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny";
  const ModelConfigs m = load_model_configs(dir);
  DiffusersDir d = DiffusersDir::open(dir);
  WeightSource ws = d.weights(component_folder(Component::unet));
  ThreadPool pool(1);
  for (const char* dtype : {"f32", "f16", "int8", "int4-g64", "int8-mix", "int4-mix", "int4a8-mix", "palette4",
                            "palette4-ch", "palette8-ch", "sparse24", "palette4-mix"}) {
    const Precision p = precision_from_name(dtype);
    Graph g = build_component_for_image(m, Component::unet, 64, 64);
    const MemoryNeed need = estimate_memory(g, p);
    Executor ex(std::move(g), with_name_alternatives([&](std::string_view n) { return ws.find(n); }), ws.describe(),
                pool, ExecOptions{true, p});
    INFO(dtype << ": estimated weights " << need.weight_bytes << ", packed " << ex.weight_bytes_packed()
               << "; arena estimated " << need.activation_bytes << ", planned " << ex.memory_plan().arena_bytes);
    // The estimate also counts the unpacked weights (norms, biases) as f32, which the packed
    // figure leaves out: packed <= estimate, and within a few % of it.
    CHECK(ex.weight_bytes_packed() <= need.weight_bytes);
    CHECK(double(ex.weight_bytes_packed()) >= 0.85 * double(need.weight_bytes));
    // Both plan through plan_execution (runtime/exec/executor.h): the same arena to the byte.
    CHECK(ex.memory_plan().arena_bytes == need.activation_bytes);
  }
}

TEST_CASE("the per-weight price of palette and sparse24 is what their packed panels take") {
  // PackedGemmB::bytes() of weights really packed (kernels/gemm/gemm.h) against the estimate, for
  // output channel counts a multiple of 32 (no padding difference between kernels).
  std::mt19937 rng(5);
  for (const auto& [n, k] : {std::pair<int, int>{64, 96}, std::pair<int, int>{320, 2880}}) {
    std::vector<uint8_t> index(size_t(n) * size_t(k)), positions(size_t(n) * size_t(k / 4));
    std::vector<uint16_t> values(size_t(n) * size_t(k / 2), 0x3c00);  // 1.0
    for (int bits = 2; bits <= 8; ++bits)
      for (bool per_channel : {false, true}) {
        for (uint8_t& i : index) i = uint8_t(rng() % (1u << bits));
        const std::vector<float> codebook(size_t(per_channel ? n : 1) << bits, 0.5f);
        const PackedGemmB b =
            pack_b_palette_codes(f32_gemm_default(), index.data(), codebook.data(), bits, per_channel, n, k);
        INFO("n " << n << " k " << k << " bits " << bits << " per channel " << per_channel);
        CHECK(b.bytes() ==
              packed_weight_bytes(int64_t(n) * k, n, LayerPrecision{WeightFormat::palette, 64, false, bits, per_channel}));
      }
    for (uint8_t& p : positions) p = uint8_t(1 | 3 << 2);
    const PackedGemmB s = pack_b_sparse24_codes(f32_gemm_default(), values.data(), positions.data(), n, k);
    CHECK(s.bytes() == packed_weight_bytes(int64_t(n) * k, n, LayerPrecision{WeightFormat::sparse24}));
  }
  CHECK(packed_weight_bytes(32 * 81, 32, LayerPrecision{WeightFormat::sparse24}) == 4 * 32 * 81);  // K % 4 != 0: f32
}

TEST_CASE("sizes parse with binary units and bad ones are refused") {
  CHECK(parse_bytes("4096") == 4096);
  CHECK(parse_bytes("512M") == size_t(512) << 20);
  CHECK(parse_bytes("8G") == size_t(8) << 30);
  CHECK(parse_bytes("8GB") == size_t(8) << 30);
  CHECK(parse_bytes("1.5GiB") == size_t(3) << 29);
  CHECK(parse_bytes("2t") == size_t(2) << 40);
  for (const char* bad : {"", "G", "12Q", "-1G", "0", "1e99", "8 G", "1.2.3M"})
    CHECK_THROWS_WITH(parse_bytes(bad), Catch::Contains("--memory-budget: '") && Catch::Contains("is not a size"));
}

TEST_CASE("a run above the budget is refused with the estimate, the limit and how to raise it") {
  const MemoryNeed need{size_t(3) << 30, size_t(1) << 30};
  CHECK_NOTHROW(check_memory_budget("m", need, size_t(4) << 30));
  CHECK_THROWS_WITH(check_memory_budget("m at 512x512", need, size_t(1) << 30),
                    "m at 512x512: needs about 4 GiB (packed weights 3 GiB, activations 1 GiB), above the memory "
                    "budget of 1 GiB (raise it with --memory-budget, or use a smaller --dtype or frame size)");
  CHECK(physical_memory_bytes() > 0);
}
