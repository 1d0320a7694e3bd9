#include "runtime/graph.hpp"

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <utility>

#include "lifecycle/quarantine.hpp"
#include "observability/logging.hpp"

namespace sluice::core {

// Hands each downstream node its copy of a batch. A reload may change where it leads while
// a delivery is on its way: a copy that reaches a node the reload removed goes instead to the
// nodes the graph leads to now and had not had it.
class Graph::FanOut final : public Output {
 public:
  using Targets = std::vector<std::shared_ptr<Node>>;
  void set(Targets targets) {
    auto next = std::make_shared<const Targets>(std::move(targets));
    std::lock_guard lock(mutex_);
    targets_ = std::move(next);
  }
  bool deliver(std::unique_ptr<Batch> batch, std::stop_token stop) override;

 private:
  enum class Offered { taken, removed, stopped };
  std::shared_ptr<const Targets> targets() {
    std::lock_guard lock(mutex_);
    return targets_;
  }
  // Leaves the copy with the caller unless it was taken.
  static Offered offer(Node& to, std::unique_ptr<Batch>& copy, const std::stop_token& stop);
  std::mutex mutex_;
  std::shared_ptr<const Targets> targets_ = std::make_shared<const Targets>();
};

// One node's place in the graph. Its inbox and output outlive the instance: a changed node's
// successor takes them over, so nothing queued for it is lost and its edges stay.
struct Graph::Node {
  NodeConfig config;
  std::string fingerprint;  // the node's settings as written, to tell a changed one
  std::shared_ptr<const PluginLibrary> library;
  ComponentMetrics counters;  // the same series for every instance of this id and type
  std::unique_ptr<PluginInstance> instance;
  std::unique_ptr<BatchQueue> inbox;
  std::unique_ptr<FanOut> output;
  std::unique_ptr<ThreadLedger> worker;  // processors: the core thread that runs on_process
  std::stop_source retire;               // processors: the worker leaves after its batch
  std::atomic<WhenFull> when_full{WhenFull::block};
  std::atomic<bool> removed{false};  // by a reload: copies on their way are dropped by intent
};

// One node of the next config, and what a reload does with it.
struct Graph::Change {
  enum class What { kept, changed, added };
  What what = What::kept;
  std::shared_ptr<Node> node;                 // the running node, or a new one
  std::unique_ptr<PluginInstance> successor;  // changed: the instance that takes over
  NodeConfig config;
  std::string fingerprint;
  std::shared_ptr<const PluginLibrary> library;
};

namespace {

uint32_t kind_code(NodeKind kind) {
  switch (kind) {
    case NodeKind::source: return SLUICE_KIND_SOURCE;
    case NodeKind::processor: return SLUICE_KIND_PROCESSOR;
    case NodeKind::sink: return SLUICE_KIND_SINK;
  }
  return 0;
}

// Everything that makes a node what it is, besides its plugin file: its mapping as written
// (type, inputs, the plugin's keys, the core's keys) and the deadlines it got from the
// lifecycle defaults.
std::string fingerprint_of(const NodeConfig& nc) {
  YAML::Emitter out;
  out << nc.node;
  return std::string(out.c_str()) + "\n# start " + std::to_string(nc.start_deadline.count()) +
         " stop " + std::to_string(nc.stop_deadline.count());
}

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out.empty() ? "none" : out;
}

}  // namespace

bool Graph::FanOut::deliver(std::unique_ptr<Batch> batch, std::stop_token stop) {
  auto now = targets();
  if (batch->size() == 0 || now->empty()) {
    batch->finish(SLUICE_OUTCOME_DELIVERED);
    return true;
  }
  std::vector<const Node*> served;  // took their copy, or were removed
  auto was_served = [&](const Node* n) {
    return std::find(served.begin(), served.end(), n) != served.end();
  };
  while (true) {
    std::vector<Node*> todo;
    for (const auto& t : *now) {
      if (!was_served(t.get())) todo.push_back(t.get());
    }
    if (todo.empty()) {
      batch->finish(SLUICE_OUTCOME_DELIVERED);
      return true;
    }
    // Copies for all but the last target; the last takes the batch itself unless a copy was
    // turned away, which then needs the batch for another round. A copy not taken fails back
    // to the source, and so does the batch if we return early.
    bool bounced = false;
    for (size_t i = 0; i < todo.size(); ++i) {
      bool last = i + 1 == todo.size();
      auto copy = last && !bounced ? std::exchange(batch, nullptr) : batch->share();
      auto r = offer(*todo[i], copy, stop);
      if (r == Offered::stopped) return false;
      served.push_back(todo[i]);
      if (r == Offered::removed) {
        bounced = true;
        if (!batch) batch = std::move(copy);
      }
    }
    if (!bounced) return true;
    now = targets();
  }
}

Graph::FanOut::Offered Graph::FanOut::offer(Node& to, std::unique_ptr<Batch>& copy,
                                            const std::stop_token& stop) {
  const auto& counters = to.counters;
  size_t n = copy->size();
  bool taken = false;
  if (to.when_full.load() == WhenFull::drop_newest) {
    taken = to.inbox->try_push(copy);
    if (!taken && !to.removed.load()) {
      // Dropped on purpose, and counted: it is finished, not failed.
      counters.discarded->Increment(static_cast<double>(n));
      copy->finish(SLUICE_OUTCOME_DELIVERED);
      copy.reset();
      return Offered::taken;
    }
  } else {
    taken = to.inbox->push(copy, stop);
  }
  if (counters.queue_events != nullptr) {
    counters.queue_events->Set(static_cast<double>(to.inbox->events()));
    counters.queue_bytes->Set(static_cast<double>(to.inbox->bytes()));
  }
  if (taken) return Offered::taken;
  return to.removed.load() && !stop.stop_requested() ? Offered::removed : Offered::stopped;
}

Graph::Graph(PipelineConfig config, Metrics& metrics)
    : config_(std::move(config)), metrics_(metrics) {}

Graph::~Graph() {
  stop();
}

std::shared_ptr<const PluginLibrary> Graph::library_for(const NodeConfig& nc,
                                                        const PluginCatalog& catalog,
                                                        const YamlReader& reader) const {
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
                                                     const YamlReader& reader,
                                                     const std::string& data_dir) const {
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

std::shared_ptr<Graph::Node> Graph::make_node(const NodeConfig& nc,
                                              std::unique_ptr<PluginInstance> instance,
                                              std::shared_ptr<const PluginLibrary> library) const {
  auto node = std::make_shared<Node>();
  node->config = nc;
  node->fingerprint = fingerprint_of(nc);
  node->library = std::move(library);
  node->counters = instance->counters();
  node->instance = std::move(instance);
  node->when_full = nc.when_full;
  if (nc.kind != NodeKind::source)
    node->inbox = std::make_unique<BatchQueue>(nc.max_events, nc.max_bytes);
  if (nc.kind != NodeKind::sink) node->output = std::make_unique<FanOut>();
  node->instance->set_inbox(node->inbox.get());
  node->instance->set_output(node->output.get());
  return node;
}

void Graph::wire(const std::vector<std::shared_ptr<Node>>& nodes) {
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
  YamlReader reader(config_.file, diags);
  bool ok = true;
  for (const auto& nc : config_.nodes) {
    auto lib = library_for(nc, catalog, reader);
    auto instance = lib ? make_instance(nc, lib, reader, config_.data_dir) : nullptr;
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

void Graph::run_worker(Node& node, PluginInstance& instance, const std::stop_source& retire,
                       StopSignal& stop) {
  // Stopping the worker also ends its wait for the next batch.
  std::stop_callback retire_on_stop(stop.token(), [retire]() mutable { retire.request_stop(); });
  auto& counters = instance.counters();
  auto& log = instance.log();
  // A processor that holds records (on_flush) is given the chance to send them on about
  // every 100 ms, busy or idle, and once more when its input ends.
  constexpr auto flush_every = std::chrono::milliseconds(100);
  const bool flushes = instance.has_flush();
  auto last_flush = std::chrono::steady_clock::now();
  auto flush = [&](bool final) {
    last_flush = std::chrono::steady_clock::now();
    auto batch = Batch::copy_of(nullptr, 0, nullptr);
    if (!instance.flush(*batch, final)) {
      counters.errors->Increment();
      log.warn("flushing held records failed");
    }
    if (batch->size() == 0) {
      // Nothing to send: what it carries (records dropped on purpose) is done.
      batch->finish(SLUICE_OUTCOME_DELIVERED);
      return true;
    }
    counters.sent->Increment(static_cast<double>(batch->size()));
    return node.output->deliver(std::move(batch), stop.token());
  };
  while (true) {
    std::unique_ptr<Batch> batch;
    auto r = node.inbox->pop(batch, flushes ? flush_every : std::chrono::milliseconds(250),
                             retire.get_token());
    if (r == BatchQueue::Pop::closed) {
      // The input ended (drained, or handed to a successor): send on what is held. A hard
      // stop skips this; what is held then fails back to its sources.
      if (flushes && !stop.token().stop_requested()) flush(true);
      break;
    }
    if (flushes && std::chrono::steady_clock::now() - last_flush >= flush_every) {
      if (!flush(false)) break;
    }
    if (r == BatchQueue::Pop::timeout) continue;
    if (counters.queue_events) {
      counters.queue_events->Set(static_cast<double>(node.inbox->events()));
      counters.queue_bytes->Set(static_cast<double>(node.inbox->bytes()));
    }
    size_t before = batch->size();
    counters.received->Increment(static_cast<double>(before));
    if (!instance.process(*batch)) {
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

bool Graph::start_node(Node& node) {
  if (!node.instance->start()) {
    engine_logger()->error("{} '{}' failed to start", to_string(node.config.kind), node.config.id);
    return false;
  }
  if (node.config.kind == NodeKind::processor) {
    node.retire = std::stop_source();
    node.worker = std::make_unique<ThreadLedger>(node.config.id, node.config.type);
    node.worker->spawn("worker",
                       [this, &node, instance = node.instance.get(), retire = node.retire](
                           StopSignal& stop) { run_worker(node, *instance, retire, stop); });
  }
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

namespace {
// A processor's worker is given until the drain deadline to return by itself, then stopped.
void join_worker(ThreadLedger& worker, PluginInstance& instance,
                 std::chrono::steady_clock::time_point drain_until,
                 std::chrono::milliseconds stop_deadline) {
  if (worker.join_until(drain_until, false).empty()) return;
  worker.request_stop();
  auto late = worker.join_until(std::chrono::steady_clock::now() + stop_deadline, true);
  if (!late.empty()) instance.record_violation("stop_deadline", "core worker stuck in on_process");
}
}  // namespace

void Graph::drain_and_stop(Node& n, std::chrono::steady_clock::time_point drain_until) {
  n.inbox->close();
  if (n.config.kind == NodeKind::processor) {
    if (n.worker) join_worker(*n.worker, *n.instance, drain_until, n.config.stop_deadline);
  } else {
    n.instance->wait_for_threads(drain_until);
  }
  n.instance->stop();
}

void Graph::hand_over(Node& n, std::chrono::steady_clock::time_point drain_until) {
  if (n.config.kind == NodeKind::processor) {
    n.retire.request_stop();
    if (n.worker) join_worker(*n.worker, *n.instance, drain_until, n.config.stop_deadline);
  } else {
    n.instance->retire();
    n.instance->wait_for_threads(drain_until);
  }
  n.instance->stop();
}

bool Graph::reload(PipelineConfig next, const PluginCatalog& catalog, Diagnostics& diags,
                   ReloadReport& report) {
  using What = Change::What;
  // 1. Every node of next is configured beside the running graph before anything is touched.
  YamlReader reader(next.file, diags);
  std::vector<Change> changes;
  bool ok = true;
  for (const auto& nc : next.nodes) {
    auto lib = library_for(nc, catalog, reader);
    if (!lib) {
      ok = false;
      continue;
    }
    Change c;
    c.config = nc;
    c.fingerprint = fingerprint_of(nc);
    c.library = lib;
    auto old = std::find_if(nodes_.begin(), nodes_.end(),
                            [&](const auto& n) { return n->config.id == nc.id; });
    bool same_kind =
        old != nodes_.end() && (*old)->config.kind == nc.kind && (*old)->config.type == nc.type;
    if (same_kind && (*old)->fingerprint == c.fingerprint && (*old)->library == lib) {
      c.what = What::kept;
      c.node = *old;
    } else {
      auto instance = make_instance(nc, lib, reader, next.data_dir);
      if (!instance) {
        ok = false;
        continue;
      }
      if (same_kind) {
        c.what = What::changed;
        c.node = *old;
        c.successor = std::move(instance);
      } else {
        c.what = What::added;
        c.node = make_node(nc, std::move(instance), lib);
      }
    }
    changes.push_back(std::move(c));
  }
  if (!ok) return false;  // the configured successors are destroyed, never started

  auto is_in = [&](const std::shared_ptr<Node>& n, What what) {
    return std::any_of(changes.begin(), changes.end(),
                       [&](const Change& c) { return c.node == n && c.what == what; });
  };
  std::vector<std::shared_ptr<Node>> gone;
  for (const auto& n : nodes_) {
    bool stays = std::any_of(changes.begin(), changes.end(),
                             [&](const Change& c) { return c.node == n && c.what != What::added; });
    if (!stays) gone.push_back(n);
  }
  auto goes = [&](const std::shared_ptr<Node>& n) {
    return std::find(gone.begin(), gone.end(), n) != gone.end();
  };
  auto drain_until = std::chrono::steady_clock::now() + next.lifecycle.drain_deadline;

  // 2. Sources that go or change stop reading.
  for (const auto& n : nodes_) {
    if (n->config.kind == NodeKind::source && (goes(n) || is_in(n, What::changed))) {
      n->instance->stop();
    }
  }
  // 3. Edges are re-wired to next's. Nodes that go are marked first: a copy already on its
  // way to one of them is turned away, and goes where the graph leads now.
  for (const auto& n : gone) n->removed = true;
  std::vector<std::shared_ptr<Node>> next_nodes;
  next_nodes.reserve(changes.size());
  for (const auto& c : changes) next_nodes.push_back(c.node);
  // A changed node's new inputs decide who feeds its inbox from now on.
  for (const auto& c : changes) {
    if (c.what == What::changed) c.node->config.inputs = c.config.inputs;
  }
  wire(next_nodes);

  // 4. Upstream first: nodes that go drain what is queued for them and stop; changed nodes
  // finish what they hold and stop, leaving their inbox to their successor.
  for (const auto& n : nodes_) {
    if (n->config.kind == NodeKind::source) continue;
    if (goes(n)) {
      drain_and_stop(*n, drain_until);
      n->inbox->clear();
      n->instance->destroy();
    } else if (is_in(n, What::changed)) {
      hand_over(*n, drain_until);
    }
  }
  // 5. Sources that go or change wait for what they emitted to be answered, so that their
  // last positions include it and a successor does not read it again.
  for (const auto& n : nodes_) {
    if (n->config.kind != NodeKind::source) continue;
    if (goes(n) || is_in(n, What::changed)) {
      n->instance->wait_acknowledged(drain_until);
      if (goes(n)) n->instance->destroy();
    }
  }
  // 6. Successors take over their node's inbox and output.
  for (auto& c : changes) {
    if (c.what != What::changed) continue;
    Node& n = *c.node;
    if (n.instance->state() == InstanceState::violated) {
      // Its threads may still run in its memory, and in this node's queues.
      quarantine(std::move(n.instance));
      quarantine(std::move(n.worker));
    } else {
      n.instance->destroy();
      n.instance.reset();
      n.worker.reset();
    }
    n.config = c.config;
    n.fingerprint = c.fingerprint;
    n.library = c.library;
    n.when_full = c.config.when_full;
    if (n.inbox) {
      n.inbox->set_max_events(c.config.max_events);
      n.inbox->set_max_bytes(c.config.max_bytes);
    }
    n.instance = std::move(c.successor);
    n.instance->set_inbox(n.inbox.get());
    n.instance->set_output(n.output.get());
    metrics_.component_restart(n.config.id, n.config.type);
  }
  for (const auto& n : gone) {
    bool violated = n->instance->state() == InstanceState::violated ||
                    (n->worker && n->worker->spawned() != n->worker->joined());
    if (violated) quarantine(n);
  }
  nodes_ = std::move(next_nodes);
  config_ = std::move(next);

  // 7. What is new or changed starts, downstream first.
  for (auto it = changes.rbegin(); it != changes.rend(); ++it) {
    if (it->what == What::kept) continue;
    if (!start_node(*it->node)) report.failed_to_start.push_back(it->config.id);
  }
  for (const auto& c : changes) {
    auto& list = c.what == What::kept      ? report.kept
                 : c.what == What::changed ? report.changed
                                           : report.added;
    list.push_back(c.config.id);
  }
  for (const auto& n : gone) report.removed.push_back(n->config.id);
  engine_logger()->info("reload: added [{}], removed [{}], changed [{}], kept [{}]",
                        joined(report.added), joined(report.removed), joined(report.changed),
                        joined(report.kept));
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
  bool violated = std::any_of(nodes_.begin(), nodes_.end(), [](const auto& n) {
    return n->instance->state() == InstanceState::violated ||
           (n->worker && n->worker->spawned() != n->worker->joined());
  });
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
