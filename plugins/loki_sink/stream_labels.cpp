#include "stream_labels.hpp"

#include <algorithm>
#include <cstdio>

#include "sluice/label_names.hpp"
#include "sluice/records.hpp"

namespace loki_sink {

void append_quoted(std::string_view value, std::string& out) {
  out += '"';
  for (unsigned char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          // Bytes of 0x80 and over pass as they are: Loki keeps label values as bytes.
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

const std::string& StreamLabels::selector(const sluice_record_t& r, LabelFixes& fixes) {
  pairs_.clear();
  for (uint32_t i = 0; i < r.label_count; ++i) {
    if (r.labels[i].value.size == 0) continue;
    pairs_.emplace_back(std::string(sluice::view(r.labels[i].name)),
                        std::string(sluice::view(r.labels[i].value)));
  }
  const size_t from_record = pairs_.size();
  for (const auto& [name, value] : settings_.labels) {
    if (value.empty()) continue;
    pairs_.emplace_back(name, value);
  }
  for (auto& [name, value] : pairs_) {
    if (sluice::make_valid_label_name(name)) ++fixes.invalid_names;
    if (name.size() > settings_.max_label_name_length) {
      name.resize(settings_.max_label_name_length);
      ++fixes.long_names;
    }
    if (value.size() > settings_.max_label_value_length) {
      value.resize(settings_.max_label_value_length);
      ++fixes.long_values;
    }
  }
  // Equal names: the record's label wins over a static one, the first over a later one.
  std::vector<size_t> order(pairs_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return pairs_[a].first < pairs_[b].first; });
  selector_.clear();
  kept_.clear();
  selector_ += '{';
  size_t kept = 0;
  const std::string* last = nullptr;
  for (size_t i : order) {
    const auto& [name, value] = pairs_[i];
    if (last != nullptr && *last == name) {
      if (i < from_record) ++fixes.duplicates;  // a static label overridden is no fix
      continue;
    }
    last = &name;
    if (kept == settings_.max_label_names) {
      ++fixes.too_many;
      continue;
    }
    kept_.emplace_back(name, value);
    if (kept++ > 0) selector_ += ", ";
    selector_ += name;
    selector_ += '=';
    append_quoted(value, selector_);
  }
  selector_ += '}';
  if (kept == 0) selector_.clear();
  return selector_;
}

}  // namespace loki_sink
