// relabel: Prometheus relabel_configs over each record's labels and metadata. Metadata take
// part as labels named __meta_<name>, as discovery metadata do in Prometheus.
#include <string>
#include <vector>

#include "relabel_rules.hpp"
#include "sluice/batch_editor.hpp"
#include "sluice/plugin.hpp"

namespace {

constexpr std::string_view meta_prefix = "__meta_";

struct Settings {
  std::vector<sluice::Located<relabel::RuleSettings>> rules;
};

class Relabel final : public sluice::Processor {
 public:
  static const sluice::SettingsTable<Settings>& settings_table() {
    static const sluice::SettingsTable<Settings> table{
        sluice::sections("rules", &Settings::rules, relabel::rule_table(),
                         "a list of relabelling rules")
            .required()
            .hint({"relabel_configs", "pipeline_stages"}),
    };
    return table;
  }

  Relabel(sluice::Context&, const sluice::Config& cfg) : relabeller_(read_rules(cfg)) {}

  bool process(sluice::Batch& batch) override {
    const sluice_record_t* previous = nullptr;
    for (const sluice_record_t& r : batch) {
      // Records of one stream share their label array: the rules give the same result, so
      // they run once per run of such records.
      bool same_input = previous != nullptr && r.metadata_count == 0 &&
                        previous->metadata_count == 0 && r.labels == previous->labels &&
                        r.label_count == previous->label_count;
      previous = &r;
      if (same_input) {
        if (!kept_) {
          editor_.add(r);
          editor_.drop();
          continue;
        }
        editor_.add_with_previous_labels(r);
        if (!out_metadata_.empty()) editor_.replace_metadata(out_metadata_);
        continue;
      }
      editor_.add(r);
      work_.clear();
      for (uint32_t i = 0; i < r.label_count; ++i) {
        work_.emplace_back(std::string_view(r.labels[i].name.data, r.labels[i].name.size),
                           std::string_view(r.labels[i].value.data, r.labels[i].value.size));
      }
      for (uint32_t i = 0; i < r.metadata_count; ++i) {
        std::string name(meta_prefix);
        name.append(r.metadata[i].name.data, r.metadata[i].name.size);
        work_.emplace_back(std::move(name),
                           std::string_view(r.metadata[i].value.data, r.metadata[i].value.size));
      }
      kept_ = relabeller_.apply(work_);
      if (!kept_) {
        editor_.drop();
        continue;
      }
      // __meta_ names go back to metadata; other names that start with __ were scratch.
      out_labels_.clear();
      out_metadata_.clear();
      for (auto& [name, value] : work_) {
        if (name.compare(0, meta_prefix.size(), meta_prefix) == 0) {
          out_metadata_.emplace_back(name.substr(meta_prefix.size()), std::move(value));
        } else if (name.compare(0, 2, "__") != 0) {
          out_labels_.emplace_back(std::move(name), std::move(value));
        }
      }
      editor_.replace_labels(out_labels_);
      editor_.replace_metadata(out_metadata_);
    }
    editor_.commit(batch);
    return true;
  }

 private:
  static std::vector<relabel::Rule> read_rules(const sluice::Config& cfg) {
    std::vector<relabel::Rule> rules;
    for (const auto& rule : settings_table().read(cfg).rules) {
      if (auto checked = relabel::read_rule(rule.at, rule.value)) {
        rules.push_back(std::move(*checked));
      }
    }
    return rules;
  }

  relabel::Relabeller relabeller_;
  relabel::Labels work_, out_labels_, out_metadata_;
  bool kept_ = true;
  sluice::BatchEditor editor_;
};

}  // namespace

SLUICE_PLUGIN(Relabel, "relabel", "1.0.0",
              "Prometheus relabel_configs over labels and metadata: replace, keep, drop, "
              "labelmap, labeldrop, labelkeep, hashmod")
