// The packaged configuration (deploy/sluice.yaml) run as the service runs it, with what it
// reads from the environment pointed into a test folder: no Loki, no Docker daemon.
#pragma once

#include <memory>
#include <string>

#include "helpers.hpp"
#include "subprocess.hpp"

namespace sluice::test {

class PackagedEngine {
 public:
  PackagedEngine();
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

}  // namespace sluice::test
