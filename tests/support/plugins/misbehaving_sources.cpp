// Sources that break the lifecycle contract on purpose, one per build (MISBEHAVIOUR selects
// which), so that the supervisor and plugin-check can be shown to catch each.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "sluice/plugin.hpp"

namespace {

using namespace std::chrono;

class Misbehaving final : public sluice::Source {
 public:
  Misbehaving(sluice::Context& ctx, const sluice::Config& cfg)
      : ctx_(ctx), linger_(cfg.duration("linger", milliseconds(30000))) {}

  bool start() override {
#if MISBEHAVIOUR == 1
    // Ignores its stop token: returns only linger after stop was requested.
    return ctx_.spawn("stubborn", [this](sluice::StopToken stop) {
      steady_clock::time_point asked{};
      while (true) {
        std::this_thread::sleep_for(milliseconds(10));
        if (stop.requested() && asked == steady_clock::time_point{}) asked = steady_clock::now();
        if (asked != steady_clock::time_point{} && steady_clock::now() - asked > linger_) return;
      }
    });
#elif MISBEHAVIOUR == 2
    // Starts a raw thread behind the host's back.
    std::thread([l = linger_] { std::this_thread::sleep_for(l); }).detach();
    return true;
#elif MISBEHAVIOUR == 3
    // Opens a descriptor and never closes it.
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC) >= 0;
#elif MISBEHAVIOUR == 4
    // Blocks in start instead of returning promptly.
    std::this_thread::sleep_for(linger_);
    return true;
#else
    return true;
#endif
  }

 private:
  sluice::Context& ctx_;
  milliseconds linger_;
};

}  // namespace

SLUICE_PLUGIN(Misbehaving, PLUGIN_NAME, "0.0.1", "Tests only: breaks the lifecycle contract")
