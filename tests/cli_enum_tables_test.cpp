// Every named family the zoom and sim commands take (issue 14 item 2): each table round-trips
// name -> value -> name, an unknown name on the command line is one line naming the option and
// listing every valid name (exit 2), and `zoom --help` / `sim --help` list every name. The
// expected names are computed from the tables, never copied.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "cli_util.h"
#include "runtime/diffusion/noise_schedulers/noise_scheduler.h"
#include "runtime/npu/accounting.h"
#include "scheduler/objective.h"
#include "scheduler/strategy.h"
#include "sim/power.h"

using namespace zoomrt;

namespace {

template <class Table>
void check_round_trip(const Table& t) {
  REQUIRE(t.size() > 0);
  for (const auto& e : t) {
    INFO(std::string(e.name));
    REQUIRE(t.find(e.name).has_value());
    CHECK(*t.find(e.name) == e.value);
    CHECK(t.name(*t.find(e.name)) == e.name);
    CHECK(t.parse(e.name, "--x") == e.value);
    CHECK(e.name.find(' ') == std::string_view::npos);
    CHECK(e.name.find('|') == std::string_view::npos);
  }
  for (size_t i = 0; i < t.size(); ++i)  // one name per value and one value per name
    for (size_t j = i + 1; j < t.size(); ++j) {
      CHECK(t.entries[i].name != t.entries[j].name);
      CHECK(t.entries[i].value != t.entries[j].value);
    }
}

// `zoomrt ARGS OPTION no-such-name` fails with exit 2 and one line naming the option and
// every name of the table.
template <class Table>
void check_unknown_name(const std::string& args, const std::string& option, const Table& t) {
  const CliResult r = run_cli(args + " " + option + " no-such-name");
  INFO(args + " " + option + ": " + r.err);
  CHECK(r.status == 2);
  CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
  CHECK(r.err.find(option) != std::string::npos);
  CHECK(r.err.find("'no-such-name'") != std::string::npos);
  for (const auto& e : t) CHECK(r.err.find(std::string(e.name)) != std::string::npos);
}

template <class Table>
void check_help_lists(const std::string& help, const Table& t) {
  for (const auto& e : t) {
    INFO(std::string(e.name));
    CHECK(help.find(std::string(e.name)) != std::string::npos);
  }
}

const std::string kZoom = "zoom --prompt x --out /tmp/zoomrt_enum_tables_never_written --no-video";

}  // namespace

TEST_CASE("enum tables round-trip every name") {
  check_round_trip(sched::kStrategies);
  check_round_trip(sched::kObjectives);
  check_round_trip(sim::kPowerPolicies);
  check_round_trip(kSimDtypes);
  check_round_trip(kNoiseSchedulers);
  // The wrappers the libraries call agree with the tables.
  for (const auto& e : sched::kStrategies) CHECK(sched::strategy_name(e.value) == e.name);
  for (const auto& e : sched::kObjectives) CHECK(sched::objective_name(e.value) == e.name);
  for (const auto& e : sim::kPowerPolicies) CHECK(sim::power_policy_name(e.value) == e.name);
  for (const auto& e : kSimDtypes) CHECK(sim_dtype_name(e.value) == e.name);
  CHECK(sched::all_strategies() == sched::kStrategies.values());
  CHECK(sim::all_power_policies() == sim::kPowerPolicies.values());
  CHECK(all_sim_dtypes() == kSimDtypes.values());
}

TEST_CASE("an unknown name is one line listing the valid names, exit 2") {
  check_unknown_name(kZoom, "--strategy", sched::kStrategies);
  check_unknown_name(kZoom, "--objective", sched::kObjectives);
  check_unknown_name(kZoom, "--power-policy", sim::kPowerPolicies);
  check_unknown_name(kZoom, "--sim-dtype", kSimDtypes);
  check_unknown_name(kZoom, "--scheduler", kNoiseSchedulers);
  check_unknown_name("sim --model tiny", "--strategy", sched::kStrategies);
  check_unknown_name("sim --model tiny", "--objective", sched::kObjectives);
  check_unknown_name("sim --model tiny", "--power-policy", sim::kPowerPolicies);
  check_unknown_name("sim --model tiny", "--dtype", kSimDtypes);
  check_unknown_name("sim --model tiny", "--scheduler", kNoiseSchedulers);
  check_unknown_name("tiling compare --model tiny", "--objective", sched::kObjectives);
}

TEST_CASE("zoom --help and sim --help list every name of every table") {
  for (const std::string cmd : {"zoom", "sim"}) {
    const CliResult r = run_cli(cmd + " --help");
    INFO(cmd);
    REQUIRE(r.status == 0);
    check_help_lists(r.out, sched::kStrategies);
    check_help_lists(r.out, sched::kObjectives);
    check_help_lists(r.out, sim::kPowerPolicies);
    check_help_lists(r.out, kSimDtypes);
    check_help_lists(r.out, kNoiseSchedulers);
  }
}
