#include "runtime/config_access.hpp"

#include <algorithm>

namespace sluice::core {

ConfigAccess::ConfigAccess(const YAML::Node& node, std::string path, const YamlReader& reader,
                           std::vector<std::string> ignored, const Hints* hints)
    : node_(node),
      path_(std::move(path)),
      reader_(reader),
      ignored_(std::move(ignored)),
      hints_(hints) {}

YAML::Node ConfigAccess::get(const char* key) {
  asked_.insert(key);
  if (!node_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  // Look the key up without operator[], which would insert it into the caller's tree.
  for (const auto& kv : node_) {
    if (kv.first.IsScalar() && kv.first.Scalar() == key) return kv.second;
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

ConfigAccess* ConfigAccess::child(const char* key) {
  YAML::Node n = get(key);
  if (!n.IsDefined() || n.IsNull()) return nullptr;
  if (!reader_.is_map(n, path_of(key))) return nullptr;
  return &children_.emplace_back(n, path_of(key), reader_, std::vector<std::string>{}, hints_);
}

ConfigAccess* ConfigAccess::list_child(const char* key, size_t index) {
  YAML::Node n = get(key);
  if (!n.IsDefined() || n.IsNull()) return nullptr;
  if (!n.IsSequence()) {
    if (index == 0) reader_.error(n, path_of(key), "expected a list of mappings");
    return nullptr;
  }
  if (index >= n.size()) return nullptr;
  std::string path = path_of(key) + "[" + std::to_string(index) + "]";
  if (!reader_.is_map(n[index], path)) return nullptr;
  return &children_.emplace_back(n[index], path, reader_, std::vector<std::string>{}, hints_);
}

std::string ConfigAccess::path_of(const char* key) const {
  return key == nullptr ? path_ : (path_.empty() ? key : path_ + "." + key);
}

void ConfigAccess::error(const char* key, const std::string& message) {
  YAML::Node at = key != nullptr ? get(key) : node_;
  if (!at.IsDefined()) at = node_;
  reader_.error(at, path_of(key), message);
}

void ConfigAccess::report_unknown_keys() {
  if (node_.IsMap()) {
    std::vector<std::string> known(asked_.begin(), asked_.end());
    known.insert(known.end(), ignored_.begin(), ignored_.end());
    for (const auto& kv : node_) {
      const std::string& key = kv.first.Scalar();
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string message = "unknown key '" + key + "'";
      auto hint = hints_ != nullptr ? hints_->find(key) : Hints::const_iterator{};
      if (hints_ != nullptr && hint != hints_->end()) {
        message += " (another shipper's name: here it is '" + hint->second + "')";
      } else if (std::string guess = closest_match(key, known); !guess.empty()) {
        message += " (did you mean '" + guess + "'?)";
      }
      reader_.error(kv.first, path_of(key.c_str()), message);
    }
  }
  for (auto& c : children_) c.report_unknown_keys();
}

}  // namespace sluice::core
