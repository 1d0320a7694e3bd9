// json_parser on the SDK's fake host: any line passes on, unchanged, with what could be
// lifted; and the repair (of valid JSON that simdjson refuses) never touches a line simdjson
// reads as it is.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "json_repair.hpp"
#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeConfig;
using sluice::testing::FakeHost;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  static const auto* descriptor = sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
  FakeHost host(descriptor);
  if (!host.create({{"labels", FakeConfig{{"level", "level"}, {"app", "kubernetes.labels.app"}}},
                    {"metadata", FakeConfig{{"n", "n"}, {"first", "/items/0"}}},
                    {"timestamp", FakeConfig{{"source", "t"}, {"format", "unix"}}}})) {
    std::abort();
  }
  auto out = host.process({{line, {{"a", "1"}}, 7}});
  if (out.size() != 1 || out[0].line != line) std::abort();

  // The repair is for lines simdjson refuses: a line it reads is never rewritten.
  simdjson::dom::parser parser;
  simdjson::padded_string padded(line);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) == simdjson::SUCCESS && json_parser::repair_json(line))
    std::abort();
  return 0;
}
