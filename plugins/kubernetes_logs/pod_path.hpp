// What the kubelet's layout of pod logs says about a file:
// <pods_dir>/<namespace>_<pod>_<uid>/<container>/<restart count>.log, rotated as
// <n>.log.<YYYYMMDD-hhmmss> and compressed older ones (.gz).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kubernetes_logs {

struct PodPath {
  std::string namespace_name;
  std::string pod;
  std::string uid;
  std::string container;
};

// Namespace and pod names are DNS names (letters, digits, '-' and '.'), never '_': the
// folder's first '_' ends the namespace and its last begins the uid. nullopt when the path is
// not inside pods_dir in that layout.
std::optional<PodPath> parse_pod_path(std::string_view path, std::string_view pods_dir);

}  // namespace kubernetes_logs
