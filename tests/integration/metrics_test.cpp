// The API: /metrics that Prometheus's own checker accepts, /healthz, /ready, /debug/threads.
#include <catch2/catch.hpp>
#include <ctime>

#include "helpers.hpp"
#include "http_client.hpp"
#include "pipeline.hpp"
#include "subprocess.hpp"
#include "version.hpp"

using namespace sluice;

namespace {
const char* pipeline(const std::string& out) {
  static std::string yaml;
  yaml = R"yaml(api:
  listen: 127.0.0.1:0
sources:
  gen:
    type: demo_source
    rate: 500
processors:
  keep:
    type: filter
    inputs: [gen]
    pattern: "level=(warn|error)"
sinks:
  out:
    type: capture_sink
    inputs: [keep]
    path: )yaml" +
         out + "\n";
  return yaml.c_str();
}
}  // namespace

TEST_CASE("/metrics passes promtool check metrics and carries the core metrics", "[api]") {
  test::TempDir dir;
  auto engine = test::start_engine(dir, pipeline(dir.file("out.txt")), true);
  REQUIRE(engine->api_port() != 0);
  REQUIRE(test::wait_until([&] {
    return test::metric_value(engine->metrics(), "sluice_component_sent_events_total",
                              {{"component_id", "out"}}) > 0;
  }));
  // At least 50 ms of CPU time by the time of the scrape: the counter counts in 10 ms ticks.
  const std::clock_t spin_from = std::clock();
  while (std::clock() - spin_from < CLOCKS_PER_SEC / 20) {
  }
  auto reply = test::http_get(engine->api_port(), "/metrics");
  REQUIRE(reply.status == 200);
  for (const char* name :
       {"sluice_component_received_events_total", "sluice_component_sent_events_total",
        "sluice_component_discarded_events_total", "sluice_component_errors_total",
        "sluice_queue_events", "sluice_lifecycle_violations_total", "sluice_config_reloads_total",
        "sluice_process_threads", "sluice_process_open_fds",
        "sluice_demo_acknowledged_events_total"}) {
    CHECK(reply.body.find(name) != std::string::npos);
  }
  // The standard process metrics, with values that are this process's.
  CHECK(test::metric_value(engine->metrics(), "process_cpu_seconds_total", {}) >= 0.04);
  CHECK(test::metric_value(engine->metrics(), "process_resident_memory_bytes", {}) > 1e6);
  CHECK(test::metric_value(engine->metrics(), "process_virtual_memory_bytes", {}) > 1e6);
  CHECK(test::metric_value(engine->metrics(), "process_open_fds", {}) > 3);
  CHECK(test::metric_value(engine->metrics(), "process_max_fds", {}) >= 1024);
  const double started = test::metric_value(engine->metrics(), "process_start_time_seconds", {});
  const double now = static_cast<double>(std::time(nullptr));
  CHECK(started > now - 3600);
  CHECK(started <= now + 1);
  CHECK(reply.body.find("sluice_build_info{revision=\"") != std::string::npos);
  CHECK(reply.body.find("version=\"" SLUICE_VERSION "\"} 1") != std::string::npos);
  CHECK(reply.body.find(R"(component_id="keep",component_type="filter")") != std::string::npos);
  // Each queue's bounds beside its fill: the defaults here.
  CHECK(test::metric_value(engine->metrics(), "sluice_queue_max_events",
                           {{"component_id", "out"}}) == 10'000);
  CHECK(test::metric_value(engine->metrics(), "sluice_queue_max_bytes",
                           {{"component_id", "out"}}) == 64 << 20);
  test::write_file(dir.file("metrics.txt"), reply.body);
  // promtool reads the exposition on standard input.
  auto r = test::run({"/bin/sh", "-c", "promtool check metrics < " + dir.file("metrics.txt")});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  engine->stop();
}

TEST_CASE("/healthz, /ready and /debug/threads answer", "[api]") {
  test::TempDir dir;
  auto engine = test::start_engine(dir, pipeline(dir.file("out.txt")), true);
  auto port = engine->api_port();
  CHECK(test::http_get(port, "/healthz").status == 200);
  CHECK(test::http_get(port, "/ready").status == 200);
  auto threads = test::http_get(port, "/debug/threads");
  REQUIRE(threads.status == 200);
  CHECK(threads.body.find(
            R"("component_id":"gen","component_type":"demo_source","name":"generator")") !=
        std::string::npos);
  CHECK(threads.body.find(
            R"("component_id":"out","component_type":"capture_sink","name":"capture")") !=
        std::string::npos);
  CHECK(threads.body.find(R"("component_id":"keep","component_type":"filter","name":"worker")") !=
        std::string::npos);
  CHECK(threads.body.find(R"("state":"running")") != std::string::npos);
  CHECK(test::http_get(port, "/nothing").status == 404);
  engine->stop();
  CHECK(test::http_get(port, "/healthz").status == 0);  // the listener is gone with the engine
}
