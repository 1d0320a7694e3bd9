#include "engine.hpp"

#include <cstdio>
#include <filesystem>

#include "lifecycle/process_counts.hpp"
#include "lifecycle/thread_ledger.hpp"
#include "observability/json_text.hpp"
#include "observability/listing.hpp"
#include "observability/logging.hpp"

namespace sluice::core {

std::string threads_json() {
  std::string out = "{\"process_threads\":" + std::to_string(count_threads()) + ",\"threads\":[";
  bool first = true;
  for (const auto& t : ThreadLedger::all_threads()) {
    char age[32];
    std::snprintf(age, sizeof age, "%.3f", t.age_seconds);
    out += first ? "{" : ",{";
    first = false;
    out += "\"component_id\":";
    append_json_string(t.component_id, out);
    out += ",\"component_type\":";
    append_json_string(t.component_type, out);
    out += ",\"name\":";
    append_json_string(t.name, out);
    out += ",\"age_seconds\":";
    out += age;
    out += ",\"state\":\"";
    out += to_string(t.state);
    out += "\"}";
  }
  return out + "]}\n";
}

std::string Engine::graph_json() {
  std::lock_guard lock(reload_mutex_);
  std::string out = "{\"nodes\":[";
  bool first = true;
  for (const auto& n : graph_ ? graph_->describe() : std::vector<NodeInfo>{}) {
    out += first ? "{" : ",{";
    first = false;
    out += "\"id\":";
    append_json_string(n.id, out);
    out += ",\"kind\":\"";
    out += to_string(n.kind);
    out += "\",\"type\":";
    append_json_string(n.type, out);
    out += ",\"library\":";
    append_json_string(n.library, out);
    out += ",\"inputs\":[";
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (i > 0) out += ",";
      append_json_string(n.inputs[i], out);
    }
    out += "],\"state\":\"";
    out += to_string(n.state);
    out += "\"}";
  }
  return out + "]}\n";
}

Engine::Engine(EngineOptions options) : options_(std::move(options)) {}

Engine::~Engine() {
  stop();
}

bool Engine::load(PipelineConfig config, Diagnostics& diags) {
  catalog_ = discover_plugins(config);
  exit_on_violation_ = config.lifecycle.on_violation == OnViolation::exit;
  graph_ = std::make_unique<Graph>(std::move(config), metrics_);
  if (!graph_->build(catalog_, diags)) {
    graph_.reset();
    return false;
  }
  graph_->set_violation_handler([this] {
    violations_.fetch_add(1);
    if (on_violation_) on_violation_();
  });
  graph_->set_end_run_handler([this](const std::string& reason) {
    {
      std::lock_guard lock(end_run_mutex_);
      if (!end_run_reason_.empty()) return;  // the first reason is the one to tell
      end_run_reason_ = reason;
    }
    if (on_end_run_) on_end_run_();
  });
  return true;
}

PluginCatalog Engine::discover_plugins(const PipelineConfig& config) {
  std::set<std::string> types;
  for (const auto& n : config.nodes) types.insert(n.type);
  auto catalog =
      PluginCatalog::discover(plugin_search_path(options_.plugin_dirs, config.plugin_dirs), types);
  // Each refusal is said once, with its reason: a refused directory or file may be why a
  // plugin of the same name comes from a later directory, or is not found at all.
  std::lock_guard lock(refusals_mutex_);
  for (const auto& r : catalog.refused()) {
    if (refusals_told_.insert(r.reason).second)
      engine_logger()->warn("plugin refused: {}", r.reason);
  }
  return catalog;
}

std::string Engine::end_run_reason() const {
  std::lock_guard lock(end_run_mutex_);
  return end_run_reason_;
}

bool Engine::start(std::string& error) {
  std::lock_guard lock(reload_mutex_);
  if (!graph_) {
    error = "no pipeline is loaded";
    return false;
  }
  // Made here rather than on first use, so that an unwritable data_dir stops the start.
  std::error_code ec;
  std::filesystem::create_directories(graph_->config().data_dir, ec);
  if (ec) {
    error = "cannot create data_dir " + graph_->config().data_dir + ": " + ec.message();
    return false;
  }
  const auto& listen = graph_->config().api_listen;
  if (options_.serve_api && !listen.empty()) {
    api_ = std::make_unique<ApiServer>(
        [this](const std::string& method, const std::string& target, const std::string&) {
          return handle_api(method, target);
        });
    error = api_->start(listen);
    if (!error.empty()) {
      api_.reset();
      return false;
    }
    // The port bound, not the one asked for: with port 0 this line is how one learns it.
    engine_logger()->info(
        "API listening on {}:{} (/metrics, /healthz, /ready, /debug/threads, /debug/graph, "
        "POST /-/reload)",
        listen.substr(0, listen.rfind(':')), api_->port());
  }
  if (!graph_->start()) {
    error = "the pipeline failed to start";
    return false;
  }
  running_ = true;
  return true;
}

bool Engine::reload(PipelineConfig next, Diagnostics& diags, ReloadReport& report) {
  std::lock_guard lock(reload_mutex_);
  YamlReader reader(next.file, diags);
  if (!graph_ || !running_) {
    reader.error_at(YAML::Mark::null_mark(), "", "no pipeline is running to reload");
    metrics_.reload(false);
    return false;
  }
  const auto& now = graph_->config();
  if (next.api_listen != now.api_listen) {
    YamlReader(next.api_listen_file, diags)
        .error_at(next.api_listen_mark, "api.listen",
                  "the API address cannot change on reload (from '" + now.api_listen + "' to '" +
                      next.api_listen + "'): restart sluice to move it");
  }
  if (next.data_dir != now.data_dir) {
    YamlReader(next.data_dir_file, diags)
        .error_at(next.data_dir_mark, "data_dir",
                  "data_dir cannot change on reload (from '" + now.data_dir + "' to '" +
                      next.data_dir + "'): the nodes' positions live there; restart sluice");
  }
  if (!diags.empty()) {
    metrics_.reload(false);
    return false;
  }
  // Found anew: a plugin directory may have changed, and a library replaced on disk is loaded
  // again (an unchanged one is the same library, and its nodes stay as they are).
  auto catalog = discover_plugins(next);
  bool exit_on_violation = next.lifecycle.on_violation == OnViolation::exit;
  if (!graph_->reload(std::move(next), catalog, diags, report)) {
    metrics_.reload(false);
    return false;
  }
  catalog_ = std::move(catalog);
  exit_on_violation_ = exit_on_violation;
  bool started = report.failed_to_start.empty();
  metrics_.reload(started);
  if (!started) {
    reader.error_at(YAML::Mark::null_mark(), "",
                    "the new graph is in place, but these nodes failed to start: " +
                        comma_list(report.failed_to_start));
  }
  return started;
}

bool Engine::reload_file(const std::string& file, Diagnostics& diags, ReloadReport& report) {
  return reload_files({file}, diags, report);
}

bool Engine::reload_files(const std::vector<std::string>& paths, Diagnostics& diags,
                          ReloadReport& report) {
  auto config = load_pipeline_files(paths, diags);
  if (!config) {
    metrics_.reload(false);
    return false;
  }
  return reload(std::move(*config), diags, report);
}

void Engine::set_reload_handler(std::function<ApiResponse()> handler) {
  std::lock_guard lock(reload_handler_mutex_);
  reload_handler_ = std::move(handler);
}

void Engine::stop() {
  std::lock_guard lock(reload_mutex_);
  running_ = false;
  if (graph_) graph_->stop();
  if (api_) api_->stop();
  api_.reset();
}

ApiResponse Engine::handle_api(const std::string& method, const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  if (path == "/-/reload") {
    if (method != "POST") return {405, "text/plain", "POST /-/reload to reload the config\n"};
    std::function<ApiResponse()> handler;
    {
      std::lock_guard lock(reload_handler_mutex_);
      handler = reload_handler_;
    }
    if (!handler) return {503, "text/plain", "reload is not available in this process\n"};
    return handler();
  }
  if (method != "GET" && method != "HEAD") return {405, "text/plain", "method not allowed\n"};
  if (path == "/metrics") {
    return {200, "text/plain; version=0.0.4; charset=utf-8", metrics_.render()};
  }
  if (path == "/healthz") return {200, "text/plain", "ok\n"};
  if (path == "/ready") {
    return running_ ? ApiResponse{200, "text/plain", "ready\n"}
                    : ApiResponse{503, "text/plain", "not ready\n"};
  }
  if (path == "/debug/threads") return {200, "application/json", threads_json()};
  if (path == "/debug/graph") return {200, "application/json", graph_json()};
  return {404, "text/plain",
          "not found: try /metrics, /healthz, /ready, /debug/threads, /debug/graph or "
          "POST /-/reload\n"};
}

}  // namespace sluice::core
