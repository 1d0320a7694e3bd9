#include "reload/reload_plan.hpp"

#include "observability/listing.hpp"

#include <algorithm>
#include <unordered_map>

#include <yaml-cpp/yaml.h>

namespace sluice::core {

namespace {

std::string listed(const std::vector<std::string>& ids) {
  return "[" + comma_list(ids) + "]";
}

// Why a node of the same id and type changes; empty when it does not.
std::string what_differs(const NodeIdentity& was, const NodeIdentity& is) {
  std::vector<std::string> parts;
  if (was.settings != is.settings) parts.emplace_back("settings changed");
  if (was.inputs != is.inputs) {
    parts.push_back("inputs " + listed(was.inputs) + " became " + listed(is.inputs));
  }
  if (was.library != is.library) parts.emplace_back("its plugin file was loaded anew");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

std::string settings_fingerprint(const NodeConfig& nc) {
  YAML::Node settings = YAML::Clone(nc.node);
  if (settings.IsMap()) settings.remove("inputs");
  YAML::Emitter out;
  out << settings;
  return std::string(out.c_str()) + "\n# start " + std::to_string(nc.start_deadline.count()) +
         " stop " + std::to_string(nc.stop_deadline.count());
}

NodeIdentity identity_of(const NodeConfig& nc, const void* library) {
  return {nc.id, nc.kind, nc.type, library, settings_fingerprint(nc), nc.inputs};
}

const char* to_string(Fate fate) {
  switch (fate) {
    case Fate::kept: return "kept";
    case Fate::changed: return "changed";
    case Fate::added: return "added";
    case Fate::removed: return "removed";
  }
  return "?";
}

std::vector<std::string> ReloadPlan::ids(Fate fate) const {
  std::vector<std::string> out;
  for (const auto& list : {&next, &removed}) {
    for (const auto& n : *list) {
      if (n.fate == fate) out.push_back(n.id);
    }
  }
  return out;
}

Fate ReloadPlan::fate_of_running(const std::string& id) const {
  auto it = running_fates_.find(id);
  return it == running_fates_.end() ? Fate::removed : it->second;
}

ReloadPlan plan_reload(const std::vector<NodeIdentity>& running,
                       const std::vector<NodeIdentity>& next) {
  std::unordered_map<std::string, const NodeIdentity*> by_id;
  for (const auto& n : running) by_id.emplace(n.id, &n);
  std::unordered_map<std::string, const NodeIdentity*> next_by_id;
  for (const auto& n : next) next_by_id.emplace(n.id, &n);

  ReloadPlan plan;
  plan.next.reserve(next.size());
  for (const auto& is : next) {
    auto it = by_id.find(is.id);
    if (it == by_id.end()) {
      plan.next.push_back({is.id, Fate::added, "new in this config"});
      continue;
    }
    const NodeIdentity& was = *it->second;
    if (was.kind != is.kind || was.type != is.type) {
      plan.next.push_back({is.id, Fate::added,
                           "replaces the " + std::string(to_string(was.kind)) + " '" + was.type +
                               "' of the same id"});
      continue;
    }
    auto why = what_differs(was, is);
    if (why.empty()) {
      plan.next.push_back({is.id, Fate::kept, "unchanged"});
    } else {
      plan.next.push_back({is.id, Fate::changed, std::move(why)});
    }
  }
  for (const auto& was : running) {
    auto it = next_by_id.find(was.id);
    if (it == next_by_id.end()) {
      plan.removed.push_back({was.id, Fate::removed, "not in this config"});
    } else if (it->second->kind != was.kind || it->second->type != was.type) {
      plan.removed.push_back({was.id, Fate::removed,
                              "replaced by the " + std::string(to_string(it->second->kind)) + " '" +
                                  it->second->type + "' of the same id"});
    }
  }
  for (const auto& n : plan.next) {
    if (n.fate == Fate::kept || n.fate == Fate::changed) plan.running_fates_[n.id] = n.fate;
  }
  for (const auto& n : plan.removed) plan.running_fates_[n.id] = Fate::removed;
  return plan;
}

}  // namespace sluice::core
