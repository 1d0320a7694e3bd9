// Retry timing: exponential backoff with full jitter (a random wait from zero to the
// current ceiling, which doubles per failure from min to max), reset by a success, and
// Retry-After when the server gives one.
#pragma once

#include <chrono>
#include <optional>
#include <random>
#include <string_view>

namespace loki_sink {

using std::chrono::milliseconds;

class Backoff {
 public:
  Backoff(milliseconds min, milliseconds max) : min_(min), max_(max), ceiling_(min) {}

  // The wait before the next attempt: at least min (so a burst of failures never spins),
  // at most the ceiling, which then doubles.
  milliseconds next();
  void reset() { ceiling_ = min_; }
  milliseconds ceiling() const { return ceiling_; }

 private:
  milliseconds min_;
  milliseconds max_;
  milliseconds ceiling_;
  std::mt19937_64 random_{std::random_device{}()};
};

// Retry-After as delay-seconds or an HTTP date (RFC 9110), relative to now; nullopt when
// absent or unreadable.
std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now);

}  // namespace loki_sink
