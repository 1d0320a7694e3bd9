// Hot reload: the running graph becomes the new config's, restarting only what changed, and a
// file source's numbered lines are accounted for exactly through it.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <thread>

#include "accounting.hpp"
#include "helpers.hpp"
#include "http_client.hpp"
#include "lifecycle/process_counts.hpp"
#include "lifecycle/thread_ledger.hpp"
#include "pipeline.hpp"
#include "reload/reloader.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A source of numbered lines "n 1", "n 2", ... appended to a file at a steady pace until
// stopped; written() is how many there are.
class Writer {
 public:
  explicit Writer(std::string path) : path_(std::move(path)) {
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    REQUIRE(fd >= 0);
    ::close(fd);
  }
  ~Writer() { finish(); }
  void start(int per_round = 50) {
    thread_ = std::thread([this, per_round] {
      int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND);
      while (!stop_) {
        std::string chunk;
        for (int i = 0; i < per_round; ++i) chunk += "n " + std::to_string(++n_) + "\n";
        if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) break;
        // A steady load, not a wait on anything: about 25,000 lines a second.
        std::this_thread::sleep_for(2ms);
      }
      ::close(fd);
      written_ = n_;
    });
  }
  int finish() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return written_;
  }

 private:
  std::string path_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  int n_ = 0;
  std::atomic<int> written_{0};
};

std::map<int, int> numbers(const std::string& out) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return {};
  return test::count_numbers(test::read_lines(out), "n");
}

bool all_arrived(const std::string& out, int count) {
  return test::wait_until([&] { return numbers(out).size() >= static_cast<size_t>(count); }, 60s);
}

// files → [processors] → out, with data_dir in dir.
std::string pipeline(const test::TempDir& dir, const std::string& processors,
                     const std::string& sink_input) {
  return "data_dir: " + dir.file("data") + "\napi:\n  enabled: false\n" +
         "sources:\n  files:\n    type: file_source\n    include: [" + dir.file("app.log") +
         "]\n    start_at: beginning\n    poll_interval: 20ms\n" + processors +
         "sinks:\n  out:\n    type: capture_sink\n    inputs: [" + sink_input +
         "]\n    path: " + dir.file("out.txt") + "\n";
}

std::string filter(const std::string& id, const std::string& input, const std::string& pattern) {
  return "  " + id + ":\n    type: filter\n    inputs: [" + input + "]\n    pattern: '" + pattern +
         "'\n";
}

// Writes yaml to the engine's file and reloads it.
bool reload(core::Engine& engine, const test::TempDir& dir, const std::string& yaml,
            core::ReloadReport& report, std::string& errors) {
  std::string file = dir.file("pipeline.yaml");
  test::write_file(file, yaml);
  core::Diagnostics diags;
  bool ok = engine.reload_file(file, diags, report);
  errors = diags.to_string();
  return ok;
}

std::set<std::thread::id> threads_of(const std::string& component) {
  std::set<std::thread::id> ids;
  for (const auto& t : core::ThreadLedger::all_threads()) {
    if (t.component_id == component) ids.insert(t.id);
  }
  return ids;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("an unchanged node is not restarted, a changed one is", "[reload]") {
  test::TempDir dir;
  Writer writer(dir.file("app.log"));
  auto engine =
      test::start_engine(dir, pipeline(dir, "processors:\n" + filter("f", "files", "^n "), "f"));
  auto* files = engine->graph()->instance("files");
  auto* out = engine->graph()->instance("out");
  auto* f = engine->graph()->instance("f");
  auto files_threads = threads_of("files");
  auto out_threads = threads_of("out");
  REQUIRE(files_threads.size() == 2);
  REQUIRE(out_threads.size() == 1);

  core::ReloadReport report;
  std::string errors;
  REQUIRE(reload(*engine, dir, pipeline(dir, "processors:\n" + filter("f", "files", "n"), "f"),
                 report, errors));
  CHECK(sorted(report.kept) == std::vector<std::string>{"files", "out"});
  CHECK(report.changed == std::vector<std::string>{"f"});
  CHECK(report.added.empty());
  CHECK(report.removed.empty());
  CHECK(engine->graph()->instance("files") == files);
  CHECK(engine->graph()->instance("out") == out);
  CHECK(threads_of("files") == files_threads);
  CHECK(threads_of("out") == out_threads);
  CHECK(engine->graph()->instance("f") != f);
  CHECK(test::metric_value(engine->metrics(), "sluice_component_restarts_total",
                           {{"component_id", "f"}}) == 1);
  CHECK(test::metric_value(engine->metrics(), "sluice_component_restarts_total",
                           {{"component_id", "out"}}) == 0);
  CHECK(test::metric_value(engine->metrics(), "sluice_config_reloads_total",
                           {{"result", "success"}}) == 1);

  // The same config again changes nothing at all.
  f = engine->graph()->instance("f");
  REQUIRE(reload(*engine, dir, pipeline(dir, "processors:\n" + filter("f", "files", "n"), "f"),
                 report = {}, errors));
  CHECK(report.kept.size() == 3);
  CHECK(engine->graph()->instance("f") == f);

  // And the pipeline still carries every line.
  writer.start();
  REQUIRE(test::wait_until([&] { return numbers(dir.file("out.txt")).size() >= 1000; }));
  int written = writer.finish();
  REQUIRE(all_arrived(dir.file("out.txt"), written));
  test::require_each(numbers(dir.file("out.txt")), written);
  engine->stop();
}

TEST_CASE(
    "a changed processor is replaced while the source keeps reading, losing and doubling "
    "nothing",
    "[reload]") {
  test::TempDir dir;
  Writer writer(dir.file("app.log"));
  auto engine =
      test::start_engine(dir, pipeline(dir, "processors:\n" + filter("f", "files", "^n "), "f"));
  writer.start();
  for (int i = 0; i < 10; ++i) {
    // Wait for records to be flowing before each swap, so that each one happens under load.
    size_t before = numbers(dir.file("out.txt")).size();
    REQUIRE(test::wait_until([&] { return numbers(dir.file("out.txt")).size() > before + 200; }));
    core::ReloadReport report;
    std::string errors;
    std::string pattern = i % 2 == 0 ? "n [0-9]" : "^n ";
    REQUIRE(reload(*engine, dir,
                   pipeline(dir, "processors:\n" + filter("f", "files", pattern), "f"), report,
                   errors));
    REQUIRE(report.changed == std::vector<std::string>{"f"});
  }
  int written = writer.finish();
  REQUIRE(all_arrived(dir.file("out.txt"), written));
  test::require_each(numbers(dir.file("out.txt")), written);
  CHECK(test::metric_value(engine->metrics(), "sluice_component_restarts_total",
                           {{"component_id", "f"}}) == 10);
  engine->stop();
}

TEST_CASE("a changed source hands its positions to its successor, which reads on from there",
          "[reload]") {
  test::TempDir dir;
  Writer writer(dir.file("app.log"));
  auto source = [&](const std::string& poll) {
    std::string yaml = pipeline(dir, "", "files");
    return yaml.replace(yaml.find("poll_interval: 20ms"), 19, "poll_interval: " + poll);
  };
  auto engine = test::start_engine(dir, source("20ms"));
  writer.start();
  for (int i = 0; i < 6; ++i) {
    size_t before = numbers(dir.file("out.txt")).size();
    REQUIRE(test::wait_until([&] { return numbers(dir.file("out.txt")).size() > before + 200; }));
    core::ReloadReport report;
    std::string errors;
    REQUIRE(reload(*engine, dir, source(i % 2 == 0 ? "30ms" : "20ms"), report, errors));
    REQUIRE(report.changed == std::vector<std::string>{"files"});
  }
  int written = writer.finish();
  REQUIRE(all_arrived(dir.file("out.txt"), written));
  // Each successor started at the committed position of the one before: no gap, no repeat.
  test::require_each(numbers(dir.file("out.txt")), written);
  engine->stop();
}

TEST_CASE("an invalid new config leaves the running graph as it was and names its errors",
          "[reload]") {
  test::TempDir dir;
  Writer writer(dir.file("app.log"));
  const std::string good = pipeline(dir, "processors:\n" + filter("f", "files", "^n "), "f");
  auto engine = test::start_engine(dir, good);
  auto* f = engine->graph()->instance("f");
  auto* out = engine->graph()->instance("out");
  const std::string file = dir.file("pipeline.yaml");

  struct Case {
    std::string name, yaml, expected;
  };
  std::vector<Case> cases = {
      {"malformed YAML", good + "  broken: [unclosed\n", file + ":"},
      {"an unknown plugin",
       pipeline(dir, "processors:\n  f:\n    type: no_such_plugin\n    inputs: [files]\n", "f"),
       "unknown plugin type 'no_such_plugin'"},
      {"a cycle",
       pipeline(dir, "processors:\n" + filter("a", "b", "x") + filter("b", "a", "x"), "b"),
       "cycle"},
      {"an invalid regex", pipeline(dir, "processors:\n" + filter("f", "files", "(unclosed"), "f"),
       "pattern"},
      {"a new API address", good + "api:\n  listen: 127.0.0.1:1\n", ""},
  };
  // The API case repeats the api key; it stands for any change of api.listen.
  cases.back().yaml = "api:\n  listen: 127.0.0.1:1\n" + good.substr(good.find("sources:")) +
                      "data_dir: " + dir.file("data") + "\n";
  cases.back().expected = "api.listen";

  int failures = 0;
  for (const auto& c : cases) {
    SECTION(c.name) {
      core::ReloadReport report;
      std::string errors;
      CHECK_FALSE(reload(*engine, dir, c.yaml, report, errors));
      INFO(errors);
      CHECK(errors.find(c.expected) != std::string::npos);
      CHECK(errors.find(file + ":") != std::string::npos);
      CHECK(engine->graph()->instance("f") == f);
      CHECK(engine->graph()->instance("out") == out);
      CHECK(test::metric_value(engine->metrics(), "sluice_config_reloads_total",
                               {{"result", "failure"}}) == ++failures);
      CHECK(test::metric_value(engine->metrics(), "sluice_config_reloads_total",
                               {{"result", "success"}}) == 0);
      // The old graph still carries every line.
      writer.start();
      REQUIRE(test::wait_until([&] { return numbers(dir.file("out.txt")).size() >= 500; }));
      int written = writer.finish();
      REQUIRE(all_arrived(dir.file("out.txt"), written));
      test::require_each(numbers(dir.file("out.txt")), written);
    }
  }
  engine->stop();
}

TEST_CASE(
    "100 reloads under a steady load deliver every line once and leave no thread or "
    "descriptor behind",
    "[reload]") {
  test::TempDir dir;
  Writer writer(dir.file("app.log"));
  // Two shapes: one processor, or two in a row (the sink's input moves, so it restarts too,
  // and the second processor is added and removed, draining what it holds).
  const std::string one = pipeline(dir, "processors:\n" + filter("f1", "files", "^n "), "f1");
  const std::string two = pipeline(
      dir, "processors:\n" + filter("f1", "files", "^n ") + filter("f2", "f1", "[0-9]$"), "f2");
  // One warm-up run for what a process sets up once (a sanitizer's own thread, say).
  test::start_engine(dir, one)->stop();
  size_t threads_before = core::count_threads();
  size_t fds_before = core::count_open_fds();
  {
    auto engine = test::start_engine(dir, one);
    core::Reloader reloader(*engine, {{dir.file("pipeline.yaml")}});
    reloader.start();
    writer.start();
    for (int i = 1; i <= 100; ++i) {
      test::write_file(dir.file("pipeline.yaml"), i % 2 == 1 ? two : one);
      auto result = reloader.request_and_wait(60s);
      INFO("reload " << i << ": " << result.message);
      REQUIRE(result.success);
    }
    int written = writer.finish();
    REQUIRE(all_arrived(dir.file("out.txt"), written));
    test::require_each(numbers(dir.file("out.txt")), written);
    CHECK(reloader.reloads_done() == 100);
    CHECK(test::metric_value(engine->metrics(), "sluice_component_restarts_total",
                             {{"component_id", "out"}}) == 100);
    CHECK(test::metric_value(engine->metrics(), "sluice_component_restarts_total",
                             {{"component_id", "files"}}) == 0);
    reloader.stop();
    engine->stop();
  }
  CHECK(test::wait_until([&] { return core::count_threads() == threads_before; }));
  CHECK(core::count_open_fds() == fds_before);
}

TEST_CASE(
    "a reload removes a node whose sink cannot deliver without waiting past the drain "
    "deadline",
    "[reload]") {
  test::TempDir dir;
  Writer writer(dir.file("app.log"));
  const std::string base = pipeline(dir, "", "files");
  std::string stuck =
      base.substr(0, base.rfind("sinks:")) +
      "lifecycle:\n  drain_deadline: 300ms\n  stop_deadline: 2s\n" +
      base.substr(base.rfind("sinks:")) +
      "  stuck:\n    type: capture_sink\n    inputs: [files]\n    path: " + dir.file("stuck.txt") +
      "\n    delay: 1h\n";
  auto engine = test::start_engine(dir, stuck);
  writer.start();
  // The stuck sink holds a batch it will not finish by itself.
  REQUIRE(test::wait_until([&] { return !test::read_lines(dir.file("stuck.txt")).empty(); }));
  core::ReloadReport report;
  std::string errors;
  auto began = std::chrono::steady_clock::now();
  std::string without = stuck.substr(0, stuck.find("  stuck:"));
  REQUIRE(reload(*engine, dir, without, report, errors));
  CHECK(std::chrono::steady_clock::now() - began < 10s);
  CHECK(report.removed == std::vector<std::string>{"stuck"});
  CHECK(engine->graph()->instance("stuck") == nullptr);
  CHECK_FALSE(engine->violated());
  int written = writer.finish();
  REQUIRE(all_arrived(dir.file("out.txt"), written));
  test::require_each(numbers(dir.file("out.txt")), written);
  engine->stop();
}

TEST_CASE("a plugin library replaced on disk is loaded anew, and only its nodes restart",
          "[reload]") {
  test::TempDir dir;
  const std::string plugins = dir.file("plugins");
  fs::create_directories(plugins);
  ::chmod(plugins.c_str(), 0755);
  auto install = [&](const std::string& from, const std::string& name) {
    // A new file renamed over the old, as package managers do.
    std::string to = plugins + "/" + name;
    fs::copy_file(from, to + ".new", fs::copy_options::overwrite_existing);
    ::chmod((to + ".new").c_str(), 0755);
    fs::rename(to + ".new", to);
  };
  install(test::plugin_dir() + "/file_source.so", "file_source.so");
  install(test::test_plugin("capture_sink"), "capture_sink.so");
  Writer writer(dir.file("app.log"));
  const std::string yaml = pipeline(dir, "", "files");
  test::write_file(dir.file("pipeline.yaml"), yaml);
  core::Diagnostics diags;
  auto config = core::load_pipeline_file(dir.file("pipeline.yaml"), diags);
  REQUIRE(config);
  core::Engine engine({{plugins}, false});
  REQUIRE(engine.load(*config, diags));
  std::string error;
  REQUIRE(engine.start(error));
  auto* files = engine.graph()->instance("files");
  auto old_library = engine.graph()->instance("out")->library();
  writer.start();

  install(test::test_plugin("capture_sink"), "capture_sink.so");
  core::ReloadReport report;
  std::string errors;
  REQUIRE(reload(engine, dir, yaml, report, errors));
  CHECK(report.changed == std::vector<std::string>{"out"});
  CHECK(report.kept == std::vector<std::string>{"files"});
  CHECK(engine.graph()->instance("files") == files);
  auto new_library = engine.graph()->instance("out")->library();
  CHECK(new_library != old_library);
  CHECK(new_library->path == old_library->path);

  int written = writer.finish();
  REQUIRE(all_arrived(dir.file("out.txt"), written));
  test::require_each(numbers(dir.file("out.txt")), written);
  engine.stop();
}

TEST_CASE("POST /-/reload answers with the outcome, and with the errors when it fails",
          "[reload]") {
  test::TempDir dir;
  auto yaml = [&](const std::string& pattern) {
    std::string p = pipeline(dir, "processors:\n" + filter("f", "files", pattern), "f");
    return p.replace(p.find("api:\n  enabled: false\n"), 22, "api:\n  listen: 127.0.0.1:0\n");
  };
  test::write_file(dir.file("app.log"), "");
  auto engine = test::start_engine(dir, yaml("^n "), true);
  core::Reloader reloader(*engine, {{dir.file("pipeline.yaml")}});
  reloader.start();
  engine->set_reload_handler([&reloader] {
    auto r = reloader.request_and_wait(60s);
    return core::ApiResponse{r.success ? 200 : 500, "text/plain", r.message};
  });

  test::write_file(dir.file("pipeline.yaml"), yaml("n"));
  auto ok = test::http_post(engine->api_port(), "/-/reload");
  CHECK(ok.status == 200);
  CHECK(ok.body.find("changed [f]") != std::string::npos);

  test::write_file(dir.file("pipeline.yaml"), yaml("(unclosed"));
  auto bad = test::http_post(engine->api_port(), "/-/reload");
  CHECK(bad.status == 500);
  INFO(bad.body);
  CHECK(bad.body.find(dir.file("pipeline.yaml") + ":") != std::string::npos);
  CHECK(bad.body.find("processors.f.pattern") != std::string::npos);

  CHECK(test::http_get(engine->api_port(), "/-/reload").status == 405);
  auto graph = test::http_get(engine->api_port(), "/debug/graph");
  CHECK(graph.body.find("\"id\":\"f\"") != std::string::npos);
  engine->set_reload_handler(nullptr);
  reloader.stop();
  engine->stop();
}

TEST_CASE("20 SIGHUPs within a second run at most two reloads, and the last file content wins",
          "[reload]") {
  test::TempDir dir;
  auto yaml = [&](int k) {
    return "api:\n  enabled: false\nsources:\n  gen:\n    type: demo_source\n    rate: 200\n"
           "sinks:\n  out:\n    type: capture_sink\n    inputs: [gen]\n    path: " +
           dir.file("out-" + std::to_string(k) + ".txt") + "\n";
  };
  test::write_file(dir.file("p.yaml"), yaml(0));
  test::Subprocess p({test::sluice_binary(), "run", "-c", dir.file("p.yaml"), "--plugin-dir",
                      test::test_plugin_dir()},
                     dir.file("stdout"), dir.file("stderr"), dir.path().string());
  REQUIRE(test::wait_until([&] { return !test::read_lines(dir.file("out-0.txt")).empty(); }));
  for (int k = 1; k <= 20; ++k) {
    test::write_file(dir.file("p.yaml"), yaml(k));
    p.signal(SIGHUP);
    std::this_thread::sleep_for(40ms);  // spreads the signals over most of a second
  }
  REQUIRE(test::wait_until([&] { return !test::read_lines(dir.file("out-20.txt")).empty(); }));
  p.signal(SIGTERM);
  REQUIRE(p.wait(30s));
  auto err = test::read_lines(dir.file("stderr"));
  int reloads = 0;
  for (const auto& line : err) reloads += line.find("reload: added") != std::string::npos;
  INFO(test::read_file(dir.file("stderr")));
  CHECK(reloads >= 1);
  CHECK(reloads <= 2);
  for (int k = 1; k < 20; ++k) {
    // A config that was replaced before any reload read it never ran.
    if (reloads == 1)
      CHECK(test::read_lines(dir.file("out-" + std::to_string(k) + ".txt")).empty());
  }
}

// Runs a pipeline with --watch-config (extra_sources beside demo_source "gen" into a capture
// sink), saves an edit as editors do (a new file renamed over the old one) once gen's first
// lines have arrived, and checks that the edited pipeline runs. before_edit is checked right
// before the edit, on the run's log.
void watch_and_edit(const std::string& extra_sources,
                    const std::function<bool(const std::string&)>& before_edit) {
  test::TempDir dir;
  auto yaml = [&](const std::string& name) {
    return "api:\n  enabled: false\nsources:\n" + extra_sources +
           "  gen:\n    type: demo_source\n    rate: 200\n"
           "sinks:\n  out:\n    type: capture_sink\n    inputs: [gen]\n    path: " +
           dir.file(name) + "\n";
  };
  test::write_file(dir.file("p.yaml"), yaml("first.txt"));
  test::Subprocess p({test::sluice_binary(), "run", "-c", dir.file("p.yaml"), "--watch-config",
                      "--plugin-dir", test::test_plugin_dir()},
                     dir.file("stdout"), dir.file("stderr"), dir.path().string());
  REQUIRE(test::wait_until([&] { return !test::read_lines(dir.file("first.txt")).empty(); }));
  test::write_file(dir.file("p.yaml.new"), yaml("second.txt"));
  fs::rename(dir.file("p.yaml.new"), dir.file("p.yaml"));
  INFO(test::read_file(dir.file("stderr")));
  REQUIRE(before_edit(test::read_file(dir.file("stderr"))));
  CHECK(test::wait_until([&] { return !test::read_lines(dir.file("second.txt")).empty(); }));
  p.signal(SIGTERM);
  CHECK(p.wait(30s) == 0);
}

TEST_CASE("run with --watch-config reloads when the file changes", "[reload]") {
  watch_and_edit("", [](const std::string&) { return true; });
}

// The file is watched from the moment it was read: an edit saved while the pipeline is still
// starting (here a source takes 3 s to start) is a change too, not the file to compare with.
TEST_CASE("run with --watch-config reloads for an edit saved while the pipeline starts",
          "[reload]") {
  // gen runs while slow is still in its start: the engine has read the file and not yet said
  // that the pipeline runs.
  watch_and_edit("  slow:\n    type: slow_start\n    linger: 3s\n",
                 [](const std::string& log) { return log.find("pipeline") == std::string::npos; });
}

// A folder of configs: the pipeline is all its files, and with --watch-config a file added
// to the folder is a change like an edit.
TEST_CASE("run -c FOLDER reloads when a file is added to the folder", "[reload]") {
  test::TempDir dir;
  fs::create_directories(dir.file("conf.d"));
  test::write_file(dir.file("conf.d/10-source.yaml"),
                   "api:\n  enabled: false\nsources:\n  gen:\n    type: demo_source\n"
                   "    rate: 200\n");
  test::write_file(dir.file("conf.d/20-sink.yaml"),
                   "sinks:\n  out:\n    type: capture_sink\n    inputs: [gen]\n    path: " +
                       dir.file("first.txt") + "\n");
  auto check = test::run({test::sluice_binary(), "validate", "-c", dir.file("conf.d"),
                          "--plugin-dir", test::test_plugin_dir()});
  INFO(check.err);
  CHECK(check.exit_code == 0);
  CHECK(check.out.find("valid (2 nodes)") != std::string::npos);
  test::Subprocess p({test::sluice_binary(), "run", "-c", dir.file("conf.d"), "--watch-config",
                      "--plugin-dir", test::test_plugin_dir()},
                     dir.file("stdout"), dir.file("stderr"), dir.path().string());
  REQUIRE(test::wait_until([&] { return !test::read_lines(dir.file("first.txt")).empty(); }));
  test::write_file(dir.file("30-more.tmp"),
                   "sinks:\n  more:\n    type: capture_sink\n    inputs: [gen]\n    path: " +
                       dir.file("second.txt") + "\n");
  fs::rename(dir.file("30-more.tmp"), dir.file("conf.d/30-more.yaml"));
  INFO(test::read_file(dir.file("stderr")));
  CHECK(test::wait_until([&] { return !test::read_lines(dir.file("second.txt")).empty(); }));
  // The outcome is logged once the new nodes run, so their first lines can come before it.
  CHECK(test::wait_until([&] {
    return test::read_file(dir.file("stderr")).find("added [more]") != std::string::npos;
  }));
  p.signal(SIGTERM);
  CHECK(p.wait(30s) == 0);
}
