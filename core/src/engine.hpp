// The engine: finds the plugins, builds the graph from a pipeline config, serves the API,
// and runs until stopped.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/pipeline_config.hpp"
#include "observability/api_server.hpp"
#include "observability/metrics.hpp"
#include "plugins/plugin_catalog.hpp"
#include "runtime/graph.hpp"

namespace sluice::core {

struct EngineOptions {
  std::vector<std::string> plugin_dirs;  // from --plugin-dir, searched first
  bool serve_api = true;
};

class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  ~Engine();

  // Finds the plugins and configures every node; every error goes to diags.
  bool load(PipelineConfig config, Diagnostics& diags);
  // Starts the graph and the API server; false with error set on failure.
  bool start(std::string& error);
  // Turns the running graph into next's (see Graph::reload). Settings that cannot change
  // while running (api.listen, data_dir) are refused. false, with the errors in diags, leaves
  // the running graph as it was. Reloads never run at once: a second caller waits.
  bool reload(PipelineConfig next, Diagnostics& diags, ReloadReport& report);
  // Reads file anew and reloads it; a file that does not parse is a failed reload too.
  bool reload_file(const std::string& file, Diagnostics& diags, ReloadReport& report);
  // The same from several files and folders (load_pipeline_files).
  bool reload_files(const std::vector<std::string>& paths, Diagnostics& diags,
                    ReloadReport& report);
  void stop();

  // Answers POST /-/reload: runs a reload and says how it went.
  void set_reload_handler(std::function<ApiResponse()> handler);

  // Called (from any thread) when a lifecycle violation is recorded.
  void set_violation_handler(std::function<void()> handler) { on_violation_ = std::move(handler); }
  bool violated() const { return violations_.load() > 0; }
  // Called (from any thread) when a node asks to end the run, with the node's reason.
  void set_end_run_handler(std::function<void()> handler) { on_end_run_ = std::move(handler); }
  // Why a node ended the run; empty when none did.
  std::string end_run_reason() const;
  // The running config's lifecycle.on_violation is exit (it may change on reload).
  bool exit_on_violation() const { return exit_on_violation_.load(); }

  Metrics& metrics() { return metrics_; }
  Graph* graph() { return graph_.get(); }
  unsigned short api_port() const { return api_ ? api_->port() : 0; }
  ApiResponse handle_api(const std::string& method, const std::string& target);
  // /debug/graph: every node with its kind, type, inputs and state.
  std::string graph_json();

 private:
  // Finds the plugins config names, and logs each refusal not logged before.
  PluginCatalog discover_plugins(const PipelineConfig& config);

  EngineOptions options_;
  Metrics metrics_;
  PluginCatalog catalog_;
  std::unique_ptr<Graph> graph_;
  std::unique_ptr<ApiServer> api_;
  std::atomic<bool> running_{false};
  std::atomic<int> violations_{0};
  std::atomic<bool> exit_on_violation_{false};
  std::function<void()> on_violation_;
  std::function<void()> on_end_run_;
  mutable std::mutex end_run_mutex_;
  std::string end_run_reason_;
  std::mutex refusals_mutex_;
  std::set<std::string> refusals_told_;
  std::mutex reload_mutex_;  // one reload at a time, and none against start or stop
  std::mutex reload_handler_mutex_;
  std::function<ApiResponse()> reload_handler_;
};

// /debug/threads: every spawned thread with its component, name, age and state.
std::string threads_json();

}  // namespace sluice::core
