// graph/passes.h: group_norm -> silu fusion on a ResNet block (both pairs fused, names and the
// output kept) and the cases it must leave alone (norm output read twice, or a graph output);
// to_channels_last on the fixture UNets and VAE (only edge permutes left, names and outputs
// kept) and on a small graph that needs conversions in the middle; find_feed_forward_chains on
// the fixture UNets (one chain per transformer block, counted from the config) and the chains
// it must leave alone or keep without the residual. The values are checked in
// tests/runtime_executor_test.cpp and tests/runtime_ff_chunk_test.cpp (this test links
// zoomrt_graph only).
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "graph/builder.h"
#include "graph/model_config.h"
#include "graph/models.h"
#include "graph/passes.h"

using namespace zoomrt;

namespace {

int count_op(const Graph& g, Op op) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op == op;
  return n;
}

}  // namespace

TEST_CASE("group norm + silu pairs of a ResNet block are fused, names and outputs kept") {
  Graph g;
  GraphBuilder b(g);
  TensorId x = g.add_input("x", {2, 64, 8, 8});
  TensorId t = g.add_input("temb", {2, 128});
  TensorId y = resnet_block(b, "blk", x, t, 32, 32, 1e-5f);
  g.mark_output(y, "out");
  REQUIRE(count_group_norm_silu_pairs(g) == 2);  // norm1 -> act1, norm2 -> act2 (time_act reads temb)

  const Graph f = fuse_group_norm_silu(g);
  CHECK(f.nodes().size() == g.nodes().size() - 2);
  CHECK(count_op(f, Op::group_norm) == 0);
  CHECK(count_op(f, Op::group_norm_silu) == 2);
  CHECK(count_op(f, Op::silu) == 1);  // the time embedding's
  for (const Node& n : f.nodes())
    if (n.op == Op::group_norm_silu) CHECK((n.name == "blk.norm1" || n.name == "blk.norm2"));
  REQUIRE(f.outputs().size() == 1);
  CHECK(f.tensor(f.outputs()[0]).name == "out");
  CHECK(f.tensor(f.outputs()[0]).shape == Shape{2, 32, 8, 8});
  CHECK(f.weights().size() == g.weights().size());
  CHECK(f.param_count() == g.param_count());
  CHECK(count_group_norm_silu_pairs(f) == 0);
}

TEST_CASE("a group norm read by more than the silu, or marked as output, is not fused") {
  Graph g;
  GraphBuilder b(g);
  TensorId x = g.add_input("x", {1, 8, 4, 4});
  TensorId n1 = b.group_norm("n1", x, 4, 1e-5f);
  TensorId s1 = b.silu("s1", n1);
  g.mark_output(b.add("sum", n1, s1), "sum");  // n1 has two readers
  TensorId n2 = b.group_norm("n2", x, 4, 1e-5f);
  g.mark_output(b.silu("s2", n2), "s2");
  g.mark_output(n2, "n2_out");  // n2 is itself an output
  CHECK(count_group_norm_silu_pairs(g) == 0);
  const Graph f = fuse_group_norm_silu(g);
  CHECK(f.nodes().size() == g.nodes().size());
  CHECK(count_op(f, Op::group_norm_silu) == 0);
  CHECK(f.outputs().size() == 3);
}

// ---- to_channels_last ----

namespace {

JsonConfig fixture_config(const std::string& model, const std::string& file) {
  return JsonConfig::load(std::string(ZOOMRT_FIXTURES_DIR) + "/models/" + model + "/" + file);
}

// The rewritten graph's invariants: same inputs, weights and outputs (names and shapes); every
// node of `g` kept under its name except the transformer permutes; image ops channels-last.
void check_channels_last(const Graph& g, const Graph& cl) {
  REQUIRE(cl.inputs().size() == g.inputs().size());
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    CHECK(cl.tensor(cl.inputs()[i]).name == g.tensor(g.inputs()[i]).name);
    CHECK(cl.tensor(cl.inputs()[i]).shape == g.tensor(g.inputs()[i]).shape);
  }
  REQUIRE(cl.outputs().size() == g.outputs().size());
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    CHECK(cl.tensor(cl.outputs()[i]).name == g.tensor(g.outputs()[i]).name);
    CHECK(cl.tensor(cl.outputs()[i]).shape == g.tensor(g.outputs()[i]).shape);
  }
  CHECK(cl.weights().size() == g.weights().size());
  CHECK(cl.param_count() == g.param_count());
  std::set<std::string> names;
  for (const Node& n : cl.nodes()) names.insert(n.name);
  for (const Node& n : g.nodes())
    if (n.op != Op::permute) CHECK(names.count(n.name) == 1);
  for (const Node& n : cl.nodes()) {
    INFO(n.name);
    const bool image_op = n.op == Op::conv2d || n.op == Op::group_norm || n.op == Op::group_norm_silu ||
                          n.op == Op::upsample_nearest2x || n.op == Op::pad2d;
    if (image_op) CHECK(n.attrs.channels_last);
    if (n.op == Op::concat) CHECK(n.attrs.axis == 3);  // the skip connections, along channels
  }
}

}  // namespace

TEST_CASE("to_channels_last leaves only the edge permutes in the fixture UNets") {
  for (const char* model : {"sd2_tiny", "sd15_tiny"}) {
    INFO(model);
    const UNetConfig cfg = UNetConfig::from(fixture_config(model, "unet/config.json"));
    const Graph g = fuse_group_norm_silu(build_unet(cfg, 2, 8, 8, 77));
    int attn_blocks = 0;
    for (const Node& n : g.nodes()) attn_blocks += n.name.ends_with(".to_tokens.permute");
    REQUIRE(attn_blocks > 0);
    CHECK(count_layout_permutes(g) == 2 * attn_blocks);  // in and out of every transformer

    const Graph cl = to_channels_last(g);
    check_channels_last(g, cl);
    CHECK(count_layout_permutes(cl) == 2);  // sample in, noise_pred out
    int edge = 0;
    for (const Node& n : cl.nodes())
      if (n.op == Op::permute) {
        CHECK((n.name == "sample.to_nhwc" || n.name == "noise_pred.to_nchw"));
        ++edge;
      }
    CHECK(edge == 2);
    // The time embedding view is made [n,1,1,c] directly (no conversion node).
    for (const Node& n : cl.nodes())
      if (n.name.ends_with(".time_emb_proj.view")) CHECK(cl.tensor(n.output).shape[1] == 1);
    CHECK(to_channels_last(cl).nodes().size() == cl.nodes().size());  // already rewritten: kept
  }
}

TEST_CASE("to_channels_last leaves only the edge permutes in the fixture VAE") {
  const VaeConfig cfg = VaeConfig::from(fixture_config("sd2_tiny", "vae/config.json"));
  const Graph enc = fuse_group_norm_silu(build_vae_encoder(cfg, 1, 32, 32));
  const Graph dec = fuse_group_norm_silu(build_vae_decoder(cfg, 1, 8, 8));
  CHECK(count_layout_permutes(enc) == 2);  // the mid block's attention in and out
  CHECK(count_layout_permutes(dec) == 2);
  const Graph enc_cl = to_channels_last(enc), dec_cl = to_channels_last(dec);
  check_channels_last(enc, enc_cl);
  check_channels_last(dec, dec_cl);
  // Encoder: image in; mean and logvar (sliced NHWC, axis 3) out. Decoder: latents in, image out.
  CHECK(count_layout_permutes(enc_cl) == 3);
  CHECK(count_layout_permutes(dec_cl) == 2);
  for (const Node& n : enc_cl.nodes())
    if (n.op == Op::slice) CHECK(n.attrs.axis == 3);
}

TEST_CASE("to_channels_last converts only where an op needs the plain layout") {
  Graph g;
  GraphBuilder b(g);
  TensorId x = g.add_input("x", {1, 8, 6, 6});
  TensorId h = b.conv("c1", x, 8, 3, 1, 1);
  TensorId t = b.linear("tok", b.nchw_to_tokens("in", h), 8);  // permute folds into the reshape
  TensorId back = b.tokens_to_nchw("out", t, 6, 6);
  TensorId sum = b.add("res", back, h);
  TensorId sm = b.op(Op::softmax, "sm", {sum});  // over w: needs the plain layout
  g.mark_output(sm, "y");
  g.mark_output(h, "h");
  const Graph cl = to_channels_last(g);
  check_channels_last(g, cl);
  std::vector<std::string> permutes;
  for (const Node& n : cl.nodes())
    if (n.op == Op::permute) permutes.push_back(n.name);
  CHECK(permutes == std::vector<std::string>{"x.to_nhwc", "res.to_nchw", "h.to_nchw"});
  CHECK(count_op(cl, Op::reshape) == 2);  // the tokens reshapes, kept
}

// ---- find_feed_forward_chains ----

TEST_CASE("find_feed_forward_chains finds one chain per transformer block of the fixture UNets") {
  for (const char* model : {"sd2_tiny", "sd15_tiny"}) {
    INFO(model);
    const UNetConfig cfg = UNetConfig::from(fixture_config(model, "unet/config.json"));
    // diffusers: a CrossAttn down block has layers_per_block transformers, an up block one more,
    // the (cross-attention) mid block one; each Transformer2DModel here has one block.
    int expected = 1;
    for (const std::string& t : cfg.down_block_types) expected += t.starts_with("CrossAttn") ? cfg.layers_per_block : 0;
    for (const std::string& t : cfg.up_block_types) expected += t.starts_with("CrossAttn") ? cfg.layers_per_block + 1 : 0;
    REQUIRE(expected > 1);
    const Graph g = build_unet(cfg, 2, 8, 8, 77);
    const Graph cl = to_channels_last(fuse_group_norm_silu(g));  // what the fast path analyses
    for (const Graph* graph : {&g, &cl}) {
      const std::vector<FeedForwardChain> chains = find_feed_forward_chains(*graph);
      CHECK(int(chains.size()) == expected);
      for (const FeedForwardChain& c : chains) {
        const std::string& proj = graph->nodes()[size_t(c.proj)].name;
        INFO(proj);
        REQUIRE(proj.ends_with(".ff.net.0.proj"));
        const std::string block = proj.substr(0, proj.size() - std::string(".ff.net.0.proj").size());
        CHECK(graph->nodes()[size_t(c.geglu)].name == block + ".ff.net.0");
        CHECK(graph->nodes()[size_t(c.out)].name == block + ".ff.net.2");
        REQUIRE(c.residual >= 0);
        CHECK(graph->nodes()[size_t(c.residual)].name == block + ".ff.residual");
        CHECK(c.last() == c.residual);
      }
    }
  }
}

namespace {

// x [1, 12, 8] -> linear 32 -> geglu -> linear 8 -> + x: one feed-forward block.
struct FfGraph {
  Graph g;
  TensorId x = -1, proj = -1, gate = -1, out = -1;
  FfGraph() {
    GraphBuilder b(g);
    x = g.add_input("x", {1, 12, 8});
    proj = b.linear("ff.net.0.proj", x, 32);
    gate = b.op(Op::geglu, "ff.net.0", {proj});
    out = b.linear("ff.net.2", gate, 8);
  }
};

}  // namespace

TEST_CASE("a feed-forward chain whose intermediate is read elsewhere is left alone") {
  SECTION("the projection is read twice") {
    FfGraph f;
    GraphBuilder b(f.g);
    f.g.mark_output(b.add("ff.residual", f.x, f.out), "y");
    f.g.mark_output(b.op(Op::softmax, "peek", {f.proj}), "peek");
    CHECK(find_feed_forward_chains(f.g).empty());
  }
  SECTION("the gate is a graph output") {
    FfGraph f;
    GraphBuilder b(f.g);
    f.g.mark_output(b.add("ff.residual", f.x, f.out), "y");
    f.g.mark_output(f.gate, "gate");
    CHECK(find_feed_forward_chains(f.g).empty());
  }
  SECTION("the gate feeds the second linear as its weight, not its input") {
    Graph g;
    GraphBuilder b(g);
    TensorId x = g.add_input("x", {8, 8});
    TensorId gate = b.op(Op::geglu, "ff.net.0", {b.linear("ff.net.0.proj", x, 16)});
    g.mark_output(g.add_node(Op::linear, "mix", {x, gate}), "y");  // x [8,8] . gate[8,8]^T
    CHECK(find_feed_forward_chains(g).empty());
  }
  SECTION("with a plain output, or an output read twice, the chain stops at the second linear") {
    FfGraph f;
    GraphBuilder b(f.g);
    f.g.mark_output(b.add("ff.residual", f.x, f.out), "y");
    f.g.mark_output(f.out, "ff_out");  // out's result is also an output: the add is not folded
    const std::vector<FeedForwardChain> chains = find_feed_forward_chains(f.g);
    REQUIRE(chains.size() == 1);
    CHECK(f.g.nodes()[size_t(chains[0].proj)].name == "ff.net.0.proj");
    CHECK(f.g.nodes()[size_t(chains[0].out)].name == "ff.net.2");
    CHECK(chains[0].residual == -1);
    CHECK(chains[0].last() == chains[0].out);
  }
  SECTION("a broadcasting add is not folded") {
    FfGraph f;
    GraphBuilder b(f.g);
    TensorId bias = f.g.add_input("row", {8});
    f.g.mark_output(b.add("ff.residual", f.out, bias), "y");
    const std::vector<FeedForwardChain> chains = find_feed_forward_chains(f.g);
    REQUIRE(chains.size() == 1);
    CHECK(chains[0].residual == -1);
  }
  SECTION("the whole block, residual folded") {
    FfGraph f;
    GraphBuilder b(f.g);
    f.g.mark_output(b.add("ff.residual", f.x, f.out), "y");
    const std::vector<FeedForwardChain> chains = find_feed_forward_chains(f.g);
    REQUIRE(chains.size() == 1);
    CHECK(f.g.nodes()[size_t(chains[0].residual)].name == "ff.residual");
  }
}
