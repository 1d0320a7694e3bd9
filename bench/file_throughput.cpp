// file_source's throughput: FILES files of LINES lines of about LINE_BYTES bytes, written
// first (so that they are read from the page cache), read by file_source into blackhole_sink
// in this process until every line is acknowledged. Prints one line of figures.
//
//   file_throughput FILES LINES LINE_BYTES
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
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
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s FILES LINES LINE_BYTES\n", argv[0]);
    return 2;
  }
  const long files = std::atol(argv[1]);
  const long lines = std::atol(argv[2]);
  const long line_bytes = std::atol(argv[3]);
  core::configure_logging(spdlog::level::warn, core::LogFormat::text);

  auto dir =
      std::filesystem::temp_directory_path() / ("sluice-file-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "logs");
  const long bytes = bench::write_line_files(dir / "logs", files, lines, line_bytes);
  if (bytes < 0) {
    std::perror("writing the benchmark's files");
    return 1;
  }
  const long total = files * lines;

  std::string yaml = "data_dir: " + (dir / "data").string() +
                     "\napi: {enabled: false}\n"
                     "sources:\n  files:\n    type: file_source\n    include: [" +
                     (dir / "logs").string() +
                     "/*.log]\n"
                     "sinks:\n  nowhere:\n    type: blackhole_sink\n    inputs: [files]\n";
  auto run = bench::run_until_sent(yaml, "nowhere", static_cast<double>(total));
  if (!run) return 1;
  const double seconds = run->seconds;
  const double cpu = run->cpu;
  std::filesystem::remove_all(dir);
  std::printf("%6ld  %9ld  %6ld  %12.0f  %9.1f  %7.2f  %7.2f  %8.1f\n", files, lines, line_bytes,
              total / seconds, bytes / 1e6 / seconds, seconds, cpu, bench::peak_rss_mib());
  return 0;
}
