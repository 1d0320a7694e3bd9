// The command line: `sluice COMMAND [options]`, parsed into one struct.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sluice::cli {

struct Arguments {
  std::string command;  // run, validate, plugins, describe, plugin-check, version, help
  // -c / --config, each a file or a folder of *.yaml; plugin-check takes one, the plugin's.
  std::vector<std::string> configs;
  // The config's files as one line, for messages.
  std::string config_label() const;
  std::vector<std::string> plugin_dirs;
  std::string log_level = "info";
  std::string log_format = "text";
  bool watch_config = false;    // run: reload when the file changes
  std::string library;          // plugin-check
  std::string plugin;           // describe
  std::string format = "text";  // describe: text, json or markdown
  int cycles = 10;
  std::string run_for = "100ms";
  std::string stop_deadline = "5s";
};

// Returns the arguments, or an error message a person can act on.
std::optional<Arguments> parse_arguments(int argc, char** argv, std::string& error);
const char* usage();

}  // namespace sluice::cli
