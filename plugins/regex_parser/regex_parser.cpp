// regex_parser: RE2 named groups of the line (or of a label) into labels and metadata, and
// optionally the line and the time from groups.
#include <re2/re2.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "capture_only.hpp"
#include "extraction.hpp"
#include "sluice/batch_editor.hpp"
#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"

namespace {

using sluice::plugins::TimestampSetting;

struct Target {
  std::string name;
  int group;
};

struct Settings {
  std::optional<std::string> pattern, line;
  std::string label;
  std::vector<std::pair<std::string, std::string>> labels, metadata;
  sluice::plugins::TimestampConfig timestamp;
};

class RegexParser final : public sluice::Processor {
 public:
  static const sluice::SettingsTable<Settings>& settings_table() {
    using S = Settings;
    static const sluice::SettingsTable<Settings> table{
        sluice::string("pattern", &S::pattern,
                       "an RE2 expression with named groups; it may match anywhere in the line "
                       "(anchor with `^`). Without `labels` and `metadata`, every named group "
                       "becomes metadata")
            .required()
            .hint({"regex", "expression"}),
        sluice::string("label", &S::label, "",
                       "parse this label's value instead of the line (none: the line)")
            .hint({"source", "key_name"}),
        sluice::plugins::label_targets(&S::labels, "group"),
        sluice::plugins::metadata_targets(&S::metadata, "group"),
        sluice::string("line", &S::line, "replace the line with this group")
            .hint({"message_key", "output"}),
        sluice::plugins::timestamp_section(&S::timestamp),
    };
    return table;
  }

  RegexParser(sluice::Context& ctx, const sluice::Config& cfg)
      : RegexParser(ctx, cfg, settings_table().read(cfg)) {}
  RegexParser(sluice::Context& ctx, const sluice::Config& cfg, const Settings& s)
      : unmatched_(ctx.counter("sluice_regex_unmatched_lines_total",
                               "Lines the pattern did not match, passed on unchanged.")),
        counts_(ctx) {
    const auto& pattern = s.pattern;
    label_ = s.label;
    auto labels = sluice::plugins::with_sources(s.labels);
    auto metadata = sluice::plugins::with_sources(s.metadata);
    const auto& line = s.line;
    auto timestamp = sluice::plugins::resolve_timestamp(s.timestamp);
    if (!pattern) return;
    RE2::Options options;
    options.set_log_errors(false);
    regex_ = std::make_unique<RE2>(*pattern, options);
    if (!regex_->ok()) {
      cfg.error("pattern", "invalid RE2 pattern: " + regex_->error());
      return;
    }
    if (regex_->NamedCapturingGroups().empty()) {
      cfg.error("pattern", "the pattern has no named group, (?P<name>...)");
    }
    // Without labels or metadata, every named group becomes metadata.
    if (labels.empty() && metadata.empty()) {
      for (const auto& [name, index] : regex_->NamedCapturingGroups()) {
        metadata.emplace_back(name, name);
      }
    }
    // Only the groups used are captured: RE2 then needs fewer submatches, and with few
    // enough it can use its fastest engine. Matching is the same either way.
    std::set<std::string> used;
    for (const auto& [name, g] : labels) used.insert(g);
    for (const auto& [name, g] : metadata) used.insert(g);
    if (line) used.insert(*line);
    if (timestamp) used.insert(timestamp->source);
    auto lean = std::make_unique<RE2>(regex_parser::capture_only(*pattern, used), options);
    if (lean->ok()) regex_ = std::move(lean);
    const auto& groups = regex_->NamedCapturingGroups();
    auto group = [&](const char* key, const std::string& name) {
      auto it = groups.find(name);
      if (it == groups.end()) {
        cfg.error(key, "the pattern has no group named '" + name + "'");
        return 0;
      }
      submatches_ = std::max(submatches_, it->second + 1);
      return it->second;
    };
    for (const auto& [name, g] : labels) labels_.push_back({name, group("labels", g)});
    for (const auto& [name, g] : metadata) metadata_.push_back({name, group("metadata", g)});
    if (line) line_group_ = group("line", *line);
    if (timestamp) {
      time_group_ = group("timestamp", timestamp->source);
      timestamp_ = timestamp;
    }
    matches_.resize(static_cast<size_t>(std::max(submatches_, 1)));
  }

  bool process(sluice::Batch& batch) override {
    uint64_t unmatched = 0;
    for (const sluice_record_t& r : batch) {
      editor_.add(r);
      std::string_view subject(r.line.data, r.line.size);
      if (!label_.empty()) {
        bool found = false;
        subject = sluice::RecordView{r}.label(label_, &found);
        if (!found) {
          ++unmatched;
          continue;
        }
      }
      if (!regex_->Match(re2::StringPiece(subject.data(), subject.size()), 0, subject.size(),
                         RE2::UNANCHORED, matches_.data(), submatches_)) {
        ++unmatched;
        continue;
      }
      // A group that took no part in the match (an optional one) is a missing field.
      auto group = [&](int g, std::string_view& out) {
        const re2::StringPiece& m = matches_[static_cast<size_t>(g)];
        if (m.data() == nullptr) {
          ++counts_.missing;
          return false;
        }
        out = std::string_view(m.data(), m.size());
        return true;
      };
      std::string_view value;
      for (const auto& t : labels_) {
        if (group(t.group, value)) editor_.set_label(t.name, value);
      }
      for (const auto& t : metadata_) {
        if (group(t.group, value)) editor_.set_metadata(t.name, value);
      }
      if (timestamp_ && group(time_group_, value)) {
        if (auto ns = timestamp_->format.read(value)) {
          editor_.set_timestamp(*ns);
        } else {
          ++counts_.bad_time;
        }
      }
      if (line_group_ && group(*line_group_, value)) editor_.set_line(value);
    }
    editor_.commit(batch);
    if (unmatched) unmatched_.add(static_cast<double>(unmatched));
    counts_.publish();
    return true;
  }

 private:
  std::unique_ptr<RE2> regex_;
  std::string label_;
  std::vector<Target> labels_, metadata_;
  std::optional<int> line_group_;
  std::optional<TimestampSetting> timestamp_;
  int time_group_ = 0;
  int submatches_ = 1;
  std::vector<re2::StringPiece> matches_;
  sluice::Metric unmatched_;
  sluice::plugins::FieldCounts counts_;
  sluice::BatchEditor editor_;
};

}  // namespace

SLUICE_PLUGIN(RegexParser, "regex_parser", "1.0.0",
              "Lifts named groups of an RE2 pattern into labels and metadata")
