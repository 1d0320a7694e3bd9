// The reload's decision, node by node, from two configs alone: no plugin, no thread.
#include "reload/reload_plan.hpp"

#include <catch2/catch.hpp>

using namespace sluice::core;

namespace {

// Two configs as the plan sees them, from YAML, with every node on one plugin load unless
// the test says otherwise.
std::vector<NodeIdentity> identities(const std::string& yaml, const void* library) {
  Diagnostics diags;
  auto config = load_pipeline_text(yaml, "p.yaml", diags);
  INFO(diags.to_string());
  REQUIRE(config.has_value());
  std::vector<NodeIdentity> out;
  for (const auto& nc : config->nodes) out.push_back(identity_of(nc, library));
  return out;
}

const int loads[2] = {};  // two plugin loads, told apart by their address
const void* const load_a = &loads[0];
const void* const load_b = &loads[1];

const char* base = R"(sources:
  app:
    type: demo_source
    interval: 1s
processors:
  keep:
    type: filter
    inputs: [app]
    pattern: x
sinks:
  out:
    type: stdout_sink
    inputs: [keep]
)";

std::string with(std::string yaml, const std::string& from, const std::string& to) {
  auto at = yaml.find(from);
  REQUIRE(at != std::string::npos);
  return yaml.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("the same config keeps every node", "[reload_plan]") {
  auto plan = plan_reload(identities(base, load_a), identities(base, load_a));
  CHECK(plan.ids(Fate::kept) == std::vector<std::string>{"app", "keep", "out"});
  CHECK(plan.removed.empty());
  CHECK(plan.fate_of_running("keep") == Fate::kept);
  for (const auto& n : plan.next) CHECK(n.why == "unchanged");
}

TEST_CASE("a node whose settings differ changes, and says which way", "[reload_plan]") {
  auto next = with(base, "pattern: x", "pattern: y");
  auto plan = plan_reload(identities(base, load_a), identities(next, load_a));
  CHECK(plan.ids(Fate::changed) == std::vector<std::string>{"keep"});
  CHECK(plan.ids(Fate::kept) == std::vector<std::string>{"app", "out"});
  CHECK(plan.next[1].why == "settings changed");
  CHECK(plan.fate_of_running("keep") == Fate::changed);
}

TEST_CASE("a node whose inputs differ changes; the way they are written does not count",
          "[reload_plan]") {
  auto spelled = with(base, "inputs: [app]", "inputs: app");
  auto same = plan_reload(identities(base, load_a), identities(spelled, load_a));
  CHECK(same.ids(Fate::kept).size() == 3);

  auto next = with(base, "inputs: [keep]", "inputs: [keep, app]");
  auto plan = plan_reload(identities(base, load_a), identities(next, load_a));
  REQUIRE(plan.ids(Fate::changed) == std::vector<std::string>{"out"});
  CHECK(plan.next[2].why == "inputs [keep] became [keep, app]");
}

TEST_CASE("a deadline from the lifecycle defaults changes the nodes it applies to",
          "[reload_plan]") {
  auto next = std::string("lifecycle:\n  stop_deadline: 9s\n") + base;
  auto plan = plan_reload(identities(base, load_a), identities(next, load_a));
  CHECK(plan.ids(Fate::changed).size() == 3);
}

TEST_CASE("a plugin file loaded anew changes its nodes", "[reload_plan]") {
  auto running = identities(base, load_a);
  auto next = identities(base, load_a);
  next[2].library = load_b;
  auto plan = plan_reload(running, next);
  CHECK(plan.ids(Fate::changed) == std::vector<std::string>{"out"});
  CHECK(plan.next[2].why == "its plugin file was loaded anew");
}

TEST_CASE("nodes come and go by id", "[reload_plan]") {
  auto next = with(base, "sinks:\n  out:", "sinks:\n  other:");
  auto plan = plan_reload(identities(base, load_a), identities(next, load_a));
  CHECK(plan.ids(Fate::added) == std::vector<std::string>{"other"});
  CHECK(plan.ids(Fate::removed) == std::vector<std::string>{"out"});
  CHECK(plan.removed[0].why == "not in this config");
  CHECK(plan.next[2].why == "new in this config");
  CHECK(plan.fate_of_running("out") == Fate::removed);
}

TEST_CASE("an id whose type differs is another node: the old one goes, the new one comes",
          "[reload_plan]") {
  auto next = with(base, "type: stdout_sink", "type: blackhole_sink");
  auto plan = plan_reload(identities(base, load_a), identities(next, load_a));
  CHECK(plan.ids(Fate::added) == std::vector<std::string>{"out"});
  CHECK(plan.ids(Fate::removed) == std::vector<std::string>{"out"});
  CHECK(plan.fate_of_running("out") == Fate::removed);
  CHECK(plan.next[2].why == "replaces the sink 'stdout_sink' of the same id");
  CHECK(plan.removed[0].why == "replaced by the sink 'blackhole_sink' of the same id");
}

TEST_CASE("an id that moves from one kind to another is another node", "[reload_plan]") {
  std::vector<NodeIdentity> running{{"x", NodeKind::processor, "filter", load_a, "s", {"a"}}};
  std::vector<NodeIdentity> next{{"x", NodeKind::sink, "filter", load_a, "s", {"a"}}};
  auto plan = plan_reload(running, next);
  CHECK(plan.ids(Fate::added) == std::vector<std::string>{"x"});
  CHECK(plan.ids(Fate::removed) == std::vector<std::string>{"x"});
}

TEST_CASE("the plan keeps the next config's order, and the running order for removals",
          "[reload_plan]") {
  std::vector<NodeIdentity> running{{"c", NodeKind::sink, "t", load_a, "", {}},
                                    {"b", NodeKind::sink, "t", load_a, "", {}},
                                    {"a", NodeKind::sink, "t", load_a, "", {}}};
  std::vector<NodeIdentity> next{{"z", NodeKind::sink, "t", load_a, "", {}},
                                 {"a", NodeKind::sink, "t", load_a, "", {}}};
  auto plan = plan_reload(running, next);
  REQUIRE(plan.next.size() == 2);
  CHECK(plan.next[0].id == "z");
  CHECK(plan.next[1].id == "a");
  CHECK(plan.ids(Fate::removed) == std::vector<std::string>{"c", "b"});
}
