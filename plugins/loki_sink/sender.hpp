// Delivers one push request: sends it until Loki answers for good, the retries run out, or
// stop is requested, and says how its records end. Each sender has its own connection and
// backoff; what they share (metrics, the log limiter, whether Loki is failing) is safe to
// share between threads.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "delivery.hpp"
#include "push_client.hpp"
#include "rejection.hpp"
#include "retry_after.hpp"
#include "settings.hpp"
#include "sink_metrics.hpp"
#include "sluice/backoff.hpp"

namespace loki_sink {

struct Request {
  std::string body;
  std::string content_type;
  bool gzip = false;
  size_t entries = 0;
  std::vector<std::shared_ptr<HeldBatch>> held;
};

// What the senders of one node share.
struct SenderShared {
  SenderShared(const sluice::Context& c, const Settings& s, SinkMetrics& m)
      : ctx(c), settings(s), metrics(m) {}
  const sluice::Context& ctx;
  const Settings& settings;
  SinkMetrics& metrics;
  std::mutex log_mutex;
  LogLimiter rejections_logged{std::chrono::minutes(1)};
  std::atomic<int> failing{0};  // senders between a failure and their next success
  std::atomic<int> in_flight{0};
};

class Sender {
 public:
  // Throws std::runtime_error when the TLS files cannot be loaded.
  explicit Sender(SenderShared& shared)
      : shared_(shared),
        client_(shared.settings),
        backoff_(shared.settings.min_backoff, shared.settings.max_backoff) {}

  struct Outcome {
    sluice_outcome_t outcome = SLUICE_OUTCOME_DELIVERED;
    std::string reason;
  };
  Outcome deliver(const Request& request, const sluice::StopToken& stop);
  void close() { client_.close(); }

 private:
  Outcome reject(const PushResult& r, const Request& request);
  void failing(bool now);

  SenderShared& shared_;
  PushClient client_;
  sluice::Backoff backoff_;
  bool failing_ = false;
};

}  // namespace loki_sink
