// The fake host's configuration: a config tree built in the test, and the host's config
// services over it. Scalars are read by the engine's own rules (sluice/scalars.hpp), so a
// value the engine would refuse is refused here too, with the key's path. Header-only.
#pragma once

#include <algorithm>
#include <list>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sluice/abi.h"
#include "sluice/scalars.hpp"

namespace sluice::testing {

// A config tree: each key holds a scalar (as text, like YAML), a list, a nested mapping, or
// a list of mappings.
class FakeConfig {
 public:
  struct Value;
  using List = std::vector<std::string>;
  using Maps = std::vector<FakeConfig>;
  using Entries = std::vector<std::pair<std::string, Value>>;
  struct Value {
    Value(const char* s) : v(std::string(s)) {}
    Value(std::string s) : v(std::move(s)) {}
    Value(int64_t n) : v(std::to_string(n)) {}
    Value(int n) : v(std::to_string(n)) {}
    Value(double d) : v(std::to_string(d)) {}
    Value(bool b) : v(std::string(b ? "true" : "false")) {}
    Value(List l) : v(std::move(l)) {}
    Value(FakeConfig m) : v(std::make_shared<FakeConfig>(std::move(m))) {}
    Value(Maps m) : v(std::make_shared<Maps>(std::move(m))) {}
    std::variant<std::string, List, std::shared_ptr<FakeConfig>, std::shared_ptr<Maps>> v;
  };
  FakeConfig() = default;
  FakeConfig(std::initializer_list<std::pair<std::string, Value>> entries)
      : entries_(entries.begin(), entries.end()) {}
  const Value* find(const std::string& key) const {
    for (const auto& [k, v] : entries_) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  const Entries& entries() const { return entries_; }
  // One more key, for a config built piece by piece.
  void add(std::string key, Value value) {
    entries_.emplace_back(std::move(key), std::move(value));
  }

 private:
  Entries entries_;
};

namespace detail {

// One mapping of the tree as the plugin reads it: which keys it asked for (the others are
// unknown keys, as the engine reports them), and where its errors go.
class FakeConfigNode {
 public:
  FakeConfigNode(std::vector<std::string>* errors, FakeConfig config, std::string path)
      : errors_(errors), config_(std::move(config)), path_(std::move(path)) {}

  // The config services of a host table.
  static void install(sluice_host_api_t& api) {
    api.callback_config_string = &cb_string;
    api.callback_config_int = &cb_int;
    api.callback_config_double = &cb_double;
    api.callback_config_bool = &cb_bool;
    api.callback_config_duration_ms = &cb_duration_ms;
    api.callback_config_list_item = &cb_list_item;
    api.callback_config_map_item = &cb_map_item;
    api.callback_config_child = &cb_child;
    api.callback_config_error = &cb_error;
    api.callback_config_list_child = &cb_list_child;
  }
  sluice_config_host_ptr handle() { return reinterpret_cast<sluice_config_host_ptr>(this); }

  void unknown_keys(std::vector<std::string>& errors) const {
    for (const auto& [k, v] : config_.entries()) {
      if (std::find(asked_.begin(), asked_.end(), k) == asked_.end()) {
        errors.push_back(where(k.c_str()) + ": unknown key '" + k + "'");
      }
    }
    for (const auto& c : children_) c.unknown_keys(errors);
  }

 private:
  const FakeConfig::Value* get(const char* key) {
    asked_.emplace_back(key);
    return config_.find(key);
  }
  std::string where(const char* key) const {
    return key == nullptr ? (path_.empty() ? "<root>" : path_)
                          : (path_.empty() ? key : path_ + "." + key);
  }
  void error(const char* key, const std::string& message) {
    errors_->push_back(where(key) + ": " + message);
  }
  FakeConfigNode& child(const FakeConfig& config, std::string path) {
    return children_.emplace_back(errors_, config, std::move(path));
  }

  static FakeConfigNode& node(sluice_config_host_ptr c) {
    return *reinterpret_cast<FakeConfigNode*>(c);
  }
  static const std::string* scalar(sluice_config_host_ptr c, const char* key) {
    auto* v = node(c).get(key);
    if (v == nullptr) return nullptr;
    if (auto* s = std::get_if<std::string>(&v->v)) return s;
    node(c).error(key, "expected a scalar");
    return nullptr;
  }
  // A scalar through one of the engine's readers, or the engine's message.
  template <class T, class Read>
  static int read(sluice_config_host_ptr c, const char* key, T* out, Read parse,
                  const char* expected) {
    auto* s = scalar(c, key);
    if (s == nullptr) return 0;
    if (auto v = parse(*s)) {
      *out = static_cast<T>(*v);
      return 1;
    }
    node(c).error(key, std::string("expected ") + expected + ", got '" + *s + "'");
    return 0;
  }

  static int cb_string(sluice_config_host_ptr c, const char* key, sluice_str_t* out) {
    auto* s = scalar(c, key);
    if (s == nullptr) return 0;
    *out = {s->data(), s->size()};
    return 1;
  }
  static int cb_int(sluice_config_host_ptr c, const char* key, int64_t* out) {
    return read(c, key, out, scalars::integer, scalars::expected_integer);
  }
  static int cb_double(sluice_config_host_ptr c, const char* key, double* out) {
    return read(c, key, out, scalars::number, scalars::expected_number);
  }
  static int cb_bool(sluice_config_host_ptr c, const char* key, int* out) {
    return read(
        c, key, out, [](const std::string& s) { return scalars::boolean(s); },
        scalars::expected_boolean);
  }
  static int cb_duration_ms(sluice_config_host_ptr c, const char* key, int64_t* out) {
    return read(c, key, out, scalars::duration_ms, scalars::expected_duration);
  }
  static int cb_list_item(sluice_config_host_ptr c, const char* key, size_t i, sluice_str_t* out) {
    auto* v = node(c).get(key);
    if (v == nullptr) return 0;
    if (auto* s = std::get_if<std::string>(&v->v)) {
      if (i != 0) return 0;
      *out = {s->data(), s->size()};
      return 1;
    }
    if (auto* l = std::get_if<FakeConfig::List>(&v->v)) {
      if (i >= l->size()) return 0;
      *out = {(*l)[i].data(), (*l)[i].size()};
      return 1;
    }
    return 0;
  }
  static int cb_map_item(sluice_config_host_ptr c, const char* key, size_t i, sluice_str_t* name,
                         sluice_str_t* value) {
    auto* v = node(c).get(key);
    if (v == nullptr) return 0;
    auto* m = std::get_if<std::shared_ptr<FakeConfig>>(&v->v);
    if (m == nullptr || i >= (*m)->entries().size()) return 0;
    const auto& [k, val] = (*m)->entries()[i];
    auto* s = std::get_if<std::string>(&val.v);
    if (s == nullptr) return 0;
    *name = {k.data(), k.size()};
    *value = {s->data(), s->size()};
    return 1;
  }
  static sluice_config_host_ptr cb_child(sluice_config_host_ptr c, const char* key) {
    auto* v = node(c).get(key);
    if (v == nullptr) return nullptr;
    auto* m = std::get_if<std::shared_ptr<FakeConfig>>(&v->v);
    if (m == nullptr) return nullptr;
    return node(c).child(**m, node(c).where(key)).handle();
  }
  static sluice_config_host_ptr cb_list_child(sluice_config_host_ptr c, const char* key, size_t i) {
    auto* v = node(c).get(key);
    if (v == nullptr) return nullptr;
    auto* maps = std::get_if<std::shared_ptr<FakeConfig::Maps>>(&v->v);
    if (maps == nullptr) {
      if (i == 0) node(c).error(key, "expected a list of mappings");
      return nullptr;
    }
    if (i >= (*maps)->size()) return nullptr;
    return node(c).child((**maps)[i], node(c).where(key) + "[" + std::to_string(i) + "]").handle();
  }
  static void cb_error(sluice_config_host_ptr c, const char* key, sluice_str_t m) {
    node(c).error(key, std::string(m.data, m.size));
  }

  std::vector<std::string>* errors_;
  FakeConfig config_;
  std::string path_;
  std::vector<std::string> asked_;
  std::list<FakeConfigNode> children_;
};

}  // namespace detail
}  // namespace sluice::testing
