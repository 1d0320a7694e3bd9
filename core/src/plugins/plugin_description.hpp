// A plugin's configuration reference, from the settings it declares: what `sluice describe`
// prints, and the table each plugin's README carries (a test compares the two).
#pragma once

#include <string>

#include "plugins/plugin_library.hpp"

namespace sluice::core {

// For a person at a terminal.
std::string describe_text(const PluginLibrary& plugin);
// For tools: {"name", "kind", "version", "description", "settings": [...]}.
std::string describe_json(const PluginLibrary& plugin);
// The README's settings table.
std::string describe_markdown(const PluginLibrary& plugin);

}  // namespace sluice::core
