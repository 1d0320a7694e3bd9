// The processor plugins in a running engine, fed by file_source from a real file: what they
// make of each line, and that what they drop still moves the source's positions on.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "accounting.hpp"
#include "helpers.hpp"
#include "pipeline.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

void write_json_lines(const std::string& path, int from, int to) {
  std::ofstream f(path, std::ios::app);
  for (int i = from; i <= to; ++i) {
    const char* level = i % 4 == 0 ? "debug" : "info";
    f << R"({"ts":")" << 1700000000 + i << R"(","level":")" << level << R"(","msg":"m )" << i
      << R"(","req":{"path":"/p/)" << i % 3 << R"("}})"
      << "\n";
  }
}

std::vector<std::string> lines_of(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return {};
  return test::read_lines(path);
}

std::string pipeline(const std::string& log, const std::string& out) {
  return R"y(sources:
  app:
    type: file_source
    include: [)y" +
         log + R"y(]
    sync_interval: 50ms
    poll_interval: 20ms
processors:
  parse:
    type: json_parser
    inputs: [app]
    labels: {level: level}
    metadata: {path: req.path}
    line: msg
    timestamp: {source: ts, format: unix}
  shape:
    type: relabel
    inputs: [parse]
    rules:
      - action: drop
        source_labels: [level]
        regex: debug
      - source_labels: [__meta_path]
        regex: "/p/(.*)"
        target_label: shard
      - action: labeldrop
        regex: filename
sinks:
  out:
    type: capture_sink
    inputs: [shape]
    path: )y" +
         out + R"y(
    with_labels: true
)y";
}

}  // namespace

TEST_CASE("json_parser and relabel shape every line, and dropped lines are acknowledged",
          "[processors]") {
  test::TempDir dir;
  const std::string log = dir.file("app.log"), out = dir.file("out.txt");
  constexpr int total = 20000;
  write_json_lines(log, 1, total);
  const int kept = total - total / 4;
  {
    auto engine = test::start_engine(dir, pipeline(log, out));
    REQUIRE(test::wait_until([&] { return lines_of(out).size() >= static_cast<size_t>(kept); }));
    // The last line is a debug line the relabelling drops: the position still reaches the end.
    REQUIRE(test::wait_until([&] {
      return test::metric_value(engine->metrics(), "sluice_file_position_lag_bytes") == 0;
    }));
    CHECK(test::metric_value(engine->metrics(), "sluice_component_discarded_events_total",
                             {{"component_id", "shape"}}) == static_cast<double>(total / 4));
    engine->stop();
  }
  auto lines = lines_of(out);
  REQUIRE(lines.size() == static_cast<size_t>(kept));
  for (int i = 1, at = 0; i <= total; ++i) {
    if (i % 4 == 0) continue;
    INFO("line " << i);
    REQUIRE(lines[at++] ==
            "m " + std::to_string(i) + " | level=info shard=" + std::to_string(i % 3));
  }
  // After a restart nothing is read again, the dropped tail included.
  write_json_lines(log, total + 1, total + 1);
  {
    auto engine = test::start_engine(dir, pipeline(log, out));
    REQUIRE(
        test::wait_until([&] { return lines_of(out).size() == static_cast<size_t>(kept + 1); }));
    CHECK(test::metric_value(engine->metrics(), "sluice_file_lines_read_total") == 1);
    engine->stop();
  }
}

TEST_CASE("sluice validate names a bad relabel rule and a bad parser setting by position",
          "[processors]") {
  test::TempDir dir;
  std::string file = dir.file("bad.yaml");
  test::write_file(file, R"y(sources:
  gen:
    type: demo_source
processors:
  parse:
    type: regex_parser
    inputs: [gen]
    pattern: "(?P<level>\\w+)"
    timestamp: {source: level, format: "%Q"}
  shape:
    type: relabel
    inputs: [parse]
    rules:
      - source_labels: [level]
        target_label: lvl
      - action: keep
        source_labels: [level]
        regex: "(["
      - action: hashmod
        target_label: h
        modulo: 4
sinks:
  out:
    type: stdout_sink
    inputs: [shape]
)y");
  auto r = test::run({test::sluice_binary(), "validate", "-c", file});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file + ":9:40: processors.parse.timestamp.format: time layout '%Q'") !=
        std::string::npos);
  CHECK(r.err.find(file + ":18:16: processors.shape.rules[1].regex: invalid RE2 pattern") !=
        std::string::npos);
  CHECK(r.err.find(file + ":19:9: processors.shape.rules[2].modulus: 'hashmod' needs a modulus") !=
        std::string::npos);
  CHECK(r.err.find(file + ":21:9: processors.shape.rules[2].modulo: unknown key 'modulo' (did "
                          "you mean 'modulus'?)") != std::string::npos);
}

TEST_CASE("sluice plugin-check passes on every processor", "[processors]") {
  test::TempDir dir;
  test::write_file(dir.file("json_parser.yaml"),
                   "labels: {level: level}\ntimestamp: {source: ts, format: rfc3339}\n");
  test::write_file(dir.file("regex_parser.yaml"), "pattern: '(?P<word>\\w+)'\n");
  test::write_file(dir.file("relabel.yaml"),
                   "rules:\n  - {source_labels: [seq], target_label: copy}\n");
  test::write_file(dir.file("filter.yaml"), "pattern: check\n");
  for (const char* lib : {"json_parser", "regex_parser", "relabel", "filter"}) {
    auto r = test::run(
        {test::sluice_binary(), "plugin-check", test::plugin_dir() + "/" + lib + ".so", "--config",
         dir.file(std::string(lib) + ".yaml"), "--cycles", "50", "--run-for", "5ms"});
    INFO(lib << ": " << r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("PASS") != std::string::npos);
  }
}
