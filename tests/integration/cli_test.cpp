// The sluice binary as a person uses it: the quickstart, validate, plugins, plugin-check,
// and shutdown by signal.
#include <signal.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

#include "helpers.hpp"
#include "sluice/abi.h"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string bin() {
  return test::sluice_binary();
}
std::string test_dirs() {
  return test::test_plugin_dir();
}

size_t count_matching(const std::vector<std::string>& lines, const std::regex& re) {
  size_t n = 0;
  for (const auto& l : lines) n += std::regex_match(l, re) ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("the demo runs, prints filtered records, and stops cleanly on Ctrl-C", "[cli]") {
  test::TempDir dir;
  // Its own copy on a free port, so that a running sluice on 9400 cannot get in the way.
  std::string config = test::read_file(test::source_dir() + "/configs/demo.yaml");
  config.replace(config.find("127.0.0.1:9400"), 14, "127.0.0.1:0");
  config.replace(config.find("rate: 4"), 7, "rate: 40");
  test::write_file(dir.file("demo.yaml"), config);
  test::Subprocess p({bin(), "run", "-c", dir.file("demo.yaml")}, dir.file("out"), dir.file("err"),
                     dir.path().string());
  REQUIRE(test::wait_until([&] { return test::read_lines(dir.file("out")).size() >= 10; }));
  p.signal(SIGINT);
  auto code = p.wait(20s);
  INFO(test::read_file(dir.file("err")));
  REQUIRE(code);
  CHECK(*code == 0);
  auto lines = test::read_lines(dir.file("out"));
  std::regex record(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \{app="demo"\} request \d+ handled level=(warn|error))");
  CHECK(count_matching(lines, record) == lines.size());
  std::string err = test::read_file(dir.file("err"));
  CHECK(err.find("stopped") != std::string::npos);
  CHECK(err.find("violation") == std::string::npos);
  CHECK(fs::is_directory(dir.file("data")));
}

TEST_CASE("a second signal during shutdown exits at once, non-zero", "[cli]") {
  test::TempDir dir;
  test::write_file(dir.file("p.yaml"), R"(api:
  enabled: false
lifecycle:
  drain_deadline: 60s
sources:
  gen:
    type: demo_source
    rate: 100
sinks:
  stuck:
    type: capture_sink
    inputs: [gen]
    path: captured.txt
    delay: 1h
)");
  test::Subprocess p({bin(), "run", "-c", dir.file("p.yaml"), "--plugin-dir", test_dirs()},
                     dir.file("out"), dir.file("err"), dir.path().string());
  // The sink holds a batch it will never finish: the drain cannot end by itself.
  REQUIRE(test::wait_until([&] { return !test::read_lines(dir.file("captured.txt")).empty(); }));
  p.signal(SIGTERM);
  REQUIRE(test::wait_until(
      [&] { return test::read_file(dir.file("err")).find("stopping") != std::string::npos; }));
  CHECK_FALSE(p.wait(300ms));  // draining into a stuck sink: still going
  auto began = std::chrono::steady_clock::now();
  p.signal(SIGINT);
  auto code = p.wait(10s);
  REQUIRE(code);
  CHECK(*code == 130);
  CHECK(std::chrono::steady_clock::now() - began < 2s);
}

TEST_CASE("on_violation: exit makes a violation end the run with a failure", "[cli]") {
  test::TempDir dir;
  test::write_file(dir.file("p.yaml"), R"(api:
  enabled: false
lifecycle:
  stop_deadline: 200ms
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
)");
  test::Subprocess p({bin(), "run", "-c", dir.file("p.yaml"), "--plugin-dir", test_dirs()},
                     dir.file("out"), dir.file("err"), dir.path().string());
  REQUIRE(test::wait_until(
      [&] { return test::read_file(dir.file("err")).find("running") != std::string::npos; }));
  p.signal(SIGINT);
  auto code = p.wait(20s);
  REQUIRE(code);
  CHECK(*code == 1);
  std::string err = test::read_file(dir.file("err"));
  CHECK(err.find("lifecycle violation (stop_deadline)") != std::string::npos);
  CHECK(err.find("stubborn") != std::string::npos);
}

TEST_CASE("a run whose standard output is closed ends, non-zero, saying why", "[cli]") {
  test::TempDir dir;
  test::write_file(dir.file("p.yaml"), "data_dir: " + dir.file("data") + R"(
api:
  enabled: false
sources:
  demo:
    type: demo_source
    rate: 0
sinks:
  out:
    type: stdout_sink
    inputs: [demo]
)");
  // `sluice run | head -1`, as a person would type it.
  auto r = test::run({"/bin/bash", "-c",
                      "set -o pipefail; \"$0\" run -c \"$1\" 2>\"$2\" | head -1 >/dev/null; "
                      "echo \"status=${PIPESTATUS[0]}\"",
                      bin(), dir.file("p.yaml"), dir.file("err")},
                     60s);
  INFO(test::read_file(dir.file("err")));
  CHECK(r.out == "status=1\n");
  std::string err = test::read_file(dir.file("err"));
  CHECK(err.find("the run was ended by out: standard output was closed") != std::string::npos);
}

TEST_CASE("validate and run open only the plugins a config names", "[cli]") {
  test::TempDir dir;
  fs::create_directory(dir.file("plugins"));
  ::chmod(dir.file("plugins").c_str(), 0700);
  for (const char* name : {"demo_source.so", "stdout_sink.so"})
    fs::copy_file(test::plugin_dir() + "/" + name, dir.file("plugins/") + name);
  // A library no config names, whose constructor aborts the process that loads it.
  fs::copy_file(SLUICE_TEST_CRASHING_PLUGIN, dir.file("plugins/crashing_constructor.so"));
  test::write_file(dir.file("p.yaml"), R"(sources:
  gen:
    type: demo_source
sinks:
  out:
    type: stdout_sink
    inputs: [gen]
)");
  auto r =
      test::run({bin(), "validate", "-c", dir.file("p.yaml"), "--plugin-dir", dir.file("plugins")});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("valid (2 nodes)") != std::string::npos);
}

TEST_CASE("a plugin directory refused as unsafe is said, with its reason", "[cli]") {
  test::TempDir dir;
  const std::string open_dir = dir.file("open");
  fs::create_directory(open_dir);
  fs::copy_file(test::test_plugin("capture_sink"), open_dir + "/capture_sink.so");
  ::chmod(open_dir.c_str(), 0777);
  test::write_file(dir.file("p.yaml"), R"(sources:
  gen:
    type: demo_source
sinks:
  out:
    type: capture_sink
    inputs: [gen]
    path: /dev/null
)");
  // Nothing else to fall back to: the error says why, not only that nothing was found.
  auto alone = test::run({bin(), "validate", "-c", dir.file("p.yaml"), "--plugin-dir", open_dir});
  CHECK(alone.exit_code == 2);
  CHECK(alone.err.find(open_dir + ": plugin directory refused: writable by others") !=
        std::string::npos);
  CHECK(alone.err.find("unknown plugin type 'capture_sink'") != std::string::npos);
  CHECK(alone.err.find("a directory that may hold it was refused") != std::string::npos);

  // With the same plugin in a later directory, that one is used, and the refusal is said.
  auto fallback = test::run({bin(), "validate", "-c", dir.file("p.yaml"), "--plugin-dir", open_dir,
                             "--plugin-dir", test_dirs()});
  INFO(fallback.err);
  CHECK(fallback.exit_code == 0);
  CHECK(fallback.err.find("plugin refused: " + open_dir + ": plugin directory refused") !=
        std::string::npos);
  ::chmod(open_dir.c_str(), 0700);
}

TEST_CASE("every config in configs/ validates", "[cli]") {
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(test::source_dir() + "/configs")) {
    if (entry.path().extension() != ".yaml") continue;
    // An addition to another config (quickstart-loki.yaml to quickstart.yaml) validates with
    // it, as the script that adds it runs them.
    std::vector<std::string> argv{"/usr/bin/env", "LOKI_URL=http://127.0.0.1:3100", bin(),
                                  "validate"};
    const auto name = entry.path().stem().string();
    if (auto dash = name.find('-'); dash != std::string::npos) {
      const auto base = test::source_dir() + "/configs/" + name.substr(0, dash) + ".yaml";
      if (fs::exists(base)) argv.insert(argv.end(), {"-c", base});
    }
    argv.insert(argv.end(), {"-c", entry.path().string()});
    auto r = test::run(argv);
    INFO(entry.path() << "\n" << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("valid") != std::string::npos);
    ++checked;
  }
  CHECK(checked >= 1);
}

TEST_CASE("validate prints every error with file:line:column and exits 2", "[cli]") {
  test::TempDir dir;
  std::string file = dir.file("bad.yaml");
  test::write_file(file, R"(sources:
  gen:
    type: demo_source
    rat: 5
processors:
  keep:
    type: filter
    inputs: [gen]
    pattern: "(["
sinks:
  out:
    type: stdout_sink
    inputs: [keep]
    format: yaml
)");
  auto r = test::run({bin(), "validate", "-c", file});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file + ":4:5: sources.gen.rat: unknown key 'rat' (did you mean 'rate'?)") !=
        std::string::npos);
  CHECK(r.err.find(file + ":9:14: processors.keep.pattern: invalid RE2 pattern") !=
        std::string::npos);
  CHECK(r.err.find(file + ":14:13: sinks.out.format: expected 'text' or 'json', got 'yaml'") !=
        std::string::npos);
  CHECK(r.err.find("3 errors") != std::string::npos);
}

TEST_CASE("validate reports malformed YAML with its position", "[cli]") {
  test::TempDir dir;
  std::string file = dir.file("broken.yaml");
  test::write_file(file, "sources:\n  gen: {type: demo_source\n");
  auto r = test::run({bin(), "validate", "-c", file});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file + ":3:1: malformed YAML") != std::string::npos);
}

TEST_CASE("plugins lists each plugin found and each file refused, with its reason", "[cli]") {
  auto r = test::run({bin(), "plugins", "--plugin-dir", test_dirs()});
  CHECK(r.exit_code == 0);
  for (const char* name :
       {"blackhole_sink", "demo_source", "filter", "stdout_sink", "capture_sink"}) {
    CHECK(r.out.find(name) != std::string::npos);
  }
  CHECK(r.out.find("bad_abi_major.so: built for plugin ABI 2.0") != std::string::npos);
  CHECK(r.out.find("not_a_plugin.so: not a Sluice plugin") != std::string::npos);
}

TEST_CASE("plugin-check passes on every plugin shipped", "[cli]") {
  test::TempDir dir;
  test::write_file(dir.file("filter.yaml"), "pattern: check\n");
  test::write_file(dir.file("stdout.yaml"), "format: json\n");
  test::write_file(dir.file("demo.yaml"), "rate: 0\n");
  test::write_file(dir.file("blackhole.yaml"), "report_interval: 1h\n");
  // A pod's log for kubernetes_logs to read at each cycle.
  std::filesystem::create_directories(dir.file("pods/ns_pod_uid/c"));
  test::write_file(dir.file("pods/ns_pod_uid/c/0.log"),
                   "2026-12-03T10:00:00Z stdout P a \n2026-12-03T10:00:00Z stdout F line\n");
  test::write_file(dir.file("kubernetes.yaml"), "pods_dir: " + dir.file("pods") + "\n");
  for (auto [lib, config] :
       {std::pair{"demo_source", "demo.yaml"}, std::pair{"filter", "filter.yaml"},
        std::pair{"stdout_sink", "stdout.yaml"}, std::pair{"blackhole_sink", "blackhole.yaml"},
        std::pair{"kubernetes_logs", "kubernetes.yaml"}}) {
    auto r = test::run({bin(), "plugin-check", test::plugin_dir() + "/" + lib + ".so", "--config",
                        dir.file(config), "--cycles", "50", "--run-for", "5ms"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(std::string("plugin-check: ") + lib) != std::string::npos);
    CHECK(r.out.find("50 cycles") != std::string::npos);
    CHECK(r.out.find("PASS") != std::string::npos);
  }
}

TEST_CASE("plugin-check fails on misbehaving plugins and a refused library", "[cli]") {
  for (const char* lib : {"fd_leak", "raw_thread", "bad_abi_major"}) {
    auto r = test::run({bin(), "plugin-check", test::test_plugin(lib), "--cycles", "3"});
    INFO(lib << ": " << r.out << r.err);
    CHECK(r.exit_code == 1);
    CHECK(r.out.find("FAIL") != std::string::npos);
  }
}

TEST_CASE("the command line answers --version and refuses what it does not know", "[cli]") {
  auto v = test::run({bin(), "--version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.rfind("sluice ", 0) == 0);
  CHECK(v.out.find("plugin ABI 1." + std::to_string(SLUICE_ABI_MINOR)) != std::string::npos);
  auto bad = test::run({bin(), "frobnicate"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("unknown command 'frobnicate'") != std::string::npos);
  auto missing = test::run({bin(), "run"});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("needs -c FILE") != std::string::npos);
}

TEST_CASE("the JSON log format writes one JSON object per log line", "[cli]") {
  test::TempDir dir;
  std::string file = dir.file("p.yaml");
  test::write_file(file,
                   "api: {enabled: false}\nsources:\n  gen: {type: demo_source}\n"
                   "sinks:\n  out: {type: capture_sink, inputs: [gen], path: /dev/null}\n");
  test::Subprocess p(
      {bin(), "run", "-c", file, "--plugin-dir", test_dirs(), "--log-format", "json"},
      dir.file("out"), dir.file("err"), dir.path().string());
  REQUIRE(test::wait_until(
      [&] { return test::read_file(dir.file("err")).find("running") != std::string::npos; }));
  p.signal(SIGINT);
  REQUIRE(p.wait(20s) == std::optional<int>(0));
  std::regex json_line(R"(\{"time":"[^"]+Z","level":"\w+","component":"[^"]+","message":".*"\})");
  auto lines = test::read_lines(dir.file("err"));
  REQUIRE(lines.size() >= 3);
  CHECK(count_matching(lines, json_line) == lines.size());
}
