// relabel on the SDK's fake host: a rule of the fuzzer's own (regex, replacement, action) is
// refused or applied, to any labels and metadata, without a crash.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeConfig;
using sluice::testing::FakeHost;
using sluice::testing::FakeRecord;
using List = std::vector<std::string>;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  static const auto* descriptor = sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
  static const char* actions[] = {"replace",   "keep",      "drop",     "keepequal",
                                  "dropequal", "hashmod",   "labelmap", "labeldrop",
                                  "labelkeep", "lowercase", "uppercase"};
  const std::string action = actions[in.ConsumeIntegralInRange<size_t>(0, 10)];
  FakeConfig rule{{"action", action},
                  {"regex", in.ConsumeRandomLengthString(64)},
                  {"replacement", in.ConsumeRandomLengthString(64)}};
  if (action != "labelmap" && action != "labeldrop" && action != "labelkeep") {
    rule.add("source_labels", List{"app", "__meta_pod"});
    rule.add("target_label", in.ConsumeBool() ? "out" : "app");
  }
  if (action == "hashmod") rule.add("modulus", std::to_string(in.ConsumeIntegral<uint8_t>() + 1));
  FakeHost host(descriptor);
  if (!host.create({{"rules", FakeConfig::Maps{rule}}})) return 0;  // refused, with its reason
  std::vector<FakeRecord> batch;
  while (in.remaining_bytes() > 0) {
    FakeRecord r{"line", {}, 1};
    r.labels.emplace_back("app", in.ConsumeRandomLengthString(32));
    r.labels.emplace_back("zone", in.ConsumeRandomLengthString(16));
    r.metadata.emplace_back("pod", in.ConsumeRandomLengthString(32));
    batch.push_back(std::move(r));
  }
  (void)host.process(batch);
  return 0;
}
