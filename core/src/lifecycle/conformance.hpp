// The conformance check behind `sluice plugin-check`: one plugin, alone, started and stopped
// many times; any missed deadline, or thread or descriptor left behind, fails it. The first
// cycle is a warm-up whose one-time set-up is allowed; every later one must leave nothing.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <string>
#include <vector>

namespace sluice::core {

struct ConformanceOptions {
  std::string library;
  YAML::Node config;  // the plugin's own keys
  std::string config_file = "<none>";
  int cycles = 10;
  std::chrono::milliseconds run_for{100};  // how long each cycle runs between start and stop
  std::chrono::milliseconds start_deadline{5'000};
  std::chrono::milliseconds stop_deadline{5'000};
  std::string state_dir;  // defaults to a fresh temporary directory
};

struct ConformanceResult {
  bool passed = false;
  std::string plugin;  // name version (kind)
  int cycles_run = 0;
  std::vector<std::string> failures;  // each names its cycle
  size_t threads_baseline = 0;
  size_t threads_after = 0;
  size_t fds_baseline = 0;
  size_t fds_after = 0;
  uint64_t records = 0;  // emitted (sources) or fed (processors, sinks)
  std::string summary() const;
};

ConformanceResult check_conformance(const ConformanceOptions& options);

}  // namespace sluice::core
