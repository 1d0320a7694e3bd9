// One processor plugin's own throughput: batches of 1000 records prepared in memory, then
// handed to the plugin's on_process one after another on this thread, as a worker does.
// Prints one line of figures: the time counted is the processing alone, host copy included.
//
//   processor_throughput WORKLOAD LINES
//   WORKLOAD: json (3 fields lifted), regex (access log, 4 groups used, a one-pass pattern),
//             regex_common (the same, written with .* and 10 groups used), relabel (5 rules,
//             label sets shared by a stream's records), relabel_distinct (each record its own)
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/yaml_access.hpp"
#include "observability/logging.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_library.hpp"
#include "runtime/batch.hpp"
#include "runtime/plugin_instance.hpp"

using namespace sluice;

namespace {

constexpr size_t line_bytes = 200;
constexpr size_t batch_size = 1000;

struct Workload {
  const char* plugin;
  std::string config;
  std::string (*line)(long i);
  bool shared_labels;
};

std::string pad(std::string s) {
  if (s.size() < line_bytes) s.resize(line_bytes, ' ');
  return s;
}

std::string json_line(long i) {
  std::string s = R"({"ts":"2026-11-23T23:01:32.123456Z","level":")" +
                  std::string(i % 10 == 0 ? "warn" : "info") + R"(","service":"api-)" +
                  std::to_string(i % 7) + R"(","trace":{"id":")" + std::to_string(i) +
                  R"("},"msg":")";
  s.resize(line_bytes - 2, 'x');
  return s + "\"}";
}

std::string access_line(long i) {
  return pad("192.0.2." + std::to_string(i % 250) +
             " - - [23/Nov/2026:23:01:32 +0000] \"GET /api/v1/items/" + std::to_string(i) +
             " HTTP/1.1\" " + (i % 20 == 0 ? "500" : "200") + " 5120 \"-\" \"curl/8.5.0\"");
}

std::string plain_line(long i) {
  return pad("level=info seq=" + std::to_string(i) + " msg=ok");
}

const Workload* workload(const std::string& name) {
  static const Workload json{"json_parser",
                             "labels: {level: level, service: service}\n"
                             "metadata: {trace_id: trace.id}\n",
                             json_line, true};
  // The combined log format, written so that each character has one way to match (classes
  // that exclude the next delimiter): RE2 then uses its one-pass engine.
  static const Workload regex{
      "regex_parser",
      R"re(pattern: '^(?P<client>[\w.:]+) - [^ ]* \[(?P<time>[^\]]*)\] "(?P<method>[A-Z]+) (?P<path>[^ "]*) [^"]*" (?P<status>\d+) (?P<size>\d+|-) "[^"]*" "(?P<agent>[^"]*)"'
labels: {method: method, status: status}
metadata: {client: client, path: path}
)re",
      access_line, true};
  // The same as it is often written, with .* and every field captured.
  static const Workload regex_common{
      "regex_parser",
      R"re(pattern: '^(?P<client>[\w.:]+) - (?P<user>[^ ]*) \[(?P<time>.*)\] "(?P<method>[^ ]*) (?P<path>[^ ]*) (?P<protocol>[^ ]*)" (?P<status>[\d]+) (?P<size>[\d]+) "(?P<referer>[^"]*)" "(?P<agent>[^"]*)"'
labels: {method: method, status: status}
metadata: {client: client, user: user, time: time, path: path, protocol: protocol, size: size, referer: referer, agent: agent}
)re",
      access_line, true};
  static const char* rules = R"(rules:
  - {source_labels: [filename], regex: '.*/([^/]+)\.log', target_label: app}
  - {action: drop, source_labels: [level], regex: debug}
  - {action: hashmod, source_labels: [filename], modulus: 8, target_label: __tmp_shard}
  - {source_labels: [__tmp_shard], target_label: shard}
  - {action: labeldrop, regex: filename}
)";
  static const Workload relabel{"relabel", rules, plain_line, true};
  static const Workload relabel_distinct{"relabel", rules, plain_line, false};
  if (name == "json") return &json;
  if (name == "regex") return &regex;
  if (name == "regex_common") return &regex_common;
  if (name == "relabel") return &relabel;
  if (name == "relabel_distinct") return &relabel_distinct;
  return nullptr;
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Batches of batch_size records; each batch comes from one file of ten (its labels shared by
// all its records), or, when not shared, each record has a label array of its own.
std::vector<std::unique_ptr<core::Batch>> prepare(const Workload& w, long lines) {
  std::vector<std::unique_ptr<core::Batch>> batches;
  std::vector<std::string> names = {"filename", "host", "job", "level"};
  for (long first = 0; first < lines; first += static_cast<long>(batch_size)) {
    long n = std::min(static_cast<long>(batch_size), lines - first);
    std::string file = "/var/log/app-" + std::to_string(batches.size() % 10) + ".log";
    std::vector<std::string> text;
    std::vector<std::vector<sluice_label_t>> labels(static_cast<size_t>(n));
    std::vector<sluice_record_t> records;
    text.reserve(static_cast<size_t>(n));
    for (long i = 0; i < n; ++i) text.push_back(w.line(first + i));
    std::vector<std::string> values = {file, "host-1", "varlogs", "info"};
    std::vector<sluice_label_t> shared;
    for (size_t l = 0; l < names.size(); ++l) {
      shared.push_back({{names[l].data(), names[l].size()}, {values[l].data(), values[l].size()}});
    }
    for (long i = 0; i < n; ++i) {
      auto& own = labels[static_cast<size_t>(i)];
      own = shared;
      const sluice_label_t* l = w.shared_labels ? shared.data() : own.data();
      const auto& t = text[static_cast<size_t>(i)];
      records.push_back({1'700'000'000'000'000'000 + first + i,
                         {t.data(), t.size()},
                         l,
                         static_cast<uint32_t>(shared.size()),
                         nullptr,
                         0});
    }
    batches.push_back(core::Batch::copy_of(records.data(), records.size(), nullptr));
  }
  return batches;
}

}  // namespace

int main(int argc, char** argv) {
  const Workload* w = argc == 3 ? workload(argv[1]) : nullptr;
  if (w == nullptr) {
    std::fprintf(stderr, "usage: %s json|regex|regex_common|relabel|relabel_distinct LINES\n",
                 argv[0]);
    return 2;
  }
  const long lines = std::atol(argv[2]);
  core::configure_logging(spdlog::level::warn, core::LogFormat::text);

  auto loaded =
      core::load_plugin_library(std::string(SLUICE_BENCH_PLUGIN_DIR) + "/" + w->plugin + ".so");
  if (auto* why = std::get_if<std::string>(&loaded)) {
    std::fprintf(stderr, "%s\n", why->c_str());
    return 1;
  }
  core::Metrics metrics;
  core::InstanceSettings settings;
  settings.id = "bench";
  settings.kind = core::NodeKind::processor;
  core::PluginInstance instance(std::get<std::shared_ptr<const core::PluginLibrary>>(loaded),
                                settings, metrics);
  core::Diagnostics diags;
  core::YamlReader reader("bench.yaml", diags);
  if (!instance.configure(YAML::Load(w->config), reader, "", {}) || !instance.start()) {
    std::fprintf(stderr, "%s", diags.to_string().c_str());
    return 1;
  }

  auto batches = prepare(*w, lines);
  size_t out = 0;
  auto wall0 = std::chrono::steady_clock::now();
  double cpu0 = thread_cpu_seconds();
  for (auto& b : batches) {
    if (!instance.process(*b)) {
      std::fprintf(stderr, "on_process failed\n");
      return 1;
    }
    out += b->size();
    b->finish(SLUICE_OUTCOME_DELIVERED);
    b.reset();
  }
  double cpu = thread_cpu_seconds() - cpu0;
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  instance.stop();
  instance.destroy();
  std::printf("%-17s %9ld %6zu %9zu %12.0f %7.3f %7.3f\n", argv[1], lines, line_bytes, out,
              static_cast<double>(lines) / wall, wall, cpu);
  return 0;
}
