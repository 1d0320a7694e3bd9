// demo_source: generates numbered records at a set rate, for the quickstart, tests and
// benchmarks (like Fluent Bit's dummy input or Vector's demo_logs).
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "line_template.hpp"
#include "sluice/plugin.hpp"

namespace {

class DemoSource final : public sluice::Source {
 public:
  DemoSource(sluice::Context& ctx, const sluice::Config& cfg)
      : ctx_(ctx),
        template_(cfg.string("line", "demo line {seq} level={level}")),
        labels_(cfg.map("labels")) {
    rate_ = cfg.number("rate", 10);
    count_ = cfg.integer("count", 0);
    batch_size_ = cfg.integer("batch_size", 500);
    if (rate_ < 0) cfg.error("rate", "must be 0 (as fast as possible) or more records per second");
    if (count_ < 0) cfg.error("count", "must be 0 (no end) or a number of records");
    if (batch_size_ < 1 || batch_size_ > 65536) cfg.error("batch_size", "must be from 1 to 65536");
    const char* help = "Records whose end-to-end acknowledgement came back, by outcome.";
    acked_ = ctx.counter("sluice_demo_acknowledged_events_total", help, outcome("delivered"));
    rejected_ = ctx.counter("sluice_demo_acknowledged_events_total", help, outcome("rejected"));
    failed_ = ctx.counter("sluice_demo_acknowledged_events_total", help, outcome("failed"));
  }

  bool start() override {
    return ctx_.spawn("generator", [this](sluice::StopToken stop) { run(stop); });
  }

  void on_ack(uint64_t cookie, sluice_outcome_t outcome) override {
    size_t n = 0;
    {
      std::lock_guard lock(mutex_);
      auto it = in_flight_.find(cookie);
      if (it == in_flight_.end()) return;
      n = it->second;
      in_flight_.erase(it);
    }
    const auto& metric = outcome == SLUICE_OUTCOME_DELIVERED  ? acked_
                         : outcome == SLUICE_OUTCOME_REJECTED ? rejected_
                                                              : failed_;
    metric.add(static_cast<double>(n));
  }

 private:
  static sluice::LabelSet outcome(const char* value) {
    return sluice::LabelSet(std::vector<std::pair<std::string, std::string>>{{"outcome", value}});
  }

  void run(const sluice::StopToken& stop) {
    using clock = std::chrono::steady_clock;
    const auto began = clock::now();
    uint64_t emitted = 0;
    sluice::BatchBuilder batch = ctx_.batch_builder();
    std::string line;
    while (!stop.requested()) {
      if (count_ > 0 && emitted >= static_cast<uint64_t>(count_)) {
        stop.wait_for(std::chrono::hours(1));  // done: idle until stopped
        continue;
      }
      uint64_t due = static_cast<uint64_t>(batch_size_);
      if (rate_ > 0) {
        double elapsed = std::chrono::duration<double>(clock::now() - began).count();
        auto allowed = static_cast<uint64_t>(elapsed * rate_) + 1;
        due = allowed > emitted ? std::min<uint64_t>(allowed - emitted, due) : 0;
        if (due == 0) {
          auto next = began + std::chrono::duration<double>((emitted + 0.0) / rate_);
          auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - clock::now());
          stop.wait_for(std::max(wait, std::chrono::milliseconds(1)));
          continue;
        }
      }
      if (count_ > 0) due = std::min<uint64_t>(due, static_cast<uint64_t>(count_) - emitted);
      const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      for (uint64_t i = 0; i < due; ++i) {
        template_.render(emitted + i + 1, line);
        batch.add(now, line, labels_);
      }
      uint64_t cookie = next_cookie_++;
      {
        std::lock_guard lock(mutex_);
        in_flight_[cookie] = due;
      }
      if (ctx_.emit(stop, batch, cookie) != sluice::Status::ok) {
        // Stopped while waiting for room downstream: the batch was not taken.
        break;
      }
      emitted += due;
    }
  }

  sluice::Context& ctx_;
  LineTemplate template_;
  sluice::LabelSet labels_;
  double rate_ = 10;
  int64_t count_ = 0;
  int64_t batch_size_ = 500;
  sluice::Metric acked_, rejected_, failed_;
  std::mutex mutex_;
  std::map<uint64_t, size_t> in_flight_;
  uint64_t next_cookie_ = 1;
};

}  // namespace

SLUICE_PLUGIN(DemoSource, "demo_source", "1.0.0",
              "Generates numbered records at a set rate, for demos, tests and benchmarks")
