// What the in-process benchmarks share: a counter read from the engine's registry, the
// process's CPU seconds, and the files of numbered lines the file benchmarks read.
#pragma once

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include <string>

#include "config/pipeline_config.hpp"
#include "engine.hpp"

namespace sluice::bench {

inline double counter(core::Metrics& metrics, const std::string& name,
                      const std::string& component) {
  for (const auto& family : metrics.registry()->Collect()) {
    if (family.name != name) continue;
    for (const auto& m : family.metric) {
      for (const auto& l : m.label) {
        if (l.name == "component_id" && l.value == component) return m.counter.value;
      }
    }
  }
  return 0;
}

// Writes FILES files f0.log, f1.log... of LINES numbered lines of LINE_BYTES bytes each into
// dir (so that they are read from the page cache). Returns the bytes written, or -1.
// How the benchmark's files are written: text lines, or as a container runtime writes them in
// the CRI format, each line whole (F) or in two pieces (P, then F).
enum class Layout { raw, cri, cri_split };

// FILES files of LINES lines of LINE_BYTES bytes each (newline included; with cri_split, the
// two pieces together hold the same text as cri's line). path_of(f) names file f.
template <class PathOf>
long write_line_files(PathOf path_of, long files, long lines, long line_bytes,
                      Layout layout = Layout::raw) {
  const std::string cri_time = "2026-12-03T10:00:00.123456789Z stdout ";
  long bytes = 0;
  for (long f = 0; f < files; ++f) {
    const std::filesystem::path path = path_of(f);
    std::filesystem::create_directories(path.parent_path());
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return -1;
    std::string chunk;
    for (long i = 1; i <= lines; ++i) {
      std::string line = "2026-11-23T23:01:32Z level=info line=" + std::to_string(i) + " ";
      const size_t prefix = layout == Layout::raw ? 0 : cri_time.size() + 2;
      line.resize(static_cast<size_t>(line_bytes - 1) - prefix, 'x');
      if (layout == Layout::raw) {
        chunk += line + "\n";
      } else if (layout == Layout::cri) {
        chunk += cri_time + "F " + line + "\n";
      } else {
        const size_t half = line.size() / 2;
        chunk += cri_time + "P " + line.substr(0, half) + "\n";
        chunk += cri_time + "F " + line.substr(half) + "\n";
      }
      if (chunk.size() > (1 << 20) || i == lines) {
        if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) {
          ::close(fd);
          return -1;
        }
        bytes += static_cast<long>(chunk.size());
        chunk.clear();
      }
    }
    ::close(fd);
  }
  return bytes;
}

inline long write_line_files(const std::filesystem::path& dir, long files, long lines,
                             long line_bytes) {
  return write_line_files([&](long f) { return dir / ("f" + std::to_string(f) + ".log"); }, files,
                          lines, line_bytes);
}

inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Figures {
  double seconds = 0;  // from start until the sink had sent every record
  double cpu = 0;      // CPU seconds of the process over the same span
};

// Loads the pipeline, starts it, and waits until the sink component has sent total records;
// then stops it. Nothing (with the errors on stderr) if it could not load or start.
inline std::optional<Figures> run_until_sent(const std::string& yaml, const std::string& sink,
                                             double total) {
  core::Diagnostics diags;
  auto config = core::load_pipeline_text(yaml, "<bench>", diags);
  core::Engine engine({{SLUICE_BENCH_PLUGIN_DIR}, false});
  if (!config || !engine.load(*config, diags)) {
    std::fprintf(stderr, "%s", diags.to_string().c_str());
    return std::nullopt;
  }
  const double cpu_before = cpu_seconds();
  const auto began = std::chrono::steady_clock::now();
  std::string error;
  if (!engine.start(error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return std::nullopt;
  }
  while (counter(engine.metrics(), "sluice_component_sent_events_total", sink) < total) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  Figures f;
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  f.cpu = cpu_seconds() - cpu_before;
  engine.stop();
  return f;
}

// Peak resident set size of this process so far, in MiB.
inline double peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

}  // namespace sluice::bench
