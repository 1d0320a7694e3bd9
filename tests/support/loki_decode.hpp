// Decoding a Loki push request (snappy + protobuf, or JSON, gzipped or not) as Loki does.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace sluice::test {

struct LokiEntry {
  std::string labels;  // the stream's labels as sent: {a="b", c="d"}
  int64_t timestamp_ns = 0;
  std::string line;
  std::vector<std::pair<std::string, std::string>> metadata;
};

// The entries of a request body; an error text, or empty.
std::string decode_push(const std::string& content_type, const std::string& encoding,
                        const std::string& body, std::vector<LokiEntry>& out);

}  // namespace sluice::test
