// loki_sink's parts without a server: URLs, label rules, Retry-After, 4xx reasons.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "rejection.hpp"
#include "retry_after.hpp"
#include "settings.hpp"
#include "stream_labels.hpp"

using namespace loki_sink;
using namespace std::chrono_literals;

TEST_CASE("Loki URLs are read with their push path, and bad ones named", "[loki]") {
  std::string error;
  auto e = parse_endpoint("http://127.0.0.1:3100", &error);
  REQUIRE(e);
  CHECK(e->host == "127.0.0.1");
  CHECK(e->port == "3100");
  CHECK(e->path == "/loki/api/v1/push");
  CHECK_FALSE(e->tls);
  e = parse_endpoint("https://logs.example.net/tenant-a/", &error);
  REQUIRE(e);
  CHECK(e->tls);
  CHECK(e->port == "443");
  CHECK(e->path == "/tenant-a/loki/api/v1/push");
  e = parse_endpoint("http://[::1]:3100/loki/api/v1/push", &error);
  REQUIRE(e);
  CHECK(e->host == "::1");
  CHECK(e->path == "/loki/api/v1/push");
  CHECK_FALSE(parse_endpoint("loki:3100", &error));
  CHECK(error.find("http://") != std::string::npos);
  CHECK_FALSE(parse_endpoint("http://user:pass@loki", &error));
  CHECK(error.find("credentials") != std::string::npos);
  CHECK_FALSE(parse_endpoint("http://loki:port", &error));
  CHECK_FALSE(parse_endpoint("http://loki:70000", &error));
  CHECK(error.find("65535") != std::string::npos);
}

TEST_CASE("selectors are sorted, quoted as LogQL reads them, and held to the limits", "[loki]") {
  Settings s;
  s.labels = {{"host", "web-1"}, {"app", "static"}};
  s.max_label_names = 3;
  s.max_label_value_length = 8;
  StreamLabels labels(s);
  sluice_label_t pairs[] = {{{"app", 3}, {"api", 3}},
                            {{"quote", 5}, {"a\"b\\c\n", 6}},
                            {{"empty", 5}, {"", 0}},
                            {{"long", 4}, {"0123456789", 10}},
                            {{"zzz", 3}, {"dropped", 7}}};
  sluice_record_t r{0, {"line", 4}, pairs, 5, nullptr, 0};
  LabelFixes fixes;
  // app from the record wins over the static one; empty is left out; three names at most.
  CHECK(labels.selector(r, fixes) == "{app=\"api\", host=\"web-1\", long=\"01234567\"}");
  CHECK(fixes.long_values == 1);
  CHECK(fixes.too_many == 2);
  CHECK(fixes.duplicates == 0);
  s.max_label_names = 10;
  fixes = {};
  CHECK(labels.selector(r, fixes) ==
        "{app=\"api\", host=\"web-1\", long=\"01234567\", quote=\"a\\\"b\\\\c\\n\", "
        "zzz=\"dropped\"}");
  sluice_record_t none{0, {"line", 4}, nullptr, 0, nullptr, 0};
  s.labels.clear();
  CHECK(labels.selector(none, fixes).empty());
}

TEST_CASE("Retry-After is read as seconds or as an HTTP date", "[loki]") {
  auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37
  CHECK(parse_retry_after("5", now) == std::optional<milliseconds>(5000ms));
  CHECK(parse_retry_after(" 0 ", now) == std::optional<milliseconds>(0ms));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:47 GMT", now) ==
        std::optional<milliseconds>(10000ms));
  CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:27 GMT", now) ==
        std::optional<milliseconds>(0ms));
  CHECK_FALSE(parse_retry_after("", now));
  CHECK_FALSE(parse_retry_after("soon", now));
  CHECK_FALSE(parse_retry_after("-3", now));
}

TEST_CASE("Loki's 4xx reasons are told apart, and logged once a minute each", "[loki]") {
  CHECK(rejection_reason(400, "entry for stream '{a=\"b\"}' has timestamp too old: 2020-01-01") ==
        "too_old");
  CHECK(rejection_reason(400, "Max entry size '262144' bytes exceeded (line too long)") ==
        "line_too_long");
  CHECK(rejection_reason(400, "error at least one label pair is required per stream") ==
        "invalid_labels");
  CHECK(rejection_reason(400, "Maximum active stream limit exceeded") == "stream_limit");
  CHECK(rejection_reason(401, "no org id") == "status_401");
  CHECK(rejection_reason(418, "teapot") == "other");
  for (const auto& r : {"too_old", "line_too_long", "status_401", "other"}) {
    CHECK(std::find(rejection_reasons().begin(), rejection_reasons().end(), r) !=
          rejection_reasons().end());
  }
  LogLimiter limiter(std::chrono::minutes(1));
  auto t = std::chrono::steady_clock::now();
  CHECK(limiter.allow("too_old", t));
  CHECK_FALSE(limiter.allow("too_old", t + 30s));
  CHECK(limiter.allow("other", t + 30s));
  CHECK(limiter.allow("too_old", t + 61s));
}
