#include "docker_engine.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "helpers.hpp"
#include "subprocess.hpp"

namespace sluice::test {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

const DockerEngine& DockerEngine::require() {
  static DockerEngine engine = [] {
    DockerEngine e;
    e.dir_ = SLUICE_TEST_DOCKER_DIR;
    std::error_code ec;
    if (std::filesystem::exists(e.dir_ + "/socket", ec))
      e.host_ = trim(read_file(e.dir_ + "/socket"));
    return e;
  }();
  if (engine.host_.empty()) {
    std::string reason = "the docker_engine fixture did not run";
    std::error_code ec;
    if (std::filesystem::exists(engine.dir_ + "/unavailable", ec)) {
      reason = trim(read_file(engine.dir_ + "/unavailable"));
    }
    std::cerr << "\n*** SKIPPED: no Docker engine for docker_source's tests: " << reason
              << " ***\n\n";
    if (std::getenv("SLUICE_REQUIRE_DOCKER") != nullptr) {
      FAIL("SLUICE_REQUIRE_DOCKER is set and no Docker engine runs: " << reason);
    }
    std::fflush(nullptr);
    std::_Exit(77);
  }
  return engine;
}

std::string DockerEngine::docker(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"/usr/bin/env", "docker", "-H", host_};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run(argv, std::chrono::seconds(120));
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : args) cmd += " " + a;
    FAIL("docker" << cmd << " failed (" << r.exit_code << "): " << r.err);
  }
  return trim(r.out);
}

void DockerEngine::restart_daemon() const {
  auto r = run({SLUICE_TEST_SOURCE_DIR "/tests/plugins/docker_source/engine.sh", "restart", dir_},
               std::chrono::seconds(120));
  REQUIRE(r.exit_code == 0);
  REQUIRE(!std::filesystem::exists(dir_ + "/unavailable"));
}

Containers::~Containers() {
  if (ids_.empty()) return;
  std::vector<std::string> argv{"/usr/bin/env", "docker", "-H", engine_.host(), "rm", "-f"};
  argv.insert(argv.end(), ids_.begin(), ids_.end());  // those removed already are refused
  sluice::test::run(argv, std::chrono::seconds(120));
}

std::string Containers::run(const std::string& name, const std::string& script,
                            const std::vector<std::string>& extra) {
  std::vector<std::string> args{"run", "-d", "--network", "none", "--name", name};
  args.insert(args.end(), extra.begin(), extra.end());
  args.insert(args.end(), {"local/busybox", "sh", "-c", script});
  std::string id = engine_.docker(args);
  ids_.push_back(id);  // not the name: a test may rename it
  return id;
}

std::vector<std::string> Containers::run_many(
    const std::vector<std::pair<std::string, std::string>>& runs, int at_once) {
  std::vector<std::string> ids(runs.size());
  std::vector<std::string> failures;
  std::mutex mutex;
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < runs.size(); i = next++) {
      // Not through docker(): Catch's assertions belong to the test's thread.
      std::vector<std::string> argv{
          "/usr/bin/env", "docker", "-H",          engine_.host(),  "run", "-d", "--network",
          "none",         "--name", runs[i].first, "local/busybox", "sh",  "-c", runs[i].second};
      auto r = sluice::test::run(argv, std::chrono::seconds(120));
      std::lock_guard lock(mutex);
      if (r.exit_code != 0) {
        failures.push_back(runs[i].first + ": " + r.err);
      } else {
        ids[i] = trim(r.out);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < at_once; ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  for (const auto& id : ids) {
    if (!id.empty()) ids_.push_back(id);
  }
  for (const auto& f : failures) UNSCOPED_INFO("docker run " << f);
  REQUIRE(failures.empty());
  return ids;
}

void Containers::remove(const std::string& name) {
  engine_.docker({"rm", "-f", name});
}

std::string numbered_lines(const std::string& prefix, int count, int rate, const std::string& to) {
  // Sleeps a tenth of a second after every tenth of the rate, which keeps busybox near it.
  const int step = std::max(1, rate / 10);
  return "i=0; while [ $i -lt " + std::to_string(count) + " ]; do i=$((i+1)); echo \"" + prefix +
         " $i\"" + to + "; if [ $((i % " + std::to_string(step) +
         ")) -eq 0 ]; then usleep 100000; fi; done; sleep 3600";
}

std::string every_second(const std::string& prefix) {
  return "i=0; while true; do i=$((i+1)); echo \"" + prefix + " $i\"; sleep 1; done";
}

}  // namespace sluice::test
