#include "pipeline.hpp"

#include <catch2/catch.hpp>

#include "test_paths.hpp"

namespace sluice::test {

std::unique_ptr<core::Engine> load_engine(const TempDir& dir, const std::string& yaml,
                                          core::Diagnostics& diags, bool serve_api) {
  std::string file = dir.file("pipeline.yaml");
  write_file(file, yaml);
  auto config = core::load_pipeline_file(file, diags);
  if (!config) return nullptr;
  if (config->data_dir_mark.is_null()) config->data_dir = dir.file("data");  // not set
  auto engine = std::make_unique<core::Engine>(
      core::EngineOptions{{plugin_dir(), test_plugin_dir()}, serve_api});
  if (!engine->load(*config, diags)) return nullptr;
  return engine;
}

std::unique_ptr<core::Engine> start_engine(const TempDir& dir, const std::string& yaml,
                                           bool serve_api) {
  core::Diagnostics diags;
  auto engine = load_engine(dir, yaml, diags, serve_api);
  INFO(diags.to_string());
  REQUIRE(engine);
  std::string error;
  INFO(error);
  REQUIRE(engine->start(error));
  return engine;
}

double metric_value(core::Metrics& metrics, const std::string& name,
                    const std::map<std::string, std::string>& labels) {
  double total = 0;
  for (const auto& family : metrics.registry()->Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      bool match = true;
      for (const auto& [k, v] : labels) {
        bool found = false;
        for (const auto& l : m.label) found = found || (l.name == k && l.value == v);
        match = match && found;
      }
      if (!match) continue;
      total += family.type == prometheus::MetricType::Counter ? m.counter.value : m.gauge.value;
    }
  }
  return total;
}

}  // namespace sluice::test
