// zoomrt inspect's activation arena: for each component of the fixture model, the arena an
// Executor really allocates when it runs that component on the fast path (the default), not
// the plan of the unrewritten graph.
#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include "cli_util.h"
#include "runtime/exec/executor.h"
#include "runtime/model/model.h"
#include "runtime/model/weight_names.h"
#include "weights/diffusers_dir.h"

using namespace zoomrt;

TEST_CASE("inspect reports the arena the executor plans for every component") {
  const std::string dir = std::string(ZOOMRT_FIXTURES_DIR) + "/models/sd2_tiny";
  const int size = 64;
  CliResult r = run_cli("inspect --model " + dir + " --size " + std::to_string(size) + " --json");
  INFO(r.err);
  REQUIRE(r.status == 0);
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const ModelConfigs m = load_model_configs(dir);
  DiffusersDir d = DiffusersDir::open(dir);
  ThreadPool pool(1);
  for (Component c : kAllComponents) {
    WeightSource ws = d.weights(component_folder(c));
    Executor ex(build_component_for_image(m, c, size, size),
                with_name_alternatives([&](std::string_view n) { return ws.find(n); }), ws.describe(), pool);
    const nlohmann::json& report = j["components"][std::string(component_name(c))];
    INFO(component_name(c) << ": inspect " << report.dump());
    CHECK(report["arena_bytes"].get<size_t>() == ex.memory_plan().arena_bytes);
    CHECK(report["arena_peak_bytes"].get<size_t>() == ex.memory_plan().peak_live_bytes);
  }
}
