// The host side of a plugin's typed config access: remembers which keys the plugin asked
// for, so that every other key can be reported as unknown, with a guess at the typo.
#pragma once

#include <yaml-cpp/yaml.h>

#include <list>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "config/yaml_access.hpp"

namespace sluice::core {

class ConfigAccess {
 public:
  // Other shippers' names for a setting, and the plugin's own key for each.
  using Hints = std::map<std::string, std::string>;

  // ignored: keys that belong to the core (type, inputs, ...) and are not the plugin's.
  // hints, when given, must outlive this and its children.
  ConfigAccess(const YAML::Node& node, std::string path, const YamlReader& reader,
               std::vector<std::string> ignored = {}, const Hints* hints = nullptr);

  // The value under key, or an undefined node; marks key as asked for.
  YAML::Node get(const char* key);
  ConfigAccess* child(const char* key);
  // The mapping at index of the sequence under key; nullptr past its end or when absent.
  ConfigAccess* list_child(const char* key, size_t index);
  std::string path_of(const char* key) const;
  void error(const char* key, const std::string& message);
  // Reports each key nobody asked for, here and in every child.
  void report_unknown_keys();

  const YamlReader& reader() const { return reader_; }

 private:
  YAML::Node node_;
  std::string path_;
  const YamlReader& reader_;
  std::vector<std::string> ignored_;
  const Hints* hints_;
  std::set<std::string> asked_;
  std::list<ConfigAccess> children_;  // list: handles given out keep their address
};

}  // namespace sluice::core
