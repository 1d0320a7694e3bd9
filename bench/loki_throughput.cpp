// loki_sink's throughput: FILES files of LINES lines of LINE_BYTES bytes (one stream per
// file, by its filename label), read by file_source and shipped by loki_sink to the test
// receiver, which runs in a child process (so that its decoding is not charged to Sluice's
// CPU and memory) and checks that every entry arrived. Prints one line of figures.
//
//   loki_throughput FILES LINES LINE_BYTES [protobuf|json]
//   loki_throughput --receiver      (the child: prints its port, counts until stdin closes)
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "bench_support.hpp"
#include "config/pipeline_config.hpp"
#include "engine.hpp"
#include "loki_receiver.hpp"
#include "observability/logging.hpp"

using namespace sluice;

using bench::counter;
using bench::cpu_seconds;

namespace {

int receiver() {
  test::LokiReceiver loki;
  loki.keep_entries(false);
  std::printf("%u\n", loki.port());
  std::fflush(stdout);
  std::string ignored;
  while (std::getline(std::cin, ignored)) {
  }
  std::printf("%zu\n", loki.entry_count());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && std::string(argv[1]) == "--receiver") return receiver();
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s FILES LINES LINE_BYTES [protobuf|json]\n", argv[0]);
    return 2;
  }
  const long files = std::atol(argv[1]);
  const long lines = std::atol(argv[2]);
  const long line_bytes = std::atol(argv[3]);
  const std::string encoding = argc > 4 ? argv[4] : "protobuf";
  core::configure_logging(spdlog::level::warn, core::LogFormat::text);

  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return 1;
  pid_t child = ::fork();
  if (child == 0) {
    ::dup2(to_child[0], 0);
    ::dup2(from_child[1], 1);
    ::close(to_child[1]);
    ::close(from_child[0]);
    ::execl("/proc/self/exe", argv[0], "--receiver", static_cast<char*>(nullptr));
    _exit(127);
  }
  ::close(to_child[0]);
  ::close(from_child[1]);
  FILE* answers = ::fdopen(from_child[0], "r");
  unsigned port = 0;
  if (std::fscanf(answers, "%u", &port) != 1) return 1;

  auto dir =
      std::filesystem::temp_directory_path() / ("sluice-loki-bench-" + std::to_string(::getpid()));
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
                     "sinks:\n  loki:\n    type: loki_sink\n    inputs: [files]\n"
                     "    url: http://127.0.0.1:" +
                     std::to_string(port) + "\n    encoding: " + encoding +
                     "\n    batch_max_wait: 200ms\n    labels: {job: bench}\n";
  auto run = bench::run_until_sent(yaml, "loki", static_cast<double>(total));
  if (!run) return 1;
  const double seconds = run->seconds;
  const double cpu = run->cpu;
  std::filesystem::remove_all(dir);
  ::close(to_child[1]);
  unsigned long received = 0;
  if (std::fscanf(answers, "%lu", &received) != 1) received = 0;
  ::waitpid(child, nullptr, 0);
  std::printf("%6ld  %9ld  %6ld  %9s  %12.0f  %9.1f  %7.2f  %7.2f  %8.1f  %s\n", files, lines,
              line_bytes, encoding.c_str(), total / seconds, bytes / 1e6 / seconds, seconds, cpu,
              bench::peak_rss_mib(),
              received == static_cast<unsigned long>(total) ? "all received" : "MISSING ENTRIES");
  return received == static_cast<unsigned long>(total) ? 0 : 1;
}
