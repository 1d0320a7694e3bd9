// file_source's positions file: any text reads as positions and named problems, and what it
// reads, written again, reads back the same.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "positions_file.hpp"

using file_source::SavedPosition;

namespace {
bool same(const SavedPosition& a, const SavedPosition& b) {
  return a.seen_unix == b.seen_unix && a.position.offset == b.position.offset &&
         a.position.head == b.position.head && a.position.path == b.position.path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> problems;
  std::string error;
  const auto parsed = file_source::parse_positions(text, "fuzz", &problems, &error);
  if (!parsed) {
    if (error.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  const auto& first = *parsed;
  // What this build writes, it reads back whole.
  const std::string written = file_source::format_positions(first);
  std::vector<std::string> again_problems;
  const auto reread = file_source::parse_positions(written, "fuzz", &again_problems, &error);
  if (!reread) std::abort();
  const auto& again = *reread;
  if (!again_problems.empty() || again.size() != first.size()) std::abort();
  for (const auto& [key, p] : first) {
    auto it = again.find(key);
    if (it == again.end() || !same(it->second, p)) std::abort();
  }
  return 0;
}
