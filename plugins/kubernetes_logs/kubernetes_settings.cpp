#include "kubernetes_settings.hpp"

#include "pod_path.hpp"
#include "settings_reading.hpp"

namespace kubernetes_logs {

const sluice::SettingsTable<Settings>& Settings::table() {
  using S = Settings;
  using file_source::inherited;
  static const sluice::SettingsTable<Settings> table{[] {
    std::vector<sluice::Setting<S>> settings{
        sluice::string("pods_dir", &S::pods_dir, "/var/log/pods",
                       "where the kubelet keeps pod logs: "
                       "<namespace>_<pod>_<uid>/<container>/<n>.log under it")
            .check([](const S& s) { return file_source::absolute_paths({s.pods_dir}); },
                   "an absolute path")
            .hint({"path", "__path__"}),
        sluice::strings("exclude", inherited<S>(&file_source::Settings::exclude),
                        "files matching one are not read: "
                        "/var/log/pods/kube-system_*/*/*.log leaves out a namespace")
            .check([](const S& s) { return file_source::absolute_paths(s.exclude); },
                   "absolute paths")
            .hint({"exclude_paths_glob_patterns", "__path_exclude__"}),
        sluice::choice("pod_uid", &S::pod_uid_label, {{"metadata", false}, {"label", true}},
                       "metadata",
                       "the pod's uid is carried as metadata, or as a label (one stream per "
                       "pod incarnation in Loki)"),
    };
    for (auto& s : file_source::reading_settings<S>()) settings.push_back(std::move(s));
    return settings;
  }()};
  return table;
}

Settings Settings::read(const sluice::Config& cfg) {
  Settings s = table().read(cfg);
  // The live file of each container; the kubelet's rotated names (0.log.20240101-000000) and
  // their .gz do not match, and a file renamed while open is read to its end under its old
  // name, as file_source does at any rotation.
  std::string dir = s.pods_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  s.include = {dir + "/*/*/*.log"};
  // containerd and CRI-O write CRI; dockerd behind cri-dockerd links json-file logs here.
  s.format = file_source::Format::automatic;
  s.describe_file = [dir, uid_label = s.pod_uid_label](const std::string& path, Pairs& labels,
                                                       Pairs& metadata) {
    auto pod = parse_pod_path(path, dir);
    if (!pod) return;  // a file in another layout keeps what file_source gives it
    // The file's name is known by the pod and container: metadata, not another stream.
    for (auto it = labels.begin(); it != labels.end(); ++it) {
      if (it->first == "filename") {
        metadata.push_back(std::move(*it));
        labels.erase(it);
        break;
      }
    }
    labels.emplace_back("namespace", pod->namespace_name);
    labels.emplace_back("pod", pod->pod);
    labels.emplace_back("container", pod->container);
    (uid_label ? labels : metadata).emplace_back("pod_uid", pod->uid);
  };
  return s;
}

}  // namespace kubernetes_logs
