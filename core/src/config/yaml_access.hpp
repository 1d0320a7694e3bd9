// Reading YAML scalars with errors that name the file, line, column and YAML path.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <optional>
#include <string>

#include "config/diagnostics.hpp"

namespace sluice::core {

class YamlReader {
 public:
  YamlReader(std::string file, Diagnostics& diags) : file_(std::move(file)), diags_(diags) {}

  void error(const YAML::Node& at, const std::string& path, const std::string& message) const;
  void error_at(const YAML::Mark& mark, const std::string& path, const std::string& message) const;

  std::optional<std::string> string(const YAML::Node& n, const std::string& path) const;
  std::optional<int64_t> integer(const YAML::Node& n, const std::string& path) const;
  std::optional<double> number(const YAML::Node& n, const std::string& path) const;
  // A size in bytes: an integer, or one with a unit of KiB, MiB or GiB ("64MiB").
  std::optional<int64_t> bytes(const YAML::Node& n, const std::string& path) const;
  std::optional<bool> boolean(const YAML::Node& n, const std::string& path) const;
  std::optional<std::chrono::milliseconds> duration(const YAML::Node& n,
                                                    const std::string& path) const;
  // A sequence of strings; a single string reads as a sequence of one.
  std::optional<std::vector<std::string>> strings(const YAML::Node& n,
                                                  const std::string& path) const;
  bool is_map(const YAML::Node& n, const std::string& path) const;

  const std::string& file() const { return file_; }
  Diagnostics& diags() const { return diags_; }

 private:
  std::string file_;
  Diagnostics& diags_;
};

std::string describe(const YAML::Node& n);  // "a mapping", "'abc'"

}  // namespace sluice::core
