#include "config/yaml_access.hpp"

#include "sluice/scalars.hpp"

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

namespace {

// One scalar through one of the SDK's readers, or an error naming what was expected.
template <class Read>
auto read_scalar(const YamlReader& reader, const YAML::Node& n, const std::string& path, Read read,
                 const char* expected) -> decltype(read(std::string())) {
  if (n.IsScalar()) {
    if (auto v = read(n.Scalar())) return v;
  }
  reader.error(n, path, std::string("expected ") + expected + ", got " + describe(n));
  return std::nullopt;
}

}  // namespace

std::optional<int64_t> YamlReader::integer(const YAML::Node& n, const std::string& path) const {
  return read_scalar(*this, n, path, scalars::integer, scalars::expected_integer);
}

std::optional<int64_t> YamlReader::bytes(const YAML::Node& n, const std::string& path) const {
  return read_scalar(*this, n, path, scalars::bytes, scalars::expected_bytes);
}

std::optional<double> YamlReader::number(const YAML::Node& n, const std::string& path) const {
  return read_scalar(*this, n, path, scalars::number, scalars::expected_number);
}

std::optional<bool> YamlReader::boolean(const YAML::Node& n, const std::string& path) const {
  return read_scalar(
      *this, n, path, [](const std::string& s) { return scalars::boolean(s); },
      scalars::expected_boolean);
}

std::optional<std::chrono::milliseconds> YamlReader::duration(const YAML::Node& n,
                                                              const std::string& path) const {
  auto ms = read_scalar(*this, n, path, scalars::duration_ms, scalars::expected_duration);
  if (!ms) return std::nullopt;
  return std::chrono::milliseconds(*ms);
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
