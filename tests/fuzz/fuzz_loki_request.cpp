// loki_sink's request building: records of any lines, times and label values, grouped into
// streams and encoded as protobuf + snappy, decode (as Loki decodes them) to the same entries
// in each stream, ordered by time; and as JSON, to as many entries.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "loki_decode.hpp"
#include "push_batch.hpp"
#include "stream_labels.hpp"

using namespace loki_sink;

namespace {

struct Owned {
  std::string line;
  std::vector<std::pair<std::string, std::string>> labels;
  std::vector<sluice_label_t> views;
  sluice_record_t record{};
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  Settings settings;
  std::vector<Owned> records;
  while (in.remaining_bytes() > 0 && records.size() < 200) {
    Owned r;
    r.line = in.ConsumeRandomLengthString(512);
    r.labels.emplace_back("app", in.ConsumeRandomLengthString(24));
    if (in.ConsumeBool()) r.labels.emplace_back("zone", in.ConsumeBool() ? "a" : "b");
    // Any time a record can carry, within what the test receiver's decoding holds.
    r.record.timestamp_ns =
        in.ConsumeIntegralInRange<int64_t>(-9'000'000'000'000'000'000, 9'000'000'000'000'000'000);
    records.push_back(std::move(r));
  }
  for (auto& r : records) {
    for (const auto& [name, value] : r.labels)
      r.views.push_back({{name.data(), name.size()}, {value.data(), value.size()}});
    r.record.line = {r.line.data(), r.line.size()};
    r.record.labels = r.views.data();
    r.record.label_count = static_cast<uint32_t>(r.views.size());
  }
  StreamLabels streams(settings);
  PushBatch batch;
  // What each stream should hold: its entries in the order given, then sorted stably by time.
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> expected;
  for (const auto& r : records) {
    LabelFixes fixes;
    const std::string selector = streams.selector(r.record, fixes);
    if (selector.empty()) continue;  // no label left: Loki refuses such a stream
    const auto pairs = streams.pairs();
    const size_t cost = batch.cost(selector, r.line, r.record, false);
    batch.add(
        selector, [&] { return pairs; }, Entry{r.record.timestamp_ns, r.line, &r.record}, cost);
    expected[selector].emplace_back(r.record.timestamp_ns, r.line);
  }
  for (auto& [selector, entries] : expected)
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string body;
  bool gzip = false;
  const std::string type = batch.encode(settings, body, &gzip);
  std::vector<sluice::test::LokiEntry> decoded;
  const std::string error = sluice::test::decode_push(type, "", body, decoded);
  if (!error.empty()) {
    std::fprintf(stderr, "the request does not decode: %s\n", error.c_str());
    std::abort();
  }
  // The receiver writes selectors its own way: streams are compared by their entries.
  std::map<std::string, std::vector<std::pair<int64_t, std::string>>> got;
  for (const auto& e : decoded) got[e.labels].emplace_back(e.timestamp_ns, e.line);
  auto entries_of = [](const auto& by_stream) {
    std::vector<std::vector<std::pair<int64_t, std::string>>> all;
    for (const auto& [selector, list] : by_stream) all.push_back(list);
    std::sort(all.begin(), all.end());
    return all;
  };
  if (got.size() != expected.size() || entries_of(got) != entries_of(expected)) {
    std::fprintf(stderr, "decoded %zu streams, expected %zu\n", got.size(), expected.size());
    std::abort();
  }

  settings.encoding = Encoding::json;
  settings.gzip = in.ConsumeBool();
  const std::string json_type = batch.encode(settings, body, &gzip);
  decoded.clear();
  const std::string json_error =
      sluice::test::decode_push(json_type, gzip ? "gzip" : "", body, decoded);
  size_t entries = 0;
  for (const auto& [selector, list] : expected) entries += list.size();
  if (!json_error.empty() || decoded.size() != entries) {
    std::fprintf(stderr, "the JSON request does not decode to its %zu entries: %s\n", entries,
                 json_error.c_str());
    std::abort();
  }
  return 0;
}
