#include "config/yaml_access.hpp"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "config/duration.hpp"

namespace sluice::core {

std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a sequence";
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "'" + n.Scalar() + "'";
    default: return "an undefined value";
  }
}

void YamlReader::error_at(const YAML::Mark& mark, const std::string& path,
                          const std::string& message) const {
  Diagnostic d;
  d.file = file_;
  if (!mark.is_null()) {
    d.line = mark.line + 1;
    d.column = mark.column + 1;
  }
  d.path = path;
  d.message = message;
  diags_.add(std::move(d));
}

void YamlReader::error(const YAML::Node& at, const std::string& path,
                       const std::string& message) const {
  error_at(at.IsDefined() ? at.Mark() : YAML::Mark::null_mark(), path, message);
}

std::optional<std::string> YamlReader::string(const YAML::Node& n, const std::string& path) const {
  if (!n.IsScalar()) {
    error(n, path, "expected a string, got " + describe(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<int64_t> YamlReader::integer(const YAML::Node& n, const std::string& path) const {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0' && errno == 0) return static_cast<int64_t>(v);
  }
  error(n, path, "expected an integer, got " + describe(n));
  return std::nullopt;
}

std::optional<int64_t> YamlReader::bytes(const YAML::Node& n, const std::string& path) const {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    std::string unit(end);
    while (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
    int shift = -1;
    if (unit.empty() || unit == "B") {
      shift = 0;
    } else if (unit == "KiB") {
      shift = 10;
    } else if (unit == "MiB") {
      shift = 20;
    } else if (unit == "GiB") {
      shift = 30;
    }
    if (end != s.c_str() && errno == 0 && shift >= 0 && v >= 0 && v <= (INT64_MAX >> shift))
      return static_cast<int64_t>(v) << shift;
  }
  error(n, path,
        "expected a size in bytes (such as 1048576, 512KiB, 64MiB or 1GiB), got " + describe(n));
  return std::nullopt;
}

std::optional<double> YamlReader::number(const YAML::Node& n, const std::string& path) const {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == '\0' && std::isfinite(v)) return v;
  }
  error(n, path, "expected a number, got " + describe(n));
  return std::nullopt;
}

std::optional<bool> YamlReader::boolean(const YAML::Node& n, const std::string& path) const {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "True" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "False" || s == "no" || s == "off") return false;
  }
  error(n, path, "expected true or false, got " + describe(n));
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> YamlReader::duration(const YAML::Node& n,
                                                              const std::string& path) const {
  if (n.IsScalar()) {
    if (auto d = parse_duration(n.Scalar())) return d;
  }
  error(n, path, "expected a duration such as 500ms, 5s or 2m, got " + describe(n));
  return std::nullopt;
}

std::optional<std::vector<std::string>> YamlReader::strings(const YAML::Node& n,
                                                            const std::string& path) const {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return out;
  }
  if (!n.IsSequence()) {
    error(n, path, "expected a sequence of strings, got " + describe(n));
    return std::nullopt;
  }
  bool ok = true;
  for (size_t i = 0; i < n.size(); ++i) {
    if (auto s = string(n[i], path + "[" + std::to_string(i) + "]")) {
      out.push_back(*s);
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

bool YamlReader::is_map(const YAML::Node& n, const std::string& path) const {
  if (n.IsMap()) return true;
  error(n, path, "expected a mapping, got " + describe(n));
  return false;
}

}  // namespace sluice::core
