// The graph's throughput: demo_source -> filter (keeping everything) -> blackhole_sink, in
// this process, until every record is acknowledged. Prints one line of figures.
//
//   graph_throughput RECORDS LINE_BYTES [BATCH_SIZE]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "bench_support.hpp"
#include "config/pipeline_config.hpp"
#include "engine.hpp"
#include "observability/logging.hpp"

using namespace sluice;

using bench::counter;
using bench::cpu_seconds;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s RECORDS LINE_BYTES [BATCH_SIZE]\n", argv[0]);
    return 2;
  }
  const long records = std::atol(argv[1]);
  const long line_bytes = std::atol(argv[2]);
  const long batch = argc > 3 ? std::atol(argv[3]) : 1000;
  core::configure_logging(spdlog::level::warn, core::LogFormat::text);

  // "event {seq} " padded with x up to the line size (seq takes up to 7 digits here).
  std::string line = "event {seq} " + std::string(line_bytes > 20 ? line_bytes - 20 : 1, 'x');
  std::string yaml =
      "api: {enabled: false}\n"
      "sources:\n  gen:\n    type: demo_source\n    rate: 0\n"
      "    count: " +
      std::to_string(records) + "\n    batch_size: " + std::to_string(batch) + "\n    line: \"" +
      line + "\"\n" +
      "    labels: {app: bench, host: bench-host}\n"
      "processors:\n  keep:\n    type: filter\n    inputs: [gen]\n    pattern: \"^event\"\n"
      "sinks:\n  nowhere:\n    type: blackhole_sink\n    inputs: [keep]\n";
  auto run = bench::run_until_sent(yaml, "nowhere", static_cast<double>(records));
  if (!run) return 1;
  const double seconds = run->seconds;
  const double cpu = run->cpu;
  double mb = static_cast<double>(records) * static_cast<double>(line_bytes) / 1e6;
  std::printf("%10ld  %6ld  %12.0f  %9.1f  %7.2f  %7.2f  %8.1f\n", records, line_bytes,
              records / seconds, mb / seconds, seconds, cpu, bench::peak_rss_mib());
  return 0;
}
