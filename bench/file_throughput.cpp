// file_source's throughput: FILES files of LINES lines of about LINE_BYTES bytes, written
// first (so that they are read from the page cache), read by file_source into blackhole_sink
// in this process until every line is acknowledged. Prints one line of figures.
//
//   file_throughput FILES LINES LINE_BYTES [raw|cri|cri_split]
//
// cri and cri_split write the files as a container runtime does, in the kubelet's layout, and
// read them with kubernetes_logs: each line whole, or in two pieces that are joined again.
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
    std::fprintf(stderr, "usage: %s FILES LINES LINE_BYTES [raw|cri|cri_split]\n", argv[0]);
    return 2;
  }
  const long files = std::atol(argv[1]);
  const long lines = std::atol(argv[2]);
  const long line_bytes = std::atol(argv[3]);
  const std::string layout_name = argc > 4 ? argv[4] : "raw";
  const auto layout = layout_name == "cri"         ? bench::Layout::cri
                      : layout_name == "cri_split" ? bench::Layout::cri_split
                                                   : bench::Layout::raw;
  core::configure_logging(spdlog::level::warn, core::LogFormat::text);

  auto dir =
      std::filesystem::temp_directory_path() / ("sluice-file-bench-" + std::to_string(::getpid()));
  const auto pods = dir / "pods";
  const long bytes = bench::write_line_files(
      [&](long f) {
        const std::string n = std::to_string(f);
        return layout == bench::Layout::raw
                   ? dir / "logs" / ("f" + n + ".log")
                   : pods / ("bench_pod-" + n + "_uid-" + n) / "c" / "0.log";
      },
      files, lines, line_bytes, layout);
  if (bytes < 0) {
    std::perror("writing the benchmark's files");
    return 1;
  }
  const long total = files * lines;

  const std::string source =
      layout == bench::Layout::raw
          ? "    type: file_source\n    include: [" + (dir / "logs").string() + "/*.log]\n"
          : "    type: kubernetes_logs\n    pods_dir: " + pods.string() + "\n";
  std::string yaml = "data_dir: " + (dir / "data").string() +
                     "\napi: {enabled: false}\n"
                     "sources:\n  files:\n" +
                     source + "sinks:\n  nowhere:\n    type: blackhole_sink\n    inputs: [files]\n";
  auto run = bench::run_until_sent(yaml, "nowhere", static_cast<double>(total));
  if (!run) return 1;
  const double seconds = run->seconds;
  const double cpu = run->cpu;
  std::filesystem::remove_all(dir);
  std::printf("%-9s  %6ld  %9ld  %6ld  %12.0f  %9.1f  %7.2f  %7.2f  %8.1f\n", layout_name.c_str(),
              files, lines, line_bytes, total / seconds, bytes / 1e6 / seconds, seconds, cpu,
              bench::peak_rss_mib());
  return 0;
}
