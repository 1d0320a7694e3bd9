// The entries of one push request, grouped into streams by label set, and their encoding:
// protobuf compressed with snappy (what Loki reads fastest), or JSON, optionally gzipped.
// Entries point into the records of the inbox batches the sink holds until the request
// is answered, so nothing is copied before encoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "settings.hpp"
#include "sluice/abi.h"

namespace loki_sink {

struct Entry {
  int64_t timestamp_ns;
  std::string_view line;
  const sluice_record_t* record;  // for its metadata
};

struct Stream {
  std::string selector;
  std::vector<std::pair<std::string, std::string>> labels;  // for JSON's "stream" object
  std::vector<Entry> entries;
};

class PushBatch {
 public:
  // About what an entry costs in the encoded request besides its line.
  static constexpr size_t entry_overhead = 24;

  // The bytes an entry would add, to decide before adding whether it still fits.
  size_t cost(const std::string& selector, std::string_view line, const sluice_record_t& r,
              bool with_metadata) const;
  // labels is called only when the stream is new (JSON needs the pairs).
  template <class Labels>
  void add(const std::string& selector, const Labels& labels, const Entry& entry, size_t cost) {
    auto [it, fresh] = index_.try_emplace(selector, streams_.size());
    if (fresh) {
      streams_.push_back(Stream{selector, labels(), {}});
    }
    streams_[it->second].entries.push_back(entry);
    bytes_ += cost;
    ++entries_;
  }
  bool has_stream(const std::string& selector) const { return index_.count(selector) != 0; }

  size_t bytes() const { return bytes_; }
  size_t entries() const { return entries_; }
  bool empty() const { return entries_ == 0; }
  void clear();

  // Sorts each stream's entries by time (stable: equal times keep their order) and
  // encodes the request body. Returns the Content-Type; *gzip says whether
  // Content-Encoding: gzip applies.
  std::string encode(const Settings& settings, std::string& body, bool* gzip);

 private:
  std::vector<Stream> streams_;
  std::unordered_map<std::string, size_t> index_;
  size_t bytes_ = 0;
  size_t entries_ = 0;
};

}  // namespace loki_sink
