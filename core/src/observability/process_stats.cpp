#include "observability/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "lifecycle/process_counts.hpp"

namespace sluice::core {

namespace {

// The system's boot time (Unix seconds), from which a process's start is counted.
std::optional<double> boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return std::nullopt;
}

}  // namespace

std::optional<ProcessStats> read_process_stats() {
  std::ifstream in("/proc/self/stat");
  std::string text;
  if (!std::getline(in, text)) return std::nullopt;
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  // From field 3 (state) on; utime and stime are fields 14 and 15, starttime 22, vsize 23,
  // rss 24.
  std::string field;
  double utime = 0, stime = 0, starttime = 0, vsize = 0, rss = 0;
  for (int n = 3; n <= 24 && fields >> field; ++n) {
    if (n == 14) utime = std::stod(field);
    if (n == 15) stime = std::stod(field);
    if (n == 22) starttime = std::stod(field);
    if (n == 23) vsize = std::stod(field);
    if (n == 24) rss = std::stod(field);
  }
  if (!fields) return std::nullopt;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  ProcessStats s;
  s.cpu_seconds = (utime + stime) / ticks;
  s.resident_bytes = rss * page;
  s.virtual_bytes = vsize;
  s.open_fds = static_cast<double>(count_open_fds());
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) s.max_fds = static_cast<double>(limit.rlim_cur);
  if (auto boot = boot_time()) s.start_time_seconds = *boot + starttime / ticks;
  return s;
}

}  // namespace sluice::core
