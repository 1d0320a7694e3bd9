#include "relabel_rules.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "extraction.hpp"

namespace relabel {
namespace {

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

struct ActionName {
  std::string_view name;
  Action action;
};
constexpr std::array<ActionName, 11> actions = {{
    {"replace", Action::replace},
    {"keep", Action::keep},
    {"drop", Action::drop},
    {"keepequal", Action::keepequal},
    {"dropequal", Action::dropequal},
    {"hashmod", Action::hashmod},
    {"labelmap", Action::labelmap},
    {"labeldrop", Action::labeldrop},
    {"labelkeep", Action::labelkeep},
    {"lowercase", Action::lowercase},
    {"uppercase", Action::uppercase},
}};

}  // namespace

Template::Template(std::string_view text, const RE2& regex) {
  const auto& named = regex.NamedCapturingGroups();
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) parts_.push_back({std::move(literal), -1});
    literal.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      literal += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      literal += '$';
      ++i;
      continue;
    }
    // $name takes the longest run of name characters; ${name} is braced.
    size_t start = i + 1;
    size_t end = start;
    bool braced = text[start] == '{';
    if (braced) {
      end = text.find('}', start);
      if (end == std::string_view::npos) {
        literal += '$';
        continue;
      }
      ++start;
    } else {
      while (end < text.size() && name_char(text[end])) ++end;
    }
    std::string name(text.substr(start, end - start));
    bool valid = !name.empty() && std::all_of(name.begin(), name.end(), name_char);
    if (!valid) {  // Go copies a malformed reference as text
      literal += '$';
      continue;
    }
    flush();
    int group = 0;
    if (std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      group = name.size() > 4 ? 100000 : std::stoi(name);
    } else {
      auto it = named.find(name);
      group = it == named.end() ? 100000 : it->second;
    }
    // A reference to a group the pattern lacks expands to nothing.
    if (group > regex.NumberOfCapturingGroups()) {
      parts_.push_back({"", -1});
    } else {
      parts_.push_back({"", group});
      max_group_ = std::max(max_group_, group);
    }
    i = braced ? end : end - 1;
  }
  flush();
}

void Template::expand(const std::vector<re2::StringPiece>& groups, std::string& out) const {
  out.clear();
  for (const auto& p : parts_) {
    if (p.group < 0) {
      out += p.text;
    } else if (static_cast<size_t>(p.group) < groups.size() && groups[p.group].data() != nullptr) {
      out.append(groups[p.group].data(), groups[p.group].size());
    }
  }
}

const sluice::SettingsTable<RuleSettings>& rule_table() {
  using R = RuleSettings;
  static const sluice::SettingsTable<RuleSettings> table{
      sluice::string("action", &R::action, "replace", "what the rule does (below)")
          .allowed("replace, keep, drop, keepequal, dropequal, hashmod, labelmap, labeldrop, "
                   "labelkeep, lowercase or uppercase"),
      sluice::strings("source_labels", &R::source_labels,
                      "labels whose values are joined with `separator`; a missing label reads "
                      "as empty"),
      sluice::string("separator", &R::separator, ";", "what joins the source labels' values"),
      sluice::string("regex", &R::regex, "(.*)",
                     "an RE2 expression, anchored at both ends; it must be valid as written "
                     "(`a)|(b` is refused, though it would compile once anchored)"),
      sluice::string("target_label", &R::target_label, "",
                     "the label written; for `replace`, it may hold `$1`, `${name}` references"),
      sluice::string("replacement", &R::replacement, "$1",
                     "`$1`, `${1}`, `$name` and `${name}` refer to groups, `$$` is a `$`"),
      sluice::integer("modulus", &R::modulus, int64_t{0},
                      "for `hashmod`: the hash of the joined values is taken modulo this")
          .default_text(""),
  };
  return table;
}

std::optional<Rule> read_rule(const sluice::Config& cfg, const RuleSettings& settings) {
  Rule rule;
  const std::string& action = settings.action;
  bool known = false;
  for (const auto& a : actions) {
    if (a.name == action) {
      rule.action = a.action;
      known = true;
    }
  }
  // Checked here rather than in the table, so that each rule's errors come together.
  if (!known) {
    cfg.error("action", "unknown action '" + action +
                            "': expected replace, keep, drop, keepequal, dropequal, hashmod, "
                            "labelmap, labeldrop, labelkeep, lowercase or uppercase");
    return std::nullopt;
  }
  rule.source_labels = settings.source_labels;
  rule.separator = settings.separator;
  rule.target_label = settings.target_label;
  const std::string& pattern = settings.regex;
  const std::string& replacement = settings.replacement;
  std::optional<int64_t> modulus;
  if (settings.modulus != 0) modulus = settings.modulus;

  RE2::Options options;
  options.set_log_errors(false);
  // The pattern is checked as written: inside ^(?:...)$ a pattern such as 'a)|(b' would
  // compile, and mean something else, with its groups renumbered.
  RE2 plain(pattern, options);
  if (!plain.ok()) {
    cfg.error("regex", "invalid RE2 pattern: " + plain.error());
    return std::nullopt;
  }
  rule.regex = std::make_unique<RE2>("^(?:" + pattern + ")$", options);
  if (!rule.regex->ok()) {
    cfg.error("regex", "invalid RE2 pattern once anchored: " + rule.regex->error());
    return std::nullopt;
  }
  rule.target = Template(rule.target_label, *rule.regex);
  rule.replacement = Template(replacement, *rule.regex);
  rule.groups = std::max(rule.target.max_group(), rule.replacement.max_group()) + 1;

  bool ok = true;
  auto fail = [&](const char* key, const std::string& message) {
    cfg.error(key, message);
    ok = false;
  };
  auto needs_target = [&] {
    if (rule.target_label.empty()) fail(nullptr, "'" + action + "' needs a target_label");
  };
  auto plain_target = [&] {
    if (!rule.target_label.empty() && !sluice::is_valid_label_name(rule.target_label)) {
      fail("target_label", "'" + rule.target_label + "' is not a valid label name");
    }
  };
  switch (rule.action) {
    case Action::replace:
      needs_target();
      if (rule.target.literal()) plain_target();
      break;
    case Action::lowercase:
    case Action::uppercase:
    case Action::keepequal:
    case Action::dropequal:
      needs_target();
      plain_target();
      if (rule.source_labels.empty()) fail(nullptr, "'" + action + "' needs source_labels");
      break;
    case Action::hashmod:
      needs_target();
      plain_target();
      if (!modulus || *modulus <= 0) {
        fail("modulus", "'hashmod' needs a modulus above 0");
      } else {
        rule.modulus = static_cast<uint64_t>(*modulus);
      }
      break;
    case Action::keep:
    case Action::drop:
      if (rule.source_labels.empty()) fail(nullptr, "'" + action + "' needs source_labels");
      break;
    case Action::labelmap: break;
    case Action::labeldrop:
    case Action::labelkeep:
      if (!rule.source_labels.empty() || !rule.target_label.empty()) {
        fail(nullptr, "'" + action + "' takes only a regex, matched against label names");
      }
      break;
  }
  if (!ok) return std::nullopt;
  return rule;
}

Relabeller::Relabeller(std::vector<Rule> rules)
    : rules_(std::move(rules)),
      md5_(EVP_MD_fetch(nullptr, "MD5", nullptr)),
      md5_ctx_(EVP_MD_CTX_new()) {}

Relabeller::~Relabeller() {
  EVP_MD_CTX_free(md5_ctx_);
  EVP_MD_free(md5_);
}

// Prometheus takes the low 64 bits of the value's MD5, big-endian. The digest and context are
// fetched once: fetching them per call costs more than the hash.
uint64_t Relabeller::md5_low64(const std::string& value) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  if (md5_ == nullptr || md5_ctx_ == nullptr || EVP_DigestInit_ex2(md5_ctx_, md5_, nullptr) != 1 ||
      EVP_DigestUpdate(md5_ctx_, value.data(), value.size()) != 1 ||
      EVP_DigestFinal_ex(md5_ctx_, digest.data(), &size) != 1) {
    EVP_Digest(value.data(), value.size(), digest.data(), &size, EVP_md5(), nullptr);
  }
  uint64_t out = 0;
  for (unsigned int i = 8; i < 16 && i < size; ++i) out = (out << 8) | digest[i];
  return out;
}

const std::string* Relabeller::find(const Labels& labels, const std::string& name) const {
  for (const auto& [n, v] : labels) {
    if (n == name) return &v;
  }
  return nullptr;
}

void Relabeller::set(Labels& labels, const std::string& name, const std::string& value) {
  for (auto& [n, v] : labels) {
    if (n == name) {
      v = value;
      return;
    }
  }
  labels.emplace_back(name, value);
}

void Relabeller::erase(Labels& labels, const std::string& name) {
  labels.erase(
      std::remove_if(labels.begin(), labels.end(), [&](const auto& l) { return l.first == name; }),
      labels.end());
}

// A missing source label reads as empty, as in Prometheus.
void Relabeller::join_sources(const Rule& rule, const Labels& labels) {
  value_.clear();
  for (size_t i = 0; i < rule.source_labels.size(); ++i) {
    if (i > 0) value_ += rule.separator;
    if (const std::string* v = find(labels, rule.source_labels[i])) value_ += *v;
  }
}

bool Relabeller::apply(Labels& labels) {
  for (const Rule& rule : rules_) {
    join_sources(rule, labels);
    auto match = [&](const std::string& text, int groups) {
      groups_.resize(static_cast<size_t>(groups));
      return rule.regex->Match(re2::StringPiece(text), 0, text.size(), RE2::ANCHOR_BOTH,
                               groups_.data(), groups);
    };
    switch (rule.action) {
      case Action::replace: {
        if (!match(value_, rule.groups)) break;
        rule.target.expand(groups_, target_);
        if (!sluice::is_valid_label_name(target_)) break;
        rule.replacement.expand(groups_, result_);
        if (result_.empty()) {
          erase(labels, target_);
        } else {
          set(labels, target_, result_);
        }
        break;
      }
      case Action::keep:
        if (!match(value_, 0)) return false;
        break;
      case Action::drop:
        if (match(value_, 0)) return false;
        break;
      case Action::keepequal:
      case Action::dropequal: {
        const std::string* t = find(labels, rule.target_label);
        bool equal = value_ == (t != nullptr ? *t : std::string());
        if (equal != (rule.action == Action::keepequal)) return false;
        break;
      }
      case Action::hashmod:
        set(labels, rule.target_label, std::to_string(md5_low64(value_) % rule.modulus));
        break;
      case Action::lowercase:
      case Action::uppercase: {
        result_ = value_;
        for (char& c : result_) {
          auto u = static_cast<unsigned char>(c);
          c = static_cast<char>(rule.action == Action::lowercase ? std::tolower(u)
                                                                 : std::toupper(u));
        }
        set(labels, rule.target_label, result_);
        break;
      }
      case Action::labelmap: {
        Labels added;
        for (const auto& [name, value] : labels) {
          if (!match(name, rule.replacement.max_group() + 1)) continue;
          rule.replacement.expand(groups_, result_);
          if (sluice::is_valid_label_name(result_)) added.emplace_back(result_, value);
        }
        for (const auto& [name, value] : added) set(labels, name, value);
        break;
      }
      case Action::labeldrop:
      case Action::labelkeep: {
        bool drop_matching = rule.action == Action::labeldrop;
        labels.erase(
            std::remove_if(labels.begin(), labels.end(),
                           [&](const auto& l) { return match(l.first, 0) == drop_matching; }),
            labels.end());
        break;
      }
    }
  }
  return true;
}

}  // namespace relabel
