#include "checkpoints.hpp"

#include <algorithm>
#include <set>

#include "sluice/state_file.hpp"

namespace docker_source {
namespace {

constexpr const char* file_name = "checkpoints";
constexpr sluice::StateFileFormat format{"docker_source checkpoints", 1,
                                         "id stdout_ts n stderr_ts n"};

}  // namespace

std::optional<std::vector<std::pair<std::string, Position>>> parse_checkpoints(
    std::string_view text, const std::string& where, std::vector<std::string>* problems,
    std::string* error) {
  std::vector<std::pair<std::string, Position>> out;
  auto entry = [&](std::string_view line, size_t line_no) {
    size_t space = line.find(' ');
    Position p;
    if (space == 0 || space == std::string_view::npos ||
        !parse_position(line.substr(space + 1), p)) {
      if (problems) {
        problems->push_back(where + ":" + std::to_string(line_no) + ": not a checkpoint, skipped");
      }
      return;
    }
    out.emplace_back(std::string(line.substr(0, space)), p);
  };
  if (!sluice::read_state_entries(text, format, where, entry, error)) return std::nullopt;
  return out;
}

std::string format_checkpoints(const std::map<std::string, Position>& positions) {
  std::string text = format.header();
  for (const auto& [id, position] : positions) {
    text += id;
    text += ' ';
    text += format_position(position);
    text += '\n';
  }
  return text;
}

bool Checkpoints::load(const std::string& dir, std::vector<std::string>* problems,
                       std::string* error) {
  std::string unreadable;
  auto text = sluice::read_state_file(dir, file_name, &unreadable);
  if (!unreadable.empty() && problems) problems->push_back(unreadable);
  if (!text) return true;
  auto entries = parse_checkpoints(*text, dir + "/" + file_name, problems, error);
  std::lock_guard lock(save_mutex_);
  if (!entries) {
    refused_ = true;
    return false;
  }
  for (auto& [id, p] : *entries) positions_.restore(id, p);
  saved_version_ = positions_.version();
  return true;
}

void Checkpoints::prune(const std::vector<std::string>& alive) {
  std::set<std::string> keep(alive.begin(), alive.end());
  positions_.prune([&](const std::string& id) { return keep.count(id) > 0; });
}

bool Checkpoints::save(const std::string& dir, std::string* error) {
  std::lock_guard lock(save_mutex_);
  const uint64_t version = positions_.version();
  if (version == saved_version_ || refused_) return true;
  if (!sluice::write_state_file(dir, file_name, format_checkpoints(positions_.snapshot()), error))
    return false;
  saved_version_ = version;
  return true;
}

}  // namespace docker_source
