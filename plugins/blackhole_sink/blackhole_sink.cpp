// blackhole_sink: acknowledges every batch and keeps nothing, for benchmarks and for trying a
// pipeline without a destination (like Vector's blackhole sink).
#include <chrono>
#include <string>

#include "sluice/plugin.hpp"

namespace {

class BlackholeSink final : public sluice::Sink {
 public:
  BlackholeSink(sluice::Context& ctx, const sluice::Config& cfg) : ctx_(ctx) {
    report_every_ = cfg.duration("report_interval", std::chrono::milliseconds(0));
    if (report_every_.count() < 0) cfg.error("report_interval", "must not be negative");
    bytes_ = ctx.counter("sluice_blackhole_bytes_total", "Line bytes received and discarded.");
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

  sluice::Context& ctx_;
  std::chrono::milliseconds report_every_{0};
  sluice::Metric bytes_;
};

}  // namespace

SLUICE_PLUGIN(BlackholeSink, "blackhole_sink", "1.0.0", "Acknowledges and discards every record")
