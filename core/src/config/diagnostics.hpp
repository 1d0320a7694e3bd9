// Errors about a configuration, each naming where it was found.
#pragma once

#include <string>
#include <vector>

namespace sluice::core {

struct Diagnostic {
  std::string file;
  int line = 0;      // 1-based; 0 when unknown
  int column = 0;    // 1-based; 0 when unknown
  std::string path;  // YAML path such as sinks.out.format, empty for the whole file
  std::string message;

  // file:line:column: path: message
  std::string to_string() const;
};

class Diagnostics {
 public:
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  std::string to_string() const;  // one per line

 private:
  std::vector<Diagnostic> items_;
};

// The closest candidate to word, if near enough to be a plausible typo.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace sluice::core
