// End-to-end acknowledgements through a real graph: a source learns the fate of each batch
// from every sink its records reached.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "pipeline.hpp"
#include "sluice/acknowledged_positions.hpp"

using namespace sluice;

TEST_CASE("fan-out to two sinks: a batch one sink fails is failed back to the source", "[acks]") {
  test::TempDir dir;
  std::string a = dir.file("a.txt"), b = dir.file("b.txt");
  auto engine = test::start_engine(dir, R"(sources:
  gen:
    type: demo_source
    rate: 0
    count: 1000
    batch_size: 100
    line: "line {seq} end"
sinks:
  a:
    type: capture_sink
    inputs: [gen]
    path: )" + a + R"(
  b:
    type: capture_sink
    inputs: [gen]
    path: )" + b + R"(
    fail_if_contains: "line 150 "
    reject_if_contains: "line 250 "
)");
  auto& m = engine->metrics();
  auto acked = [&](const char* outcome) {
    return test::metric_value(m, "sluice_demo_acknowledged_events_total", {{"outcome", outcome}});
  };
  REQUIRE(test::wait_until(
      [&] { return acked("delivered") + acked("failed") + acked("rejected") == 1000; }));
  // Batch 101-200 failed in b; batch 201-300 was refused for good by b (finished, not failed).
  CHECK(acked("failed") == 100);
  CHECK(acked("rejected") == 100);
  CHECK(acked("delivered") == 800);
  engine->stop();
  CHECK(test::read_lines(a).size() == 1000);
  CHECK(test::read_lines(b).size() == 800);
  CHECK(test::metric_value(m, "sluice_component_sent_events_total", {{"component_id", "a"}}) ==
        1000);
  CHECK(test::metric_value(m, "sluice_component_errors_total", {{"component_id", "b"}}) == 2);
}

TEST_CASE("records a processor drops are acknowledged as delivered", "[acks]") {
  test::TempDir dir;
  std::string out = dir.file("out.txt");
  auto engine = test::start_engine(dir, R"(sources:
  gen:
    type: demo_source
    rate: 0
    count: 400
    batch_size: 100
    line: "line {seq} level={level}"
processors:
  errors:
    type: filter
    inputs: [gen]
    pattern: "level=error"
sinks:
  out:
    type: capture_sink
    inputs: [errors]
    path: )" + out + "\n");
  auto& m = engine->metrics();
  REQUIRE(test::wait_until([&] {
    return test::metric_value(m, "sluice_demo_acknowledged_events_total",
                              {{"outcome", "delivered"}}) == 400;
  }));
  CHECK(test::metric_value(m, "sluice_component_discarded_events_total",
                           {{"component_id", "errors"}}) == 300);
  engine->stop();
  auto lines = test::read_lines(out);
  REQUIRE(lines.size() == 100);
  for (const auto& l : lines) CHECK(l.find("level=error") != std::string::npos);
}

TEST_CASE("what a sink never delivered is failed back at shutdown, not lost silently", "[acks]") {
  test::TempDir dir;
  auto engine = test::start_engine(dir, R"(lifecycle:
  drain_deadline: 200ms
  stop_deadline: 2s
sources:
  gen:
    type: demo_source
    rate: 0
    count: 50
    batch_size: 10
sinks:
  slow:
    type: capture_sink
    inputs: [gen]
    path: /dev/null
    delay: 1h
)");
  auto& m = engine->metrics();
  REQUIRE(test::wait_until([&] {
    return test::metric_value(m, "sluice_component_received_events_total",
                              {{"component_id", "gen"}}) == 50;
  }));
  engine->stop();
  CHECK(test::metric_value(m, "sluice_demo_acknowledged_events_total", {{"outcome", "failed"}}) ==
        50);
  CHECK(test::metric_value(m, "sluice_demo_acknowledged_events_total",
                           {{"outcome", "delivered"}}) == 0);
  CHECK(test::metric_value(m, "sluice_lifecycle_violations_total") == 0);
}

TEST_CASE(
    "a failed batch holds its key's position before it, and only the batches before it "
    "still move it",
    "[acks]") {
  sluice::AcknowledgedPositions<std::string, int> positions;
  positions.sent(1, {{"a", 10}, {"b", 5}});
  positions.sent(2, {{"a", 20}});
  positions.sent(3, {{"a", 30}});
  int at = 0;
  CHECK(positions.failed(2) == 1);
  CHECK(positions.acknowledged(3) == false);  // after the failed one: never committed
  CHECK_FALSE(positions.committed("a", at));
  CHECK(positions.acknowledged(1));  // before it: committed
  REQUIRE(positions.committed("a", at));
  CHECK(at == 10);
  REQUIRE(positions.committed("b", at));
  CHECK(at == 5);
  // Later batches of a held key are not even tracked, so memory stays bounded.
  for (uint64_t c = 10; c < 1000; ++c) positions.sent(c, {{"a", static_cast<int>(c)}});
  for (uint64_t c = 10; c < 1000; ++c) positions.acknowledged(c);
  REQUIRE(positions.committed("a", at));
  CHECK(at == 10);
  // Another key goes on as before.
  positions.sent(2000, {{"b", 50}});
  CHECK(positions.acknowledged(2000));
  REQUIRE(positions.committed("b", at));
  CHECK(at == 50);
  CHECK(positions.batches_in_flight() == 0);
}
