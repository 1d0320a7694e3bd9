// file_source: tails files through rotation and truncation, committing each file's position
// only past records whose acknowledgement came back. One thread reads every file; another
// saves the positions.
#include "glob.hpp"
#include "settings.hpp"
#include "sluice/plugin.hpp"
#include "tailing_source.hpp"

namespace file_source {
namespace {

// The settings are a member of a base that the tailing part is built before: they are read
// first, in a base of their own.
struct ReadSettings {
  explicit ReadSettings(const sluice::Config& cfg) : settings(Settings::read(cfg)) {}
  Settings settings;
};

class FileSource final : private ReadSettings, public TailingSource {
 public:
  static const sluice::SettingsDescription& settings_table() { return Settings::table(); }
  FileSource(sluice::Context& ctx, const sluice::Config& cfg)
      : ReadSettings(cfg), TailingSource(ctx, settings) {
    // Said at configure, so that validate says it too.
    for (const auto& path : settings.include) {
      if (has_glob_chars(path)) continue;
      if (auto kind = special_file_kind(path); !kind.empty()) {
        ctx.warn("include names " + path + ", which is " + kind +
                 ", not a regular file: it will not be read");
      }
    }
  }
};

}  // namespace
}  // namespace file_source

SLUICE_PLUGIN(file_source::FileSource, "file_source", "1.0.0",
              "Tails files through rotation and truncation, with positions")
