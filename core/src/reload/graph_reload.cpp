// Graph::reload: the graph applies a ReloadPlan in named phases. Only staging can fail, and
// it runs before anything running is touched.
#include <unordered_map>

#include "lifecycle/quarantine.hpp"
#include "observability/listing.hpp"
#include "observability/logging.hpp"
#include "runtime/graph.hpp"

namespace sluice::core {

bool Graph::reload(PipelineConfig next, const PluginCatalog& catalog, Diagnostics& diags,
                   ReloadReport& report) {
  Reload r;
  if (!stage(next, catalog, diags, r)) return false;  // staged successors never start
  r.drain_until = std::chrono::steady_clock::now() + next.lifecycle.drain_deadline;
  stop_reading(r);
  rewire(r);
  drain_upstream_first(r);
  await_acknowledgements(r);
  hand_over_to_successors(r);
  nodes_.clear();
  for (const auto& s : r.next) nodes_.push_back(s.node);
  config_ = std::move(next);
  start_staged(r, report);

  report.kept = r.plan.ids(Fate::kept);
  report.changed = r.plan.ids(Fate::changed);
  report.added = r.plan.ids(Fate::added);
  report.removed = r.plan.ids(Fate::removed);
  for (const auto* list : {&r.plan.next, &r.plan.removed}) {
    for (const auto& n : *list) {
      if (n.fate != Fate::kept)
        engine_logger()->info("reload: '{}' {}: {}", n.id, to_string(n.fate), n.why);
    }
  }
  engine_logger()->info("reload: added [{}], removed [{}], changed [{}], kept [{}]",
                        comma_list(report.added, "none"), comma_list(report.removed, "none"),
                        comma_list(report.changed, "none"), comma_list(report.kept, "none"));
  return true;
}

// Every node of next gets its plugin, the plan is made, and every changed or added node is
// configured beside the running graph. Any error goes to diags, at the node's own file.
bool Graph::stage(const PipelineConfig& next, const PluginCatalog& catalog, Diagnostics& diags,
                  Reload& r) {
  std::vector<std::shared_ptr<const PluginLibrary>> libraries;
  bool ok = true;
  for (const auto& nc : next.nodes) {
    libraries.push_back(library_for(nc, catalog, diags));
    ok = ok && libraries.back() != nullptr;
  }
  if (!ok) return false;

  std::vector<NodeIdentity> running, coming;
  for (const auto& n : nodes_) running.push_back(identity_of(n->config, n->library.get()));
  for (size_t i = 0; i < next.nodes.size(); ++i) {
    coming.push_back(identity_of(next.nodes[i], libraries[i].get()));
  }
  r.plan = plan_reload(running, coming);
  std::unordered_map<std::string, NodePtr> running_by_id;
  for (const auto& n : nodes_) running_by_id.emplace(n->config.id, n);

  for (size_t i = 0; i < next.nodes.size(); ++i) {
    const auto& nc = next.nodes[i];
    Staged s;
    s.plan = &r.plan.next[i];
    s.config = nc;
    s.library = libraries[i];
    if (s.plan->fate == Fate::added || s.plan->fate == Fate::changed) {
      auto instance = make_instance(nc, s.library, diags, next.data_dir);
      if (!instance) {
        ok = false;
        continue;
      }
      if (s.plan->fate == Fate::added) {
        s.node = make_node(nc, std::move(instance), s.library);
      } else {
        s.successor = std::move(instance);
      }
    }
    if (s.plan->fate != Fate::added) {
      s.node = running_by_id.at(nc.id);
    }
    r.next.push_back(std::move(s));
  }
  for (const auto& n : nodes_) {
    if (r.fate_of(n) == Fate::removed) r.gone.push_back(n);
  }
  return ok;
}

// Sources that go or change stop reading.
void Graph::stop_reading(const Reload& r) {
  for (const auto& n : nodes_) {
    if (n->config.kind == NodeKind::source && r.fate_of(n) != Fate::kept) n->instance->stop();
  }
}

// Edges become next's. Nodes that go are marked first: a copy already on its way to one of
// them is turned away, and goes where the graph leads now. A changed node's new inputs decide
// who feeds its inbox from now on.
void Graph::rewire(const Reload& r) {
  for (const auto& n : r.gone) n->removed = true;
  std::vector<NodePtr> next_nodes;
  next_nodes.reserve(r.next.size());
  for (const auto& s : r.next) {
    if (s.plan->fate == Fate::changed) s.node->config.inputs = s.config.inputs;
    next_nodes.push_back(s.node);
  }
  wire(next_nodes);
}

// Upstream first: nodes that go drain what is queued for them and stop; changed nodes finish
// what they hold and stop, leaving their inbox to their successor.
void Graph::drain_upstream_first(const Reload& r) {
  for (const auto& n : nodes_) {
    if (n->config.kind == NodeKind::source) continue;
    auto fate = r.fate_of(n);
    if (fate == Fate::removed) {
      drain_and_stop(*n, r.drain_until);
      n->inbox->clear();
      n->instance->destroy();
    } else if (fate == Fate::changed) {
      hand_over(*n, r.drain_until);
    }
  }
}

// Sources that go or change wait for what they emitted to be answered, so that their last
// positions include it and a successor does not read it again.
void Graph::await_acknowledgements(const Reload& r) {
  for (const auto& n : nodes_) {
    if (n->config.kind != NodeKind::source) continue;
    auto fate = r.fate_of(n);
    if (fate == Fate::kept) continue;
    n->instance->wait_acknowledged(r.drain_until);
    if (fate == Fate::removed) n->instance->destroy();
  }
}

// Successors take over their node's inbox and output. What stopped too late is quarantined:
// its threads may still run in its memory and in the node's queues.
void Graph::hand_over_to_successors(Reload& r) {
  for (auto& s : r.next) {
    if (s.plan->fate != Fate::changed) continue;
    Node& n = *s.node;
    if (n.instance->state() == InstanceState::violated) {
      quarantine(std::move(n.instance));
      quarantine(std::move(n.worker));
    } else {
      n.instance->destroy();
      n.instance.reset();
      n.worker.reset();
    }
    n.config = s.config;
    n.library = s.library;
    n.when_full = s.config.when_full;
    n.bound_inbox(s.config.max_events, s.config.max_bytes);
    n.instance = std::move(s.successor);
    n.instance->set_inbox(n.inbox.get());
    n.instance->set_output(n.output.get());
    metrics_.component_restart(n.config.id, n.config.type);
  }
  for (const auto& n : r.gone) {
    if (n->has_stray_threads()) quarantine(n);
  }
}

// What is new or changed starts, downstream first.
void Graph::start_staged(Reload& r, ReloadReport& report) {
  for (auto it = r.next.rbegin(); it != r.next.rend(); ++it) {
    if (it->plan->fate == Fate::kept) continue;
    if (!start_node(*it->node)) report.failed_to_start.push_back(it->config.id);
  }
}

}  // namespace sluice::core
