// The last acknowledged position of each container, kept in the node's state directory so
// that a restarted Sluice resumes each container exactly where its records were delivered.
//
// Positions reach the file only once every batch before them has been acknowledged: batches
// can be acknowledged out of order (fan-out, retries), and a checkpoint past an unanswered
// batch would lose it at the next restart.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "positions.hpp"

namespace docker_source {

class Checkpoints {
 public:
  // Reads dir's checkpoint file; a malformed line is skipped and named in *problems.
  void load(const std::string& dir, std::vector<std::string>* problems);
  std::map<std::string, Position> snapshot() const;
  bool find(const std::string& id, Position& out) const;

  // A batch leaves for the engine holding records of these containers, read up to these
  // positions.
  void sent(uint64_t cookie, const std::vector<std::pair<std::string, Position>>& read_to);
  // Its acknowledgement came back (delivered, rejected for good, or failed: each finishes it).
  void acknowledged(uint64_t cookie);
  // The container was removed: its logs are gone, and so is its checkpoint.
  void forget(const std::string& id);
  // Containers not in `alive` lose their checkpoints (they were removed while we were away).
  void prune(const std::vector<std::string>& alive);

  // Writes the file if anything changed since the last write. Returns false on an error.
  bool save(const std::string& dir, std::string* error);
  uint64_t unacknowledged_batches() const;

 private:
  struct Sent {
    uint64_t cookie;
    Position position;
    bool done;
  };
  struct Container {
    Position committed;
    std::deque<Sent> in_flight;
  };

  mutable std::mutex mutex_;
  std::map<std::string, Container> containers_;
  std::map<uint64_t, std::vector<std::string>> batches_;
  bool dirty_ = false;
};

}  // namespace docker_source
