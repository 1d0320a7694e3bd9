// docker_source's checkpoint file: any text reads as checkpoints and named problems, and what
// it reads, written again, reads back the same.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "checkpoints.hpp"

using docker_source::Position;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> problems;
  std::string error;
  auto parsed = docker_source::parse_checkpoints(text, "fuzz", &problems, &error);
  if (!parsed) {
    if (error.empty()) std::abort();  // a refusal always says why
    return 0;
  }
  std::map<std::string, Position> first;
  for (auto& [id, p] : *parsed) first[id] = p;
  // What this build writes, it reads back whole.
  const std::string written = docker_source::format_checkpoints(first);
  std::vector<std::string> again_problems;
  auto reread = docker_source::parse_checkpoints(written, "fuzz", &again_problems, &error);
  if (!reread) std::abort();
  std::map<std::string, Position> again;
  for (auto& [id, p] : *reread) again[id] = p;
  if (!again_problems.empty() || again.size() != first.size()) std::abort();
  for (const auto& [id, p] : first) {
    auto it = again.find(id);
    if (it == again.end() ||
        docker_source::format_position(it->second) != docker_source::format_position(p))
      std::abort();
  }
  return 0;
}
