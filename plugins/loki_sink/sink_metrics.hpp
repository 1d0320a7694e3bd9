// loki_sink's metrics, registered once per node and shared by its threads (recording a
// metric is safe from any of them).
#pragma once

#include <map>
#include <string>

#include "sluice/context.hpp"

namespace loki_sink {

struct SinkMetrics {
  explicit SinkMetrics(const sluice::Context& ctx);

  sluice::Metric entries_sent, bytes_sent, duration, retries, waited, in_flight, backoff,
      lines_truncated, active_streams;
  // Dropped entries by reason.
  sluice::Metric line_too_long, max_streams, no_labels, rejected, retry_expired, stopped;
  std::map<std::string, sluice::Metric> requests;     // by status class
  std::map<std::string, sluice::Metric> rejections;   // by Loki's reason
  std::map<std::string, sluice::Metric> label_fixes;  // by fix
};

}  // namespace loki_sink
