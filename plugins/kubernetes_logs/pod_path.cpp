#include "pod_path.hpp"

namespace kubernetes_logs {

std::optional<PodPath> parse_pod_path(std::string_view path, std::string_view pods_dir) {
  while (!pods_dir.empty() && pods_dir.back() == '/') pods_dir.remove_suffix(1);
  if (path.substr(0, pods_dir.size()) != pods_dir || path.size() <= pods_dir.size() ||
      path[pods_dir.size()] != '/') {
    return std::nullopt;
  }
  path.remove_prefix(pods_dir.size() + 1);
  const auto pod_end = path.find('/');
  if (pod_end == std::string_view::npos) return std::nullopt;
  const auto folder = path.substr(0, pod_end);
  path.remove_prefix(pod_end + 1);
  const auto container_end = path.find('/');
  // The file itself sits in the container's folder, no deeper.
  if (container_end == 0 || container_end == std::string_view::npos ||
      path.find('/', container_end + 1) != std::string_view::npos ||
      container_end + 1 == path.size()) {
    return std::nullopt;
  }
  const auto first = folder.find('_');
  const auto last = folder.rfind('_');
  if (first == std::string_view::npos || first == last || first == 0 || last + 1 == folder.size() ||
      last == first + 1) {
    return std::nullopt;
  }
  PodPath p;
  p.namespace_name = folder.substr(0, first);
  p.pod = folder.substr(first + 1, last - first - 1);
  p.uid = folder.substr(last + 1);
  p.container = path.substr(0, container_end);
  return p;
}

}  // namespace kubernetes_logs
