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
std::string secret(const sluice::Config& cfg, const std::optional<std::string>& file,
                   const char* file_key, const std::optional<std::string>& env,
                   const char* env_key) {
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

std::string valid_headers(const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (name.empty() || name.find_first_of(" :\r\n") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos) {
      return "'" + name + "' is not a valid header";
    }
  }
  return {};
}

const sluice::SettingsTable<Tls>& tls_table() {
  using T = Tls;
  static const sluice::SettingsTable<Tls> table{
      sluice::string("ca_file", &T::ca_file, "",
                     "CA certificates (PEM) that the server's certificate must chain to (none: "
                     "the system's)")
          .hint({"ca_cert"}),
      sluice::string("cert_file", &T::cert_file, "", "client certificate (PEM), with key_file")
          .hint({"crt_file", "tls.crt_file"}),
      sluice::string("key_file", &T::key_file, "", "client key (PEM), with cert_file"),
      sluice::string("server_name", &T::server_name, "",
                     "name sent as SNI and checked against the certificate (none: the URL's "
                     "host)")
          .hint({"vhost", "tls.vhost"}),
      sluice::boolean("insecure_skip_verify", &T::insecure_skip_verify, false,
                      "do not check the server's certificate at all")
          .hint({"verify", "tls.verify", "verify_certificate", "tls_verify", "insecure"}),
  };
  return table;
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

const sluice::SettingsTable<Settings>& Settings::table() {
  using S = Settings;
  using namespace std::chrono_literals;
  static const sluice::SettingsTable<Settings> table{
      sluice::string("url", &S::url,
                     "Loki's base URL, `http://` or `https://`; `/loki/api/v1/push` is appended "
                     "unless present")
          .required()
          .check(
              [](const S& s) {
                std::string error;
                return parse_endpoint(*s.url, &error) ? std::string() : error;
              },
              "http:// or https:// URL")
          .hint({"endpoint", "host", "uri", "clients"}),
      sluice::choice("encoding", &S::encoding,
                     {{"protobuf", Encoding::protobuf}, {"json", Encoding::json}}, "protobuf",
                     "protobuf compressed with snappy (`application/x-protobuf`), or JSON"),
      sluice::boolean("gzip", &S::gzip, false, "JSON only: `Content-Encoding: gzip`")
          .hint({"compression", "compress"}),
      // Loki refuses a request body over about 4 MiB (its gRPC limit) with a 500.
      sluice::integer("batch_max_bytes", &S::batch_max_bytes, size_t{1024 * 1024},
                      "a request is sent once its entries reach this many bytes (Loki answers "
                      "500 to bodies over about 4 MiB)")
          .between(1024, 3 * 1024 * 1024)
          .hint({"batchsize", "batch_size", "max_bytes"}),
      sluice::duration("batch_max_wait", &S::batch_max_wait, 1s,
                       "... or once its first entry has waited this long")
          .at_least(1ms)
          .hint({"batchwait", "batch_wait", "timeout_secs", "flush_interval"}),
      sluice::integer("max_concurrency", &S::max_concurrency, size_t{1},
                      "requests in flight at once, each on its own connection; above 1, order "
                      "across requests is not kept")
          .between(1, 32)
          .hint({"concurrency", "workers"}),
      sluice::duration("connect_timeout", &S::connect_timeout, 5s,
                       "connecting, including the TLS handshake")
          .at_least(10ms),
      sluice::duration("request_timeout", &S::request_timeout, 30s,
                       "sending a request and reading its answer")
          .at_least(10ms)
          .hint({"timeout"}),
      sluice::duration("min_backoff", &S::min_backoff, 500ms,
                       "first retry wait ceiling, and the least any retry waits")
          .at_least(1ms)
          .hint({"min_period", "backoff_config"}),
      sluice::duration("max_backoff", &S::max_backoff, 5min,
                       "the ceiling's upper bound, at least `min_backoff` (a `Retry-After` from "
                       "the server is honoured even when longer, up to an hour)")
          .at_least(1ms)
          .hint({"max_period"}),
      sluice::duration("max_retry_duration", &S::max_retry_duration,
                       "give up on a request after this long; its records are finished as "
                       "failed, so a source that keeps positions reads them again (none: retry "
                       "forever)")
          .at_least(1ms)
          .hint({"retry_max_duration_secs", "max_retries", "retry_limit"}),
      sluice::string("tenant_id", &S::tenant_id, "", "sent as `X-Scope-OrgID`")
          .hint({"tenant", "org_id"}),
      sluice::string("username", &S::username, "", "basic auth user")
          .hint({"http_user", "user", "basic_auth"}),
      sluice::string("password_file", &S::password_file,
                     "basic auth password, read from this file (trailing newline dropped)")
          .hint({"password", "http_passwd"}),
      sluice::string("password_env", &S::password_env,
                     "basic auth password, from the environment variable of this name"),
      sluice::string("bearer_token_file", &S::bearer_token_file,
                     "`Authorization: Bearer` token, read from this file")
          .hint({"bearer_token", "token"}),
      sluice::string("bearer_token_env", &S::bearer_token_env,
                     "`Authorization: Bearer` token, from the environment variable of this name"),
      sluice::map("headers", &S::headers, "extra request headers")
          .check([](const S& s) { return valid_headers(s.headers); })
          .hint({"header", "http_headers"}),
      sluice::section("tls", &S::tls, tls_table(), "TLS towards an `https://` URL")
          .hint({"tls_config"}),
      sluice::map("labels", &S::labels,
                  "static labels added to every stream; a record's own label of the same name "
                  "wins")
          .hint({"external_labels"}),
      sluice::integer("max_label_names", &S::max_label_names, size_t{15},
                      "labels per stream beyond this are left out (Loki's "
                      "`max_label_names_per_series`)")
          .between(1, 1000),
      sluice::integer("max_label_name_length", &S::max_label_name_length, size_t{1024},
                      "longer names are truncated")
          .between(1, 65536),
      sluice::integer("max_label_value_length", &S::max_label_value_length, size_t{2048},
                      "longer values are truncated")
          .between(1, 65536),
      sluice::integer("max_line_bytes", &S::max_line_bytes, kDefaultMaxLineBytes,
                      "Loki's `max_line_size`; at most `batch_max_bytes`, which it follows down "
                      "when left out")
          .between(1, 64 * 1024 * 1024)
          .hint({"max_line_size"}),
      sluice::choice("line_too_long", &S::line_too_long,
                     {{"truncate", LongLine::truncate}, {"drop", LongLine::drop}}, "truncate",
                     "what happens to a longer line")
          .hint({"max_line_size_truncate"}),
      sluice::integer("max_streams", &S::max_streams, size_t{10000},
                      "cardinality guard: entries of a new stream are dropped while this many "
                      "streams have had an entry in the last 5 minutes")
          .between(1, 10'000'000),
      sluice::boolean("structured_metadata", &S::structured_metadata, false,
                      "send each record's metadata as Loki structured metadata (Loki 2.9+ with "
                      "`allow_structured_metadata`)"),
  };
  return table;
}

// What one setting cannot check alone.
Settings Settings::read(const sluice::Config& cfg) {
  Settings s = table().read(cfg);
  std::string reported;  // by the url setting's check already
  if (s.url) {
    if (auto e = parse_endpoint(*s.url, &reported)) s.endpoint = *e;
  }
  if (s.gzip && s.encoding != Encoding::json) {
    cfg.error("gzip", "applies to encoding: json only (protobuf is compressed with snappy)");
  }
  if (s.max_backoff < s.min_backoff) cfg.error("max_backoff", "must be at least min_backoff");
  s.password = secret(cfg, s.password_file, "password_file", s.password_env, "password_env");
  s.bearer_token =
      secret(cfg, s.bearer_token_file, "bearer_token_file", s.bearer_token_env, "bearer_token_env");
  if (!s.password.empty() && s.username.empty()) {
    cfg.error("username", "is required with a password");
  }
  if (!s.username.empty() && !s.bearer_token.empty()) {
    cfg.error("bearer_token_file", "give basic auth or a bearer token, not both");
  }
  if (s.tls.cert_file.empty() != s.tls.key_file.empty()) {
    cfg.error("tls", "cert_file and key_file go together");
  }
  if (s.tls.server_name.empty()) s.tls.server_name = s.endpoint.host;
  // A line must fit in one request: left at its default, it follows a small batch down.
  if (s.max_line_bytes > s.batch_max_bytes) {
    if (s.max_line_bytes == kDefaultMaxLineBytes) {
      s.max_line_bytes = s.batch_max_bytes;
    } else {
      cfg.error("max_line_bytes", "must not exceed batch_max_bytes");
    }
  }
  return s;
}

}  // namespace loki_sink
