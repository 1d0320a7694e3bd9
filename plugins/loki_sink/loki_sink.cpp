// loki_sink: ships records to Grafana Loki's push API. One thread takes inbox batches,
// groups their records into streams, and sends a request when it reaches batch_max_bytes
// or batch_max_wait. One request is in flight at a time, so each stream's order is kept
// across requests; while a request is retried nothing more is taken, so backpressure
// reaches the sources and memory stays bounded by one request and the inbox.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "backoff.hpp"
#include "delivery.hpp"
#include "push_batch.hpp"
#include "push_client.hpp"
#include "rejection.hpp"
#include "settings.hpp"
#include "sluice/plugin.hpp"
#include "stream_labels.hpp"

namespace loki_sink {
namespace {

using Clock = std::chrono::steady_clock;

sluice::LabelSet one_label(const std::string& name, const std::string& value) {
  return sluice::LabelSet(std::vector<std::pair<std::string, std::string>>{{name, value}});
}

// A stream counts against max_streams while it has had an entry this recently, as a
// Loki ingester keeps a stream in memory.
constexpr auto stream_idle = std::chrono::minutes(5);

class LokiSink final : public sluice::Sink {
 public:
  LokiSink(sluice::Context& ctx, const sluice::Config& cfg)
      : ctx_(ctx),
        settings_(Settings::read(cfg)),
        labels_(settings_),
        delivery_(ctx),
        backoff_(settings_.min_backoff, settings_.max_backoff),
        rejections_logged_(std::chrono::minutes(1)) {
    register_metrics();
  }

  bool start() override {
    try {
      client_ = std::make_unique<PushClient>(settings_);
    } catch (const std::exception& e) {
      ctx_.error(e.what());
      return false;
    }
    return ctx_.spawn("loki-push", [this](sluice::StopToken stop) { run(stop); });
  }

 private:
  struct Drops {
    sluice::Metric line_too_long, max_streams, no_labels, rejected, retry_expired, stopped;
  };

  void register_metrics() {
    entries_sent_ =
        ctx_.counter("sluice_loki_entries_sent_total", "Entries Loki accepted (2xx answers).");
    bytes_sent_ = ctx_.counter("sluice_loki_bytes_sent_total",
                               "Request body bytes (compressed) of the requests Loki accepted.");
    for (const char* s : {"2xx", "4xx", "429", "5xx", "error"}) {
      batches_[s] = ctx_.counter("sluice_loki_requests_total",
                                 "Push requests by outcome: HTTP status class, or error when no "
                                 "answer came.",
                                 one_label("status", s));
    }
    duration_ = ctx_.histogram("sluice_loki_request_duration_seconds",
                               "Time from sending a push request to its answer.",
                               {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
    retries_ = ctx_.counter("sluice_loki_retries_total",
                            "Push requests sent again after a 429, a 5xx or a connection error.");
    auto drop = [&](const char* reason) {
      return ctx_.counter("sluice_loki_entries_dropped_total", "Entries not delivered, by reason.",
                          one_label("reason", reason));
    };
    drops_.line_too_long = drop("line_too_long");
    drops_.max_streams = drop("max_streams");
    drops_.no_labels = drop("no_labels");
    drops_.rejected = drop("rejected");
    drops_.retry_expired = drop("retry_expired");
    drops_.stopped = drop("stopped");
    for (const auto& r : rejection_reasons()) {
      rejected_by_reason_[r] = ctx_.counter("sluice_loki_rejected_requests_total",
                                            "Requests Loki refused for good (4xx but 429), by "
                                            "the reason its answer gives.",
                                            one_label("reason", r));
    }
    in_flight_ = ctx_.gauge("sluice_loki_requests_in_flight", "Push requests awaiting an answer.");
    backoff_gauge_ = ctx_.gauge("sluice_loki_backoff_seconds",
                                "The wait before the current retry; 0 when not retrying.");
    waited_ =
        ctx_.counter("sluice_loki_retry_wait_seconds_total", "Time spent waiting before retries.");
    lines_truncated_ = ctx_.counter("sluice_loki_lines_truncated_total",
                                    "Lines cut to max_line_bytes (line_too_long: truncate).");
    for (const char* f : {"invalid_name", "long_name", "long_value", "too_many", "duplicate"}) {
      label_fixes_[f] =
          ctx_.counter("sluice_loki_label_fixes_total",
                       "Labels changed or left out to meet Loki's rules.", one_label("fix", f));
    }
    active_streams_ =
        ctx_.gauge("sluice_loki_active_streams", "Streams with an entry in the last 5 minutes.");
  }

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
        add(std::move(batch), stop, deadline);
      }
      if (!push_.empty() &&
          (push_.bytes() >= settings_.batch_max_bytes || Clock::now() >= deadline)) {
        send(stop);
      }
    }
    // The inbox is closed and empty: what is left goes out unless stop was requested, which
    // send turns into a failure for the sources to read again.
    if (!push_.empty()) send(stop);
    client_->close();
  }

  void add(sluice::Batch batch, const sluice::StopToken& stop, Clock::time_point& deadline) {
    auto held = std::make_shared<HeldBatch>();
    held->batch = std::move(batch);
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
        drops_.no_labels.add();
        held->worsen(SLUICE_OUTCOME_REJECTED, "a record has no labels; Loki needs one at least");
        warn_once(no_labels_warned_,
                  "records without labels are dropped: Loki refuses a stream without labels "
                  "(give the sink static labels)");
        continue;
      }
      std::string_view line = sluice::view(r.line);
      if (line.size() > settings_.max_line_bytes) {
        if (settings_.line_too_long == LongLine::drop) {
          drops_.line_too_long.add();
          held->worsen(SLUICE_OUTCOME_REJECTED, "line longer than max_line_bytes");
          continue;
        }
        line = line.substr(0, settings_.max_line_bytes);
        lines_truncated_.add();
      }
      if (!admit_stream(selector, now)) {
        drops_.max_streams.add();
        held->worsen(SLUICE_OUTCOME_REJECTED, "max_streams reached");
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
          selector, [&] { return label_pairs(selector); }, Entry{r.timestamp_ns, line, &r}, cost);
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
      active_streams_.set(static_cast<double>(active_.size()));
    }
    auto it = active_.find(selector);
    if (it != active_.end()) {
      it->second = now;
      return true;
    }
    if (active_.size() >= settings_.max_streams) return false;
    active_.emplace(selector, now);
    active_streams_.set(static_cast<double>(active_.size()));
    return true;
  }

  // JSON's "stream" object needs the pairs back; only done when a stream first appears.
  std::vector<std::pair<std::string, std::string>> label_pairs(const std::string& selector) {
    std::vector<std::pair<std::string, std::string>> out;
    if (settings_.encoding != Encoding::json) return out;
    return parse_selector(selector);
  }

  static std::vector<std::pair<std::string, std::string>> parse_selector(std::string_view s) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t i = 1;  // past '{'
    while (i < s.size() && s[i] != '}') {
      size_t eq = s.find('=', i);
      std::string name(s.substr(i, eq - i));
      std::string value;
      i = eq + 2;  // past ="
      while (i < s.size() && s[i] != '"') {
        if (s[i] == '\\' && i + 1 < s.size()) {
          char c = s[++i];
          if (c == 'n') {
            value += '\n';
          } else if (c == 'r') {
            value += '\r';
          } else if (c == 't') {
            value += '\t';
          } else if (c == 'x' && i + 2 < s.size()) {
            value += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
          } else {
            value += c;
          }
        } else {
          value += s[i];
        }
        ++i;
      }
      out.emplace_back(std::move(name), std::move(value));
      i += 1;                                   // past the closing quote
      if (i < s.size() && s[i] == ',') i += 2;  // past ", "
    }
    return out;
  }

  void count_fixes(const LabelFixes& f) {
    if (f.invalid_names) label_fixes_["invalid_name"].add(static_cast<double>(f.invalid_names));
    if (f.long_names) label_fixes_["long_name"].add(static_cast<double>(f.long_names));
    if (f.long_values) label_fixes_["long_value"].add(static_cast<double>(f.long_values));
    if (f.too_many) label_fixes_["too_many"].add(static_cast<double>(f.too_many));
    if (f.duplicates) label_fixes_["duplicate"].add(static_cast<double>(f.duplicates));
  }

  void warn_once(bool& warned, const std::string& message) {
    if (warned) return;
    warned = true;
    ctx_.warn(message);
  }

  // Sends the request being built until it is answered for good, the retries run out, or
  // stop is requested; then finishes what it carried.
  void send(const sluice::StopToken& stop) {
    bool gzip = false;
    const std::string content_type = push_.encode(settings_, body_, &gzip);
    const double entries = static_cast<double>(push_.entries());
    const auto first_try = Clock::now();
    while (true) {
      in_flight_.set(1);
      auto started = Clock::now();
      PushResult r = client_->post(body_, content_type, gzip, stop);
      in_flight_.set(0);
      if (r.status != 0) {
        duration_.observe(std::chrono::duration<double>(Clock::now() - started).count());
      }
      if (r.status >= 200 && r.status < 300) {
        batches_["2xx"].add();
        entries_sent_.add(entries);
        bytes_sent_.add(static_cast<double>(body_.size()));
        if (retrying_) ctx_.info("Loki accepts pushes again at " + settings_.endpoint.text);
        retrying_ = false;
        backoff_.reset();
        backoff_gauge_.set(0);
        finish(SLUICE_OUTCOME_DELIVERED, {});
        return;
      }
      const bool retry = r.status == 0 || r.status == 429 || r.status >= 500;
      if (!retry) {
        reject(r, entries);
        return;
      }
      batches_[r.status == 0 ? "error" : r.status == 429 ? "429" : "5xx"].add();
      if (r.stopped || stop.requested()) {
        drops_.stopped.add(entries);
        finish(SLUICE_OUTCOME_FAILED, "stopped before Loki accepted the request");
        return;
      }
      auto wait = backoff_.next();
      if (auto after = parse_retry_after(r.retry_after, std::chrono::system_clock::now())) {
        // The server knows best when to come back; only an absurd value is bounded.
        wait = std::min(std::max(*after, wait), std::chrono::milliseconds(3600 * 1000));
      }
      if (settings_.max_retry_duration &&
          Clock::now() + wait - first_try > *settings_.max_retry_duration) {
        drops_.retry_expired.add(entries);
        ctx_.error("giving up on a push request after max_retry_duration: " + describe(r));
        finish(SLUICE_OUTCOME_FAILED, "Loki did not accept the request within max_retry_duration");
        return;
      }
      if (!retrying_) {
        ctx_.warn("push to " + settings_.endpoint.text +
                  " failed, retrying with backoff: " + describe(r));
      }
      retrying_ = true;
      retries_.add();
      backoff_gauge_.set(std::chrono::duration<double>(wait).count());
      waited_.add(std::chrono::duration<double>(wait).count());
      if (stop.wait_for(wait)) {
        drops_.stopped.add(entries);
        finish(SLUICE_OUTCOME_FAILED, "stopped before Loki accepted the request");
        return;
      }
    }
  }

  void reject(const PushResult& r, double entries) {
    batches_["4xx"].add();
    std::string reason = rejection_reason(r.status, r.body);
    rejected_by_reason_[reason].add();
    drops_.rejected.add(entries);
    if (rejections_logged_.allow(reason, Clock::now())) {
      ctx_.error("Loki refused a push request (not retried; logged once a minute per reason): " +
                 describe(r));
    }
    finish(SLUICE_OUTCOME_REJECTED, "Loki refused the request: " + reason);
  }

  static std::string describe(const PushResult& r) {
    if (r.status == 0) return r.error;
    std::string body = r.body.substr(0, 512);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    return "HTTP " + std::to_string(r.status) + (body.empty() ? "" : ": " + body);
  }

  void finish(sluice_outcome_t outcome, const std::string& reason) {
    delivery_.answered(outcome, reason);
    push_.clear();
    body_.clear();
    if (body_.capacity() > 2 * settings_.batch_max_bytes) body_.shrink_to_fit();
  }

  sluice::Context& ctx_;
  Settings settings_;
  StreamLabels labels_;
  PushBatch push_;
  Delivery delivery_;
  Backoff backoff_;
  LogLimiter rejections_logged_;
  std::unique_ptr<PushClient> client_;
  std::string body_;
  bool retrying_ = false;
  bool no_labels_warned_ = false;
  bool max_streams_warned_ = false;
  std::unordered_map<std::string, Clock::time_point> active_;
  Clock::time_point last_prune_ = Clock::now();

  sluice::Metric entries_sent_, bytes_sent_, duration_, retries_, waited_, in_flight_,
      backoff_gauge_, lines_truncated_, active_streams_;
  std::unordered_map<std::string, sluice::Metric> batches_, rejected_by_reason_, label_fixes_;
  Drops drops_;
};

}  // namespace
}  // namespace loki_sink

SLUICE_PLUGIN(loki_sink::LokiSink, "loki_sink", "1.0.0",
              "Ships records to Grafana Loki's push API (protobuf + snappy, or JSON)")
