#include "lifecycle/conformance.hpp"

#include <unistd.h>

#include <filesystem>
#include <thread>

#include "config/diagnostics.hpp"
#include "config/yaml_access.hpp"
#include "lifecycle/process_counts.hpp"
#include "lifecycle/quarantine.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_library.hpp"
#include "runtime/plugin_instance.hpp"

namespace sluice::core {

namespace {

// Takes what a source emits and acknowledges it at once, as a fast sink would.
class AcceptAll final : public Output {
 public:
  bool deliver(std::unique_ptr<Batch> batch, std::stop_token) override {
    records += batch->size();
    batch->finish(SLUICE_OUTCOME_DELIVERED);
    return true;
  }
  std::atomic<uint64_t> records{0};
};

struct Harness {
  Harness(std::shared_ptr<const PluginLibrary> lib, InstanceSettings s, Metrics& metrics)
      : instance(std::move(lib), std::move(s), metrics) {}
  AcceptAll accept;
  BatchQueue inbox{10'000};
  PluginInstance instance;  // last: destroyed first, while its ports still exist
};

std::unique_ptr<Batch> sample_batch(uint64_t first, size_t n) {
  static const sluice_label_t labels[] = {{{"check", 5}, {"conformance", 11}}};
  std::vector<std::string> lines;
  std::vector<sluice_record_t> records;
  records.reserve(n);
  lines.reserve(n);
  for (size_t i = 0; i < n; ++i)
    lines.push_back("plugin-check record " + std::to_string(first + i));
  for (auto& l : lines) {
    records.push_back(
        {static_cast<int64_t>(first) * 1000, {l.data(), l.size()}, labels, 1, nullptr, 0});
  }
  return Batch::copy_of(records.data(), records.size(), nullptr);
}

// Threads leave /proc/self/task a moment after pthread_join returns: wait for the counts to
// settle, with a generous limit, instead of sampling once.
bool settle(size_t threads, size_t fds, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (count_threads() == threads && count_open_fds() == fds) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

std::string ConformanceResult::summary() const {
  std::string out = "plugin-check: " + plugin + ": " + std::to_string(cycles_run) + " cycles, " +
                    std::to_string(records) + " records, threads " +
                    std::to_string(threads_baseline) + " -> " + std::to_string(threads_after) +
                    ", descriptors " + std::to_string(fds_baseline) + " -> " +
                    std::to_string(fds_after) + ": " + (passed ? "PASS" : "FAIL") + "\n";
  for (const auto& f : failures) out += "  " + f + "\n";
  return out;
}

ConformanceResult check_conformance(const ConformanceOptions& options) {
  ConformanceResult result;
  auto loaded = load_plugin_library(options.library);
  if (auto* why = std::get_if<std::string>(&loaded)) {
    result.plugin = options.library;
    result.failures.push_back("refused: " + *why);
    return result;
  }
  auto lib = std::get<std::shared_ptr<const PluginLibrary>>(loaded);
  result.plugin = lib->name + " " + lib->version + " (" + kind_name(lib->descriptor.kind) + ")";
  NodeKind kind = lib->descriptor.kind == SLUICE_KIND_SOURCE      ? NodeKind::source
                  : lib->descriptor.kind == SLUICE_KIND_PROCESSOR ? NodeKind::processor
                                                                  : NodeKind::sink;
  std::string state_dir = options.state_dir;
  bool own_state_dir = state_dir.empty();
  if (own_state_dir) {
    state_dir = (std::filesystem::temp_directory_path() /
                 ("sluice-plugin-check-" + std::to_string(::getpid())))
                    .string();
  }
  Metrics metrics;
  uint64_t fed = 0;
  // The first cycle is a warm-up: what a process sets up once, on first use (a sanitizer's
  // or a library's background thread, a random device, a resolver's config), is counted into
  // the baseline taken after it. Every later cycle must come back to that baseline exactly.
  const size_t threads_before = count_threads();
  const size_t fds_before = count_open_fds();
  result.threads_baseline = threads_before;
  result.fds_baseline = fds_before;
  for (int cycle = 1; cycle <= options.cycles; ++cycle) {
    std::string at = "cycle " + std::to_string(cycle) + ": ";
    {
      InstanceSettings s;
      s.id = "plugin_check";
      s.kind = kind;
      s.state_dir = state_dir;
      s.start_deadline = options.start_deadline;
      s.stop_deadline = options.stop_deadline;
      // On the heap: a violated instance and what its threads reach are quarantined.
      auto harness = std::make_unique<Harness>(lib, s, metrics);
      PluginInstance& instance = harness->instance;
      AcceptAll& accept = harness->accept;
      BatchQueue& inbox = harness->inbox;
      Diagnostics diags;
      YamlReader reader(options.config_file, diags);
      YAML::Node config = options.config ? options.config : YAML::Node(YAML::NodeType::Map);
      if (!instance.configure(config, reader, "", {})) {
        result.failures.push_back(at + "configuration refused:\n" + diags.to_string());
        break;
      }
      instance.set_output(&accept);
      instance.set_inbox(&inbox);
      if (!instance.start()) {
        result.failures.push_back(at + "start failed or missed its deadline");
        if (instance.state() == InstanceState::violated) quarantine(std::move(harness));
        break;
      }
      auto until = std::chrono::steady_clock::now() + options.run_for;
      do {
        if (kind == NodeKind::sink) {
          auto b = sample_batch(fed, 16);
          if (inbox.try_push(b)) fed += 16;
        } else if (kind == NodeKind::processor) {
          auto b = sample_batch(fed, 16);
          fed += 16;
          if (!instance.process(*b)) result.failures.push_back(at + "on_process failed");
          b->finish(SLUICE_OUTCOME_DELIVERED);
          if (instance.has_flush()) {
            auto f = Batch::copy_of(nullptr, 0, nullptr);
            if (!instance.flush(*f, false)) result.failures.push_back(at + "on_flush failed");
            f->finish(SLUICE_OUTCOME_DELIVERED);
          }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(kind == NodeKind::source ? 10 : 2));
      } while (std::chrono::steady_clock::now() < until);
      inbox.close();
      if (kind == NodeKind::processor && instance.has_flush()) {
        // The input ended: a processor that holds records sends them all on.
        auto f = Batch::copy_of(nullptr, 0, nullptr);
        if (!instance.flush(*f, true)) result.failures.push_back(at + "final on_flush failed");
        f->finish(SLUICE_OUTCOME_DELIVERED);
      }
      StopReport report = instance.stop();
      if (!report.met_deadline) {
        std::string failure = at + "threads still running past the stop deadline:";
        for (const auto& n : report.late_threads) failure.append(" ").append(n);
        result.failures.push_back(std::move(failure));
      }
      if (report.spawned != report.joined) {
        result.failures.push_back(at + "ledger: " + std::to_string(report.spawned) + " spawned, " +
                                  std::to_string(report.joined) + " joined");
      }
      inbox.clear();
      instance.destroy();
      fed += accept.records;
      if (instance.state() == InstanceState::violated) {
        quarantine(std::move(harness));
        break;
      }
    }
    result.cycles_run = cycle;
    // Threads leave /proc a moment after they are joined; a second is generous for that and
    // short enough that a thread left running is still there.
    if (cycle == 1 && options.cycles > 1) {
      settle(threads_before, fds_before, std::chrono::milliseconds(500));
      result.threads_baseline = count_threads();
      result.fds_baseline = count_open_fds();
      continue;
    }
    if (!settle(result.threads_baseline, result.fds_baseline, std::chrono::seconds(1))) {
      result.failures.push_back(at + "threads " + std::to_string(result.threads_baseline) + " -> " +
                                std::to_string(count_threads()) + ", descriptors " +
                                std::to_string(result.fds_baseline) + " -> " +
                                std::to_string(count_open_fds()) +
                                " after stop: something was left running or open");
      break;
    }
  }
  result.threads_after = count_threads();
  result.fds_after = count_open_fds();
  result.records = fed;
  if (own_state_dir) {
    std::error_code ec;
    std::filesystem::remove_all(state_dir, ec);
  }
  result.passed = result.failures.empty() && result.cycles_run == options.cycles;
  return result;
}

}  // namespace sluice::core
