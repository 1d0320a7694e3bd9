// A shipped configuration (deploy/sluice.yaml, the Kubernetes ConfigMap's) run as the service
// runs it, with what it reads from the environment pointed into a test folder: no Loki, no
// Docker daemon, the API on a free loopback port.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "subprocess.hpp"

namespace sluice::test {

class PackagedEngine {
 public:
  explicit PackagedEngine(const std::string& config);
  ~PackagedEngine();
  // The API's port, read from the engine's log (the config asks for port 0); 0 if it never
  // said.
  unsigned short port() const { return port_; }
  std::string log() const { return read_file(dir_.file("stderr")); }
  // Stops it with SIGTERM; its exit code.
  int stop();

 private:
  TempDir dir_;
  std::unique_ptr<Subprocess> process_;
  unsigned short port_ = 0;
};

std::string packaged_config();  // the path of deploy/sluice.yaml
// The environment a shipped config reads, pointed into dir: VAR=value pairs for env(1).
std::vector<std::string> shipped_config_environment(const TempDir& dir);

}  // namespace sluice::test
