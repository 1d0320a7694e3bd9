// demo_source: generates numbered records at a set rate, for the quickstart, tests and
// benchmarks (like Fluent Bit's dummy input or Vector's demo_logs).
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "line_template.hpp"
#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"

namespace {

struct Settings {
  double rate = 0;
  int64_t count = 0;
  int64_t batch_size = 0;
  std::string line;
  std::vector<std::pair<std::string, std::string>> labels;
};

class DemoSource final : public sluice::Source {
 public:
  static const sluice::SettingsTable<Settings>& settings_table() {
    using S = Settings;
    static const sluice::SettingsTable<Settings> table{
        sluice::number("rate", &S::rate, 10,
                       "records per second; `0` means as fast as the pipeline takes them")
            .at_least(0)
            .hint({"interval", "rate_limit"}),
        sluice::integer("count", &S::count, int64_t{0},
                        "records to generate in all, then idle until stopped; `0` means no end")
            .at_least(0)
            .hint({"samples"}),
        sluice::integer("batch_size", &S::batch_size, int64_t{500}, "records per batch at most")
            .between(1, 65536),
        sluice::string("line", &S::line, "demo line {seq} level={level}",
                       "the line; `{seq}` is the record's number from 1, `{level}` cycles "
                       "through info, warn, error, debug")
            .hint({"dummy", "format", "lines"}),
        sluice::map("labels", &S::labels, "labels every record carries"),
    };
    return table;
  }

  DemoSource(sluice::Context& ctx, const sluice::Config& cfg)
      : DemoSource(ctx, settings_table().read(cfg)) {}
  DemoSource(sluice::Context& ctx, const Settings& s)
      : ctx_(ctx),
        template_(s.line),
        labels_(s.labels),
        rate_(s.rate),
        count_(s.count),
        batch_size_(s.batch_size) {
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
    return sluice::LabelSet{{"outcome", value}};
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
      const int64_t now = sluice::wall_clock_ns();
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
  double rate_;
  int64_t count_;
  int64_t batch_size_;
  sluice::Metric acked_, rejected_, failed_;
  std::mutex mutex_;
  std::map<uint64_t, size_t> in_flight_;
  uint64_t next_cookie_ = 1;
};

}  // namespace

SLUICE_PLUGIN(DemoSource, "demo_source", "1.0.0",
              "Generates numbered records at a set rate, for demos, tests and benchmarks")
