// multiline on the SDK's fake host: whatever the lines, streams and batches, each stream's
// lines come out in order, each exactly once (a record's lines joined with \n), and after the
// final flush no acknowledgement is held.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeConfig;
using sluice::testing::FakeHost;
using sluice::testing::FakeRecord;

namespace {
FakeConfig config(int which, int max_lines, int max_bytes) {
  FakeConfig c{{"max_lines", std::to_string(max_lines)},
               {"max_bytes", std::to_string(max_bytes)},
               {"flush_after", "1h"}};
  switch (which) {
    case 0: c.add("start_pattern", R"(^\d{4}-\d\d-\d\d)"); break;
    case 1: c.add("continue_pattern", R"(^\s)"); break;
    case 2: c.add("mode", "java"); break;
    case 3: c.add("mode", "python"); break;
    default: c.add("mode", "go"); break;
  }
  return c;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  static const auto* descriptor = sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
  FakeHost host(descriptor);
  if (!host.create(config(in.ConsumeIntegralInRange<int>(0, 4),
                          in.ConsumeIntegralInRange<int>(1, 8),
                          in.ConsumeIntegralInRange<int>(1, 4096)))) {
    std::abort();
  }
  std::map<std::string, std::string> sent, received;          // per stream: its lines, joined
  std::vector<std::pair<std::string, std::string>> lines_in;  // stream, line, in order
  std::vector<FakeRecord> out;
  int64_t t = 0;
  while (in.remaining_bytes() > 0) {
    std::vector<FakeRecord> batch;
    const size_t count = in.ConsumeIntegralInRange<size_t>(1, 8);
    for (size_t i = 0; i < count && in.remaining_bytes() > 0; ++i) {
      std::string line = in.ConsumeRandomLengthString(300);
      for (auto& c : line)
        if (c == '\n') c = ' ';
      const std::string stream = in.ConsumeBool() ? "a" : "b";
      lines_in.emplace_back(stream, line);
      batch.push_back({line, {{"container", stream}}, ++t});
    }
    auto part = host.process(batch);
    out.insert(out.end(), part.begin(), part.end());
  }
  auto last = host.flush(true);
  out.insert(out.end(), last.begin(), last.end());
  // A record's lines are joined with \n: marking each line's start in what went in, and each
  // record's start and \n in what came out, gives the same text per stream.
  for (const auto& [stream, line] : lines_in) sent[stream] += "\x01" + line;
  for (const auto& r : out) {
    std::string lines = r.line;
    std::string marked = "\x01";
    for (char c : lines) marked += c == '\n' ? std::string("\x01") : std::string(1, c);
    const std::string stream = r.labels.empty() ? "" : r.labels[0].second;
    received[stream] += marked;
  }
  if (sent != received) std::abort();
  if (!host.open_holds().empty()) std::abort();
  return 0;
}
