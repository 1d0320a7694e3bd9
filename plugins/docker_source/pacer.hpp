// When a log stream is read: as soon as data arrives, or at the ticks of read_interval.
//
// The daemon writes every log line as its own message, and waking the io thread for each
// costs far more than reading it. A stream that brings little is therefore read at the
// ticks of a clock every stream shares: its lines gather in the socket meanwhile, and one
// wake-up serves every stream due at that tick. The socket holds only a few hundred of the
// daemon's messages, so a stream that brings much is read as data arrives, as is one that
// has been quiet for a second (it costs nothing until it speaks again).
#pragma once

#include <chrono>
#include <cstddef>

namespace docker_source {

class Pacer {
 public:
  using clock = std::chrono::steady_clock;
  // A tick's reading that brings this much makes the stream one read as data arrives; a
  // read_interval that brings under half of it makes it one read at the ticks again.
  static constexpr size_t heavy_lines = 128;
  static constexpr size_t heavy_bytes = 64 * 1024;

  // interval 0: every read waits for data, and no read is paced.
  Pacer(std::chrono::milliseconds interval, clock::time_point now);

  // Whether the next read takes what is there without waiting (at a tick) rather than
  // waiting for data.
  bool at_ticks() const { return at_ticks_; }
  // After each read: what it brought (0 bytes: nothing was there). Returns true when the
  // stream should wait for the next tick before it reads again.
  bool after_read(clock::time_point now, size_t bytes, size_t lines);
  // The first tick after now: the ticks are multiples of the interval on the steady clock,
  // the same for every stream.
  clock::time_point next_tick(clock::time_point now) const;

 private:
  void wait_for_data(clock::time_point now);

  std::chrono::milliseconds interval_;
  int quiet_limit_;  // empty ticks before the stream waits for data instead
  bool at_ticks_ = false;
  // While waiting for data: what the current window of one interval brought.
  clock::time_point window_start_;
  size_t window_bytes_ = 0, window_lines_ = 0;
  // While at ticks: what this tick's reading brought, and the empty ticks in a row.
  size_t tick_bytes_ = 0, tick_lines_ = 0;
  int quiet_ticks_ = 0;
};

}  // namespace docker_source
