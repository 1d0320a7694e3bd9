// A slow sink behind a fast source: the queue stays within its bound, memory stays flat,
// and nothing is lost.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "helpers.hpp"
#include "pipeline.hpp"

using namespace sluice;

TEST_CASE("a slow sink holds a fast source back without loss or growth", "[backpressure]") {
  test::TempDir dir;
  std::string out = dir.file("out.txt");
  auto engine = test::start_engine(dir, R"(sources:
  gen:
    type: demo_source
    rate: 0
    count: 100000
    batch_size: 100
    line: "record {seq} )" + std::string(1000, 'p') +
                                            R"("
processors:
  all:
    type: filter
    inputs: [gen]
    pattern: "record"
    buffer:
      max_events: 300
sinks:
  slow:
    type: capture_sink
    inputs: [all]
    path: )" + out + R"(
    delay: 1ms
    buffer:
      max_events: 500
)");
  auto& m = engine->metrics();
  auto delivered = [&] {
    return test::metric_value(m, "sluice_demo_acknowledged_events_total",
                              {{"outcome", "delivered"}});
  };
  // 100 MB of records pass through; past the start-up allocations, resident memory must not
  // follow them (a queue without its bound would hold most of them).
  REQUIRE(test::wait_until([&] { return delivered() >= 10000; }));
  size_t rss_start = test::rss_kib();
  size_t rss_peak = rss_start;
  REQUIRE(test::wait_until(
      [&] {
        rss_peak = std::max(rss_peak, test::rss_kib());
        CHECK(engine->graph()->inbox("slow")->events() <= 500);
        CHECK(engine->graph()->inbox("all")->events() <= 300);
        return delivered() == 100000;
      },
      std::chrono::seconds(60)));
  CHECK(engine->graph()->inbox("slow")->peak_events() <= 500);
  CHECK(engine->graph()->inbox("all")->peak_events() <= 300);
  // The queues were really full: the source was held back.
  CHECK(engine->graph()->inbox("slow")->peak_events() >= 400);
  CHECK(rss_peak - rss_start < 32 * 1024);
  engine->stop();
  auto lines = test::read_lines(out);
  REQUIRE(lines.size() == 100000);
  std::set<std::string> unique(lines.begin(), lines.end());
  CHECK(unique.size() == 100000);
}

TEST_CASE("a queue of long lines behind a slow sink stays within its bytes", "[backpressure]") {
  test::TempDir dir;
  // 400 lines of 256 KiB: 100 MiB, which a bound of 10,000 records alone would all let in.
  auto engine = test::start_engine(dir, R"(sources:
  gen:
    type: demo_source
    rate: 0
    count: 400
    batch_size: 4
    line: "record {seq} )" + std::string(256 << 10, 'q') +
                                            R"("
sinks:
  slow:
    type: capture_sink
    inputs: [gen]
    path: /dev/null
    delay: 50ms
    buffer:
      max_bytes: 8MiB
)");
  auto& m = engine->metrics();
  auto delivered = [&] {
    return test::metric_value(m, "sluice_demo_acknowledged_events_total",
                              {{"outcome", "delivered"}});
  };
  const size_t rss_start = test::rss_kib();
  size_t rss_peak = rss_start;
  REQUIRE(test::wait_until(
      [&] {
        rss_peak = std::max(rss_peak, test::rss_kib());
        return delivered() == 400;
      },
      std::chrono::seconds(60)));
  // The queue's own peak, not a sample of it: a sampling loop on a loaded machine (or under
  // a sanitizer) can miss the moment it was full. The sink takes 20 MiB/s at most, the source
  // makes far more: the queue fills, and the source is held back at its bound.
  const size_t bytes_peak = engine->graph()->inbox("slow")->peak_bytes();
  CHECK(bytes_peak <= size_t{8} << 20);
  CHECK(bytes_peak >= size_t{6} << 20);
  CHECK(engine->graph()->inbox("slow")->peak_events() <= 32);
  CHECK(rss_peak - rss_start < 48 * 1024);
  CHECK(test::metric_value(m, "sluice_queue_bytes", {{"component_id", "slow"}}) <= 8 << 20);
  CHECK(test::metric_value(m, "sluice_queue_max_bytes", {{"component_id", "slow"}}) == 8 << 20);
  engine->stop();
}
