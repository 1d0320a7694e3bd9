// The plugins found in the plugin directories, by name, and the files that were refused.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "plugins/plugin_library.hpp"

namespace sluice::core {

struct Refusal {
  std::string path;
  std::string reason;  // starts with the path
};

class PluginCatalog {
 public:
  // The plugins a config names, and nothing else: each is looked for by its file name,
  // NAME.so then libNAME.so, in dirs in order, and the first that loads as that plugin wins.
  // No other library is opened, so that a broken one no config uses cannot harm a run. A
  // directory that is missing is skipped; one that is unsafe is refused whole.
  static PluginCatalog discover(const std::vector<std::string>& dirs,
                                const std::set<std::string>& names);
  // Every library in dirs, loaded: for `sluice plugins`, which lists them all. The first
  // plugin of a name wins and later ones are refused as shadowed.
  static PluginCatalog discover_all(const std::vector<std::string>& dirs);

  std::shared_ptr<const PluginLibrary> find(const std::string& name) const;
  const std::vector<std::shared_ptr<const PluginLibrary>>& plugins() const { return plugins_; }
  const std::vector<Refusal>& refused() const { return refused_; }
  const std::vector<std::string>& dirs() const { return dirs_; }

  // Why no plugin called name is available, for an error message.
  std::string explain_missing(const std::string& name) const;

 private:
  void add(std::shared_ptr<const PluginLibrary> lib);

  std::vector<std::string> dirs_;
  std::vector<std::shared_ptr<const PluginLibrary>> plugins_;
  std::map<std::string, std::shared_ptr<const PluginLibrary>> by_name_;
  std::vector<Refusal> refused_;
  // The plugin names the files in dirs suggest, unopened: for "did you mean".
  std::set<std::string> file_names_;
};

// The plugin file names that hold the plugin called name, in the order they are looked for.
std::vector<std::string> plugin_file_names(const std::string& name);

// The plugin directories, first to last: the command line, the config file,
// SLUICE_PLUGIN_PATH (colon separated), then the directory installed beside the executable.
std::vector<std::string> plugin_search_path(const std::vector<std::string>& from_flags,
                                            const std::vector<std::string>& from_config);

}  // namespace sluice::core
