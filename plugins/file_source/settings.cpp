#include "settings.hpp"

#include "settings_reading.hpp"

namespace file_source {

std::string absolute_paths(const std::vector<std::string>& paths) {
  for (const auto& p : paths) {
    if (p.empty() || p[0] != '/') return "\"" + p + "\" is not an absolute path";
  }
  return {};
}

const sluice::SettingsTable<Settings>& Settings::table() {
  using S = Settings;
  static const sluice::SettingsTable<Settings> table{[] {
    std::vector<sluice::Setting<S>> settings{
        sluice::strings("include", &S::include,
                        "absolute paths; `*`, `?` and `[...]` within a segment, `**` for any "
                        "number of directories")
            .required()
            .check([](const S& s) { return absolute_paths(s.include); }, "absolute paths")
            .hint({"path", "paths", "__path__"}),
        sluice::strings("exclude", &S::exclude, "files matching one are not read")
            .check([](const S& s) { return absolute_paths(s.exclude); }, "absolute paths")
            .hint({"exclude_path", "__path_exclude__"}),
        sluice::choice("format", &S::format,
                       {{"raw", Format::raw},
                        {"cri", Format::cri},
                        {"docker_json", Format::docker_json},
                        {"auto", Format::automatic}},
                       "raw",
                       "how lines are written: `raw` text; `cri` (containerd, CRI-O) or "
                       "`docker_json` (dockerd's json-file), whose time, stream and text become "
                       "the record's and whose split lines are joined; `auto` decides per file "
                       "from its first line. See Container logs")
            .hint({"parser", "cri", "docker"}),
    };
    for (auto& s : reading_settings<S>()) settings.push_back(std::move(s));
    return settings;
  }()};
  return table;
}

}  // namespace file_source
