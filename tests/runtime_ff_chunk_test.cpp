// Feed-forward chunking (runtime/exec/ff_chunk.h): the chunked fast path gives the unfused fast
// path's outputs bit for bit (weight policies f32, f16, int8, int4, int4a8, palette4 and
// sparse24; chunks with a tail) on a hand-built feed-forward block and on the fixture UNet;
// the arena plan drops the chain's intermediates (arena sizes computed by hand); the memory
// budget estimate is the executor's arena.
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <random>

#include <catch2/catch.hpp>

#include "graph/builder.h"
#include "runtime/exec/executor.h"
#include "runtime/exec/memory_budget.h"
#include "runtime/model/model.h"
#include "runtime/model/weight_names.h"
#include "weights/diffusers_dir.h"

using namespace zoomrt;

namespace {

constexpr int64_t kM = 100, kC = 16, kF = 64;  // rows, channels, gate width (2F = 128)

// x [1, M, C] -> norm3 -> ff.net.0.proj (2F) -> geglu (F) -> ff.net.2 (C) -> + x
Graph ff_block() {
  Graph g;
  GraphBuilder b(g);
  TensorId x = g.add_input("x", {1, kM, kC});
  TensorId h = b.layer_norm("norm3", x, 1e-5f);
  h = b.linear("ff.net.0.proj", h, int(2 * kF));
  h = b.op(Op::geglu, "ff.net.0", {h});
  h = b.linear("ff.net.2", h, int(kC));
  g.mark_output(b.add("ff.residual", x, h), "y");
  return g;
}

// Every weight of `g`, normally distributed (seeded), in a memory-mapped safetensors file as a
// model's weights are (the executor drops the mapped pages of the weights it packs: memory
// that is not a file mapping would read back as zeros).
struct RandomWeights {
  SafetensorsFile file;
  explicit RandomWeights(const Graph& g) : file(write_and_open(g)) {}
  static SafetensorsFile write_and_open(const Graph& g) {
    std::mt19937 rng(7);
    std::normal_distribution<float> dist(0.0f, 0.5f);
    std::vector<std::vector<float>> values;
    std::vector<TensorToWrite> tensors;
    values.reserve(g.weights().size());
    for (TensorId w : g.weights()) {
      const TensorInfo& info = g.tensor(w);
      values.emplace_back(size_t(shape_numel(info.shape)));
      for (float& v : values.back()) v = dist(rng);
      tensors.push_back({info.name, DType::F32, std::vector<int64_t>(info.shape.begin(), info.shape.end()),
                         [&v = values.back()](uint8_t* dst) { std::memcpy(dst, v.data(), v.size() * sizeof(float)); }});
    }
    const std::string path =
        (std::filesystem::temp_directory_path() / ("zoomrt_ff_chunk_" + std::to_string(getpid()) + ".safetensors"))
            .string();
    write_safetensors(path, tensors);
    SafetensorsFile f = SafetensorsFile::open(path);
    std::filesystem::remove(path);  // the mapping stays valid
    return f;
  }
  WeightLookup lookup() const {
    return [this](std::string_view n) { return file.find(n); };
  }
};

size_t floats(int64_t n) { return size_t(n) * sizeof(float); }  // all sizes here are multiples of 64 B

bool same_bits(const std::map<std::string, HostTensor>& a, const std::map<std::string, HostTensor>& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [name, t] : a) {
    const HostTensor& u = b.at(name);
    if (t.shape != u.shape || t.f32.size() != u.f32.size() ||
        std::memcmp(t.f32.data(), u.f32.data(), t.f32.size() * sizeof(float)) != 0)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("the chunked feed-forward plan drops the projection and gate for one chunk of scratch") {
  const Graph g = ff_block();
  // Unfused (node by node): the peak is at geglu, holding x (read again by the residual), the
  // projection [M,2F] and the gate [M,F]; norm3's output died at the projection.
  const ExecGraph unfused = plan_execution(g, true, 0);
  CHECK(unfused.chains.empty());
  CHECK(unfused.plan.peak_live_bytes == floats(kM * kC + kM * 2 * kF + kM * kF));
  CHECK(unfused.plan.arena_bytes == unfused.plan.peak_live_bytes);
  // Chunked by 32 rows: at the residual add (where the chain runs) x, norm3's output, the result
  // and a [32,2F] + [32,F] scratch; no [M,*] intermediate at all.
  const ExecGraph chunked = plan_execution(g, true, 32);
  REQUIRE(chunked.chains.size() == 1);
  const size_t scratch = floats(32 * 2 * kF + 32 * kF);
  CHECK(chunked.plan.peak_live_bytes == floats(3 * kM * kC) + scratch);
  CHECK(chunked.plan.arena_bytes == chunked.plan.peak_live_bytes);
  const FeedForwardChain& c = chunked.chains[0];
  CHECK(chunked.plan.scratch_offset[size_t(c.last())] >= 0);
  for (int i : {c.proj, c.geglu, c.out}) CHECK(chunked.plan.offset[size_t(chunked.graph.nodes()[size_t(i)].output)] == -1);
  // The reference path never chunks.
  CHECK(plan_execution(g, false).chains.empty());
}

TEST_CASE("a chunked feed-forward block gives the unfused fast path's bits in every weight format") {
  const Graph g = ff_block();
  const RandomWeights w(g);
  std::map<std::string, HostTensor> inputs;
  HostTensor x;
  x.shape = {1, kM, kC};
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (int64_t i = 0; i < kM * kC; ++i) x.f32.push_back(dist(rng));
  inputs["x"] = x;
  ThreadPool pool(2);
  for (const char* dtype : {"f32", "f16", "int8", "int4-g32", "int4a8-g32", "palette4", "sparse24"}) {
    const ExecOptions opts{true, precision_from_name(dtype)};
    Executor plain(g, w.lookup(), "random", pool, opts, 0);
    REQUIRE(plain.feed_forward_chains().empty());
    const auto want = plain.run(inputs);
    for (int rows : {1, 32, 100, 256}) {  // a row at a time; 3 chunks and a tail of 4; exactly M; more than M
      INFO(dtype << ", " << rows << " rows per chunk");
      Executor ex(g, w.lookup(), "random", pool, opts, rows);
      REQUIRE(ex.feed_forward_chains().size() == 1);
      const auto got = ex.run(inputs);
      CHECK(same_bits(want, got));
    }
  }
}

namespace {

struct Fixture {
  std::string dir = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny";
  SafetensorsFile io = SafetensorsFile::open(dir + "/io/unet_16.safetensors");
  DiffusersDir d = DiffusersDir::open(dir);
  WeightSource ws = d.weights(component_folder(Component::unet));
  Graph graph() const {
    std::map<std::string, Shape> shapes;
    for (const TensorView& t : io.tensors()) shapes[t.name] = Shape(t.shape.begin(), t.shape.end());
    return build_component(load_model_configs(dir), Component::unet, shapes);
  }
  WeightLookup lookup() { return with_name_alternatives([this](std::string_view n) { return ws.find(n); }); }
};

}  // namespace

TEST_CASE("the chunked fixture UNet gives the unfused fast path's bits and a smaller arena") {
  Fixture f;
  const Graph g = f.graph();
  std::map<std::string, HostTensor> inputs;
  for (TensorId t : g.inputs()) inputs[g.tensor(t).name] = HostTensor::from_view(f.io.at(g.tensor(t).name));
  ThreadPool pool(2);
  for (const char* dtype : {"f32", "int8", "int4a8-g64"}) {
    INFO(dtype);
    const ExecOptions opts{true, precision_from_name(dtype)};
    Executor plain(g, f.lookup(), f.ws.describe(), pool, opts, 0);
    Executor chunked(g, f.lookup(), f.ws.describe(), pool, opts, 48);
    REQUIRE(chunked.feed_forward_chains().size() == 11);  // tests/graph_passes_test.cpp counts them
    CHECK(same_bits(plain.run(inputs), chunked.run(inputs)));
    // The widest chain: 16x16 latents, batch 2 -> M = 512 tokens of 16 channels, F = 4 x 16.
    // Unfused, its geglu step holds x [M,C] (read again by the residual), the projection
    // [M,2F] and the gate [M,F]; chunked, no tensor of any chain gets arena bytes, only a
    // 48-row scratch. (The saving is less than the projection and gate: with them gone, the
    // peak moves to another step.)
    const size_t m = 512, c = 16, ff = 64;
    INFO("arena unfused " << plain.memory_plan().arena_bytes << ", chunked " << chunked.memory_plan().arena_bytes);
    CHECK(plain.memory_plan().peak_live_bytes >= floats(m * c + m * 2 * ff + m * ff));
    CHECK(chunked.memory_plan().arena_bytes < plain.memory_plan().arena_bytes);
    for (const FeedForwardChain& ch : chunked.feed_forward_chains()) {
      for (int i : {ch.proj, ch.geglu, ch.out})
        CHECK(chunked.memory_plan().offset[size_t(chunked.graph().nodes()[size_t(i)].output)] == -1);
      CHECK(chunked.memory_plan().scratch_offset[size_t(ch.last())] >= 0);
    }
  }
}

TEST_CASE("the memory budget's activation estimate is the executor's arena") {
  Fixture f;
  ThreadPool pool(1);
  for (const char* dtype : {"f32", "int4-mix"}) {
    const Precision p = precision_from_name(dtype);
    const Graph g = f.graph();
    const MemoryNeed need = estimate_memory(g, p);
    Executor ex(g, f.lookup(), f.ws.describe(), pool, ExecOptions{true, p});
    REQUIRE(!ex.feed_forward_chains().empty());
    CHECK(need.activation_bytes == ex.memory_plan().arena_bytes);
  }
}
