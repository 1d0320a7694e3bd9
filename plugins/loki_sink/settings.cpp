#include "settings.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace loki_sink {
namespace {

constexpr std::string_view push_path = "/loki/api/v1/push";

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// A secret from a file (trailing newlines dropped, as editors add one) or from an
// environment variable; never from the config text itself, which is logged and shared.
std::string secret(const sluice::Config& cfg, const char* file_key, const char* env_key) {
  auto file = cfg.string(file_key);
  auto env = cfg.string(env_key);
  if (file && env) {
    cfg.error(env_key, std::string("give either ") + file_key + " or " + env_key + ", not both");
    return {};
  }
  std::string value;
  if (file) {
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
      cfg.error(file_key, "cannot read '" + *file + "'");
      return {};
    }
    std::ostringstream text;
    text << in.rdbuf();
    value = text.str();
  } else if (env) {
    const char* v = std::getenv(env->c_str());
    if (v == nullptr) {
      cfg.error(env_key, "the environment variable '" + *env + "' is not set");
      return {};
    }
    value = v;
  }
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

size_t count(const sluice::Config& cfg, const char* key, size_t fallback, double min, double max) {
  double v = cfg.number(key, static_cast<double>(fallback));
  if (v < min || v > max) {
    std::ostringstream m;
    m << "must be from " << static_cast<long long>(min) << " to " << static_cast<long long>(max);
    cfg.error(key, m.str());
    return fallback;
  }
  return static_cast<size_t>(v);
}

milliseconds at_least(const sluice::Config& cfg, const char* key, milliseconds fallback,
                      milliseconds min) {
  milliseconds v = cfg.duration(key, fallback);
  if (v < min) {
    cfg.error(key, "must be at least " + std::to_string(min.count()) + "ms");
    return fallback;
  }
  return v;
}

}  // namespace

std::optional<Endpoint> parse_endpoint(const std::string& url, std::string* error) {
  Endpoint e;
  std::string_view rest = url;
  if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
    e.tls = true;
  } else {
    *error = "expected a URL starting with http:// or https://, got '" + url + "'";
    return std::nullopt;
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    *error = "credentials do not belong in the URL: use username and password_file";
    return std::nullopt;
  }
  std::string_view host = authority;
  std::string_view port = e.tls ? "443" : "80";
  if (!authority.empty() && authority.front() == '[') {  // [::1]:3100
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      *error = "unbalanced '[' in the URL's host";
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = authority.substr(close + 2);
    }
  } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    *error = "the URL has no host";
    return std::nullopt;
  }
  if (port.empty() ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    *error = "the URL's port is not a number";
    return std::nullopt;
  }
  if (port.size() > 5 || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
    *error = "the URL's port must be from 1 to 65535";
    return std::nullopt;
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  e.host = host;
  e.port = port;
  e.path = std::string(path);
  if (!ends_with(e.path, push_path)) e.path += push_path;
  e.text = (e.tls ? "https://" : "http://") + std::string(authority) + e.path;
  return e;
}

Settings Settings::read(const sluice::Config& cfg) {
  Settings s;
  auto url = cfg.string("url");
  if (!url) {
    cfg.error("url", "is required (Loki's base URL, e.g. http://127.0.0.1:3100)");
  } else {
    std::string error;
    if (auto e = parse_endpoint(*url, &error)) {
      s.endpoint = *e;
    } else {
      cfg.error("url", error);
    }
  }
  std::string encoding = cfg.string("encoding", "protobuf");
  if (encoding == "json") {
    s.encoding = Encoding::json;
  } else if (encoding != "protobuf") {
    cfg.error("encoding", "expected 'protobuf' or 'json', got '" + encoding + "'");
  }
  s.gzip = cfg.boolean("gzip", false);
  if (s.gzip && s.encoding != Encoding::json) {
    cfg.error("gzip", "applies to encoding: json only (protobuf is compressed with snappy)");
  }
  // Loki refuses a request body over about 4 MiB (its gRPC limit) with a 500: stay well under.
  s.batch_max_bytes = count(cfg, "batch_max_bytes", s.batch_max_bytes, 1024, 3 * 1024 * 1024);
  s.max_concurrency = count(cfg, "max_concurrency", s.max_concurrency, 1, 32);
  s.batch_max_wait = at_least(cfg, "batch_max_wait", s.batch_max_wait, milliseconds(1));
  s.connect_timeout = at_least(cfg, "connect_timeout", s.connect_timeout, milliseconds(10));
  s.request_timeout = at_least(cfg, "request_timeout", s.request_timeout, milliseconds(10));
  s.min_backoff = at_least(cfg, "min_backoff", s.min_backoff, milliseconds(1));
  s.max_backoff = at_least(cfg, "max_backoff", s.max_backoff, s.min_backoff);
  if (auto d = cfg.duration("max_retry_duration")) {
    if (d->count() <= 0) {
      cfg.error("max_retry_duration", "must be positive (leave it out to retry forever)");
    } else {
      s.max_retry_duration = *d;
    }
  }

  s.tenant_id = cfg.string("tenant_id", "");
  s.username = cfg.string("username", "");
  s.password = secret(cfg, "password_file", "password_env");
  s.bearer_token = secret(cfg, "bearer_token_file", "bearer_token_env");
  if (!s.password.empty() && s.username.empty()) {
    cfg.error("username", "is required with a password");
  }
  if (!s.username.empty() && !s.bearer_token.empty()) {
    cfg.error("bearer_token_file", "give basic auth or a bearer token, not both");
  }
  s.headers = cfg.map("headers");
  for (const auto& [name, value] : s.headers) {
    if (name.empty() || name.find_first_of(" :\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      cfg.error("headers", "'" + name + "' is not a valid header");
    }
  }
  if (auto tls = cfg.child("tls")) {
    s.tls.ca_file = tls->string("ca_file", "");
    s.tls.cert_file = tls->string("cert_file", "");
    s.tls.key_file = tls->string("key_file", "");
    s.tls.server_name = tls->string("server_name", "");
    s.tls.insecure_skip_verify = tls->boolean("insecure_skip_verify", false);
    if (s.tls.cert_file.empty() != s.tls.key_file.empty()) {
      tls->error("cert_file", "cert_file and key_file go together");
    }
  }
  if (s.tls.server_name.empty()) s.tls.server_name = s.endpoint.host;

  s.labels = cfg.map("labels");
  s.max_label_names = count(cfg, "max_label_names", s.max_label_names, 1, 1000);
  s.max_label_name_length = count(cfg, "max_label_name_length", s.max_label_name_length, 1, 65536);
  s.max_label_value_length =
      count(cfg, "max_label_value_length", s.max_label_value_length, 1, 65536);
  // A line must fit in one request; the default follows a small batch_max_bytes down.
  s.max_line_bytes = count(cfg, "max_line_bytes", std::min(s.max_line_bytes, s.batch_max_bytes), 1,
                           64.0 * 1024 * 1024);
  if (s.max_line_bytes > s.batch_max_bytes) {
    cfg.error("max_line_bytes", "must not exceed batch_max_bytes");
  }
  std::string long_line = cfg.string("line_too_long", "truncate");
  if (long_line == "drop") {
    s.line_too_long = LongLine::drop;
  } else if (long_line != "truncate") {
    cfg.error("line_too_long", "expected 'truncate' or 'drop', got '" + long_line + "'");
  }
  s.max_streams = count(cfg, "max_streams", s.max_streams, 1, 1e7);
  s.structured_metadata = cfg.boolean("structured_metadata", false);
  return s;
}

}  // namespace loki_sink
