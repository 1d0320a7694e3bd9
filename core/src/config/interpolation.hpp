// Environment variables in config files, as Vector and Fluent Bit read them: ${VAR},
// ${VAR:-default} (unset or empty), ${VAR-default} (unset), ${VAR:?message} (unset or empty
// is an error), ${VAR?message} (unset is an error), and $$ for a literal $. A $ before
// anything else stays as it is, so regex anchors need no escaping, and so does "${" before a
// digit, so relabel's ${1} does not either (its ${name} and $$ are written $${name}, $$$$).
//
// Values are replaced in the parsed tree, scalar by scalar, never in the text before parsing:
// a variable holding a newline or ": " stays inside its one value and cannot add keys. Keys
// are not interpolated. Messages name variables, never their values, which may be secrets.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "config/yaml_access.hpp"

namespace sluice::core {

// A variable's value, or nothing when it is unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
// The process's environment; HOSTNAME, when unset there, is the host's name.
std::optional<std::string> process_environment(const std::string& name);

// One scalar's text with its variables replaced; nothing, and *error saying why, when a
// variable is unset without a default, or the text is malformed.
std::optional<std::string> interpolate(std::string_view text, const EnvironmentLookup& lookup,
                                       std::string* error);

// Replaces the variables of every value in root; each problem goes to the reader at the
// value's place. Returns false when there was one.
bool interpolate_tree(YAML::Node& root, const EnvironmentLookup& lookup, const YamlReader& reader);

}  // namespace sluice::core
