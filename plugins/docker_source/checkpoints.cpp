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

std::vector<std::pair<std::string, Position>> parse_checkpoints(
    std::string_view rest, const std::string& where, std::vector<std::string>* problems) {
  std::vector<std::pair<std::string, Position>> out;
  size_t line_no = 0;
  while (!rest.empty()) {
    ++line_no;
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.find(' ');
    Position p;
    if (space == 0 || space == std::string_view::npos ||
        !parse_position(line.substr(space + 1), p)) {
      if (problems) {
        problems->push_back(where + ":" + std::to_string(line_no) + ": not a checkpoint, skipped");
      }
      continue;
    }
    out.emplace_back(std::string(line.substr(0, space)), p);
  }
  return out;
}

std::string format_checkpoints(const std::map<std::string, Position>& positions) {
  std::string text = header;
  for (const auto& [id, position] : positions) {
    text += id;
    text += ' ';
    text += format_position(position);
    text += '\n';
  }
  return text;
}

void Checkpoints::load(const std::string& dir, std::vector<std::string>* problems) {
  std::string error;
  auto text = sluice::read_state_file(dir, file_name, &error);
  if (!error.empty() && problems) problems->push_back(error);
  if (!text) return;
  for (auto& [id, p] : parse_checkpoints(*text, dir + "/" + file_name, problems))
    positions_.restore(id, p);
  std::lock_guard lock(save_mutex_);
  saved_version_ = positions_.version();
}

void Checkpoints::prune(const std::vector<std::string>& alive) {
  std::set<std::string> keep(alive.begin(), alive.end());
  positions_.prune([&](const std::string& id) { return keep.count(id) > 0; });
}

bool Checkpoints::save(const std::string& dir, std::string* error) {
  std::lock_guard lock(save_mutex_);
  const uint64_t version = positions_.version();
  if (version == saved_version_) return true;
  if (!sluice::write_state_file(dir, file_name, format_checkpoints(positions_.snapshot()), error))
    return false;
  saved_version_ = version;
  return true;
}

}  // namespace docker_source
