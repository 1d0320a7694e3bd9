#include "pacer.hpp"

#include <algorithm>
#include <cstdint>

namespace docker_source {

Pacer::Pacer(std::chrono::milliseconds interval, clock::time_point now)
    : interval_(interval),
      quiet_limit_(interval.count() > 0
                       ? static_cast<int>(std::max<int64_t>(1, 1000 / interval.count()))
                       : 0),
      window_start_(now) {}

bool Pacer::after_read(clock::time_point now, size_t bytes, size_t lines) {
  if (interval_.count() <= 0) return false;
  if (!at_ticks_) {
    window_bytes_ += bytes;
    window_lines_ += lines;
    if (now - window_start_ < interval_) return false;
    const bool light = window_lines_ < heavy_lines / 2 && window_bytes_ < heavy_bytes / 2;
    window_start_ = now;
    window_bytes_ = window_lines_ = 0;
    if (!light) return false;
    at_ticks_ = true;
    tick_bytes_ = tick_lines_ = 0;
    quiet_ticks_ = 0;
    return true;
  }
  if (bytes > 0) {
    tick_bytes_ += bytes;
    tick_lines_ += lines;
    // The socket may be filling faster than the ticks empty it: from now on, read it as
    // data arrives. This also bounds how long one tick's reading holds the thread.
    if (tick_lines_ >= heavy_lines || tick_bytes_ >= heavy_bytes) wait_for_data(now);
    return false;  // read on until nothing is left
  }
  quiet_ticks_ = tick_bytes_ > 0 ? 0 : quiet_ticks_ + 1;
  tick_bytes_ = tick_lines_ = 0;
  if (quiet_ticks_ >= quiet_limit_) {
    wait_for_data(now);
    return false;
  }
  return true;
}

void Pacer::wait_for_data(clock::time_point now) {
  at_ticks_ = false;
  window_start_ = now;
  window_bytes_ = window_lines_ = 0;
}

Pacer::clock::time_point Pacer::next_tick(clock::time_point now) const {
  const auto since = now.time_since_epoch();
  return clock::time_point((since / interval_ + 1) * interval_);
}

}  // namespace docker_source
