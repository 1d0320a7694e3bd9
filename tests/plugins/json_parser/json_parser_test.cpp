// json_parser on the SDK's fake host.
#include <catch2/catch.hpp>

#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeConfig;
using sluice::testing::FakeHost;
using sluice::testing::FakeRecord;
using Pairs = std::vector<std::pair<std::string, std::string>>;

namespace {
const sluice_plugin_descriptor_t* descriptor() {
  return sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
}

FakeRecord one(FakeHost& host, FakeRecord in) {
  auto out = host.process({std::move(in)});
  REQUIRE(out.size() == 1);
  return out[0];
}

const FakeConfig lift = {
    {"labels", FakeConfig{{"level", "level"}, {"app", "kubernetes.labels.app"}}},
    {"metadata", FakeConfig{{"trace_id", "trace.id"}, {"user", "user"}}},
};
}  // namespace

TEST_CASE("json_parser lifts fields by dotted path into labels and metadata", "[json_parser]") {
  FakeHost host(descriptor());
  REQUIRE(host.create(lift));
  auto out = one(host, {R"({"level":"warn","msg":"slow","kubernetes":{"labels":{"app":"web"}},)"
                        R"("trace":{"id":"abc"},"user":{"id":7,"roles":["a","b"]}})",
                        {{"filename", "/var/log/a.log"}}});
  CHECK(out.labels == Pairs{{"app", "web"}, {"filename", "/var/log/a.log"}, {"level", "warn"}});
  // Non-strings keep their JSON text, compacted.
  CHECK(out.metadata == Pairs{{"trace_id", "abc"}, {"user", R"({"id":7,"roles":["a","b"]})"}});
  CHECK(host.metric("sluice_parser_missing_fields_total") == 0);
}

TEST_CASE("json_parser table: values of each JSON type, and missing fields", "[json_parser]") {
  struct Case {
    std::string line;
    std::string value;  // "" = missing
  };
  const std::vector<Case> cases = {
      {R"({"v":"text"})", "text"},
      {R"({"v":"esc\"aped\n\u00e9"})", "esc\"aped\n\xc3\xa9"},
      {R"({"v":42})", "42"},
      {R"({"v":-1.5e3})", "-1500.0"},
      {R"({"v":true})", "true"},
      {R"({"v":null})", "null"},
      {R"({"v":[1, 2]})", "[1,2]"},
      {R"({"w":1})", ""},
      {R"({"v":{"x":1}})", R"({"x":1})"},
  };
  FakeHost host(descriptor());
  REQUIRE(host.create({{"labels", FakeConfig{{"v", "v"}}}}));
  int missing = 0;
  for (const auto& c : cases) {
    INFO(c.line);
    auto out = one(host, {c.line});
    if (c.value.empty()) {
      ++missing;
      CHECK(out.labels.empty());
    } else {
      REQUIRE(out.labels.size() == 1);
      CHECK(out.labels[0].second == c.value);
    }
    CHECK(out.line == c.line);
  }
  CHECK(host.metric("sluice_parser_missing_fields_total") == missing);
}

TEST_CASE("json_parser replaces the line with a field and sets the time", "[json_parser]") {
  FakeHost host(descriptor());
  REQUIRE(host.create(
      {{"line", "msg"}, {"timestamp", FakeConfig{{"source", "ts"}, {"format", "rfc3339"}}}}));
  auto out = one(host, {R"({"ts":"2024-03-01T12:00:00.123456789+01:00","msg":"hello"})", {}, 5});
  CHECK(out.line == "hello");
  CHECK(out.timestamp_ns == 1709290800123456789);
}

TEST_CASE("json_parser reads Unix times in seconds, millis and nanos", "[json_parser]") {
  struct Case {
    std::string format, value;
    int64_t ns;
  };
  const std::vector<Case> cases = {
      {"unix", "1700000000", 1700000000000000000},
      {"unix", "1700000000.25", 1700000000250000000},
      {"unix_ms", "1700000000123", 1700000000123000000},
      {"unix_us", "1700000000123456", 1700000000123456000},
      {"unix_ns", "\"1700000000123456789\"", 1700000000123456789},
  };
  for (const auto& c : cases) {
    INFO(c.format << " " << c.value);
    FakeHost host(descriptor());
    REQUIRE(host.create({{"timestamp", FakeConfig{{"source", "t"}, {"format", c.format}}}}));
    CHECK(one(host, {"{\"t\":" + c.value + "}"}).timestamp_ns == c.ns);
  }
}

TEST_CASE("json_parser keeps the time of a record whose time field is malformed", "[json_parser]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"timestamp", FakeConfig{{"source", "t"}, {"format", "rfc3339"}}}}));
  CHECK(one(host, {R"({"t":"yesterday"})", {}, 77}).timestamp_ns == 77);
  CHECK(host.metric("sluice_parser_timestamp_errors_total") == 1);
}

TEST_CASE("json_parser passes lines that are not JSON unchanged and counts them", "[json_parser]") {
  std::string deep(100000, '[');
  std::vector<FakeRecord> in = {
      {"plain text", {{"a", "1"}}, 9},
      {R"({"level":"info",)"},   // truncated
      {deep},                    // nesting deeper than the parser allows
      {""},                      // empty
      {"42"},                    // JSON, but not an object
      {R"({"level":"x" "y"})"},  // malformed in a string's neighbourhood
      {"{\"level\":12a3}"},      // malformed in a number
  };
  FakeHost host(descriptor());
  REQUIRE(host.create(lift));
  auto out = host.process(in);
  REQUIRE(out.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    CHECK(out[i].line == in[i].line);
    CHECK(out[i].labels == in[i].labels);
    CHECK(out[i].timestamp_ns == in[i].timestamp_ns);
  }
  CHECK(host.metric("sluice_json_invalid_lines_total") == in.size());
  CHECK(host.metric("sluice_json_repaired_lines_total") == 0);
  bool warned = false;
  for (const auto& l : host.logs()) warned |= l.find("not a JSON object") != std::string::npos;
  CHECK(warned);
}

TEST_CASE("json_parser lifts the fields of valid JSON that 64 bits or UTF-8 cannot hold",
          "[json_parser]") {
  struct Case {
    std::string value;   // the JSON text of field v
    std::string lifted;  // what v becomes
  };
  const std::vector<Case> cases = {
      {"18446744073709551616", "18446744073709551616"},  // 2^64: kept as its text
      {"-9223372036854775809", "-9223372036854775809"},
      {"123456789012345678901234567890", "123456789012345678901234567890"},
      {"1e400", "1e400"},
      {"-1.5E+999", "-1.5E+999"},
      {R"("\ud83d")", "\xEF\xBF\xBD"},  // a lone high surrogate, as JSON.stringify writes
      {R"("a\udc00b")",
       "a\xEF\xBF\xBD"
       "b"},                                                          // a lone low surrogate
      {R"("\ud83d\ude00 \ud83d")", "\xF0\x9F\x98\x80 \xEF\xBF\xBD"},  // a pair is kept
      {"\"\xff\xfe ok\"", "\xEF\xBF\xBD\xEF\xBF\xBD ok"},             // bytes that are not UTF-8
  };
  for (const auto& c : cases) {
    INFO(c.value);
    FakeHost host(descriptor());
    REQUIRE(host.create({{"labels", FakeConfig{{"level", "level"}}},
                         {"metadata", FakeConfig{{"v", "v"}, {"n", "n"}}}}));
    const std::string line = R"({"level":"warn","v":)" + c.value + R"(,"n":18446744073709551615})";
    auto out = one(host, {line});
    CHECK(out.line == line);  // the line itself is never changed
    CHECK(out.labels == Pairs{{"level", "warn"}});
    CHECK(out.metadata == Pairs{{"n", "18446744073709551615"}, {"v", c.lifted}});
    CHECK(host.metric("sluice_json_invalid_lines_total") == 0);
    CHECK(host.metric("sluice_json_repaired_lines_total") == 1);
  }
}

TEST_CASE("json_parser parses a 10 MiB line", "[json_parser]") {
  std::string big = R"({"level":"error","msg":")" + std::string(10 << 20, 'x') + "\"}";
  FakeHost host(descriptor());
  REQUIRE(host.create({{"labels", FakeConfig{{"level", "level"}}}, {"line", "msg"}}));
  auto out = host.process({{big}, {R"({"level":"info","msg":"small"})"}});
  REQUIRE(out.size() == 2);
  CHECK(out[0].labels == Pairs{{"level", "error"}});
  CHECK(out[0].line.size() == size_t{10 << 20});
  CHECK(out[1].line == "small");
}

TEST_CASE("json_parser keeps labels sorted and one per name", "[json_parser]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"labels", FakeConfig{{"zeta", "z"}, {"alpha", "a"}, {"mid", "m"}}}}));
  auto out = one(host, {R"({"z":"3","a":"1","m":"2"})", {{"mid", "old"}, {"b", "x"}}});
  CHECK(out.labels == Pairs{{"alpha", "1"}, {"b", "x"}, {"mid", "2"}, {"zeta", "3"}});
}

TEST_CASE("json_parser reports bad settings by key", "[json_parser]") {
  FakeHost host(descriptor());
  CHECK_FALSE(host.create({{"labels", FakeConfig{{"bad-name", "x"}}},
                           {"timestamp", FakeConfig{{"source", "t"}, {"format", "%Q"}}}}));
  const auto& errors = host.config_errors();
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] == "labels: 'bad-name' is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)");
  CHECK(errors[1].rfind("timestamp.format: time layout '%Q': unknown directive %Q", 0) == 0);
}
