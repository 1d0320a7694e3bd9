// Loading one plugin library and checking its descriptor before anything else is called.
#pragma once

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "sluice/abi.h"

namespace sluice::core {

// One setting as the plugin declares it (ABI 1.4), copied out of the library.
struct PluginSetting {
  std::string name;
  std::string type;
  std::string default_value;
  std::string allowed;
  std::string description;
  std::vector<std::string> hints;  // what other shippers call it
  bool required = false;
};

struct PluginLibrary {
  std::string path;
  // The descriptor as this host knows it: fields a smaller (older minor) descriptor lacks are
  // zero. The library stays mapped for the life of the process.
  sluice_plugin_descriptor_t descriptor{};
  std::string name;
  std::string version;
  std::string description;
  std::vector<PluginSetting> settings;  // empty for a plugin that declares none
};

// The refusal, or the library. Every refusal names the file and what was wrong.
std::variant<std::shared_ptr<const PluginLibrary>, std::string> load_plugin_library(
    const std::string& path);

// Refuses a file or directory that someone other than its owner (or root) may write to, as
// ssh does with keys. Returns the reason, or an empty string when it is safe.
std::string check_path_ownership(const std::string& path);

const char* kind_name(uint32_t kind);

}  // namespace sluice::core
