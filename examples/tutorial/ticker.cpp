// ticker: a source that emits "tick N" every interval, on one thread of its own.
#include <chrono>
#include <string>

#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"

struct TickerSettings {
  std::chrono::milliseconds interval;
};

class Ticker final : public sluice::Source {
 public:
  // The settings, declared once: the defaults and limits here are the ones the engine
  // enforces and `sluice describe ticker` prints.
  static const sluice::SettingsTable<TickerSettings>& settings_table() {
    static const sluice::SettingsTable<TickerSettings> table{
        sluice::duration("interval", &TickerSettings::interval, std::chrono::seconds(1),
                         "how often a tick is emitted")
            .at_least(std::chrono::milliseconds(1))};
    return table;
  }

  Ticker(sluice::Context& ctx, const sluice::Config& cfg)
      : ctx_(ctx), every_(settings_table().read(cfg).interval), labels_({{"source", "ticker"}}) {}

  bool start() override {
    return ctx_.spawn("tick", [this](sluice::StopToken stop) {
      // wait_for returns true when stop comes: the thread then returns at once.
      for (long n = 1; !stop.wait_for(every_); ++n) {
        auto batch = ctx_.batch_builder();
        auto now = std::chrono::system_clock::now().time_since_epoch();
        batch.add(std::chrono::nanoseconds(now).count(), "tick " + std::to_string(n), labels_);
        // Blocks while downstream is full; "stopped" means we are being stopped.
        if (ctx_.emit(stop, batch, n) == sluice::Status::stopped) return;
      }
    });
  }
  // A source with positions would move them on here, for DELIVERED and REJECTED.
  void on_ack(uint64_t /*cookie*/, sluice_outcome_t /*outcome*/) override {}

 private:
  sluice::Context& ctx_;
  std::chrono::milliseconds every_;
  sluice::LabelSet labels_;
};

SLUICE_PLUGIN(Ticker, "ticker", "1.0.0", "Emits tick N every interval")
