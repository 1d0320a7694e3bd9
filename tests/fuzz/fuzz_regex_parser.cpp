// regex_parser on the SDK's fake host: a pattern of the fuzzer's own is refused or used, and
// any line passes on with what its groups lift.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeConfig;
using sluice::testing::FakeHost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  static const auto* descriptor = sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
  // The first line is the pattern when it names a group; otherwise an access-log pattern.
  const size_t nl = input.find('\n');
  std::string pattern = input.substr(0, nl);
  std::string line = nl == std::string::npos ? input : input.substr(nl + 1);
  FakeHost host(descriptor);
  bool created;
  if (pattern.find("(?P<") != std::string::npos) {
    created = host.create({{"pattern", pattern}});
  } else {
    line = input;
    created = host.create(
        {{"pattern",
          R"(^(?P<ip>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+)[^"]*" (?P<status>\d+))"},
         {"labels", FakeConfig{{"method", "method"}}},
         {"metadata", FakeConfig{{"path", "path"}, {"status", "status"}}},
         {"timestamp", FakeConfig{{"source", "time"}, {"format", "%d/%b/%Y:%T %z"}}}});
  }
  if (!created) return 0;  // a pattern refused, with its reason
  auto out = host.process({{line, {}, 5}});
  if (out.size() != 1 || out[0].line != line) std::abort();
  return 0;
}
