#include "engine.hpp"

#include <cstdio>
#include <filesystem>

#include "lifecycle/process_counts.hpp"
#include "lifecycle/thread_ledger.hpp"
#include "observability/json_text.hpp"
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

Engine::Engine(EngineOptions options) : options_(std::move(options)) {}

Engine::~Engine() {
  stop();
}

bool Engine::load(PipelineConfig config, Diagnostics& diags) {
  catalog_ = PluginCatalog::discover(plugin_search_path(options_.plugin_dirs, config.plugin_dirs));
  for (const auto& r : catalog_.refused()) engine_logger()->debug("plugin refused: {}", r.reason);
  graph_ = std::make_unique<Graph>(std::move(config), metrics_);
  if (!graph_->build(catalog_, diags)) {
    graph_.reset();
    return false;
  }
  graph_->set_violation_handler([this] {
    violations_.fetch_add(1);
    if (on_violation_) on_violation_();
  });
  return true;
}

bool Engine::start(std::string& error) {
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
    engine_logger()->info("API listening on {} (/metrics, /healthz, /ready, /debug/threads)",
                          listen);
  }
  if (!graph_->start()) {
    error = "the pipeline failed to start";
    return false;
  }
  running_ = true;
  return true;
}

void Engine::stop() {
  running_ = false;
  if (graph_) graph_->stop();
  if (api_) api_->stop();
  api_.reset();
}

ApiResponse Engine::handle_api(const std::string& method, const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
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
  return {404, "text/plain", "not found: try /metrics, /healthz, /ready or /debug/threads\n"};
}

}  // namespace sluice::core
