// What a reload does with each node, worked out from the running graph and the next config
// alone. Nothing is created, started or stopped here, so the decision can be tested without a
// plugin or a thread; the graph then applies the plan (graph_reload.cpp).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "config/pipeline_config.hpp"

namespace sluice::core {

// What tells one node from another across a reload.
struct NodeIdentity {
  std::string id;
  NodeKind kind = NodeKind::source;
  std::string type;
  // The loaded plugin file: the same address is the same load, so a library loaded anew
  // (rebuilt or replaced on disk) makes its nodes change even if nothing else did.
  const void* library = nullptr;
  // The node's settings as written, without its inputs, and the deadlines it got.
  std::string settings;
  std::vector<std::string> inputs;
};

// The node's mapping as written, less its inputs (compared apart, as a list), and the
// deadlines it got from the lifecycle defaults.
std::string settings_fingerprint(const NodeConfig& nc);
NodeIdentity identity_of(const NodeConfig& nc, const void* library);

enum class Fate {
  kept,     // runs on untouched
  changed,  // finishes what it holds, stops, and a successor takes over its inbox and edges
  added,    // new: configured and started
  removed,  // drains what is queued for it and stops
};
const char* to_string(Fate fate);

struct PlannedNode {
  std::string id;
  Fate fate = Fate::kept;
  std::string why;  // for the reload's log line
};

struct ReloadPlan {
  std::vector<PlannedNode> next;     // the next config's nodes, in its order
  std::vector<PlannedNode> removed;  // running nodes that go, in the running order
  // The ids of one fate, in the order above.
  std::vector<std::string> ids(Fate fate) const;
  // What happens to a running node.
  Fate fate_of_running(const std::string& id) const;

 private:
  friend ReloadPlan plan_reload(const std::vector<NodeIdentity>&, const std::vector<NodeIdentity>&);
  std::unordered_map<std::string, Fate> running_fates_;
};

// A node with the same id keeps running when its kind, type, plugin load, settings and inputs
// are all the same; it changes when only its settings, inputs or plugin load differ; and when
// its kind or type differ it is a different node: the old one is removed and the new one added.
ReloadPlan plan_reload(const std::vector<NodeIdentity>& running,
                       const std::vector<NodeIdentity>& next);

}  // namespace sluice::core
