// loki_sink's configuration, read and checked once when the node is created.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sluice/config.hpp"
#include "sluice/settings.hpp"

namespace loki_sink {

using std::chrono::milliseconds;

struct Endpoint {
  bool tls = false;
  std::string host;
  std::string port;
  std::string path;  // {url}'s path with /loki/api/v1/push appended
  std::string text;  // as configured, without credentials, for messages
};

// http://HOST[:PORT][/PREFIX] or https://...; the push path is appended unless the URL
// already ends with it.
std::optional<Endpoint> parse_endpoint(const std::string& url, std::string* error);

enum class Encoding { protobuf, json };
enum class LongLine { truncate, drop };

struct Tls {
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // defaults to the URL's host
  bool insecure_skip_verify = false;
};

inline constexpr size_t kDefaultMaxLineBytes = 256 * 1024;

// The defaults, ranges and descriptions are in table() alone.
struct Settings {
  Settings() { table().defaults_into(*this); }
  std::optional<std::string> url;
  Endpoint endpoint;  // url, parsed
  Encoding encoding = Encoding::protobuf;
  bool gzip = false;  // JSON only
  size_t batch_max_bytes = 0;
  size_t max_concurrency = 0;  // requests in flight; above 1, order across them is not kept
  milliseconds batch_max_wait, connect_timeout, request_timeout, min_backoff, max_backoff;
  std::optional<milliseconds> max_retry_duration;  // none: retry forever

  std::string tenant_id;
  std::string username;
  std::optional<std::string> password_file, password_env, bearer_token_file, bearer_token_env;
  std::string password;      // from password_file or the environment variable named
  std::string bearer_token;  // from bearer_token_file or the environment variable named
  std::vector<std::pair<std::string, std::string>> headers;
  Tls tls;

  std::vector<std::pair<std::string, std::string>> labels;  // static, added to every stream
  size_t max_label_names = 0;
  size_t max_label_name_length = 0;
  size_t max_label_value_length = 0;
  size_t max_line_bytes = 0;
  LongLine line_too_long = LongLine::truncate;
  size_t max_streams = 0;
  bool structured_metadata = false;

  static const sluice::SettingsTable<Settings>& table();
  // Reports each problem through cfg.error().
  static Settings read(const sluice::Config& cfg);
};

}  // namespace loki_sink
