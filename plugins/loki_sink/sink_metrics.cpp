#include "sink_metrics.hpp"

#include <utility>
#include <vector>

#include "rejection.hpp"

namespace loki_sink {

SinkMetrics::SinkMetrics(const sluice::Context& ctx) {
  entries_sent =
      ctx.counter("sluice_loki_entries_sent_total", "Entries Loki accepted (2xx answers).");
  bytes_sent = ctx.counter("sluice_loki_bytes_sent_total",
                           "Request body bytes (compressed) of the requests Loki accepted.");
  for (const char* s : {"2xx", "4xx", "429", "5xx", "error"}) {
    requests[s] =
        ctx.counter("sluice_loki_requests_total",
                    "Push requests by outcome: HTTP status class, or error when no answer came.",
                    sluice::LabelSet{{"status", s}});
  }
  duration = ctx.histogram("sluice_loki_request_duration_seconds",
                           "Time from sending a push request to its answer.",
                           {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
  retries = ctx.counter("sluice_loki_retries_total",
                        "Push requests sent again after a 429, a 5xx or a connection error.");
  waited =
      ctx.counter("sluice_loki_retry_wait_seconds_total", "Time spent waiting before retries.");
  auto drop = [&](const char* reason) {
    return ctx.counter("sluice_loki_entries_dropped_total", "Entries not delivered, by reason.",
                       sluice::LabelSet{{"reason", reason}});
  };
  line_too_long = drop("line_too_long");
  max_streams = drop("max_streams");
  no_labels = drop("no_labels");
  rejected = drop("rejected");
  retry_expired = drop("retry_expired");
  stopped = drop("stopped");
  for (const auto& r : rejection_reasons()) {
    rejections[r] =
        ctx.counter("sluice_loki_rejected_requests_total",
                    "Requests Loki refused for good (4xx but 429), by the reason its answer gives.",
                    sluice::LabelSet{{"reason", r}});
  }
  in_flight = ctx.gauge("sluice_loki_requests_in_flight", "Push requests awaiting an answer.");
  backoff = ctx.gauge("sluice_loki_backoff_seconds",
                      "The longest wait before a retry now pending; 0 when not retrying.");
  lines_truncated = ctx.counter("sluice_loki_lines_truncated_total",
                                "Lines cut to max_line_bytes (line_too_long: truncate).");
  for (const char* f : {"invalid_name", "long_name", "long_value", "too_many", "duplicate"}) {
    label_fixes[f] = ctx.counter("sluice_loki_label_fixes_total",
                                 "Labels changed or left out to meet Loki's rules.",
                                 sluice::LabelSet{{"fix", f}});
  }
  active_streams =
      ctx.gauge("sluice_loki_active_streams", "Streams with an entry in the last 5 minutes.");
}

}  // namespace loki_sink
