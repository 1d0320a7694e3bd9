// Runs a program (the sluice binary, promtool) with its output captured to files.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sluice::test {

class Subprocess {
 public:
  // Starts argv[0] (a path) with stdout and stderr written to the given files.
  Subprocess(const std::vector<std::string>& argv, const std::string& stdout_path,
             const std::string& stderr_path, const std::string& cwd = "");
  ~Subprocess();  // kills it if still running
  void signal(int sig);
  // The exit code (128 + signal when killed by one), or nothing if it is still running at
  // the limit.
  std::optional<int> wait(std::chrono::milliseconds limit = std::chrono::seconds(30));
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs to completion (killed after the limit) and returns what it printed.
RunResult run(const std::vector<std::string>& argv,
              std::chrono::milliseconds limit = std::chrono::seconds(60));

}  // namespace sluice::test
