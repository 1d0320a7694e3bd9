// What the API server says of a pod, kept for the pod's log lines: a cache fed by list and
// watch, which keeps a deleted pod's metadata for a grace period (its last lines are often
// read after it is gone) and holds at most a bounded number of pods.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kubernetes_logs {

struct PodInfo {
  std::string uid, namespace_name, name, node;
  std::vector<std::pair<std::string, std::string>> labels, annotations;
  // The controller that owns the pod; a ReplicaSet's Deployment, a Job's CronJob, resolved.
  std::string owner_kind, owner_name;
  std::string resource_version;
};

// A Deployment's ReplicaSet is named <deployment>-<pod-template-hash>, and its pods carry that
// hash as a label: the Deployment is known without reading ReplicaSets (nor the right to).
// Likewise a CronJob's Job is <cronjob>-<scheduled minute>, which only the CronJob's own
// owner reference says for sure: a Job is left a Job.
void resolve_owner(PodInfo& pod, const std::string& controller_kind,
                   const std::string& controller_name);

class PodCache {
 public:
  using clock = std::chrono::steady_clock;
  PodCache(std::chrono::milliseconds grace, size_t max_pods) : grace_(grace), max_(max_pods) {}

  // A watch event, or an item of a list.
  void upsert(PodInfo pod, clock::time_point now);
  // The pod is gone: its metadata stays for the grace period.
  void remove(const std::string& uid, clock::time_point now);
  // A complete list (after a relist, such as on 410 Gone): pods absent from it are taken as
  // deleted now, kept for the grace period, not forgotten at once.
  void replace_all(std::vector<PodInfo> pods, clock::time_point now);
  // Drops the deleted pods whose grace has passed.
  void expire(clock::time_point now);

  // The pod with this uid, counting a hit or a miss.
  const PodInfo* find(const std::string& uid);

  size_t size() const { return pods_.size(); }
  uint64_t hits() const { return hits_; }
  uint64_t misses() const { return misses_; }
  uint64_t evicted() const { return evicted_; }
  // Bumped at each change: what was derived from the cache (a file's labels) is stale.
  uint64_t version() const { return version_; }

 private:
  struct Entry {
    PodInfo pod;
    std::optional<clock::time_point> deleted_at;
  };
  void bound();

  std::chrono::milliseconds grace_;
  size_t max_;
  std::map<std::string, Entry> pods_;
  uint64_t hits_ = 0, misses_ = 0, evicted_ = 0, version_ = 0;
};

}  // namespace kubernetes_logs
