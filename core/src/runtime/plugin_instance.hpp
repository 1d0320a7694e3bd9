// One plugin instance under the lifecycle contract: configured, started within its start
// deadline, stopped within its join deadline, and checked afterwards. It also serves the host
// callbacks the instance makes (emit, take, finish, metrics, state directory).
#pragma once

#include <spdlog/logger.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <unordered_set>
#include <vector>

#include "config/pipeline_config.hpp"
#include "config/yaml_access.hpp"
#include "lifecycle/thread_ledger.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_library.hpp"
#include "runtime/acknowledgement.hpp"
#include "runtime/batch.hpp"
#include "runtime/batch_queue.hpp"

namespace sluice::core {

// Where a source's or processor's batches go.
class Output {
 public:
  virtual ~Output() = default;
  // false when stop came first: the batch was not taken and fails back to its source.
  virtual bool deliver(std::unique_ptr<Batch> batch, std::stop_token stop) = 0;
};

enum class InstanceState { loaded, configured, running, stopping, stopped, failed, violated };
const char* to_string(InstanceState s);

struct InstanceSettings {
  std::string id;
  NodeKind kind = NodeKind::source;
  std::string state_dir;  // made on first use
  std::chrono::milliseconds start_deadline{5'000};
  std::chrono::milliseconds stop_deadline{5'000};
};

struct StopReport {
  bool met_deadline = true;
  double seconds = 0;
  std::vector<std::string> late_threads;
  uint64_t spawned = 0;
  uint64_t joined = 0;
};

class PluginInstance {
 public:
  PluginInstance(std::shared_ptr<const PluginLibrary> library, InstanceSettings settings,
                 Metrics& metrics);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  // Creates the instance from node; errors, and keys the plugin never asked for, go to the
  // reader's diagnostics. ignored: the core's own keys in node.
  bool configure(const YAML::Node& node, const YamlReader& reader, const std::string& path,
                 const std::vector<std::string>& ignored);
  bool start();
  // For sinks at shutdown: waits (without stopping) for the threads to return by themselves,
  // as they do once their inbox is closed and empty. Returns true when all have.
  bool wait_for_threads(std::chrono::steady_clock::time_point deadline);
  StopReport stop();
  // For a sink handing its inbox to a successor (a reload): from now on take answers
  // "stopped", as when the inbox is closed, so the sink delivers what it holds and returns.
  void stop_taking();
  // For a source: waits until every batch it emitted is finished, or the deadline passes, so
  // that its last positions reflect them before it goes.
  bool wait_acknowledged(std::chrono::steady_clock::time_point deadline);
  void destroy();

  void set_output(Output* output) { output_ = output; }
  void set_inbox(BatchQueue* inbox) { inbox_ = inbox; }
  // Called when a violation is recorded (the engine may decide to exit).
  void set_violation_handler(std::function<void()> handler) { on_violation_ = std::move(handler); }
  // Called when the plugin asks to end the run (ABI 1.3), with its reason.
  void set_end_run_handler(std::function<void(const std::string&)> handler) {
    on_end_run_ = std::move(handler);
  }
  bool process(Batch& batch);
  // Processors (ABI 1.2): whether the plugin has on_flush, and the call, on an empty batch.
  bool has_flush() const { return d_.on_flush != nullptr; }
  bool flush(Batch& batch, bool final);
  void record_violation(const std::string& kind, const std::string& message);
  void end_run(std::string_view reason);

  InstanceState state() const { return state_.load(); }
  const std::string& id() const { return settings_.id; }
  const std::string& type() const { return library_->name; }
  const std::shared_ptr<const PluginLibrary>& library() const { return library_; }
  ThreadLedger& ledger() { return ledger_; }
  const ComponentMetrics& counters() const { return counters_; }
  spdlog::logger& log() { return *logger_; }

  // Host services (host_api.cpp).
  sluice_status_t emit(StopSignal* stop, const sluice_record_t* records, size_t count,
                       uint64_t cookie, const sluice_buffer_t* blocks, size_t block_count);
  sluice_status_t take(int64_t timeout_ms, Batch** out);
  void finish(Batch* batch, sluice_outcome_t outcome, std::string_view reason);
  sluice_metric_host_ptr metric_new(sluice_metric_type_t type, const char* name, const char* help,
                                    const sluice_label_t* labels, size_t label_count,
                                    const double* buckets, size_t bucket_count);
  const std::string& state_dir();
  // Holds (ABI 1.2): a share of a batch's acknowledgement the plugin keeps past on_process.
  // One still open at destroy is released as failed.
  sluice_hold_host_ptr hold_open(Batch& batch);
  void hold_attach(sluice_hold_host_ptr hold, Batch& batch);
  void hold_release(sluice_hold_host_ptr hold, sluice_outcome_t outcome);
  static PluginInstance* owner_of(sluice_hold_host_ptr hold);

 private:
  std::shared_ptr<const PluginLibrary> library_;
  const sluice_plugin_descriptor_t& d_;
  InstanceSettings settings_;
  Metrics& metrics_;
  ComponentMetrics counters_;
  std::shared_ptr<spdlog::logger> logger_;
  ThreadLedger ledger_;
  std::atomic<InstanceState> state_{InstanceState::loaded};
  sluice_instance_plugin_ptr self_ = nullptr;
  std::shared_ptr<AckTarget> ack_target_;
  Output* output_ = nullptr;
  BatchQueue* inbox_ = nullptr;
  std::stop_source take_stop_;  // ends take: requested by stop_taking and by stop
  std::function<void()> on_violation_;
  std::function<void(const std::string&)> on_end_run_;

  std::mutex taken_mutex_;
  std::unordered_set<Batch*> taken_;  // batches a sink holds and has not finished
  struct Hold {
    std::shared_ptr<AckState> ack;
    PluginInstance* owner;
  };
  // Ends a hold of ours: false when it is not one (a plugin's mistake, logged).
  std::unique_ptr<Hold> take_hold(sluice_hold_host_ptr hold);
  std::mutex holds_mutex_;
  std::unordered_set<Hold*> holds_;
  std::mutex metrics_mutex_;
  std::vector<std::unique_ptr<PluginMetric>> plugin_metrics_;
  std::once_flag state_dir_once_;
};

// The host services table every plugin receives.
const sluice_host_api_t* host_api();

}  // namespace sluice::core
