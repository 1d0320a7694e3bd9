// The fake host does what the engine would: config values read by the engine's rules, and a
// stop descriptor a plugin can poll, readable once stop is requested and closed with the host.
#include <dirent.h>
#include <poll.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>

#include "sluice/plugin.hpp"
#include "sluice/settings.hpp"
#include "sluice/testing/fake_host.hpp"

using sluice::testing::FakeHost;
using namespace std::chrono_literals;

namespace {

struct Settings {
  bool follow = false;
  std::chrono::milliseconds every{};
  int64_t count = 0;
};

// How the waiting thread woke: 0 still waiting, 1 by the stop descriptor, 2 by its time-out,
// 3 because there was no descriptor.
std::atomic<int> woke{0};

class Waiter final : public sluice::Source {
 public:
  static const sluice::SettingsTable<Settings>& settings_table() {
    static const sluice::SettingsTable<Settings> table{
        sluice::boolean("follow", &Settings::follow, false, "follow"),
        sluice::duration("every", &Settings::every, 1s, "how often"),
        sluice::integer("count", &Settings::count, int64_t{1}, "how many"),
    };
    return table;
  }
  Waiter(sluice::Context& ctx, const sluice::Config& cfg)
      : ctx_(ctx), settings_(settings_table().read(cfg)) {}
  bool start() override {
    return ctx_.spawn("wait", [](sluice::StopToken stop) {
      int fd = stop.fd();
      if (fd < 0) {
        woke = 3;
        return;
      }
      pollfd p{fd, POLLIN, 0};
      woke = ::poll(&p, 1, 30'000) == 1 && (p.revents & POLLIN) != 0 ? 1 : 2;
    });
  }

 private:
  sluice::Context& ctx_;
  Settings settings_;
};

size_t open_descriptors() {
  size_t n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  while (::readdir(d) != nullptr) ++n;
  ::closedir(d);
  return n;
}

}  // namespace

SLUICE_PLUGIN(Waiter, "waiter", "1.0.0", "A source that waits on its stop descriptor")

namespace {
FakeHost host() {
  return FakeHost(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
}
}  // namespace

TEST_CASE("the fake host reads config values by the engine's rules", "[fake_host]") {
  {
    FakeHost h = host();
    REQUIRE(h.create({{"follow", "yes"}, {"every", "250ms"}}));
  }
  {
    FakeHost h = host();
    REQUIRE(h.create({{"follow", "on"}, {"every", "2m"}}));
  }
  {
    FakeHost h = host();
    CHECK_FALSE(h.create({{"every", "-5s"}}));
    REQUIRE(h.config_errors().size() == 1);
    CHECK(h.config_errors()[0] == "every: expected a duration such as 500ms, 5s or 2m, got '-5s'");
  }
  {
    FakeHost h = host();
    CHECK_FALSE(h.create({{"follow", "maybe"}, {"count", "12abc"}}));
    REQUIRE(h.config_errors().size() == 2);
    CHECK(h.config_errors()[0] == "follow: expected true or false, got 'maybe'");
    CHECK(h.config_errors()[1] == "count: expected an integer, got '12abc'");
  }
}

TEST_CASE("the fake host's stop descriptor wakes a poll at stop, and is closed with the host",
          "[fake_host]") {
  const size_t before = open_descriptors();
  for (int round = 0; round < 3; ++round) {
    woke = 0;
    {
      FakeHost h = host();
      REQUIRE(h.create({}));
      REQUIRE(h.start());
      CHECK(h.threads_running() == 1);
      CHECK(woke == 0);
      CHECK(h.stop());
      CHECK(woke == 1);
    }
    CHECK(open_descriptors() == before);
  }
}
