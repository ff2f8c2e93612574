// SCALE-Sim topology CSVs: the shipped networks and the error messages for malformed files.
#include <catch2/catch.hpp>

#include "scheduler/topology.h"
#include "base/error.h"

using namespace zoomrt;
using namespace zoomrt::sched;

TEST_CASE("shipped topologies load with the published layer shapes", "[topology]") {
  const auto names = builtin_topology_names();
  CHECK(std::find(names.begin(), names.end(), "alexnet") != names.end());
  const auto alex = load_topology("alexnet");
  REQUIRE(alex.size() == 8);
  CHECK(alex[0].conv.p() == 55);  // 227x227, 11x11 stride 4 (Krizhevsky et al. 2012)
  CHECK(alex[1].conv.p() == 27);  // 5x5 pad 2
  CHECK(alex[5].conv.p() == 1);   // FC6 as a 6x6 conv
  const auto vgg = load_topology("vgg16");
  REQUIRE(vgg.size() == 16);
  int64_t vgg_conv_macs = 0;
  for (size_t i = 0; i < 13; ++i) vgg_conv_macs += vgg[i].macs();
  CHECK(vgg_conv_macs == 15346630656);  // 15.35 GMACs: the commonly quoted VGG-16 conv count
  const auto mob = load_topology("mobilenet");
  REQUIRE(mob.size() == 28);
  int64_t mob_macs = 0;
  for (const auto& l : mob) mob_macs += l.macs();
  CHECK(mob_macs == 568740352);  // 569 M mult-adds, MobileNet v1 Table 1 (Howard et al. 2017)
  CHECK(mob[1].conv.groups == 32);
}

TEST_CASE("GEMM format and SCALE-Sim's 8-column conv format", "[topology]") {
  auto g = parse_topology_csv("Layer, M, N, K,\nqkv, 77, 3072, 1024,\n", "t.csv");
  REQUIRE(g.size() == 1);
  CHECK(g[0].kind == LayerKind::gemm);
  CHECK(g[0].gemm.n == 3072);
  auto c = parse_topology_csv(
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
      "Strides,\nConv1, 224, 224, 11, 11, 3, 96, 4, # comment\n\n",
      "c.csv");
  REQUIRE(c.size() == 1);
  CHECK(c[0].conv.pad == 0);
  CHECK(c[0].conv.p() == 54);
}

TEST_CASE("malformed topology: one line naming file, line and column", "[topology]") {
  const std::string hdr =
      "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
      "Strides,\n";
  CHECK_THROWS_WITH(parse_topology_csv(hdr + "a, 10, 10, 3, x3, 4, 4, 1,\n", "bad.csv"),
                    "bad.csv:2: column 5 (Filter Width): 'x3' is not an integer");
  CHECK_THROWS_WITH(parse_topology_csv(hdr + "a, 10, 10, 3, 3, 4, 0, 1,\n", "bad.csv"),
                    "bad.csv:2: column 7 (Num Filter): 0 must be >= 1");
  CHECK_THROWS_WITH(parse_topology_csv(hdr + "a, 10, 10, 3\n", "bad.csv"),
                    Catch::Contains("bad.csv:2:") && Catch::Contains("columns"));
  CHECK_THROWS_WITH(parse_topology_csv(hdr + "a, 2, 2, 3, 3, 4, 4, 1,\n", "bad.csv"),
                    Catch::Contains("bad.csv:2") && Catch::Contains("larger than"));
  CHECK_THROWS_WITH(parse_topology_csv("Layer, X, Y\n", "h.csv"), Catch::StartsWith("h.csv:1:"));
  CHECK_THROWS_AS(load_topology("/nonexistent/topology.csv"), InputError);
}
