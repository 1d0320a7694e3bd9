// filter: keeps or drops records whose line (or one label) matches an RE2 pattern.
#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "sluice/plugin.hpp"

namespace {

class Filter final : public sluice::Processor {
 public:
  Filter(sluice::Context&, const sluice::Config& cfg) {
    auto pattern = cfg.string("pattern");
    std::string action = cfg.string("action", "keep");
    label_ = cfg.string("label", "");
    if (action == "keep") {
      keep_matches_ = true;
    } else if (action == "drop") {
      keep_matches_ = false;
    } else {
      cfg.error("action", "expected 'keep' or 'drop', got '" + action + "'");
    }
    if (!pattern) {
      cfg.error(nullptr, "missing 'pattern': the RE2 expression records are matched against");
      return;
    }
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
