// The pipeline config loader: any text is a config or a list of errors with their places, and
// a config it accepts has every node after its inputs.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "config/pipeline_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  sluice::core::Diagnostics diags;
  auto config = sluice::core::load_pipeline_text(text, "fuzz.yaml", diags);
  if (config.has_value() != diags.empty()) std::abort();
  if (!config) {
    (void)diags.to_string();
    return 0;
  }
  std::set<std::string> seen;
  for (const auto& node : config->nodes) {
    for (const auto& input : node.inputs)
      if (seen.count(input) == 0) std::abort();
    seen.insert(node.id);
  }
  return 0;
}
