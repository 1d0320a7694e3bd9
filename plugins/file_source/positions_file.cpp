#include "positions_file.hpp"

#include <charconv>
#include <string_view>

#include "sluice/state_file.hpp"

namespace file_source {
namespace {

constexpr const char* file_name = "positions";
constexpr sluice::StateFileFormat format{"file_source positions", 1,
                                         "dev ino head_len head_hash offset seen_unix path"};

template <class T>
bool number(std::string_view& rest, T& out) {
  auto r = std::from_chars(rest.data(), rest.data() + rest.size(), out);
  if (r.ec != std::errc() || r.ptr == rest.data() + rest.size() || *r.ptr != ' ') return false;
  rest.remove_prefix(static_cast<size_t>(r.ptr - rest.data()) + 1);
  return true;
}

}  // namespace

std::optional<std::map<FileKey, SavedPosition>> parse_positions(std::string_view text,
                                                                const std::string& where,
                                                                std::vector<std::string>* problems,
                                                                std::string* error) {
  std::map<FileKey, SavedPosition> out;
  auto entry = [&](std::string_view line, size_t line_no) {
    FileKey key;
    SavedPosition p;
    if (number(line, key.dev) && number(line, key.ino) && number(line, p.position.head.len) &&
        number(line, p.position.head.hash) && number(line, p.position.offset) &&
        number(line, p.seen_unix) && !line.empty()) {
      p.position.path = std::string(line);
      out[key] = p;
    } else if (problems) {
      problems->push_back(where + ":" + std::to_string(line_no) + ": not a position, skipped");
    }
  };
  if (!sluice::read_state_entries(text, format, where, entry, error)) return std::nullopt;
  return out;
}

std::string format_positions(const std::map<FileKey, SavedPosition>& positions) {
  std::string text = format.header();
  for (const auto& [key, p] : positions) {
    // A newline in a path would end the entry early: such a path is not kept.
    if (p.position.path.find('\n') != std::string::npos) continue;
    text += std::to_string(key.dev) + ' ' + std::to_string(key.ino) + ' ' +
            std::to_string(p.position.head.len) + ' ' + std::to_string(p.position.head.hash) + ' ' +
            std::to_string(p.position.offset) + ' ' + std::to_string(p.seen_unix) + ' ' +
            p.position.path + '\n';
  }
  return text;
}

std::optional<std::map<FileKey, SavedPosition>> load_positions(const std::string& dir,
                                                               std::vector<std::string>* problems,
                                                               std::string* error) {
  std::string unreadable;
  auto text = sluice::read_state_file(dir, file_name, &unreadable);
  if (!unreadable.empty() && problems) problems->push_back(unreadable);
  if (!text) return std::map<FileKey, SavedPosition>{};
  return parse_positions(*text, dir + "/" + file_name, problems, error);
}

bool save_positions(const std::string& dir, const std::map<FileKey, SavedPosition>& positions,
                    std::string* error) {
  return sluice::write_state_file(dir, file_name, format_positions(positions), error);
}

}  // namespace file_source
