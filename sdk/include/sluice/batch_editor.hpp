// Processors: builds the records that replace a batch's. Each output record starts as a copy
// of an input record; its line, time, labels and metadata may then be changed, or the record
// dropped. What is not changed is pointed at, not copied, and the host copies everything once
// at commit. The editor's storage is reused from batch to batch.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/context.hpp"

namespace sluice {

class BatchEditor {
 public:
  using Pairs = std::vector<std::pair<std::string, std::string>>;

  // Starts an output record as a copy of from. Edits apply to it until the next add.
  void add(const sluice_record_t& from) {
    finish();
    Out out;
    out.timestamp_ns = from.timestamp_ns;
    out.line = external(view(from.line));
    out.labels.input = from.labels;
    out.labels.input_count = from.label_count;
    out.metadata.input = from.metadata;
    out.metadata.input_count = from.metadata_count;
    records_.push_back(out);
  }
  // As add, with the labels the previous output record ended with: for a caller that knows
  // the label edits would come out the same (the input shares its label set, say).
  void add_with_previous_labels(const sluice_record_t& from) {
    if (records_.empty()) return add(from);
    finish();
    Fields previous = records_.back().labels;
    add(from);
    previous.shared = previous.edited;
    records_.back().labels = previous;
  }
  // Leaves the current record out of the batch: it counts as delivered on purpose.
  void drop() { records_.back().dropped = true; }
  bool empty() const { return records_.empty(); }

  void set_timestamp(int64_t ns) { records_.back().timestamp_ns = ns; }
  void set_line(std::string_view line) { records_.back().line = own(line); }

  // Labels: the value of name (valid until the next edit), or found=false.
  std::string_view label(std::string_view name, bool* found = nullptr) const {
    return get(records_.back().labels, labels_, name, found);
  }
  void set_label(std::string_view name, std::string_view value) {
    set(records_.back().labels, labels_, name, value);
  }
  void remove_label(std::string_view name) { remove(records_.back().labels, labels_, name); }
  // The current record's labels, as pairs (a copy).
  Pairs labels() const { return pairs(records_.back().labels, labels_); }
  // Replaces every label at once; a name given twice keeps its last value.
  void replace_labels(const Pairs& labels) { replace(records_.back().labels, labels_, labels); }

  // Metadata: the same, for the record's metadata.
  std::string_view metadata(std::string_view name, bool* found = nullptr) const {
    return get(records_.back().metadata, metadata_, name, found);
  }
  void set_metadata(std::string_view name, std::string_view value) {
    set(records_.back().metadata, metadata_, name, value);
  }
  void remove_metadata(std::string_view name) { remove(records_.back().metadata, metadata_, name); }
  Pairs metadata() const { return pairs(records_.back().metadata, metadata_); }
  void replace_metadata(const Pairs& metadata) {
    replace(records_.back().metadata, metadata_, metadata);
  }

  // Hands the records to the host in place of the batch's, and starts over.
  void commit(Batch& batch) {
    finish();
    views_.clear();
    out_.clear();
    size_t slots = labels_.size() + metadata_.size();
    views_.reserve(slots);
    const Fields* previous = nullptr;
    const sluice_label_t* previous_view = nullptr;
    for (const Out& r : records_) {
      if (r.dropped) continue;
      sluice_record_t rec{};
      rec.timestamp_ns = r.timestamp_ns;
      rec.line = resolve(r.line);
      // Consecutive records with equal labels share one array: the host then copies it once.
      if (previous != nullptr && same(*previous, r.labels)) {
        rec.labels = previous_view;
      } else {
        rec.labels = materialize(r.labels, labels_);
        previous = &r.labels;
        previous_view = rec.labels;
      }
      rec.label_count = count(r.labels);
      rec.metadata = materialize(r.metadata, metadata_);
      rec.metadata_count = count(r.metadata);
      out_.push_back(rec);
    }
    batch.replace(out_);
    records_.clear();
    labels_.clear();
    metadata_.clear();
    bytes_.clear();
  }

 private:
  // A string in the input batch (stable until commit) or in bytes_ (offset, since bytes_
  // grows).
  struct Ref {
    const char* data = nullptr;
    size_t offset = 0;
    size_t size = 0;
  };
  using Entry = std::pair<Ref, Ref>;
  // A record's labels (or metadata): the input's array, untouched, or a range of entries.
  struct Fields {
    const sluice_label_t* input = nullptr;
    uint32_t input_count = 0;
    bool edited = false;
    bool unsorted = false;
    bool shared = false;  // the range is also the previous record's
    size_t begin = 0, end = 0;
  };
  struct Out {
    int64_t timestamp_ns = 0;
    Ref line;
    Fields labels, metadata;
    bool dropped = false;
  };

  static std::string_view view(sluice_str_t s) { return {s.data, s.size}; }
  static Ref external(std::string_view s) { return {s.data(), 0, s.size()}; }
  Ref own(std::string_view s) {
    Ref r{nullptr, bytes_.size(), s.size()};
    bytes_.append(s);
    return r;
  }
  std::string_view text(const Ref& r) const {
    return r.data != nullptr ? std::string_view(r.data, r.size)
                             : std::string_view(bytes_.data() + r.offset, r.size);
  }
  sluice_str_t resolve(const Ref& r) const {
    auto t = text(r);
    return {t.data(), t.size()};
  }
  static uint32_t count(const Fields& f) {
    return f.edited ? static_cast<uint32_t>(f.end - f.begin) : f.input_count;
  }

  // The first edit of a record's fields copies the input's entries (as references) to the
  // end of the entry list, where the current record's range always is.
  void open(Fields& f, std::vector<Entry>& entries) {
    if (f.edited) return;
    f.edited = true;
    f.begin = entries.size();
    for (uint32_t i = 0; i < f.input_count; ++i) {
      entries.emplace_back(external(view(f.input[i].name)), external(view(f.input[i].value)));
    }
    f.end = entries.size();
  }
  // A range shared with the previous record (add_with_previous_labels) is copied before
  // being changed.
  void own_range(Fields& f, std::vector<Entry>& entries) {
    open(f, entries);
    if (f.end == entries.size() && !f.shared) return;
    f.shared = false;
    size_t begin = entries.size();
    for (size_t i = f.begin; i < f.end; ++i) entries.push_back(entries[i]);
    f.begin = begin;
    f.end = entries.size();
  }
  std::string_view get(const Fields& f, const std::vector<Entry>& entries, std::string_view name,
                       bool* found) const {
    if (!f.edited) {
      for (uint32_t i = 0; i < f.input_count; ++i) {
        if (view(f.input[i].name) == name) {
          if (found) *found = true;
          return view(f.input[i].value);
        }
      }
    } else {
      for (size_t i = f.begin; i < f.end; ++i) {
        if (text(entries[i].first) == name) {
          if (found) *found = true;
          return text(entries[i].second);
        }
      }
    }
    if (found) *found = false;
    return {};
  }
  void set(Fields& f, std::vector<Entry>& entries, std::string_view name, std::string_view value) {
    own_range(f, entries);
    for (size_t i = f.begin; i < f.end; ++i) {
      if (text(entries[i].first) == name) {
        entries[i].second = own(value);
        return;
      }
    }
    entries.emplace_back(own(name), own(value));
    f.end = entries.size();
    f.unsorted = true;
  }
  void remove(Fields& f, std::vector<Entry>& entries, std::string_view name) {
    own_range(f, entries);
    for (size_t i = f.begin; i < f.end; ++i) {
      if (text(entries[i].first) == name) {
        entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(i));
        f.end = entries.size();
        return;
      }
    }
  }
  Pairs pairs(const Fields& f, const std::vector<Entry>& entries) const {
    Pairs out;
    if (!f.edited) {
      for (uint32_t i = 0; i < f.input_count; ++i) {
        out.emplace_back(view(f.input[i].name), view(f.input[i].value));
      }
    } else {
      for (size_t i = f.begin; i < f.end; ++i) {
        out.emplace_back(text(entries[i].first), text(entries[i].second));
      }
    }
    return out;
  }
  void replace(Fields& f, std::vector<Entry>& entries, const Pairs& with) {
    own_range(f, entries);
    entries.resize(f.begin);
    for (const auto& [name, value] : with) {
      bool replaced = false;
      for (size_t i = f.begin; i < entries.size(); ++i) {
        if (text(entries[i].first) == name) {
          entries[i].second = own(value);
          replaced = true;
        }
      }
      if (!replaced) entries.emplace_back(own(name), own(value));
    }
    f.end = entries.size();
    f.unsorted = true;
  }
  // Labels cross the ABI sorted by name.
  void sort(Fields& f, std::vector<Entry>& entries) {
    if (!f.unsorted) return;
    f.unsorted = false;
    std::sort(entries.begin() + static_cast<std::ptrdiff_t>(f.begin),
              entries.begin() + static_cast<std::ptrdiff_t>(f.end),
              [this](const Entry& a, const Entry& b) { return text(a.first) < text(b.first); });
  }
  void finish() {
    if (records_.empty()) return;
    sort(records_.back().labels, labels_);
    sort(records_.back().metadata, metadata_);
  }
  bool same(const Fields& a, const Fields& b) const {
    if (!a.edited && !b.edited) return a.input == b.input && a.input_count == b.input_count;
    if (a.edited && b.edited && a.begin == b.begin && a.end == b.end) return true;
    if (count(a) != count(b)) return false;
    for (uint32_t i = 0; i < count(a); ++i) {
      if (name_at(a, labels_, i) != name_at(b, labels_, i) ||
          value_at(a, labels_, i) != value_at(b, labels_, i)) {
        return false;
      }
    }
    return true;
  }
  std::string_view name_at(const Fields& f, const std::vector<Entry>& entries, size_t i) const {
    return f.edited ? text(entries[f.begin + i].first) : view(f.input[i].name);
  }
  std::string_view value_at(const Fields& f, const std::vector<Entry>& entries, size_t i) const {
    return f.edited ? text(entries[f.begin + i].second) : view(f.input[i].value);
  }
  // An array the host reads: the input's own when untouched, else views into views_ (which
  // was reserved for every entry, so its pointers hold).
  const sluice_label_t* materialize(const Fields& f, const std::vector<Entry>& entries) {
    if (!f.edited) return f.input;
    if (f.end == f.begin) return nullptr;
    const sluice_label_t* first = views_.data() + views_.size();
    for (size_t i = f.begin; i < f.end; ++i) {
      views_.push_back({resolve(entries[i].first), resolve(entries[i].second)});
    }
    return first;
  }

  std::vector<Out> records_;
  std::vector<Entry> labels_, metadata_;
  std::string bytes_;
  std::vector<sluice_label_t> views_;
  std::vector<sluice_record_t> out_;
};

}  // namespace sluice
