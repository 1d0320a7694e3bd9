#include "cli/arguments.hpp"

namespace sluice::cli {

const char* usage() {
  return "usage:\n"
         "  sluice run -c FILE... [--watch-config] [--plugin-dir DIR]... [--log-level LEVEL]\n"
         "             [--log-format text|json]\n"
         "  sluice validate -c FILE... [--plugin-dir DIR]...\n"
         "  sluice plugins [-c FILE] [--plugin-dir DIR]...\n"
         "  sluice describe PLUGIN [--format text|json|markdown] [-c FILE] [--plugin-dir DIR]...\n"
         "  sluice plugin-check LIB [--config FILE] [--cycles N] [--run-for DURATION]\n"
         "                      [--stop-deadline DURATION]\n"
         "  sluice --version\n"
         "\n"
         "LEVEL is trace, debug, info, warn, error or off.\n"
         "Plugin directories are searched in order: --plugin-dir, plugin_dirs in the config,\n"
         "SLUICE_PLUGIN_PATH, then the directory installed beside the executable.\n"
         "-c may be given more than once, and may name a folder (its *.yaml, in name order):\n"
         "their nodes form one pipeline. A running pipeline reloads its files on SIGHUP, on\n"
         "POST /-/reload, and with --watch-config whenever one of them changes.\n";
}

std::string Arguments::config_label() const {
  std::string out;
  for (const auto& c : configs) out += (out.empty() ? "" : " + ") + c;
  return out;
}

std::optional<Arguments> parse_arguments(int argc, char** argv, std::string& error) {
  Arguments a;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    error = "no command given";
    return std::nullopt;
  }
  size_t i = 0;
  const std::string& first = args[0];
  if (first == "--version" || first == "version") {
    a.command = "version";
    return a;
  }
  if (first == "--help" || first == "-h" || first == "help") {
    a.command = "help";
    return a;
  }
  a.command = first;
  if (a.command != "run" && a.command != "validate" && a.command != "plugins" &&
      a.command != "describe" && a.command != "plugin-check") {
    error = "unknown command '" + a.command + "'";
    return std::nullopt;
  }
  ++i;
  auto value = [&](const std::string& flag) -> std::optional<std::string> {
    if (i + 1 >= args.size()) {
      error = flag + " needs a value";
      return std::nullopt;
    }
    return args[++i];
  };
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    std::optional<std::string> v;
    if (arg == "-c" || arg == "--config") {
      if (!(v = value(arg))) return std::nullopt;
      a.configs.push_back(*v);
    } else if (arg == "--plugin-dir") {
      if (!(v = value(arg))) return std::nullopt;
      a.plugin_dirs.push_back(*v);
    } else if (arg == "--log-level") {
      if (!(v = value(arg))) return std::nullopt;
      a.log_level = *v;
    } else if (arg == "--log-format") {
      if (!(v = value(arg))) return std::nullopt;
      if (*v != "text" && *v != "json") {
        error = "--log-format takes text or json, not '" + *v + "'";
        return std::nullopt;
      }
      a.log_format = *v;
    } else if (arg == "--watch-config" && a.command == "run") {
      a.watch_config = true;
    } else if (arg == "--cycles") {
      if (!(v = value(arg))) return std::nullopt;
      try {
        a.cycles = std::stoi(*v);
      } catch (...) {
        a.cycles = 0;
      }
      if (a.cycles < 1) {
        error = "--cycles takes a whole number from 1 up, not '" + *v + "'";
        return std::nullopt;
      }
    } else if (arg == "--run-for") {
      if (!(v = value(arg))) return std::nullopt;
      a.run_for = *v;
    } else if (arg == "--stop-deadline") {
      if (!(v = value(arg))) return std::nullopt;
      a.stop_deadline = *v;
    } else if (arg == "--format" && a.command == "describe") {
      if (!(v = value(arg))) return std::nullopt;
      if (*v != "text" && *v != "json" && *v != "markdown") {
        error = "--format takes text, json or markdown, not '" + *v + "'";
        return std::nullopt;
      }
      a.format = *v;
    } else if (a.command == "describe" && a.plugin.empty() && arg[0] != '-') {
      a.plugin = arg;
    } else if (a.command == "plugin-check" && a.library.empty() && arg[0] != '-') {
      a.library = arg;
    } else {
      error = "unknown option '" + arg + "' for '" + a.command + "'";
      return std::nullopt;
    }
  }
  if ((a.command == "run" || a.command == "validate") && a.configs.empty()) {
    error = "'" + a.command + "' needs -c FILE, the pipeline to " + a.command;
    return std::nullopt;
  }
  if (a.command == "plugin-check" && a.configs.size() > 1) {
    error = "'plugin-check' takes one --config FILE, the plugin's";
    return std::nullopt;
  }
  if (a.command == "describe" && a.plugin.empty()) {
    error = "'describe' needs the name of a plugin (see 'sluice plugins')";
    return std::nullopt;
  }
  if (a.command == "plugin-check" && a.library.empty()) {
    error = "'plugin-check' needs the path of a plugin library";
    return std::nullopt;
  }
  return a;
}

}  // namespace sluice::cli
