// filter on the SDK's fake host.
#include <catch2/catch.hpp>

#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeHost;
using sluice::testing::FakeRecord;

namespace {
const sluice_plugin_descriptor_t* descriptor() {
  return sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
}

std::vector<std::string> lines(const std::vector<FakeRecord>& records) {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.line);
  return out;
}

const std::vector<FakeRecord> sample = {
    {"GET /a 200", {{"level", "info"}}},
    {"GET /b 500 boom", {{"level", "error"}}},
    {"binary \xff\xfe\x00 bytes", {}},
    {"", {{"level", "error"}}},
};
}  // namespace

TEST_CASE("filter keeps the records whose line matches", "[filter]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"pattern", " 5\\d\\d "}}));
  CHECK(lines(host.process(sample)) == std::vector<std::string>{"GET /b 500 boom"});
}

TEST_CASE("filter drops the matching records with action: drop", "[filter]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"pattern", "^GET"}, {"action", "drop"}}));
  CHECK(host.process(sample).size() == 2);
}

TEST_CASE("filter matches a label's value and a record without the label does not match",
          "[filter]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"pattern", "^error$"}, {"label", "level"}}));
  auto out = host.process(sample);
  REQUIRE(out.size() == 2);
  CHECK(out[0].line == "GET /b 500 boom");
  CHECK(out[1].line.empty());
}

TEST_CASE("filter passes binary data and a 10 MiB line without trouble", "[filter]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"pattern", "needle"}}));
  std::string huge(10 << 20, 'x');
  huge.replace(huge.size() - 10, 6, "needle");
  auto out = host.process({{huge, {}}, {"\xff\xfe\xfd", {}}});
  REQUIRE(out.size() == 1);
  CHECK(out[0].line.size() == huge.size());
}

TEST_CASE("filter reports an invalid pattern, a missing one and a bad action", "[filter]") {
  FakeHost bad(descriptor());
  CHECK_FALSE(bad.create({{"pattern", "(unclosed"}, {"action", "maybe"}}));
  REQUIRE(bad.config_errors().size() == 2);
  CHECK(bad.config_errors()[0] == "action: expected 'keep' or 'drop', got 'maybe'");
  CHECK(bad.config_errors()[1].rfind("pattern: invalid RE2 pattern: missing )", 0) == 0);
  FakeHost missing(descriptor());
  CHECK_FALSE(missing.create({}));
  CHECK(missing.config_errors()[0].find("missing 'pattern'") != std::string::npos);
}
