// blackhole_sink: acknowledges every batch and keeps nothing, for benchmarks and for trying a
// pipeline without a destination (like Vector's blackhole sink).
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"

namespace {

struct Settings {
  std::chrono::milliseconds report_interval;
  bool measure_delay = false;
};

class BlackholeSink final : public sluice::Sink {
 public:
  static const sluice::SettingsTable<Settings>& settings_table() {
    static const sluice::SettingsTable<Settings> table{
        sluice::duration("report_interval", &Settings::report_interval,
                         std::chrono::milliseconds(0),
                         "log how many records and bytes were discarded, this often, and once "
                         "more at stop (`0`: never)")
            .hint({"print_interval_secs"}),
        // Opt in: a source that replays old logs would show their age, not a delay.
        sluice::boolean("measure_delay", &Settings::measure_delay, false,
                        "keep `sluice_blackhole_delay_max_seconds`: the longest time, since "
                        "start, from a record's timestamp to its arrival here"),
    };
    return table;
  }

  BlackholeSink(sluice::Context& ctx, const sluice::Config& cfg) : ctx_(ctx) {
    const Settings settings = settings_table().read(cfg);
    report_every_ = settings.report_interval;
    bytes_ = ctx.counter("sluice_blackhole_bytes_total", "Line bytes received and discarded.");
    if (settings.measure_delay) {
      delay_max_ = ctx.gauge("sluice_blackhole_delay_max_seconds",
                             "The longest time from a record's timestamp to its arrival here.");
    }
  }

  bool start() override {
    return ctx_.spawn("blackhole", [this](sluice::StopToken) { run(); });
  }

 private:
  void run() {
    sluice::Batch batch;
    uint64_t records = 0, bytes = 0;
    auto last_report = std::chrono::steady_clock::now();
    while (true) {
      auto s = ctx_.take(std::chrono::milliseconds(250), batch);
      if (s == sluice::Status::stopped || s == sluice::Status::error) break;
      if (s == sluice::Status::ok) {
        uint64_t batch_bytes = 0;
        for (const auto& r : batch) batch_bytes += r.line.size;
        if (delay_max_) measure_delay(batch);
        records += batch.size();
        bytes += batch_bytes;
        bytes_.add(static_cast<double>(batch_bytes));
        ctx_.finish(batch, SLUICE_OUTCOME_DELIVERED);
      }
      auto now = std::chrono::steady_clock::now();
      if (report_every_.count() > 0 && now - last_report >= report_every_) {
        ctx_.info("discarded " + std::to_string(records) + " records, " + std::to_string(bytes) +
                  " bytes");
        last_report = now;
      }
    }
    if (report_every_.count() > 0) {
      ctx_.info("stopping after discarding " + std::to_string(records) + " records, " +
                std::to_string(bytes) + " bytes");
    }
  }

  void measure_delay(const sluice::Batch& batch) {
    const int64_t now = sluice::wall_clock_ns();
    int64_t oldest = now;
    for (const auto& r : batch) oldest = std::min(oldest, r.timestamp_ns);
    const double delay = static_cast<double>(now - oldest) / 1e9;
    if (delay > delay_max_seen_) {
      delay_max_seen_ = delay;
      delay_max_->set(delay);
    }
  }

  sluice::Context& ctx_;
  std::chrono::milliseconds report_every_{0};
  sluice::Metric bytes_;
  std::optional<sluice::Metric> delay_max_;
  double delay_max_seen_ = 0;
};

}  // namespace

SLUICE_PLUGIN(BlackholeSink, "blackhole_sink", "1.0.0", "Acknowledges and discards every record")
