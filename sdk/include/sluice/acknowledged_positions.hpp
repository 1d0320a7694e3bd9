// A source's committed positions (a file's offset, a container's timestamp), moved only past
// records whose acknowledgement came back, and only once every earlier batch of the same key
// came back too: batches can be acknowledged out of order (fan-out, retries), and committing
// past an unanswered one would lose it at the next restart. Header-only; thread-safe.
//
// A batch a sink gave up on (FAILED) must be read again: no position moves past it while the
// process runs, so the next start (or a reload's successor) reads from there.
//
//   positions.sent(cookie, {{key, position_after_its_last_record}, ...});  // before emit
//   positions.acknowledged(cookie);  // in on_ack: DELIVERED or REJECTED
//   positions.failed(cookie);        // in on_ack: FAILED
//   positions.committed(key, out);   // to persist
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace sluice {

template <class Key, class Position>
class AcknowledgedPositions {
 public:
  void sent(uint64_t cookie, const std::vector<std::pair<Key, Position>>& read_to) {
    std::lock_guard lock(mutex_);
    auto& keys = batches_[cookie];
    for (const auto& [key, position] : read_to) {
      Entry& e = keys_[key];
      if (e.held) continue;  // nothing after a failed batch can be committed: not tracked
      e.in_flight.push_back({cookie, position, false});
      keys.push_back(key);
    }
  }

  // Returns true when a committed position moved.
  bool acknowledged(uint64_t cookie) {
    std::lock_guard lock(mutex_);
    auto batch = batches_.find(cookie);
    if (batch == batches_.end()) return false;
    bool moved = false;
    for (const auto& key : batch->second) {
      auto it = keys_.find(key);
      if (it == keys_.end()) continue;  // forgotten meanwhile
      Entry& e = it->second;
      for (auto& s : e.in_flight) {
        if (s.cookie == cookie) s.done = true;
      }
      while (!e.in_flight.empty() && e.in_flight.front().done) {
        e.committed = e.in_flight.front().position;
        e.has_committed = true;
        e.in_flight.pop_front();
        moved = true;
      }
    }
    batches_.erase(batch);
    if (moved) ++version_;
    return moved;
  }

  // The batch is to be read again: each of its keys stays committed before it (it moves only
  // as the batches sent earlier come back) until the process ends. Returns how many keys it
  // held back for the first time.
  size_t failed(uint64_t cookie) {
    std::lock_guard lock(mutex_);
    auto batch = batches_.find(cookie);
    if (batch == batches_.end()) return 0;
    size_t newly_held = 0;
    for (const auto& key : batch->second) {
      auto it = keys_.find(key);
      if (it == keys_.end()) continue;
      Entry& e = it->second;
      auto sent = std::find_if(e.in_flight.begin(), e.in_flight.end(),
                               [&](const Sent& s) { return s.cookie == cookie; });
      if (sent == e.in_flight.end()) continue;
      // What was sent after it can never be committed now: forgetting it bounds memory.
      e.in_flight.erase(sent + 1, e.in_flight.end());
      if (!e.held) ++newly_held;
      e.held = true;
    }
    batches_.erase(batch);
    return newly_held;
  }

  // Sets a committed position directly (loaded from the state directory).
  void restore(const Key& key, const Position& position) {
    std::lock_guard lock(mutex_);
    Entry& e = keys_[key];
    e.committed = position;
    e.has_committed = true;
    ++version_;
  }
  bool committed(const Key& key, Position& out) const {
    std::lock_guard lock(mutex_);
    auto it = keys_.find(key);
    if (it == keys_.end() || !it->second.has_committed) return false;
    out = it->second.committed;
    return true;
  }
  std::map<Key, Position> snapshot() const {
    std::lock_guard lock(mutex_);
    std::map<Key, Position> out;
    for (const auto& [key, e] : keys_) {
      if (e.has_committed) out.emplace(key, e.committed);
    }
    return out;
  }
  // Drops a key and whatever of it is in flight.
  void forget(const Key& key) {
    std::lock_guard lock(mutex_);
    if (keys_.erase(key) > 0) ++version_;
  }
  // Drops the keys for which keep(key) is false and nothing is in flight.
  template <class Keep>
  void prune(Keep keep) {
    std::lock_guard lock(mutex_);
    for (auto it = keys_.begin(); it != keys_.end();) {
      if (!keep(it->first) && it->second.in_flight.empty()) {
        it = keys_.erase(it);
        ++version_;
      } else {
        ++it;
      }
    }
  }
  // Changes each time a committed position does: compare to know whether to save.
  uint64_t version() const {
    std::lock_guard lock(mutex_);
    return version_;
  }
  size_t batches_in_flight() const {
    std::lock_guard lock(mutex_);
    return batches_.size();
  }

 private:
  struct Sent {
    uint64_t cookie;
    Position position;
    bool done;
  };
  struct Entry {
    Position committed{};
    bool has_committed = false;
    bool held = false;  // a failed batch is the last entry of in_flight
    std::deque<Sent> in_flight;
  };
  mutable std::mutex mutex_;
  std::map<Key, Entry> keys_;
  std::map<uint64_t, std::vector<Key>> batches_;
  uint64_t version_ = 0;
};

}  // namespace sluice
