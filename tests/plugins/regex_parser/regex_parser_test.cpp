// regex_parser on the SDK's fake host.
#include <catch2/catch.hpp>

#include "capture_only.hpp"
#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeConfig;
using sluice::testing::FakeHost;
using Pairs = std::vector<std::pair<std::string, std::string>>;

namespace {
const sluice_plugin_descriptor_t* descriptor() {
  return sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
}

// The combined log format of Apache and nginx.
const std::string access_log =
    R"re(^(?P<ip>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>[^ "]+)[^"]*" )re"
    R"re((?P<status>\d{3}) (?P<size>\d+|-)(?: "(?P<referer>[^"]*)" "(?P<agent>[^"]*)")?)re";

FakeConfig access_config() {
  return {{"pattern", access_log},
          {"labels", FakeConfig{{"method", "method"}, {"status", "status"}}},
          {"metadata", FakeConfig{{"client", "ip"}, {"path", "path"}, {"agent", "agent"}}},
          {"timestamp", FakeConfig{{"source", "time"}, {"format", "%d/%b/%Y:%H:%M:%S %z"}}}};
}
}  // namespace

TEST_CASE("regex_parser lifts named groups of an access log line", "[regex_parser]") {
  FakeHost host(descriptor());
  REQUIRE(host.create(access_config()));
  auto out = host.process(
      {{R"(192.0.2.7 - alice [10/Oct/2000:13:55:36 -0700] "GET /index.html HTTP/1.1" 200 2326 )"
        R"("http://example.com/" "curl/8.0")",
        {{"job", "nginx"}}}});
  REQUIRE(out.size() == 1);
  CHECK(out[0].labels == Pairs{{"job", "nginx"}, {"method", "GET"}, {"status", "200"}});
  CHECK(out[0].metadata ==
        Pairs{{"agent", "curl/8.0"}, {"client", "192.0.2.7"}, {"path", "/index.html"}});
  CHECK(out[0].timestamp_ns == 971211336000000000);
}

TEST_CASE("regex_parser table: matches, optional groups and misses", "[regex_parser]") {
  struct Case {
    std::string line;
    Pairs labels, metadata;
    bool matched;
  };
  const std::vector<Case> cases = {
      {R"(::1 - - [01/Jan/2024:00:00:00 +0000] "POST /api HTTP/2" 201 -)",
       {{"method", "POST"}, {"status", "201"}},
       {{"client", "::1"}, {"path", "/api"}},
       true},
      {"not an access log line", {}, {}, false},
      {"", {}, {}, false},
      {"\xff\xfe binary \x01\x02", {}, {}, false},
  };
  FakeHost host(descriptor());
  REQUIRE(host.create(access_config()));
  int unmatched = 0;
  for (const auto& c : cases) {
    INFO(c.line);
    auto out = host.process({{c.line, {}, 11}});
    REQUIRE(out.size() == 1);
    CHECK(out[0].line == c.line);
    CHECK(out[0].labels == c.labels);
    CHECK(out[0].metadata == c.metadata);
    if (!c.matched) {
      ++unmatched;
      CHECK(out[0].timestamp_ns == 11);
    }
  }
  CHECK(host.metric("sluice_regex_unmatched_lines_total") == unmatched);
  // The agent group did not take part in the first line's match.
  CHECK(host.metric("sluice_parser_missing_fields_total") == 1);
}

TEST_CASE("regex_parser sends every named group to metadata by default", "[regex_parser]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"pattern", R"(level=(?P<level>\w+) took=(?P<took>\d+)ms)"}}));
  auto out = host.process({{"t=1 level=warn took=15ms"}});
  CHECK(out[0].metadata == Pairs{{"level", "warn"}, {"took", "15"}});
  CHECK(out[0].labels.empty());
}

TEST_CASE("regex_parser parses a label instead of the line, and replaces the line",
          "[regex_parser]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"pattern", R"(^(?P<dir>.*)/(?P<file>[^/]+)$)"},
                       {"label", "filename"},
                       {"labels", FakeConfig{{"file", "file"}}},
                       {"line", "dir"}}));
  auto out = host.process({{"x", {{"filename", "/var/log/app.log"}}}, {"no label"}});
  REQUIRE(out.size() == 2);
  CHECK(out[0].labels == Pairs{{"file", "app.log"}, {"filename", "/var/log/app.log"}});
  CHECK(out[0].line == "/var/log");
  CHECK(out[1].line == "no label");
  CHECK(host.metric("sluice_regex_unmatched_lines_total") == 1);
}

TEST_CASE("regex_parser matches in a 10 MiB line", "[regex_parser]") {
  std::string big = "level=error " + std::string(10 << 20, 'x');
  FakeHost host(descriptor());
  REQUIRE(host.create(
      {{"pattern", R"(^level=(?P<level>\w+) )"}, {"labels", FakeConfig{{"level", "level"}}}}));
  auto out = host.process({{big}});
  CHECK(out[0].labels == Pairs{{"level", "error"}});
  CHECK(out[0].line.size() == big.size());
}

TEST_CASE("regex_parser keeps the time when the time group is malformed", "[regex_parser]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"pattern", R"(^(?P<t>.+) \w$)"},
                       {"timestamp", FakeConfig{{"source", "t"}, {"format", "rfc3339"}}}}));
  auto out = host.process({{"2024-13-45T99:00:00Z x", {}, 3}, {"2024-01-02 03:04:05Z y", {}, 3}});
  CHECK(out[0].timestamp_ns == 3);
  CHECK(out[1].timestamp_ns == 1704164645000000000);
  CHECK(host.metric("sluice_parser_timestamp_errors_total") == 1);
}

TEST_CASE("regex_parser reports an invalid pattern and unknown groups", "[regex_parser]") {
  FakeHost bad(descriptor());
  CHECK_FALSE(bad.create({{"pattern", "(?P<a>x"}}));
  REQUIRE(bad.config_errors().size() == 1);
  CHECK(bad.config_errors()[0].rfind("pattern: invalid RE2 pattern: missing )", 0) == 0);

  FakeHost unknown(descriptor());
  CHECK_FALSE(unknown.create({{"pattern", "(?P<a>x)"},
                              {"labels", FakeConfig{{"b", "b"}}},
                              {"timestamp", FakeConfig{{"source", "when"}}}}));
  REQUIRE(unknown.config_errors().size() == 2);
  CHECK(unknown.config_errors()[0] == "labels: the pattern has no group named 'b'");
  CHECK(unknown.config_errors()[1] == "timestamp: the pattern has no group named 'when'");

  FakeHost unnamed(descriptor());
  CHECK_FALSE(unnamed.create({{"pattern", "(x)"}}));
  CHECK(unnamed.config_errors()[0] == "pattern: the pattern has no named group, (?P<name>...)");
}

TEST_CASE("regex_parser captures only the groups it uses, and matches the same", "[regex_parser]") {
  using regex_parser::capture_only;
  // Escaped parentheses, parentheses in classes, \Q..\E, flags and unnamed groups.
  CHECK(capture_only(R"(^\((?P<a>[()\]]+)\) (x|y)(?P<b>\d+)(?i:z)\Q(q)\E[[:alpha:]()]+)", {"b"}) ==
        R"(^\((?:[()\]]+)\) (?:x|y)(?P<b>\d+)(?i:z)\Q(q)\E[[:alpha:]()]+)");
  CHECK(capture_only("(?<a>1)(?P<b>2)[]a(]", {"a"}) == "(?<a>1)(?:2)[]a(]");

  FakeHost host(descriptor());
  REQUIRE(host.create({{"pattern", R"(^\((?P<a>[()]+)\) (x|y)+ (?P<b>\d+)(?: (?P<c>\w+))?$)"},
                       {"labels", FakeConfig{{"b", "b"}}}}));
  auto out = host.process({{"(()) xyx 42"}, {"(( x 42"}, {"(()) y 7 tail"}});
  CHECK(out[0].labels == Pairs{{"b", "42"}});
  CHECK(out[1].labels.empty());
  CHECK(out[2].labels == Pairs{{"b", "7"}});
}
