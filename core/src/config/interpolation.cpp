#include "config/interpolation.hpp"

#include <unistd.h>

#include <cstdlib>

namespace sluice::core {

namespace {

bool name_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool name_char(char c) {
  return name_start(c) || (c >= '0' && c <= '9');
}

// The text between "${" and its "}", read: the name, then an operator and its word.
struct Reference {
  std::string name;
  enum class Op {
    none,
    default_if_empty,
    default_if_unset,
    error_if_empty,
    error_if_unset
  } op = Op::none;
  std::string word;
};

std::optional<Reference> parse_reference(std::string_view inside, std::string* error) {
  Reference ref;
  size_t i = 0;
  while (i < inside.size() && name_char(inside[i])) ++i;
  ref.name = std::string(inside.substr(0, i));
  if (ref.name.empty()) {
    *error = "'${" + std::string(inside) +
             "}' does not start with a variable name (letters, digits and '_'; write $$ for a "
             "literal $)";
    return std::nullopt;
  }
  std::string_view rest = inside.substr(i);
  if (rest.empty()) return ref;
  using Op = Reference::Op;
  if (rest.substr(0, 2) == ":-") {
    ref.op = Op::default_if_empty;
  } else if (rest.substr(0, 2) == ":?") {
    ref.op = Op::error_if_empty;
  } else if (rest[0] == '-') {
    ref.op = Op::default_if_unset;
  } else if (rest[0] == '?') {
    ref.op = Op::error_if_unset;
  } else {
    *error =
        "'${" + std::string(inside) + "}': after the name, expected '}', ':-', '-', ':?' or '?'";
    return std::nullopt;
  }
  ref.word = std::string(
      rest.substr(ref.op == Op::default_if_unset || ref.op == Op::error_if_unset ? 1 : 2));
  return ref;
}

}  // namespace

std::optional<std::string> process_environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value != nullptr) return std::string(value);
  // Shells set HOSTNAME without exporting it, so a service or a container rarely has it:
  // as Fluent Bit does, it is this host's name unless the environment says otherwise.
  if (name == "HOSTNAME") {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') return std::string(host);
  }
  return std::nullopt;
}

std::optional<std::string> interpolate(std::string_view text, const EnvironmentLookup& lookup,
                                       std::string* error) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    // A $ before anything but '{', and "${" before a digit (a regex group, as relabel's
    // ${1}: no variable's name starts with one), are text.
    if (text[i + 1] != '{' || (i + 2 < text.size() && text[i + 2] >= '0' && text[i + 2] <= '9')) {
      out += '$';
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      *error = "'${' without its closing '}' (write $$ for a literal $)";
      return std::nullopt;
    }
    auto ref = parse_reference(text.substr(i + 2, close - i - 2), error);
    if (!ref) return std::nullopt;
    auto value = lookup(ref->name);
    using Op = Reference::Op;
    const bool unset = !value.has_value();
    const bool empty = unset || value->empty();
    switch (ref->op) {
      case Op::none:
        if (unset) {
          *error = "environment variable '" + ref->name + "' is not set (write ${" + ref->name +
                   ":-default} to give a default)";
          return std::nullopt;
        }
        break;
      case Op::default_if_empty:
        if (empty) value = ref->word;
        break;
      case Op::default_if_unset:
        if (unset) value = ref->word;
        break;
      case Op::error_if_empty:
      case Op::error_if_unset:
        if (ref->op == Op::error_if_empty ? empty : unset) {
          *error = "environment variable '" + ref->name + "' is " + (unset ? "not set" : "empty") +
                   (ref->word.empty() ? "" : ": " + ref->word);
          return std::nullopt;
        }
        break;
    }
    out += *value;
    i = close;
  }
  return out;
}

bool interpolate_tree(YAML::Node& root, const EnvironmentLookup& lookup, const YamlReader& reader) {
  bool ok = true;
  // Depth first over values; a handle shares its node, so assigning to it edits the tree
  // (and keeps the value's place for later messages).
  std::function<void(YAML::Node, const std::string&)> walk = [&](YAML::Node node,
                                                                 const std::string& path) {
    if (node.IsScalar()) {
      const std::string& text = node.Scalar();
      if (text.find('$') == std::string::npos) return;
      std::string error;
      if (auto replaced = interpolate(text, lookup, &error)) {
        node = *replaced;
      } else {
        reader.error(node, path, error);
        ok = false;
      }
    } else if (node.IsMap()) {
      for (auto kv : node) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
        std::string child = path;
        if (!child.empty()) child += '.';
        child += key;
        walk(kv.second, child);
      }
    } else if (node.IsSequence()) {
      for (size_t i = 0; i < node.size(); ++i) walk(node[i], path + "[" + std::to_string(i) + "]");
    }
  };
  walk(root, "");
  return ok;
}

}  // namespace sluice::core
