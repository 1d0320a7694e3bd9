// Small things most tests need: waiting on a condition, temporary directories, files.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace sluice::test {

// Polls cond until it holds or the (generous) limit passes; never a fixed sleep.
bool wait_until(const std::function<bool()>& cond,
                std::chrono::milliseconds limit = std::chrono::seconds(20));

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::string read_file(const std::string& path);
// The lines a writer has finished: a last line without its newline is still being written
// (a sink in the middle of a batch), and is left for the next read.
std::vector<std::string> read_lines(const std::string& path);
void write_file(const std::string& path, const std::string& text);

// Resident set size of this process, in KiB.
size_t rss_kib();

}  // namespace sluice::test
