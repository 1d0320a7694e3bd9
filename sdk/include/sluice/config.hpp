// Typed access to a plugin's YAML configuration through the host.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sluice/abi.h"

namespace sluice {

inline std::string_view view(sluice_str_t s) {
  return {s.data, s.size};
}
inline sluice_str_t str(std::string_view s) {
  return {s.data(), s.size()};
}

// Every getter marks its key as read; keys never read are reported as unknown by the host.
// A present value of the wrong type has already been reported by the host and reads as absent.
class Config {
 public:
  Config(const sluice_host_api_t* host, sluice_config_host_ptr cfg) : host_(host), cfg_(cfg) {}

  std::optional<std::string> string(const char* key) const {
    sluice_str_t out{};
    if (!host_->callback_config_string(cfg_, key, &out)) return std::nullopt;
    return std::string(view(out));
  }
  std::string string(const char* key, std::string fallback) const {
    return string(key).value_or(std::move(fallback));
  }
  std::optional<int64_t> integer(const char* key) const {
    int64_t out = 0;
    if (!host_->callback_config_int(cfg_, key, &out)) return std::nullopt;
    return out;
  }
  int64_t integer(const char* key, int64_t fallback) const {
    return integer(key).value_or(fallback);
  }
  std::optional<double> number(const char* key) const {
    double out = 0;
    if (!host_->callback_config_double(cfg_, key, &out)) return std::nullopt;
    return out;
  }
  double number(const char* key, double fallback) const { return number(key).value_or(fallback); }
  std::optional<bool> boolean(const char* key) const {
    int out = 0;
    if (!host_->callback_config_bool(cfg_, key, &out)) return std::nullopt;
    return out != 0;
  }
  bool boolean(const char* key, bool fallback) const { return boolean(key).value_or(fallback); }
  std::optional<std::chrono::milliseconds> duration(const char* key) const {
    int64_t out = 0;
    if (!host_->callback_config_duration_ms(cfg_, key, &out)) return std::nullopt;
    return std::chrono::milliseconds(out);
  }
  std::chrono::milliseconds duration(const char* key, std::chrono::milliseconds fallback) const {
    return duration(key).value_or(fallback);
  }
  std::vector<std::string> strings(const char* key) const {
    std::vector<std::string> out;
    sluice_str_t item{};
    for (size_t i = 0; host_->callback_config_list_item(cfg_, key, i, &item); ++i) {
      out.emplace_back(view(item));
    }
    return out;
  }
  std::vector<std::pair<std::string, std::string>> map(const char* key) const {
    std::vector<std::pair<std::string, std::string>> out;
    sluice_str_t name{}, value{};
    for (size_t i = 0; host_->callback_config_map_item(cfg_, key, i, &name, &value); ++i) {
      out.emplace_back(std::string(view(name)), std::string(view(value)));
    }
    return out;
  }
  std::optional<Config> child(const char* key) const {
    sluice_config_host_ptr c = host_->callback_config_child(cfg_, key);
    if (c == nullptr) return std::nullopt;
    return Config(host_, c);
  }
  // The mappings of a sequence under key, in order (a list of rules, say). Needs a host of
  // ABI 1.1 or later; an older one gets a config error saying so.
  std::vector<Config> children(const char* key) const {
    std::vector<Config> out;
    if (!SLUICE_HOST_HAS(host_, callback_config_list_child)) {
      error(key, "this setting needs an engine of plugin ABI 1.1 or later");
      return out;
    }
    for (size_t i = 0;; ++i) {
      sluice_config_host_ptr c = host_->callback_config_list_child(cfg_, key, i);
      if (c == nullptr) break;
      out.emplace_back(host_, c);
    }
    return out;
  }
  // Reports a problem with key's value (or with the whole node when key is null); the host
  // adds the YAML path, file, line and column.
  void error(const char* key, std::string_view message) const {
    host_->callback_config_error(cfg_, key, str(message));
  }

 private:
  const sluice_host_api_t* host_;
  sluice_config_host_ptr cfg_;
};

}  // namespace sluice
