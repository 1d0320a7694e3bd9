#include "checkpoints.hpp"

#include <algorithm>
#include <set>

#include "sluice/state_file.hpp"

namespace docker_source {
namespace {

constexpr const char* file_name = "checkpoints";
constexpr const char* header =
    "# sluice docker_source checkpoints v1: id stdout_ts n stderr_ts n\n";

}  // namespace

void Checkpoints::load(const std::string& dir, std::vector<std::string>* problems) {
  std::string error;
  auto text = sluice::read_state_file(dir, file_name, &error);
  if (!error.empty() && problems) problems->push_back(error);
  if (!text) return;
  std::lock_guard lock(mutex_);
  size_t line_no = 0;
  std::string_view rest = *text;
  while (!rest.empty()) {
    ++line_no;
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find(' ');
    Position p;
    if (space == std::string_view::npos || !parse_position(line.substr(space + 1), p)) {
      if (problems) {
        problems->push_back(dir + "/" + file_name + ":" + std::to_string(line_no) +
                            ": not a checkpoint, skipped");
      }
      continue;
    }
    containers_[std::string(line.substr(0, space))].committed = p;
  }
}

std::map<std::string, Position> Checkpoints::snapshot() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, Position> out;
  for (const auto& [id, c] : containers_) {
    if (!c.committed.empty()) out[id] = c.committed;
  }
  return out;
}

bool Checkpoints::find(const std::string& id, Position& out) const {
  std::lock_guard lock(mutex_);
  auto it = containers_.find(id);
  if (it == containers_.end() || it->second.committed.empty()) return false;
  out = it->second.committed;
  return true;
}

void Checkpoints::sent(uint64_t cookie,
                       const std::vector<std::pair<std::string, Position>>& read_to) {
  std::lock_guard lock(mutex_);
  auto& ids = batches_[cookie];
  for (const auto& [id, position] : read_to) {
    containers_[id].in_flight.push_back({cookie, position, false});
    ids.push_back(id);
  }
}

void Checkpoints::acknowledged(uint64_t cookie) {
  std::lock_guard lock(mutex_);
  auto batch = batches_.find(cookie);
  if (batch == batches_.end()) return;
  for (const auto& id : batch->second) {
    auto it = containers_.find(id);
    if (it == containers_.end()) continue;  // forgotten meanwhile
    Container& c = it->second;
    for (auto& s : c.in_flight) {
      if (s.cookie == cookie) s.done = true;
    }
    while (!c.in_flight.empty() && c.in_flight.front().done) {
      c.committed = c.in_flight.front().position;
      c.in_flight.pop_front();
      dirty_ = true;
    }
  }
  batches_.erase(batch);
}

void Checkpoints::forget(const std::string& id) {
  std::lock_guard lock(mutex_);
  if (containers_.erase(id) > 0) dirty_ = true;
}

void Checkpoints::prune(const std::vector<std::string>& alive) {
  std::set<std::string> keep(alive.begin(), alive.end());
  std::lock_guard lock(mutex_);
  for (auto it = containers_.begin(); it != containers_.end();) {
    if (keep.count(it->first) == 0 && it->second.in_flight.empty()) {
      it = containers_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
}

bool Checkpoints::save(const std::string& dir, std::string* error) {
  std::string text = header;
  {
    std::lock_guard lock(mutex_);
    if (!dirty_) return true;
    for (const auto& [id, c] : containers_) {
      if (c.committed.empty()) continue;
      text += id;
      text += ' ';
      text += format_position(c.committed);
      text += '\n';
    }
    dirty_ = false;
  }
  if (!sluice::write_state_file(dir, file_name, text, error)) {
    std::lock_guard lock(mutex_);
    dirty_ = true;
    return false;
  }
  return true;
}

uint64_t Checkpoints::unacknowledged_batches() const {
  std::lock_guard lock(mutex_);
  return batches_.size();
}

}  // namespace docker_source
