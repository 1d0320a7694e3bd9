#include "runtime/graph.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <utility>

#include "lifecycle/deadlines.hpp"
#include "lifecycle/quarantine.hpp"
#include "observability/logging.hpp"
#include "runtime/processor_worker.hpp"

namespace sluice::core {

namespace {

uint32_t kind_code(NodeKind kind) {
  switch (kind) {
    case NodeKind::source: return SLUICE_KIND_SOURCE;
    case NodeKind::processor: return SLUICE_KIND_PROCESSOR;
    case NodeKind::sink: return SLUICE_KIND_SINK;
  }
  return 0;
}

}  // namespace

Graph::Graph(PipelineConfig config, Metrics& metrics)
    : config_(std::move(config)), metrics_(metrics) {}

Graph::~Graph() {
  stop();
}

std::shared_ptr<const PluginLibrary> Graph::library_for(const NodeConfig& nc,
                                                        const PluginCatalog& catalog,
                                                        Diagnostics& diags) const {
  const YamlReader reader(nc.file, diags);
  auto lib = catalog.find(nc.type);
  if (!lib) {
    reader.error(nc.node["type"], nc.path() + ".type", catalog.explain_missing(nc.type));
    return nullptr;
  }
  if (lib->descriptor.kind != kind_code(nc.kind)) {
    reader.error(nc.node["type"], nc.path() + ".type",
                 "plugin '" + nc.type + "' (" + lib->path + ") is a " +
                     kind_name(lib->descriptor.kind) + ", not a " + to_string(nc.kind));
    return nullptr;
  }
  return lib;
}

std::unique_ptr<PluginInstance> Graph::make_instance(const NodeConfig& nc,
                                                     std::shared_ptr<const PluginLibrary> library,
                                                     Diagnostics& diags,
                                                     const std::string& data_dir) const {
  const YamlReader reader(nc.file, diags);  // each node's errors name its own file
  InstanceSettings s;
  s.id = nc.id;
  s.kind = nc.kind;
  s.state_dir = (std::filesystem::path(data_dir) / nc.id).string();
  s.start_deadline = nc.start_deadline;
  s.stop_deadline = nc.stop_deadline;
  auto instance = std::make_unique<PluginInstance>(std::move(library), s, metrics_);
  if (!instance->configure(nc.node, reader, nc.path(), node_core_keys())) return nullptr;
  instance->set_violation_handler(on_violation_);
  instance->set_end_run_handler(on_end_run_);
  return instance;
}

Graph::NodePtr Graph::make_node(const NodeConfig& nc, std::unique_ptr<PluginInstance> instance,
                                std::shared_ptr<const PluginLibrary> library) const {
  auto node = std::make_shared<Node>();
  node->config = nc;
  node->library = std::move(library);
  node->counters = instance->counters();
  node->instance = std::move(instance);
  node->when_full = nc.when_full;
  if (nc.kind != NodeKind::source)
    node->inbox = std::make_unique<BatchQueue>(nc.max_events, nc.max_bytes);
  node->bound_inbox(nc.max_events, nc.max_bytes);
  if (nc.kind != NodeKind::sink) node->output = std::make_unique<FanOut>();
  node->instance->set_inbox(node->inbox.get());
  node->instance->set_output(node->output.get());
  return node;
}

void Graph::wire(const std::vector<NodePtr>& nodes) {
  // Each node's readers, in node order, found in one pass: a pass per node was quadratic,
  // and took seconds at ten thousand nodes.
  std::map<std::string, FanOut::Targets> readers;
  for (const auto& to : nodes) {
    for (const auto& input : to->config.inputs) readers[input].push_back(to);
  }
  for (const auto& from : nodes) {
    if (!from->output) continue;
    auto it = readers.find(from->config.id);
    from->output->set(it == readers.end() ? FanOut::Targets{} : std::move(it->second));
  }
}

bool Graph::build(const PluginCatalog& catalog, Diagnostics& diags) {
  bool ok = true;
  for (const auto& nc : config_.nodes) {
    auto lib = library_for(nc, catalog, diags);
    auto instance = lib ? make_instance(nc, lib, diags, config_.data_dir) : nullptr;
    if (!instance) {
      ok = false;
      continue;
    }
    nodes_.push_back(make_node(nc, std::move(instance), lib));
  }
  if (!ok) {
    nodes_.clear();
    return false;
  }
  wire(nodes_);
  return true;
}

void Graph::set_violation_handler(const std::function<void()>& handler) {
  on_violation_ = handler;
  for (auto& n : nodes_) n->instance->set_violation_handler(handler);
}

void Graph::set_end_run_handler(const std::function<void(const std::string&)>& handler) {
  on_end_run_ = handler;
  for (auto& n : nodes_) n->instance->set_end_run_handler(handler);
}

bool Graph::start_node(Node& node) {
  if (!node.instance->start()) {
    engine_logger()->error("{} '{}' failed to start", to_string(node.config.kind), node.config.id);
    return false;
  }
  if (node.config.kind == NodeKind::processor) start_processor_worker(node);
  return true;
}

bool Graph::start() {
  if (started_) return true;
  started_ = true;
  // Reverse topological order: downstream first.
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    if (!start_node(**it)) return false;
  }
  return true;
}

void Graph::stop_worker(Node& n, std::chrono::steady_clock::time_point drain_until) {
  if (n.worker && !join_by_deadlines(*n.worker, drain_until, n.config.stop_deadline)) {
    n.instance->record_violation("stop_deadline", "core worker stuck in on_process");
  }
}

void Graph::drain_and_stop(Node& n, std::chrono::steady_clock::time_point drain_until) {
  n.inbox->close();
  if (n.config.kind == NodeKind::processor) {
    stop_worker(n, drain_until);
  } else {
    n.instance->wait_for_threads(drain_until);
  }
  n.instance->stop();
}

void Graph::hand_over(Node& n, std::chrono::steady_clock::time_point drain_until) {
  if (n.config.kind == NodeKind::processor) {
    n.leave_after_batch.request_stop();
    stop_worker(n, drain_until);
  } else {
    n.instance->stop_taking();
    n.instance->wait_for_threads(drain_until);
  }
  n.instance->stop();
}

void Graph::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (started_) {
    // 1. Sources stop reading; an emit waiting on a full queue returns.
    for (auto& n : nodes_) {
      if (n->config.kind == NodeKind::source) n->instance->stop();
    }
    // 2. In topological order, each node's inputs are stopped by the time its inbox closes,
    // so draining it is finite: processors pass on what they hold, sinks deliver it.
    auto drain_until = std::chrono::steady_clock::now() + config_.lifecycle.drain_deadline;
    for (auto& n : nodes_) {
      if (n->config.kind != NodeKind::source) drain_and_stop(*n, drain_until);
    }
  }
  // 3. What is still queued fails back to its source; then instances go, sources last so
  // that the last acknowledgements still reach them.
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    if ((*it)->inbox) (*it)->inbox->clear();
    if ((*it)->config.kind != NodeKind::source) (*it)->instance->destroy();
  }
  for (auto& n : nodes_) {
    if (n->config.kind == NodeKind::source) n->instance->destroy();
  }
  // A violated instance's threads may still reach its inbox, its output or the nodes those
  // lead to: none of the graph's nodes may be freed under them.
  bool violated = std::any_of(nodes_.begin(), nodes_.end(),
                              [](const auto& n) { return n->has_stray_threads(); });
  if (violated) {
    for (auto& n : nodes_) quarantine(n);
    nodes_.clear();
  }
}

std::vector<NodeInfo> Graph::describe() const {
  std::vector<NodeInfo> out;
  for (const auto& n : nodes_) {
    out.push_back({n->config.id, n->config.kind, n->config.type, n->library->path, n->config.inputs,
                   n->instance->state()});
  }
  return out;
}

PluginInstance* Graph::instance(const std::string& id) const {
  for (const auto& n : nodes_) {
    if (n->config.id == id) return n->instance.get();
  }
  return nullptr;
}

const BatchQueue* Graph::inbox(const std::string& id) const {
  for (const auto& n : nodes_) {
    if (n->config.id == id) return n->inbox.get();
  }
  return nullptr;
}

}  // namespace sluice::core
