#include "runtime/graph.hpp"

#include <algorithm>
#include <filesystem>

#include "lifecycle/quarantine.hpp"
#include "observability/logging.hpp"

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

// Hands each downstream node its copy of a batch.
class Graph::FanOut final : public Output {
 public:
  void add(Node* target) { targets_.push_back(target); }
  bool deliver(std::unique_ptr<Batch> batch, std::stop_token stop) override;

 private:
  static bool offer(Node& to, std::unique_ptr<Batch> copy, const std::stop_token& stop);
  std::vector<Node*> targets_;
};

struct Graph::Node {
  NodeConfig config;
  std::unique_ptr<PluginInstance> instance;
  std::unique_ptr<BatchQueue> inbox;
  std::unique_ptr<FanOut> output;
  std::unique_ptr<ThreadLedger> worker;  // processors: the core thread that runs on_process
};

bool Graph::FanOut::deliver(std::unique_ptr<Batch> batch, std::stop_token stop) {
  if (batch->size() == 0 || targets_.empty()) {
    batch->finish(SLUICE_OUTCOME_DELIVERED);
    return true;
  }
  // Copies for all but the last target; the last takes the batch itself. A copy not taken
  // fails back to the source, and so does the batch if we return early.
  for (size_t i = 0; i + 1 < targets_.size(); ++i) {
    if (!offer(*targets_[i], batch->share(), stop)) return false;
  }
  return offer(*targets_.back(), std::move(batch), stop);
}

bool Graph::FanOut::offer(Node& to, std::unique_ptr<Batch> copy, const std::stop_token& stop) {
  const auto& counters = to.instance->counters();
  bool taken = false;
  if (to.config.when_full == WhenFull::drop_newest) {
    size_t n = copy->size();
    taken = to.inbox->try_push(copy);
    if (!taken) {
      // Dropped on purpose, and counted: it is finished, not failed.
      counters.discarded->Increment(static_cast<double>(n));
      copy->finish(SLUICE_OUTCOME_DELIVERED);
      return true;
    }
  } else {
    taken = to.inbox->push(copy, stop);
  }
  if (counters.queue_events != nullptr) {
    counters.queue_events->Set(static_cast<double>(to.inbox->events()));
  }
  return taken;
}

Graph::Graph(PipelineConfig config, Metrics& metrics)
    : config_(std::move(config)), metrics_(metrics) {}

Graph::~Graph() {
  stop();
}

bool Graph::build(const PluginCatalog& catalog, Diagnostics& diags) {
  YamlReader reader(config_.file, diags);
  bool ok = true;
  for (const auto& nc : config_.nodes) {
    auto node = std::make_unique<Node>();
    node->config = nc;
    auto lib = catalog.find(nc.type);
    if (!lib) {
      reader.error(nc.node["type"], nc.path() + ".type", catalog.explain_missing(nc.type));
      ok = false;
      continue;
    }
    if (lib->descriptor.kind != kind_code(nc.kind)) {
      reader.error(nc.node["type"], nc.path() + ".type",
                   "plugin '" + nc.type + "' (" + lib->path + ") is a " +
                       kind_name(lib->descriptor.kind) + ", not a " + to_string(nc.kind));
      ok = false;
      continue;
    }
    InstanceSettings s;
    s.id = nc.id;
    s.kind = nc.kind;
    s.state_dir = (std::filesystem::path(config_.data_dir) / nc.id).string();
    s.start_deadline = nc.start_deadline;
    s.stop_deadline = nc.stop_deadline;
    node->instance = std::make_unique<PluginInstance>(lib, s, metrics_);
    if (!node->instance->configure(nc.node, reader, nc.path(), node_core_keys())) {
      ok = false;
      continue;
    }
    if (nc.kind != NodeKind::source) node->inbox = std::make_unique<BatchQueue>(nc.max_events);
    if (nc.kind != NodeKind::sink) node->output = std::make_unique<FanOut>();
    node->instance->set_inbox(node->inbox.get());
    node->instance->set_output(node->output.get());
    nodes_.push_back(std::move(node));
  }
  if (!ok) {
    nodes_.clear();
    return false;
  }
  for (auto& node : nodes_) {
    for (const auto& input : node->config.inputs) {
      for (auto& from : nodes_) {
        if (from->config.id == input) from->output->add(node.get());
      }
    }
  }
  return true;
}

void Graph::set_violation_handler(const std::function<void()>& handler) {
  for (auto& n : nodes_) n->instance->set_violation_handler(handler);
}

void Graph::run_worker(Node& node, StopSignal& stop) {
  auto& counters = node.instance->counters();
  auto& log = node.instance->log();
  while (true) {
    std::unique_ptr<Batch> batch;
    auto r = node.inbox->pop(batch, std::chrono::milliseconds(250), stop.token());
    if (r == BatchQueue::Pop::closed) break;
    if (r == BatchQueue::Pop::timeout) continue;
    if (counters.queue_events)
      counters.queue_events->Set(static_cast<double>(node.inbox->events()));
    size_t before = batch->size();
    counters.received->Increment(static_cast<double>(before));
    if (!node.instance->process(*batch)) {
      // Nothing is lost to a processor's failure: the batch goes on as it is, and is counted.
      counters.errors->Increment();
      log.warn("processing failed for a batch of {} records; passing it on unprocessed", before);
    }
    size_t after = batch->size();
    if (after < before) counters.discarded->Increment(static_cast<double>(before - after));
    counters.sent->Increment(static_cast<double>(after));
    if (!node.output->deliver(std::move(batch), stop.token())) break;
  }
}

bool Graph::start() {
  if (started_) return true;
  started_ = true;
  auto log = engine_logger();
  // Reverse topological order: downstream first.
  for (auto it = nodes_.rbegin(); it != nodes_.rend(); ++it) {
    Node& node = **it;
    if (!node.instance->start()) {
      log->error("{} '{}' failed to start", to_string(node.config.kind), node.config.id);
      return false;
    }
    if (node.config.kind == NodeKind::processor) {
      node.worker = std::make_unique<ThreadLedger>(node.config.id, node.config.type);
      node.worker->spawn("worker", [this, &node](StopSignal& stop) { run_worker(node, stop); });
    }
  }
  return true;
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
      if (n->config.kind == NodeKind::source) continue;
      n->inbox->close();
      if (n->config.kind == NodeKind::processor) {
        if (n->worker && !n->worker->join_until(drain_until, false).empty()) {
          n->worker->request_stop();
          auto late = n->worker->join_until(
              std::chrono::steady_clock::now() + n->config.stop_deadline, true);
          if (!late.empty())
            n->instance->record_violation("stop_deadline", "core worker stuck in on_process");
        }
      } else {
        n->instance->wait_for_threads(drain_until);
      }
      n->instance->stop();
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
  bool violated = std::any_of(nodes_.begin(), nodes_.end(), [](const auto& n) {
    return n->instance->state() == InstanceState::violated ||
           (n->worker && n->worker->spawned() != n->worker->joined());
  });
  if (violated) {
    for (auto& n : nodes_) quarantine(std::move(n));
    nodes_.clear();
  }
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
