// Running a pipeline in this process, from YAML text, with the shipped and the test plugins.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "config/pipeline_config.hpp"
#include "engine.hpp"
#include "helpers.hpp"

namespace sluice::test {

// Parses yaml (written to a file in dir, so errors name a real file) and loads it.
// diags receives every error; returns null when there were any.
std::unique_ptr<core::Engine> load_engine(const TempDir& dir, const std::string& yaml,
                                          core::Diagnostics& diags, bool serve_api = false);

// Loads and starts; fails the test on any error.
std::unique_ptr<core::Engine> start_engine(const TempDir& dir, const std::string& yaml,
                                           bool serve_api = false);

// The value of one series in the registry (the sum over series matching every given label).
double metric_value(core::Metrics& metrics, const std::string& name,
                    const std::map<std::string, std::string>& labels = {});

}  // namespace sluice::test
