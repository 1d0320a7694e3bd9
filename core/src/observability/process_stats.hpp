// The process's own figures, as every Prometheus client library exports them (process_*):
// CPU time, memory, descriptors and start time, read from /proc.
#pragma once

#include <optional>

namespace sluice::core {

struct ProcessStats {
  double cpu_seconds = 0;  // user and system time
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double open_fds = 0;
  double max_fds = 0;             // the soft limit
  double start_time_seconds = 0;  // since the Unix epoch
};

// Nothing when /proc cannot be read.
std::optional<ProcessStats> read_process_stats();

}  // namespace sluice::core
