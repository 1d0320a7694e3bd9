// Retry timing for plugins: exponential backoff with full jitter. Each wait is drawn at random
// from min to a ceiling that doubles per failure up to max, and a success resets it; the
// jitter keeps many agents (or many streams of one) from retrying in step after an outage.
// Header-only.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace sluice {

class Backoff {
 public:
  using milliseconds = std::chrono::milliseconds;
  Backoff(milliseconds min, milliseconds max)
      : min_(min), max_(std::max(min, max)), ceiling_(min) {}

  // The wait before the next attempt: at least min (so a burst of failures never spins), at
  // most the ceiling, which then doubles.
  milliseconds next() {
    std::uniform_int_distribution<int64_t> pick(min_.count(), ceiling_.count());
    milliseconds wait(pick(random_));
    ceiling_ = std::min(max_, ceiling_ * 2);
    return wait;
  }
  void reset() { ceiling_ = min_; }
  milliseconds ceiling() const { return ceiling_; }
  void set_max(milliseconds max) {
    max_ = std::max(min_, max);
    ceiling_ = std::min(ceiling_, max_);
  }

 private:
  milliseconds min_;
  milliseconds max_;
  milliseconds ceiling_;
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace sluice
