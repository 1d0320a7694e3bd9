// The API server's answers about pods, decoded: a list (GET /api/v1/pods), and the events of
// a watch (?watch=1), one JSON object per line. Only what the cache keeps is taken: labels and
// annotations through allow-lists, as a pod's annotations may hold whole manifests.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pod_metadata.hpp"

namespace kubernetes_logs {

// Names kept; "*" keeps every one.
struct Selection {
  std::vector<std::string> labels{"*"};
  std::vector<std::string> annotations;
};

struct PodList {
  std::vector<PodInfo> pods;
  std::string resource_version;
  std::string continue_token;  // more pages follow
};

struct WatchEvent {
  enum class Type { added, modified, deleted, bookmark, error };
  Type type = Type::added;
  PodInfo pod;          // added, modified, deleted; bookmark: its resource_version
  int code = 0;         // error: the Status's code (410: the version is too old)
  std::string message;  // error
};

class ApiDecoder {
 public:
  explicit ApiDecoder(Selection selection);
  ~ApiDecoder();
  ApiDecoder(const ApiDecoder&) = delete;
  ApiDecoder& operator=(const ApiDecoder&) = delete;

  // nullopt, with why in *error, when the text is not what the API server sends.
  std::optional<PodList> list(std::string_view json, std::string* error);
  std::optional<WatchEvent> event(std::string_view json, std::string* error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubernetes_logs
