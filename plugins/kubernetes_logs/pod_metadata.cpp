#include "pod_metadata.hpp"

#include <algorithm>
#include <set>

namespace kubernetes_logs {

void resolve_owner(PodInfo& pod, const std::string& controller_kind,
                   const std::string& controller_name) {
  pod.owner_kind = controller_kind;
  pod.owner_name = controller_name;
  if (controller_kind != "ReplicaSet") return;
  for (const auto& [name, value] : pod.labels) {
    if (name != "pod-template-hash" || value.empty()) continue;
    const std::string suffix = "-" + value;
    if (controller_name.size() > suffix.size() &&
        controller_name.compare(controller_name.size() - suffix.size(), suffix.size(), suffix) ==
            0) {
      pod.owner_kind = "Deployment";
      pod.owner_name = controller_name.substr(0, controller_name.size() - suffix.size());
    }
  }
}

void PodCache::upsert(PodInfo pod, clock::time_point now) {
  auto& entry = pods_[pod.uid];
  entry.pod = std::move(pod);
  entry.deleted_at.reset();
  ++version_;
  expire(now);
  bound();
}

void PodCache::remove(const std::string& uid, clock::time_point now) {
  auto it = pods_.find(uid);
  if (it == pods_.end() || it->second.deleted_at) return;
  it->second.deleted_at = now;
  expire(now);
}

void PodCache::replace_all(std::vector<PodInfo> pods, clock::time_point now) {
  std::set<std::string> listed;
  for (auto& pod : pods) {
    listed.insert(pod.uid);
    auto& entry = pods_[pod.uid];
    entry.pod = std::move(pod);
    entry.deleted_at.reset();
  }
  for (auto& [uid, entry] : pods_) {
    if (!listed.count(uid) && !entry.deleted_at) entry.deleted_at = now;
  }
  ++version_;
  expire(now);
  bound();
}

void PodCache::expire(clock::time_point now) {
  for (auto it = pods_.begin(); it != pods_.end();) {
    if (it->second.deleted_at && now - *it->second.deleted_at >= grace_) {
      it = pods_.erase(it);
      ++version_;
    } else {
      ++it;
    }
  }
}

// Past the bound the deleted pods go first, the longest gone first; then, only if the live
// pods alone exceed it (a bound set below the node's pods), any.
void PodCache::bound() {
  while (pods_.size() > max_) {
    auto victim = pods_.end();
    for (auto it = pods_.begin(); it != pods_.end(); ++it) {
      if (!it->second.deleted_at) continue;
      if (victim == pods_.end() || *it->second.deleted_at < *victim->second.deleted_at) {
        victim = it;
      }
    }
    if (victim == pods_.end()) victim = pods_.begin();
    pods_.erase(victim);
    ++evicted_;
    ++version_;
  }
}

const PodInfo* PodCache::find(const std::string& uid) {
  auto it = pods_.find(uid);
  if (it == pods_.end()) {
    ++misses_;
    return nullptr;
  }
  ++hits_;
  return &it->second.pod;
}

}  // namespace kubernetes_logs
