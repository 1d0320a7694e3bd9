// The Docker engine that tests/plugins/docker_source/engine.sh started for this test run (a
// CTest fixture), and the containers a test runs on it. Every container a test starts is removed when its
// Containers object goes.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sluice::test {

class DockerEngine {
 public:
  // The engine of this build's fixture; the test is skipped (exit code 77, which CTest
  // counts as skipped) when none could start, or fails when SLUICE_REQUIRE_DOCKER is set.
  static const DockerEngine& require();
  const std::string& host() const { return host_; }
  // Runs the docker client against the engine; fails the test when it fails.
  std::string docker(const std::vector<std::string>& args) const;
  // engine.sh restart: the daemon goes away and comes back; the containers keep running.
  void restart_daemon() const;

 private:
  std::string dir_, host_;
};

class Containers {
 public:
  explicit Containers(const DockerEngine& engine) : engine_(engine) {}
  ~Containers();
  Containers(const Containers&) = delete;
  Containers& operator=(const Containers&) = delete;
  // docker run -d --network none [extra...] --name NAME local/busybox sh -c SCRIPT; the id.
  std::string run(const std::string& name, const std::string& script,
                  const std::vector<std::string>& extra = {});
  // The same for each (name, script), a few at a time: the daemon starts containers faster
  // side by side. The ids, in order.
  std::vector<std::string> run_many(const std::vector<std::pair<std::string, std::string>>& runs,
                                    int at_once = 4);
  void remove(const std::string& name);

 private:
  const DockerEngine& engine_;
  std::vector<std::string> ids_;
};

// A shell loop printing "PREFIX N" for N from 1 to count, about rate lines a second.
std::string numbered_lines(const std::string& prefix, int count, int rate,
                           const std::string& to = "");
// A shell loop printing "PREFIX N" once a second, for N from 1 on, until stopped.
std::string every_second(const std::string& prefix);

}  // namespace sluice::test
