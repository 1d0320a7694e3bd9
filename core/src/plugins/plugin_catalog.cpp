#include "plugins/plugin_catalog.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "config/diagnostics.hpp"

namespace fs = std::filesystem;

namespace sluice::core {

PluginCatalog PluginCatalog::discover(const std::vector<std::string>& dirs) {
  PluginCatalog catalog;
  catalog.dirs_ = dirs;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    if (auto bad = check_path_ownership(dir); !bad.empty()) {
      catalog.refused_.push_back({dir, dir + ": plugin directory refused: " += bad});
      continue;
    }
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".so") files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto loaded = load_plugin_library(file);
      if (auto* why = std::get_if<std::string>(&loaded)) {
        catalog.refused_.push_back({file, *why});
        continue;
      }
      auto lib = std::get<std::shared_ptr<const PluginLibrary>>(loaded);
      if (auto it = catalog.by_name_.find(lib->name); it != catalog.by_name_.end()) {
        catalog.refused_.push_back(
            {file, file + ": plugin '" + lib->name + "' is shadowed by " + it->second->path});
        continue;
      }
      catalog.by_name_[lib->name] = lib;
      catalog.plugins_.push_back(lib);
    }
  }
  return catalog;
}

std::shared_ptr<const PluginLibrary> PluginCatalog::find(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

std::string PluginCatalog::explain_missing(const std::string& name) const {
  std::string message = "unknown plugin type '" + name + "'";
  std::vector<std::string> names;
  for (const auto& p : plugins_) names.push_back(p->name);
  std::string guess = closest_match(name, names);
  if (!guess.empty()) message += " (did you mean '" + guess + "'?)";
  for (const auto& r : refused_) {
    if (fs::path(r.path).stem().string().find(name) != std::string::npos) {
      message += "; a file that may be it was refused: " + r.reason;
    }
  }
  if (names.empty()) {
    message += "; no plugin was found in:";
    for (const auto& d : dirs_) message += " " + d;
  }
  return message;
}

std::vector<std::string> plugin_search_path(const std::vector<std::string>& from_flags,
                                            const std::vector<std::string>& from_config) {
  std::vector<std::string> dirs = from_flags;
  dirs.insert(dirs.end(), from_config.begin(), from_config.end());
  if (const char* env = std::getenv("SLUICE_PLUGIN_PATH")) {
    std::string all(env);
    size_t start = 0;
    while (start <= all.size()) {
      size_t end = all.find(':', start);
      if (end == std::string::npos) end = all.size();
      if (end > start) dirs.push_back(all.substr(start, end - start));
      start = end + 1;
    }
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    dirs.push_back((exe.parent_path().parent_path() / "lib" / "sluice" / "plugins").string());
  return dirs;
}

}  // namespace sluice::core
