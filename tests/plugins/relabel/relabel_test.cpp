// relabel on the SDK's fake host, case by case against Prometheus's relabel_configs semantics.
#include <catch2/catch.hpp>

#include <optional>

#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeConfig;
using sluice::testing::FakeHost;
using sluice::testing::FakeRecord;
using Pairs = std::vector<std::pair<std::string, std::string>>;
using List = FakeConfig::List;

namespace {
const sluice_plugin_descriptor_t* descriptor() {
  return sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
}

struct Case {
  const char* what;
  FakeConfig::Maps rules;
  Pairs in;
  std::optional<Pairs> out;  // nullopt: the record is dropped
};

const Pairs abc = {{"a", "foo"}, {"b", "bar"}, {"c", "baz"}};

void run(const Case& c) {
  INFO(c.what);
  FakeHost host(descriptor());
  REQUIRE(host.create({{"rules", c.rules}}));
  auto out = host.process({{"line", c.in}});
  if (!c.out) {
    CHECK(out.empty());
    return;
  }
  REQUIRE(out.size() == 1);
  CHECK(out[0].labels == *c.out);
  CHECK(out[0].line == "line");
}
}  // namespace

TEST_CASE("relabel replace", "[relabel]") {
  const std::vector<Case> cases = {
      {"regex groups into the replacement",
       {{{"source_labels", List{"a"}},
         {"regex", "f(.*)"},
         {"target_label", "d"},
         {"replacement", "ch${1}-ch${1}"}}},
       abc,
       Pairs{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "choo-choo"}}},
      {"several sources joined by the separator",
       {{{"source_labels", List{"a", "b"}},
         {"regex", "f(.*);(.*)r"},
         {"target_label", "a"},
         {"replacement", "b${1}${2}m"}}},
       abc,
       Pairs{{"a", "boobam"}, {"b", "bar"}, {"c", "baz"}}},
      {"no match leaves the labels alone",
       {{{"source_labels", List{"a"}},
         {"regex", "f"},
         {"target_label", "b"},
         {"replacement", "x"}}},
       abc,
       abc},
      {"the regex is anchored at both ends",
       {{{"source_labels", List{"a"}}, {"regex", "o+"}, {"target_label", "d"}}},
       abc,
       abc},
      {"the defaults copy a label: regex (.*), replacement $1",
       {{{"source_labels", List{"c"}}, {"target_label", "d"}}},
       abc,
       Pairs{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "baz"}}},
      {"an empty result removes the target",
       {{{"source_labels", List{"missing"}}, {"target_label", "b"}}},
       abc,
       Pairs{{"a", "foo"}, {"c", "baz"}}},
      {"a target made of groups, which here names no label and removes nothing",
       {{{"source_labels", List{"a"}},
         {"regex", "(f).*"},
         {"target_label", "$1"},
         {"replacement", "$2"}}},
       abc,
       abc},
      {"named groups, and $1x read as a group named 1x, as Go does",
       {{{"source_labels", List{"a"}},
         {"regex", "(?P<first>f)(o*)"},
         {"target_label", "d"},
         {"replacement", "$first-$2x-${2}x-$$"}}},
       abc,
       Pairs{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "f--oox-$"}}},
  };
  for (const auto& c : cases) run(c);
}

TEST_CASE("relabel keep, drop, keepequal and dropequal", "[relabel]") {
  const std::vector<Case> cases = {
      {"keep on a match",
       {{{"action", "keep"}, {"source_labels", List{"a"}}, {"regex", "f.*"}}},
       abc,
       abc},
      {"keep drops what does not match",
       {{{"action", "keep"}, {"source_labels", List{"a"}}, {"regex", "b.*"}}},
       abc,
       std::nullopt},
      {"drop on a match",
       {{{"action", "drop"}, {"source_labels", List{"a"}}, {"regex", "f.*"}}},
       abc,
       std::nullopt},
      {"drop keeps what does not match",
       {{{"action", "drop"}, {"source_labels", List{"a"}}, {"regex", "fo"}}},
       abc,
       abc},
      {"keep of a missing label matches against the empty string",
       {{{"action", "keep"}, {"source_labels", List{"zzz"}}, {"regex", ""}}},
       abc,
       abc},
      {"keepequal keeps equal values",
       {{{"action", "keepequal"}, {"source_labels", List{"a"}}, {"target_label", "x"}}},
       Pairs{{"a", "1"}, {"x", "1"}},
       Pairs{{"a", "1"}, {"x", "1"}}},
      {"keepequal drops different ones",
       {{{"action", "keepequal"}, {"source_labels", List{"a"}}, {"target_label", "x"}}},
       Pairs{{"a", "1"}, {"x", "2"}},
       std::nullopt},
      {"dropequal drops equal values",
       {{{"action", "dropequal"}, {"source_labels", List{"a"}}, {"target_label", "x"}}},
       Pairs{{"a", "1"}, {"x", "1"}},
       std::nullopt},
  };
  for (const auto& c : cases) run(c);
}

TEST_CASE("relabel hashmod gives Prometheus's values", "[relabel]") {
  const std::vector<Case> cases = {
      {"md5 of baz",
       {{{"action", "hashmod"},
         {"source_labels", List{"c"}},
         {"target_label", "d"},
         {"modulus", 1000}}},
       abc,
       Pairs{{"a", "foo"}, {"b", "bar"}, {"c", "baz"}, {"d", "976"}}},
      {"md5 of a value with a newline",
       {{{"action", "hashmod"},
         {"source_labels", List{"a"}},
         {"target_label", "b"},
         {"modulus", 1000}}},
       Pairs{{"a", "foo\nbar"}},
       Pairs{{"a", "foo\nbar"}, {"b", "734"}}},
  };
  for (const auto& c : cases) run(c);
}

TEST_CASE("relabel labelmap, labeldrop and labelkeep act on label names", "[relabel]") {
  const Pairs bs = {{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}};
  const std::vector<Case> cases = {
      {"labelmap copies matching labels under new names",
       {{{"action", "labelmap"}, {"regex", "(b.*)"}, {"replacement", "bar_${1}"}}},
       bs,
       Pairs{{"a", "foo"}, {"b1", "bar"}, {"b2", "baz"}, {"bar_b1", "bar"}, {"bar_b2", "baz"}}},
      {"labeldrop", {{{"action", "labeldrop"}, {"regex", "b.*"}}}, bs, Pairs{{"a", "foo"}}},
      {"labelkeep",
       {{{"action", "labelkeep"}, {"regex", "b.*"}}},
       bs,
       Pairs{{"b1", "bar"}, {"b2", "baz"}}},
  };
  for (const auto& c : cases) run(c);
}

TEST_CASE("relabel lowercase and uppercase", "[relabel]") {
  const std::vector<Case> cases = {
      {"lowercase",
       {{{"action", "lowercase"}, {"source_labels", List{"a"}}, {"target_label", "l"}}},
       Pairs{{"a", "FooBar"}},
       Pairs{{"a", "FooBar"}, {"l", "foobar"}}},
      {"uppercase",
       {{{"action", "uppercase"}, {"source_labels", List{"a"}}, {"target_label", "a"}}},
       Pairs{{"a", "FooBar"}},
       Pairs{{"a", "FOOBAR"}}},
  };
  for (const auto& c : cases) run(c);
}

TEST_CASE("relabel sees metadata as __meta_ labels and drops other __ labels", "[relabel]") {
  FakeHost host(descriptor());
  REQUIRE(host.create(
      {{"rules", FakeConfig::Maps{
                     // Lift one field into a label, as Prometheus users lift discovery metadata.
                     {{"source_labels", List{"__meta_level"}}, {"target_label", "level"}},
                     {{"action", "labelmap"}, {"regex", "__meta_k8s_(.+)"}},
                     // Scratch labels and new metadata.
                     {{"source_labels", List{"job"}}, {"target_label", "__tmp"}},
                     {{"source_labels", List{"__tmp"}}, {"target_label", "__meta_job_copy"}},
                     {{"action", "labeldrop"}, {"regex", "__meta_secret"}},
                 }}}));
  FakeRecord in{
      "x", {{"job", "api"}}, 0, {{"level", "warn"}, {"k8s_pod", "web-1"}, {"secret", "hunter2"}}};
  auto out = host.process({in});
  REQUIRE(out.size() == 1);
  CHECK(out[0].labels == Pairs{{"job", "api"}, {"level", "warn"}, {"pod", "web-1"}});
  CHECK(out[0].metadata == Pairs{{"job_copy", "api"}, {"k8s_pod", "web-1"}, {"level", "warn"}});
}

TEST_CASE("relabel applies rules in order over a batch, records of one stream alike", "[relabel]") {
  FakeHost host(descriptor());
  REQUIRE(host.create(
      {{"rules", FakeConfig::Maps{
                     {{"action", "drop"}, {"source_labels", List{"level"}}, {"regex", "debug"}},
                     {{"source_labels", List{"filename"}},
                      {"regex", ".*/([^/]+)\\.log"},
                      {"target_label", "app"}},
                     {{"action", "labeldrop"}, {"regex", "filename"}},
                 }}}));
  std::vector<FakeRecord> in;
  for (int i = 0; i < 6; ++i) {
    std::string level = i % 3 == 0 ? "debug" : "info";
    in.push_back({std::to_string(i), {{"filename", "/var/log/web.log"}, {"level", level}}});
  }
  auto out = host.process(in);
  REQUIRE(out.size() == 4);
  for (const auto& r : out) CHECK(r.labels == Pairs{{"app", "web"}, {"level", "info"}});
  CHECK(out[0].line == "1");
  CHECK(out[3].line == "5");
}

TEST_CASE("relabel reports bad rules by their place in the list", "[relabel]") {
  FakeHost host(descriptor());
  CHECK_FALSE(host.create(
      {{"rules", FakeConfig::Maps{
                     {{"action", "replace"}, {"source_labels", List{"a"}}},
                     {{"action", "hashmod"}, {"source_labels", List{"a"}}, {"target_label", "h"}},
                     {{"action", "labeldrop"}, {"regex", "x"}, {"target_label", "y"}},
                     {{"action", "bogus"}},
                     {{"regex", "(unclosed"}, {"target_label", "t"}},
                     {{"source_labels", List{"a"}}, {"target_label", "bad-name"}},
                 }}}));
  const auto& e = host.config_errors();
  REQUIRE(e.size() == 6);
  CHECK(e[0] == "rules[0]: 'replace' needs a target_label");
  CHECK(e[1] == "rules[1].modulus: 'hashmod' needs a modulus above 0");
  CHECK(e[2] == "rules[2]: 'labeldrop' takes only a regex, matched against label names");
  CHECK(e[3].rfind("rules[3].action: unknown action 'bogus'", 0) == 0);
  CHECK(e[4].rfind("rules[4].regex: invalid RE2 pattern: missing )", 0) == 0);
  CHECK(e[5] == "rules[5].target_label: 'bad-name' is not a valid label name");

  FakeHost none(descriptor());
  CHECK_FALSE(none.create({}));
  CHECK(none.config_errors()[0] == "<root>: missing 'rules': a list of relabelling rules");
}

TEST_CASE("relabel refuses a pattern that is invalid alone, though valid once anchored",
          "[relabel]") {
  for (const char* pattern : {"a)|(b", ")(", "x)(?:y"}) {
    INFO(pattern);
    FakeHost host(descriptor());
    CHECK_FALSE(host.create({{"rules", FakeConfig::Maps{{{"source_labels", List{"a"}},
                                                         {"regex", pattern},
                                                         {"target_label", "t"}}}}}));
    REQUIRE(host.config_errors().size() == 1);
    CHECK(host.config_errors()[0].rfind("rules[0].regex: invalid RE2 pattern: ", 0) == 0);
  }
}

TEST_CASE("relabel on an engine of ABI 1.0 says it needs 1.1", "[relabel]") {
  FakeHost host(descriptor());
  host.pretend_host_minor(0);
  CHECK_FALSE(host.create(
      {{"rules", FakeConfig::Maps{{{"source_labels", List{"a"}}, {"target_label", "b"}}}}}));
  REQUIRE_FALSE(host.config_errors().empty());
  CHECK(host.config_errors()[0] ==
        "rules: this setting needs an engine of plugin ABI 1.1 or later");
}
