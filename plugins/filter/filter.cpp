// filter: keeps or drops records whose line (or one label) matches an RE2 pattern.
#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"

namespace {

struct Settings {
  std::optional<std::string> pattern;
  bool keep_matches = true;
  std::string label;
};

class Filter final : public sluice::Processor {
 public:
  static const sluice::SettingsTable<Settings>& settings_table() {
    static const sluice::SettingsTable<Settings> table{
        sluice::string("pattern", &Settings::pattern,
                       "the RE2 expression records are matched against")
            .required()
            .hint({"regex", "exclude", "condition"}),
        sluice::choice("action", &Settings::keep_matches, {{"keep", true}, {"drop", false}}, "keep",
                       "keep the matching records, or drop them"),
        sluice::string("label", &Settings::label, "",
                       "match this label's value instead of the line; a record without the "
                       "label does not match (none: the line)")
            .hint({"key", "source"}),
    };
    return table;
  }

  Filter(sluice::Context&, const sluice::Config& cfg) {
    const Settings s = settings_table().read(cfg);
    const auto& pattern = s.pattern;
    keep_matches_ = s.keep_matches;
    label_ = s.label;
    if (!pattern) return;
    RE2::Options options;
    options.set_log_errors(false);
    regex_ = std::make_unique<RE2>(*pattern, options);
    if (!regex_->ok()) cfg.error("pattern", "invalid RE2 pattern: " + regex_->error());
  }

  bool process(sluice::Batch& batch) override {
    mask_.assign(batch.size(), 0);
    size_t i = 0;
    for (const auto& r : batch) {
      sluice::RecordView record{r};
      std::string_view subject;
      bool found = true;
      subject = label_.empty() ? record.line() : record.label(label_, &found);
      bool matches =
          found && RE2::PartialMatch(re2::StringPiece(subject.data(), subject.size()), *regex_);
      mask_[i++] = matches == keep_matches_ ? 1 : 0;
    }
    batch.keep(mask_);
    return true;
  }

 private:
  std::unique_ptr<RE2> regex_;
  bool keep_matches_ = true;
  std::string label_;
  std::vector<uint8_t> mask_;
};

}  // namespace

SLUICE_PLUGIN(Filter, "filter", "1.0.0",
              "Keeps or drops records whose line or label matches an RE2 pattern")
