// blackhole_sink on the SDK's fake host.
#include <catch2/catch.hpp>
#include <chrono>

#include "sluice/testing/fake_host.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using sluice::testing::FakeHost;

TEST_CASE("blackhole_sink acknowledges every batch and counts its bytes", "[blackhole_sink]") {
  FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  REQUIRE(host.create({{"report_interval", "1ms"}}));
  REQUIRE(host.start());
  host.push({{"abc", {}}, {"de", {}}});
  host.push({{std::string(1000, 'x'), {}}});
  REQUIRE(host.wait_for_finished(2));
  CHECK(host.outcomes() ==
        std::vector<sluice_outcome_t>{SLUICE_OUTCOME_DELIVERED, SLUICE_OUTCOME_DELIVERED});
  CHECK(host.metric("sluice_blackhole_bytes_total") == 1005);
  CHECK(host.stop());
  REQUIRE_FALSE(host.logs().empty());
  CHECK(host.logs().back() == "stopping after discarding 3 records, 1005 bytes");
}

TEST_CASE("blackhole_sink refuses a report interval that is not a duration", "[blackhole_sink]") {
  FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  CHECK_FALSE(host.create({{"report_interval", "often"}}));
  CHECK(host.config_errors().size() == 1);
}

TEST_CASE("blackhole_sink measures the longest delay of a record when asked", "[blackhole_sink]") {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const int64_t second = 1000000000;
  for (bool measure : {true, false}) {
    FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
    REQUIRE(host.create({{"measure_delay", measure ? "true" : "false"}}));
    REQUIRE(host.start());
    host.push({{"recent", {}, now - 2 * second}, {"older", {}, now - 5 * second}});
    host.push({{"newest", {}, now}});  // a smaller delay leaves the largest standing
    REQUIRE(host.wait_for_finished(2));
    const double delay = host.metric("sluice_blackhole_delay_max_seconds");
    if (measure) {
      CHECK(delay >= 5);
      CHECK(delay < 5 + 60);  // generous for a slow machine
    } else {
      CHECK(delay == 0);
    }
    CHECK(host.stop());
  }
}
