// The SDK's settings table on the fake host: every kind of setting read with its default,
// refused out of range with the value and what is allowed, and described as declared.
#include <catch2/catch.hpp>

#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"
#include "sluice/testing/fake_host.hpp"

using sluice::testing::FakeConfig;
using sluice::testing::FakeHost;
using namespace std::chrono_literals;

namespace {

enum class Mode { fast, safe };

struct Inner {
  std::string name;
  int64_t weight = 0;
};

struct Settings {
  std::optional<std::string> target;
  std::string greeting;
  size_t count = 0;
  double ratio = 0;
  bool loud = false;
  std::chrono::milliseconds wait{};
  std::optional<std::chrono::milliseconds> limit;
  Mode mode = Mode::fast;
  std::vector<std::string> tags;
  std::vector<std::pair<std::string, std::string>> labels;
  Inner inner;
  std::vector<Inner> items;
};

const sluice::SettingsTable<Inner>& inner_table() {
  static const sluice::SettingsTable<Inner> table{
      sluice::string("name", &Inner::name, "anon", "who"),
      sluice::integer("weight", &Inner::weight, int64_t{1}, "how heavy").between(-5, 5)};
  return table;
}

// What the last instance read, for the test to look at.
Settings last;

class Declared final : public sluice::Sink {
 public:
  static const sluice::SettingsTable<Settings>& settings_table() {
    using S = Settings;
    static const sluice::SettingsTable<Settings> table{
        sluice::string("target", &S::target, "where to").required().hint({"destination"}),
        sluice::string("greeting", &S::greeting, "hi", "what to say").check([](const S& s) {
          return s.greeting.size() > 5 ? "too long" : "";
        }),
        sluice::integer("count", &S::count, size_t{3}, "how many").between(1, 10),
        sluice::number("ratio", &S::ratio, 0.5, "how much").between(0.0, 1.0),
        sluice::boolean("loud", &S::loud, false, "shout"),
        sluice::duration("wait", &S::wait, 1500ms, "how long").at_least(100ms).at_most(1min),
        sluice::duration("limit", &S::limit, "a limit").at_least(1s),
        sluice::choice("mode", &S::mode, {{"fast", Mode::fast}, {"safe", Mode::safe}}, "safe",
                       "how"),
        sluice::strings("tags", &S::tags, "tags"),
        sluice::map("labels", &S::labels, "labels"),
        sluice::section("inner", &S::inner, inner_table(), "one inner"),
        sluice::sections("items", &S::items, inner_table(), "inner items"),
    };
    return table;
  }
  Declared(sluice::Context&, const sluice::Config& cfg) { last = settings_table().read(cfg); }
  bool start() override { return true; }
};

}  // namespace

SLUICE_PLUGIN(Declared, "declared", "1.0.0", "A sink that only reads its settings")

namespace {
FakeHost host() {
  return FakeHost(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
}
}  // namespace

TEST_CASE("a settings table fills every default the user left out", "[settings]") {
  FakeHost h = host();
  REQUIRE(h.create({{"target", "there"}}));
  CHECK(last.target == "there");
  CHECK(last.greeting == "hi");
  CHECK(last.count == 3);
  CHECK(last.ratio == 0.5);
  CHECK_FALSE(last.loud);
  CHECK(last.wait == 1500ms);
  CHECK_FALSE(last.limit.has_value());
  CHECK(last.mode == Mode::safe);
  CHECK(last.tags.empty());
  CHECK(last.inner.name == "anon");
  CHECK(last.inner.weight == 1);
  CHECK(last.items.empty());
}

TEST_CASE("a settings table reads every kind of value", "[settings]") {
  FakeHost h = host();
  REQUIRE(h.create({{"target", "there"},
                    {"greeting", "yo"},
                    {"count", 10},
                    {"ratio", 0.25},
                    {"loud", true},
                    {"wait", "2s"},
                    {"limit", "1m"},
                    {"mode", "fast"},
                    {"tags", FakeConfig::List{"a", "b"}},
                    {"labels", FakeConfig{{"app", "web"}}},
                    {"inner", FakeConfig{{"name", "x"}, {"weight", -5}}},
                    {"items", FakeConfig::Maps{FakeConfig{{"name", "p"}}, FakeConfig{}}}}));
  CHECK(last.greeting == "yo");
  CHECK(last.count == 10);
  CHECK(last.ratio == 0.25);
  CHECK(last.loud);
  CHECK(last.wait == 2s);
  CHECK(last.limit == std::chrono::milliseconds(60'000));
  CHECK(last.mode == Mode::fast);
  CHECK(last.tags == std::vector<std::string>{"a", "b"});
  REQUIRE(last.labels.size() == 1);
  CHECK(last.labels[0].second == "web");
  CHECK(last.inner.name == "x");
  CHECK(last.inner.weight == -5);
  REQUIRE(last.items.size() == 2);
  CHECK(last.items[0].name == "p");
  CHECK(last.items[1].name == "anon");
}

TEST_CASE("a settings table refuses, never clamps, and names what is allowed", "[settings]") {
  struct Case {
    std::string key;
    FakeConfig::Value value;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"count", 0, "count: must be 1 to 10, got 0"},
      {"count", -1, "count: must be 1 to 10, got -1"},
      {"ratio", 1.5, "ratio: must be 0 to 1, got 1.5"},
      {"wait", "50ms", "wait: must be 100ms to 1m, got 50ms"},
      {"wait", "2m", "wait: must be 100ms to 1m, got 2m"},
      {"limit", "500ms", "limit: must be at least 1s, got 500ms"},
      {"mode", "slow", "mode: expected 'fast' or 'safe', got 'slow'"},
      {"greeting", "hello there", "greeting: too long"},
      {"inner", FakeConfig{{"weight", 6}}, "inner.weight: must be -5 to 5, got 6"},
  };
  for (const auto& c : cases) {
    INFO(c.key);
    FakeHost h = host();
    FakeConfig config{{"target", "there"}};
    config.add(c.key, c.value);
    CHECK_FALSE(h.create(config));
    REQUIRE(h.config_errors().size() == 1);
    CHECK(h.config_errors()[0] == c.error);
  }
  FakeHost h = host();
  CHECK_FALSE(h.create({}));
  REQUIRE(h.config_errors().size() == 1);
  CHECK(h.config_errors()[0] == "<root>: missing 'target': where to");
}

TEST_CASE("a settings table describes itself in the plugin's descriptor", "[settings]") {
  const sluice_plugin_descriptor_t* d = sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
  REQUIRE(d->settings != nullptr);
  REQUIRE(d->setting_size == sizeof(sluice_setting_t));
  std::map<std::string, const sluice_setting_t*> by_name;
  for (uint32_t i = 0; i < d->setting_count; ++i) by_name[d->settings[i].name] = &d->settings[i];
  REQUIRE(by_name.size() == 16);  // 12 settings, and the inner table twice
  CHECK(by_name["target"]->required == 1);
  CHECK(std::string(by_name["target"]->hints) == "destination");
  CHECK(std::string(by_name["count"]->allowed) == "1 to 10");
  CHECK(std::string(by_name["wait"]->default_value) == "1500ms");
  CHECK(std::string(by_name["wait"]->allowed) == "100ms to 1m");
  CHECK(std::string(by_name["limit"]->default_value).empty());
  CHECK(std::string(by_name["mode"]->allowed) == "fast or safe");
  CHECK(std::string(by_name["mode"]->default_value) == "safe");
  CHECK(std::string(by_name["tags"]->type) == "list of strings");
  CHECK(std::string(by_name["inner.weight"]->allowed) == "-5 to 5");
  CHECK(std::string(by_name["items[].name"]->default_value) == "anon");
}
