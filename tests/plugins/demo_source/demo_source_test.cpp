// demo_source on the SDK's fake host.
#include <catch2/catch.hpp>

#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeHost;

namespace {
const sluice_plugin_descriptor_t* descriptor() {
  return sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
}
}  // namespace

TEST_CASE("demo_source emits count numbered records with its labels, then idles", "[demo_source]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"rate", 0},
                       {"count", 250},
                       {"batch_size", 100},
                       {"line", "n={seq} {level}"},
                       {"labels", sluice::testing::FakeConfig{{"app", "x"}, {"env", "test"}}}}));
  REQUIRE(host.start());
  REQUIRE(host.wait_for_emitted(250));
  auto records = host.emitted();
  REQUIRE(records.size() == 250);
  CHECK(records[0].line == "n=1 warn");
  CHECK(records[249].line == "n=250 error");
  CHECK(records[0].labels ==
        std::vector<std::pair<std::string, std::string>>{{"app", "x"}, {"env", "test"}});
  CHECK(records[0].timestamp_ns > 0);
  CHECK(host.threads_running() == 1);  // idle, not ended: it waits for stop
  CHECK(host.stop());
  CHECK(host.threads_running() == 0);
}

TEST_CASE("demo_source counts acknowledgements by outcome", "[demo_source]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"rate", 0}, {"count", 30}, {"batch_size", 10}}));
  REQUIRE(host.start());
  REQUIRE(host.wait_for_emitted(30));
  host.ack_all(SLUICE_OUTCOME_DELIVERED);
  CHECK(host.metric("sluice_demo_acknowledged_events_total") == 30);
  CHECK(host.stop());
}

TEST_CASE("demo_source waits under backpressure and returns promptly on stop", "[demo_source]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"rate", 0}, {"batch_size", 10}}));
  host.hold_backpressure();
  REQUIRE(host.start());
  CHECK_FALSE(host.wait_for_emitted(1, std::chrono::milliseconds(100)));
  CHECK(host.stop(std::chrono::seconds(2)));
}

TEST_CASE("demo_source keeps to its rate", "[demo_source]") {
  FakeHost host(descriptor());
  REQUIRE(host.create({{"rate", 100}}));
  REQUIRE(host.start());
  auto began = std::chrono::steady_clock::now();
  REQUIRE(host.wait_for_emitted(50));
  CHECK(std::chrono::steady_clock::now() - began >= std::chrono::milliseconds(480));
  CHECK(host.stop());
}

TEST_CASE("demo_source refuses bad values and unknown keys", "[demo_source]") {
  FakeHost host(descriptor());
  CHECK_FALSE(host.create({{"rate", -1}, {"batch_size", 0}, {"colour", "blue"}}));
  auto errors = host.config_errors();
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].rfind("rate:", 0) == 0);
  CHECK(errors[1].rfind("batch_size:", 0) == 0);
  CHECK(errors[2] == "colour: unknown key 'colour'");
}
