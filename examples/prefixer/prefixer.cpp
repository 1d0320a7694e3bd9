// prefixer: a processor written against the SDK's C++ layer alone. It puts a fixed prefix
// before every line.
#include <string>
#include <vector>

#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"

namespace {

struct Settings {
  std::string prefix;
};

class Prefixer final : public sluice::Processor {
 public:
  // Each setting declared once: read and checked from it, and shown by `sluice describe`.
  // A key the table does not hold is reported to the user as unknown.
  static const sluice::SettingsTable<Settings>& settings_table() {
    static const sluice::SettingsTable<Settings> table{
        sluice::string("prefix", &Settings::prefix, "> ",
                       "what goes before every line (at most 1024 bytes)")
            .check([](const Settings& s) {
              return s.prefix.size() > 1024 ? "must be at most 1024 bytes" : "";
            })};
    return table;
  }

  Prefixer(sluice::Context&, const sluice::Config& cfg)
      : prefix_(settings_table().read(cfg).prefix) {}

  bool process(sluice::Batch& batch) override {
    lines_.clear();
    records_.clear();
    lines_.reserve(batch.size());
    for (const auto& r : batch) lines_.push_back(prefix_ + std::string(r.line.data, r.line.size));
    size_t i = 0;
    for (const auto& r : batch) {
      sluice_record_t copy = r;
      copy.line = sluice::str(lines_[i++]);
      records_.push_back(copy);
    }
    batch.replace(records_);  // the engine copies what it is given
    return true;
  }

 private:
  std::string prefix_;
  std::vector<std::string> lines_;
  std::vector<sluice_record_t> records_;
};

}  // namespace

SLUICE_PLUGIN(Prefixer, "prefixer", "1.0.0", "Puts a prefix before every line")
