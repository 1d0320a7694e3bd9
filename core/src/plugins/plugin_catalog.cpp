#include "plugins/plugin_catalog.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "config/diagnostics.hpp"

namespace fs = std::filesystem;

namespace sluice::core {

namespace {

// Whether dir can hold plugins: false for a missing one, and for an unsafe one, which is
// refused whole (with its reason in refused).
bool usable_dir(const std::string& dir, std::vector<Refusal>& refused) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  if (auto bad = check_path_ownership(dir); !bad.empty()) {
    refused.push_back({dir, dir + ": plugin directory refused: " += bad});
    return false;
  }
  return true;
}

// The plugin name a library file suggests: its stem, without a "lib" prefix.
std::string name_of_file(const fs::path& file) {
  std::string stem = file.stem().string();
  if (stem.rfind("lib", 0) == 0 && stem.size() > 3) stem.erase(0, 3);
  return stem;
}

std::vector<std::string> library_files(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".so") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<std::string> plugin_file_names(const std::string& name) {
  return {name + ".so", "lib" + name + ".so"};
}

void PluginCatalog::add(std::shared_ptr<const PluginLibrary> lib) {
  by_name_[lib->name] = lib;
  plugins_.push_back(std::move(lib));
}

PluginCatalog PluginCatalog::discover(const std::vector<std::string>& dirs,
                                      const std::set<std::string>& names) {
  PluginCatalog catalog;
  catalog.dirs_ = dirs;
  for (const auto& dir : dirs) {
    if (!usable_dir(dir, catalog.refused_)) continue;
    for (const auto& file : library_files(dir)) catalog.file_names_.insert(name_of_file(file));
    for (const auto& name : names) {
      if (catalog.by_name_.count(name) != 0) continue;
      for (const auto& file_name : plugin_file_names(name)) {
        const std::string file = (fs::path(dir) / file_name).string();
        std::error_code ec;
        if (!fs::exists(file, ec)) continue;
        auto loaded = load_plugin_library(file);
        if (auto* why = std::get_if<std::string>(&loaded)) {
          catalog.refused_.push_back({file, *why});
          continue;
        }
        auto lib = std::get<std::shared_ptr<const PluginLibrary>>(loaded);
        if (lib->name != name) {
          catalog.refused_.push_back(
              {file, file + ": holds plugin '" + lib->name + "', not '" + name + "'"});
          continue;
        }
        catalog.add(std::move(lib));
        break;
      }
    }
  }
  return catalog;
}

PluginCatalog PluginCatalog::discover_all(const std::vector<std::string>& dirs) {
  PluginCatalog catalog;
  catalog.dirs_ = dirs;
  for (const auto& dir : dirs) {
    if (!usable_dir(dir, catalog.refused_)) continue;
    for (const auto& file : library_files(dir)) {
      catalog.file_names_.insert(name_of_file(file));
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
      if (name_of_file(file) != lib->name) {
        // Listed, but a config cannot find it: plugins are looked for by file name.
        catalog.refused_.push_back({file, file + ": holds plugin '" + lib->name +
                                              "', which a config finds only as " +
                                              plugin_file_names(lib->name)[0]});
        continue;
      }
      catalog.add(std::move(lib));
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
  std::vector<std::string> names(file_names_.begin(), file_names_.end());
  for (const auto& p : plugins_) names.push_back(p->name);
  std::string guess = closest_match(name, names);
  if (!guess.empty() && guess != name) message += " (did you mean '" + guess + "'?)";
  bool refusal_named = false;
  for (const auto& r : refused_) {
    const bool file_of_name = fs::path(r.path).stem().string().find(name) != std::string::npos;
    const bool dir = r.reason.find("plugin directory refused") != std::string::npos;
    if (file_of_name || dir) {
      message += "; " +
                 std::string(dir ? "a directory that may hold it" : "a file that may be it") +
                 " was refused: " + r.reason;
      refusal_named = true;
    }
  }
  if (!refusal_named && dirs_.empty()) {
    // The binary's own folder comes from /proc/self/exe: without /proc (a bare chroot) and
    // without other folders, nothing was searched, and the fix is to name one.
    message +=
        "; no plugin folder was searched: give one with --plugin-dir, plugin_dirs or "
        "SLUICE_PLUGIN_PATH (the folder beside the binary is found through "
        "/proc/self/exe: is /proc mounted?)";
  } else if (!refusal_named) {
    message += "; no " + plugin_file_names(name)[0] + " or " + plugin_file_names(name)[1] +
               " was found in:";
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
