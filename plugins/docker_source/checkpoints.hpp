// The last acknowledged position of each container, kept in the node's state directory so
// that a restarted Sluice resumes each container exactly where its records were delivered.
//
// Positions reach the file only once every batch before them has been acknowledged: batches
// can be acknowledged out of order (fan-out, retries), and a checkpoint past an unanswered
// batch would lose it at the next restart.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "positions.hpp"
#include "sluice/acknowledged_positions.hpp"

namespace docker_source {

// The checkpoint file's text, and back: each container's id and position. A malformed
// line is skipped and named (where:line) in *problems; a file of another version is refused
// whole: nullopt, and *error says why.
std::optional<std::vector<std::pair<std::string, Position>>> parse_checkpoints(
    std::string_view text, const std::string& where, std::vector<std::string>* problems,
    std::string* error);
std::string format_checkpoints(const std::map<std::string, Position>& positions);

class Checkpoints {
 public:
  // Reads dir's checkpoint file; a malformed line is skipped and named in *problems. False
  // when the file is of a version this build does not read (*error): it is then never
  // saved over.
  bool load(const std::string& dir, std::vector<std::string>* problems, std::string* error);
  std::map<std::string, Position> snapshot() const { return positions_.snapshot(); }
  bool find(const std::string& id, Position& out) const { return positions_.committed(id, out); }

  // A batch leaves for the engine holding records of these containers, read up to these
  // positions.
  void sent(uint64_t cookie, const std::vector<std::pair<std::string, Position>>& read_to) {
    positions_.sent(cookie, read_to);
  }
  // Its acknowledgement came back: delivered, or rejected for good.
  void acknowledged(uint64_t cookie) { positions_.acknowledged(cookie); }
  // A sink gave up on it: its containers' checkpoints stay before it, so the next start
  // collects it again. Returns how many containers it held back for the first time.
  size_t failed(uint64_t cookie) { return positions_.failed(cookie); }
  // The container was removed: its logs are gone, and so is its checkpoint.
  void forget(const std::string& id) { positions_.forget(id); }
  // Containers not in `alive` lose their checkpoints (they were removed while we were away).
  void prune(const std::vector<std::string>& alive);

  // Writes the file if anything changed since the last write. Returns false on an error.
  bool save(const std::string& dir, std::string* error);

 private:
  sluice::AcknowledgedPositions<std::string, Position> positions_;
  std::mutex save_mutex_;
  uint64_t saved_version_ = 0;
  bool refused_ = false;
};

}  // namespace docker_source
