// Where a container's log has been read to. Docker stamps each line of a stream (stdout or
// stderr) in order, so a stream's position is its last timestamp plus how many lines carried
// exactly that timestamp; the two streams are kept apart because their lines can reach the
// log file a little out of timestamp order between them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "log_decoder.hpp"

namespace docker_source {

struct StreamPosition {
  int64_t ts = 0;
  uint32_t at_ts = 0;  // lines read with exactly ts
  bool operator==(const StreamPosition&) const = default;
};

struct Position {
  StreamPosition stream[2];

  void advance(Stream s, int64_t ts) {
    StreamPosition& p = stream[static_cast<int>(s)];
    if (ts == p.ts) {
      ++p.at_ts;
    } else if (ts > p.ts) {
      p = {ts, 1};
    }
    // An older timestamp (the daemon's clock went back) leaves the position where it is.
  }
  int64_t latest() const { return std::max(stream[0].ts, stream[1].ts); }
  bool empty() const { return stream[0].ts == 0 && stream[1].ts == 0; }
  bool operator==(const Position&) const = default;
};

// How far before a position a new stream starts: lines of the other stream stamped a moment
// earlier can reach the log after it. They are read again and dropped by Resume.
constexpr int64_t reread_margin_ns = 1'000'000'000;

inline int64_t since_for(const Position& p) {
  const int64_t latest = p.latest();
  return latest > reread_margin_ns ? latest - reread_margin_ns : 0;
}

// Drops, from a stream opened at since_for(from), the lines already read before.
class Resume {
 public:
  explicit Resume(const Position& from) : from_(from) {}
  // True when the line is new.
  bool accept(Stream s, int64_t ts) {
    const StreamPosition& p = from_.stream[static_cast<int>(s)];
    if (ts < p.ts) return false;
    if (ts == p.ts) {
      uint32_t& seen = seen_[static_cast<int>(s)];
      if (seen < p.at_ts) {
        ++seen;
        return false;
      }
    }
    return true;
  }

 private:
  Position from_;
  uint32_t seen_[2] = {0, 0};
};

// "ts at_ts ts at_ts", stdout then stderr, as kept in the checkpoint file.
std::string format_position(const Position& p);
bool parse_position(std::string_view text, Position& out);

}  // namespace docker_source
