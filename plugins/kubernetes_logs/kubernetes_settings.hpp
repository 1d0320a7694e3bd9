// kubernetes_logs' configuration: where the kubelet keeps pod logs and what a record says of
// its pod, then how files are read, declared once with file_source.
#pragma once

#include <string>

#include "settings.hpp"  // file_source's, through file_tailing's include path
#include "sluice/config.hpp"
#include "sluice/settings.hpp"

namespace kubernetes_logs {

struct Settings : file_source::Settings {
  Settings() { table().defaults_into(*this); }
  std::string pods_dir;
  bool pod_uid_label = false;

  static const sluice::SettingsTable<Settings>& table();
  // Reads the table, then what follows from it: the globs under pods_dir, the formats of
  // container runtimes, and each file's pod labels from its path.
  static Settings read(const sluice::Config& cfg);
};

}  // namespace kubernetes_logs
