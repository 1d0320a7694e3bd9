// loki_sink: ships records to Grafana Loki's push API. One thread takes inbox batches,
// groups their records into streams, and makes a request when it reaches batch_max_bytes
// or batch_max_wait. By default it sends the request itself, so one is in flight at a time
// and each stream's order is kept across requests; with max_concurrency above 1, that many
// sender threads share the requests and order across them is not kept. While requests are
// retried nothing more is taken, so backpressure reaches the sources and memory stays
// bounded by max_concurrency requests and the inbox.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "delivery.hpp"
#include "push_batch.hpp"
#include "request_queue.hpp"
#include "sender.hpp"
#include "settings.hpp"
#include "sink_metrics.hpp"
#include "sluice/plugin.hpp"
#include "stream_labels.hpp"

namespace loki_sink {
namespace {

using Clock = std::chrono::steady_clock;

// A stream counts against max_streams while it has had an entry this recently, as a
// Loki ingester keeps a stream in memory.
constexpr auto stream_idle = std::chrono::minutes(5);

class LokiSink final : public sluice::Sink {
 public:
  static const sluice::SettingsDescription& settings_table() { return Settings::table(); }
  LokiSink(sluice::Context& ctx, const sluice::Config& cfg)
      : ctx_(ctx),
        settings_(Settings::read(cfg)),
        metrics_(ctx),
        labels_(settings_),
        delivery_(ctx),
        shared_(ctx, settings_, metrics_),
        queue_(settings_.max_concurrency) {}

  bool start() override {
    try {
      for (size_t i = 0; i < settings_.max_concurrency; ++i) {
        senders_.push_back(std::make_unique<Sender>(shared_));
      }
    } catch (const std::exception& e) {
      ctx_.error(e.what());
      return false;
    }
    if (settings_.max_concurrency > 1) {
      for (size_t i = 0; i < senders_.size(); ++i) {
        Sender* sender = senders_[i].get();
        bool ok =
            ctx_.spawn("loki-send-" + std::to_string(i),
                       [this, sender](sluice::StopToken stop) { send_queued(*sender, stop); });
        if (!ok) {
          queue_.close();
          return false;
        }
      }
    }
    if (!ctx_.spawn("loki-push", [this](sluice::StopToken stop) { run(stop); })) {
      queue_.close();
      return false;
    }
    return true;
  }

  // The senders wait for requests on a condition variable: closing the queue wakes them
  // even if the builder thread has already gone.
  void stop() override { queue_.close(); }

 private:
  void run(const sluice::StopToken& stop) {
    sluice::Batch batch;
    Clock::time_point deadline = Clock::time_point::max();
    while (true) {
      auto now = Clock::now();
      auto wait = std::chrono::milliseconds(250);
      if (!push_.empty()) {
        wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::max(deadline - now, Clock::duration::zero())));
      }
      auto s = ctx_.take(wait, batch);
      if (s == sluice::Status::stopped || s == sluice::Status::error) break;
      if (s == sluice::Status::ok) {
        if (push_.empty()) deadline = Clock::now() + settings_.batch_max_wait;
        add(std::exchange(batch, sluice::Batch()), stop, deadline);
      }
      if (!push_.empty() &&
          (push_.bytes() >= settings_.batch_max_bytes || Clock::now() >= deadline)) {
        send(stop);
      }
    }
    // The inbox is closed and empty: what is left goes out unless stop was requested, which
    // send turns into a failure for the sources to read again.
    if (!push_.empty()) send(stop);
    queue_.close();
    if (settings_.max_concurrency == 1) senders_.front()->close();
  }

  void send_queued(Sender& sender, const sluice::StopToken& stop) {
    while (auto request = queue_.pop()) {
      deliver(sender, *request, stop);
      queue_.done();
    }
    sender.close();
  }

  void deliver(Sender& sender, Request& request, const sluice::StopToken& stop) {
    auto outcome = sender.deliver(request, stop);
    delivery_.answered(request.held, outcome.outcome, outcome.reason);
  }

  void add(sluice::Batch batch, const sluice::StopToken& stop, Clock::time_point& deadline) {
    auto held = std::make_shared<HeldBatch>();
    held->batch = batch;
    LabelFixes fixes;
    // Records of one batch mostly share one label array: its selector is computed once.
    const sluice_label_t* last_labels = nullptr;
    uint32_t last_count = 0;
    std::string selector;
    auto now = Clock::now();
    for (const auto& r : held->batch) {
      if (r.labels != last_labels || r.label_count != last_count || r.labels == nullptr) {
        selector = labels_.selector(r, fixes);
        last_labels = r.labels;
        last_count = r.label_count;
      }
      if (selector.empty()) {
        metrics_.no_labels.add();
        delivery_.worsen(*held, SLUICE_OUTCOME_REJECTED,
                         "a record has no labels; Loki needs one at least");
        warn_once(no_labels_warned_,
                  "records without labels are dropped: Loki refuses a stream without labels "
                  "(give the sink static labels)");
        continue;
      }
      std::string_view line = sluice::view(r.line);
      if (line.size() > settings_.max_line_bytes) {
        if (settings_.line_too_long == LongLine::drop) {
          metrics_.line_too_long.add();
          delivery_.worsen(*held, SLUICE_OUTCOME_REJECTED, "line longer than max_line_bytes");
          continue;
        }
        line = line.substr(0, settings_.max_line_bytes);
        metrics_.lines_truncated.add();
      }
      if (!admit_stream(selector, now)) {
        metrics_.max_streams.add();
        delivery_.worsen(*held, SLUICE_OUTCOME_REJECTED, "max_streams reached");
        warn_once(max_streams_warned_, "max_streams (" + std::to_string(settings_.max_streams) +
                                           ") reached: entries of new streams are dropped");
        continue;
      }
      const bool metadata = settings_.structured_metadata;
      size_t cost = push_.cost(selector, line, r, metadata);
      if (!push_.empty() && push_.bytes() + cost > settings_.batch_max_bytes) {
        send(stop);
        deadline = Clock::now() + settings_.batch_max_wait;
        cost = push_.cost(selector, line, r, metadata);
      }
      delivery_.holds(held);
      push_.add(
          selector,
          [&] {
            // The selector is the last one labels_ made: its pairs are still there.
            return settings_.encoding == Encoding::json
                       ? labels_.pairs()
                       : std::vector<std::pair<std::string, std::string>>{};
          },
          Entry{r.timestamp_ns, line, &r}, cost);
    }
    count_fixes(fixes);
    delivery_.filled(held);
  }

  // Streams active recently; a new one beyond max_streams is refused.
  bool admit_stream(const std::string& selector, Clock::time_point now) {
    if (now - last_prune_ > std::chrono::seconds(10)) {
      for (auto it = active_.begin(); it != active_.end();) {
        it = now - it->second > stream_idle ? active_.erase(it) : std::next(it);
      }
      last_prune_ = now;
      metrics_.active_streams.set(static_cast<double>(active_.size()));
    }
    auto it = active_.find(selector);
    if (it != active_.end()) {
      it->second = now;
      return true;
    }
    if (active_.size() >= settings_.max_streams) return false;
    active_.emplace(selector, now);
    metrics_.active_streams.set(static_cast<double>(active_.size()));
    return true;
  }

  void count_fixes(const LabelFixes& f) {
    if (f.invalid_names)
      metrics_.label_fixes.at("invalid_name").add(static_cast<double>(f.invalid_names));
    if (f.long_names) metrics_.label_fixes.at("long_name").add(static_cast<double>(f.long_names));
    if (f.long_values)
      metrics_.label_fixes.at("long_value").add(static_cast<double>(f.long_values));
    if (f.too_many) metrics_.label_fixes.at("too_many").add(static_cast<double>(f.too_many));
    if (f.duplicates) metrics_.label_fixes.at("duplicate").add(static_cast<double>(f.duplicates));
  }

  void warn_once(bool& warned, const std::string& message) {
    if (warned) return;
    warned = true;
    ctx_.warn(message);
  }

  // Encodes the request being built and sends it, or queues it for the senders.
  void send(const sluice::StopToken& stop) {
    Request request;
    request.content_type = push_.encode(settings_, request.body, &request.gzip);
    request.entries = push_.entries();
    request.held = delivery_.take_current();
    push_.clear();
    if (settings_.max_concurrency == 1) {
      deliver(*senders_.front(), request, stop);
    } else {
      if (!queue_.push(request)) {
        metrics_.stopped.add(static_cast<double>(request.entries));
        delivery_.answered(request.held, SLUICE_OUTCOME_FAILED,
                           "stopped before Loki accepted the request");
      }
    }
  }

  sluice::Context& ctx_;
  Settings settings_;
  SinkMetrics metrics_;
  StreamLabels labels_;
  PushBatch push_;
  Delivery delivery_;
  SenderShared shared_;
  RequestQueue queue_;
  std::vector<std::unique_ptr<Sender>> senders_;
  bool no_labels_warned_ = false;
  bool max_streams_warned_ = false;
  std::unordered_map<std::string, Clock::time_point> active_;
  Clock::time_point last_prune_ = Clock::now();
};

}  // namespace
}  // namespace loki_sink

SLUICE_PLUGIN(loki_sink::LokiSink, "loki_sink", "1.0.0",
              "Ships records to Grafana Loki's push API (protobuf + snappy, or JSON)")
