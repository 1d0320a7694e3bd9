// Prometheus relabel_configs semantics over one record's label set.
#pragma once

#include <openssl/types.h>
#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/config.hpp"
#include "sluice/settings.hpp"

namespace relabel {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class Action {
  replace,
  keep,
  drop,
  keepequal,
  dropequal,
  hashmod,
  labelmap,
  labeldrop,
  labelkeep,
  lowercase,
  uppercase
};

// A replacement as Go's Regexp.Expand reads it: text with $1, ${1}, $name or ${name}.
class Template {
 public:
  Template() = default;
  Template(std::string_view text, const RE2& regex);
  void expand(const std::vector<re2::StringPiece>& groups, std::string& out) const;
  bool literal() const { return parts_.size() <= 1 && (parts_.empty() || parts_[0].group < 0); }
  int max_group() const { return max_group_; }

 private:
  struct Part {
    std::string text;
    int group = -1;  // -1: text; otherwise the group's value (empty when it did not match)
  };
  std::vector<Part> parts_;
  int max_group_ = 0;
};

struct Rule {
  Action action = Action::replace;
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::unique_ptr<RE2> regex;  // anchored at both ends, as Prometheus does
  std::string target_label;
  Template target;  // target_label may itself hold $ references
  Template replacement;
  uint64_t modulus = 0;
  int groups = 1;  // submatches a match must fill
};

// One rule as written; its defaults, and what each key means, are in rule_table().
struct RuleSettings {
  std::string action;
  std::vector<std::string> source_labels;
  std::string separator;
  std::string regex;
  std::string target_label;
  std::string replacement;
  int64_t modulus = 0;  // 0: none given
};
const sluice::SettingsTable<RuleSettings>& rule_table();

// Checks one rule as read from cfg, reporting errors through cfg by key.
std::optional<Rule> read_rule(const sluice::Config& cfg, const RuleSettings& settings);

// Applies the rules in order. Returns false when the record is dropped.
class Relabeller {
 public:
  explicit Relabeller(std::vector<Rule> rules);
  ~Relabeller();
  Relabeller(const Relabeller&) = delete;
  Relabeller& operator=(const Relabeller&) = delete;
  // Not thread-safe: one processor's worker calls it.
  bool apply(Labels& labels);

 private:
  const std::string* find(const Labels& labels, const std::string& name) const;
  void set(Labels& labels, const std::string& name, const std::string& value);
  void erase(Labels& labels, const std::string& name);
  void join_sources(const Rule& rule, const Labels& labels);
  uint64_t md5_low64(const std::string& value);

  std::vector<Rule> rules_;
  std::string value_, target_, result_;
  std::vector<re2::StringPiece> groups_;
  EVP_MD* md5_;
  EVP_MD_CTX* md5_ctx_;
};

}  // namespace relabel
