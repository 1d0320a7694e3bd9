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
    positions_.restore(std::string(line.substr(0, space)), p);
  }
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
  std::string text = header;
  for (const auto& [id, position] : positions_.snapshot()) {
    text += id;
    text += ' ';
    text += format_position(position);
    text += '\n';
  }
  if (!sluice::write_state_file(dir, file_name, text, error)) return false;
  saved_version_ = version;
  return true;
}

}  // namespace docker_source
