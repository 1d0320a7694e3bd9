// The lifecycle contract, enforced: deadlines, the ledger, and the process's thread and
// descriptor counts, with plugins that break the contract on purpose.
#include <atomic>
#include <catch2/catch.hpp>

#include "config/yaml_access.hpp"
#include "helpers.hpp"
#include "lifecycle/conformance.hpp"
#include "lifecycle/process_counts.hpp"
#include "lifecycle/quarantine.hpp"
#include "lifecycle/thread_ledger.hpp"
#include "pipeline.hpp"
#include "plugins/plugin_library.hpp"
#include "runtime/plugin_instance.hpp"
#include "test_paths.hpp"

using namespace sluice;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const core::PluginLibrary> library(const std::string& path) {
  auto r = core::load_plugin_library(path);
  REQUIRE(std::holds_alternative<std::shared_ptr<const core::PluginLibrary>>(r));
  return std::get<std::shared_ptr<const core::PluginLibrary>>(r);
}

bool thread_listed(const std::string& name, core::ThreadState* state = nullptr) {
  for (const auto& t : core::ThreadLedger::all_threads()) {
    if (t.name == name) {
      if (state) *state = t.state;
      return true;
    }
  }
  return false;
}

core::ConformanceOptions check_of(const std::string& path, int cycles,
                                  const std::string& yaml = "{}") {
  core::ConformanceOptions o;
  o.library = path;
  o.cycles = cycles;
  o.run_for = 2ms;
  o.config = YAML::Load(yaml);
  return o;
}

}  // namespace

TEST_CASE("a plugin that ignores stop is reported by its deadline and the engine keeps serving",
          "[lifecycle]") {
  test::TempDir dir;
  std::string out = dir.file("out.txt");
  auto engine = test::start_engine(dir, R"(api:
  listen: 127.0.0.1:0
sources:
  gen:
    type: demo_source
    rate: 200
sinks:
  out:
    type: capture_sink
    inputs: [gen]
    path: )" + out + "\n",
                                   true);

  core::Metrics& metrics = engine->metrics();
  core::InstanceSettings s;
  s.id = "stubborn_source";
  s.kind = core::NodeKind::source;
  s.state_dir = dir.file("stubborn");
  s.stop_deadline = 1000ms;
  auto instance = std::make_unique<core::PluginInstance>(library(test::test_plugin("ignores_stop")),
                                                         s, metrics);
  core::Diagnostics diags;
  core::YamlReader reader("<test>", diags);
  REQUIRE(instance->configure(YAML::Load("{linger: 2500ms}"), reader, "", {}));
  REQUIRE(instance->start());
  REQUIRE(thread_listed("stubborn"));

  auto began = std::chrono::steady_clock::now();
  core::StopReport report = instance->stop();
  auto took = std::chrono::steady_clock::now() - began;
  CHECK_FALSE(report.met_deadline);
  CHECK(took >= 1000ms);
  CHECK(took <= 1500ms);
  CHECK(report.late_threads == std::vector<std::string>{"stubborn"});
  CHECK(report.spawned == 1);
  CHECK(report.joined == 0);
  CHECK(instance->state() == core::InstanceState::violated);
  CHECK(test::metric_value(metrics, "sluice_lifecycle_violations_total",
                           {{"component_id", "stubborn_source"}, {"violation", "stop_deadline"}}) ==
        1);
  core::ThreadState state{};
  REQUIRE(thread_listed("stubborn", &state));
  CHECK(state == core::ThreadState::past_deadline);

  // Meanwhile the engine goes on delivering and answering.
  auto lines = test::read_lines(out).size();
  CHECK(test::wait_until([&] { return test::read_lines(out).size() > lines + 10; }));
  CHECK(test::wait_until([&] { return engine->handle_api("GET", "/healthz").status == 200; }));
  // The stubborn thread ends by itself in the end, and leaves the listing.
  CHECK(test::wait_until([&] { return !thread_listed("stubborn"); }));
  core::quarantine(std::move(instance));  // as the engine does with a violated instance
  engine->stop();
}

TEST_CASE("a plugin stuck in start is reported by the start deadline", "[lifecycle]") {
  core::Metrics metrics;
  core::InstanceSettings s;
  s.id = "slow";
  s.start_deadline = 300ms;
  auto instance =
      std::make_unique<core::PluginInstance>(library(test::test_plugin("slow_start")), s, metrics);
  core::Diagnostics diags;
  core::YamlReader reader("<test>", diags);
  REQUIRE(instance->configure(YAML::Load("{linger: 1500ms}"), reader, "", {}));
  auto began = std::chrono::steady_clock::now();
  CHECK_FALSE(instance->start());
  CHECK(std::chrono::steady_clock::now() - began < 800ms);
  CHECK(instance->state() == core::InstanceState::violated);
  CHECK(test::metric_value(metrics, "sluice_lifecycle_violations_total",
                           {{"violation", "start_deadline"}}) == 1);
  core::quarantine(std::move(instance));  // its start is still running on the helper thread
}

TEST_CASE("a violation reaches the engine's handler (on_violation: exit builds on it)",
          "[lifecycle]") {
  test::TempDir dir;
  core::Diagnostics diags;
  auto engine = test::load_engine(dir, R"(lifecycle:
  stop_deadline: 300ms
  on_violation: exit
sources:
  stubborn:
    type: ignores_stop
    linger: 1s
sinks:
  out:
    type: capture_sink
    inputs: [stubborn]
    path: /dev/null
)",
                                  diags);
  REQUIRE(engine);
  std::atomic<int> calls{0};
  engine->set_violation_handler([&] { ++calls; });
  std::string error;
  REQUIRE(engine->start(error));
  engine->stop();
  CHECK(calls == 1);
  CHECK(engine->violated());
  CHECK(test::wait_until([&] { return !thread_listed("stubborn"); }));
}

TEST_CASE("plugin-check reports a raw thread left behind", "[lifecycle]") {
  auto result =
      core::check_conformance(check_of(test::test_plugin("raw_thread"), 2, "{linger: 60s}"));
  INFO(result.summary());
  CHECK_FALSE(result.passed);
  REQUIRE(result.failures.size() == 1);
  CHECK(result.failures[0].find("cycle 2: threads") != std::string::npos);
}

TEST_CASE("plugin-check reports a descriptor left open", "[lifecycle]") {
  auto result = core::check_conformance(check_of(test::test_plugin("fd_leak"), 3));
  INFO(result.summary());
  CHECK_FALSE(result.passed);
  REQUIRE(result.failures.size() == 1);
  CHECK(result.failures[0].find("descriptors") != std::string::npos);
}

TEST_CASE("plugin-check reports a thread that ignores stop", "[lifecycle]") {
  auto options = check_of(test::test_plugin("ignores_stop"), 5, "{linger: 1s}");
  options.stop_deadline = 200ms;
  auto result = core::check_conformance(options);
  INFO(result.summary());
  CHECK_FALSE(result.passed);
  CHECK(result.failures[0].find("past the stop deadline: stubborn") != std::string::npos);
  CHECK(test::wait_until([&] { return !thread_listed("stubborn"); }));
}

TEST_CASE("well-behaved plugins over 200 cycles leave threads and descriptors exactly as they were",
          "[lifecycle]") {
  test::TempDir dir;
  std::string sink_config = "{path: " + dir.file("captured") + "}";
  struct Case {
    std::string path;
    std::string config;
  };
  for (const auto& c : {Case{test::plugin_dir() + "/demo_source.so", "{rate: 0, batch_size: 50}"},
                        Case{test::plugin_dir() + "/filter.so", "{pattern: record}"},
                        Case{test::test_plugin("capture_sink"), sink_config}}) {
    auto result = core::check_conformance(check_of(c.path, 200, c.config));
    INFO(result.summary());
    CHECK(result.passed);
    CHECK(result.cycles_run == 200);
    CHECK(result.records > 0);
    CHECK(result.threads_after == result.threads_baseline);
    CHECK(result.fds_after == result.fds_baseline);
  }
}

TEST_CASE("a whole engine started and stopped 20 times leaves no thread or descriptor behind",
          "[lifecycle]") {
  test::TempDir dir;
  std::string yaml = R"(api:
  listen: 127.0.0.1:0
sources:
  gen:
    type: demo_source
    rate: 0
    batch_size: 50
processors:
  keep:
    type: filter
    inputs: [gen]
    pattern: demo
sinks:
  out:
    type: capture_sink
    inputs: [keep]
    path: )" + dir.file("out.txt") +
                     "\n";
  // One warm-up run for what a process sets up once.
  test::start_engine(dir, yaml, true)->stop();
  size_t threads = core::count_threads();
  size_t fds = core::count_open_fds();
  for (int i = 0; i < 20; ++i) {
    auto engine = test::start_engine(dir, yaml, true);
    REQUIRE(test::wait_until([&] {
      return test::metric_value(engine->metrics(), "sluice_component_sent_events_total",
                                {{"component_id", "out"}}) > 0;
    }));
    CHECK(core::count_threads() > threads);
    engine->stop();
    CHECK_FALSE(engine->violated());
  }
  CHECK(test::wait_until(
      [&] { return core::count_threads() == threads && core::count_open_fds() == fds; }, 5s));
  CHECK(core::count_threads() == threads);
  CHECK(core::count_open_fds() == fds);
}
