#include "packaged_engine.hpp"

#include <csignal>

#include "test_paths.hpp"

namespace sluice::test {

std::string packaged_config() {
  return std::string(SLUICE_TEST_SOURCE_DIR) + "/deploy/sluice.yaml";
}

std::vector<std::string> shipped_config_environment(const TempDir& dir) {
  return {"SLUICE_DATA_DIR=" + dir.file("data"),
          "SLUICE_API_LISTEN=127.0.0.1:0",
          "DOCKER_HOST=unix://" + dir.file("no-daemon.sock"),
          "LOKI_URL=http://127.0.0.1:1",
          "HOSTNAME=test-host",
          "NODE_NAME=test-node"};
}

PackagedEngine::PackagedEngine(const std::string& config) {
  // env sets what the service would have in its environment; the rest comes from ours.
  std::vector<std::string> argv{"/usr/bin/env"};
  for (const auto& pair : shipped_config_environment(dir_)) argv.push_back(pair);
  for (const auto& arg : {sluice_binary(), std::string("run"), std::string("-c"), config,
                          std::string("--plugin-dir"), plugin_dir()}) {
    argv.push_back(arg);
  }
  process_ = std::make_unique<Subprocess>(argv, dir_.file("stdout"), dir_.file("stderr"),
                                          dir_.path().string());
  const std::string said = "API listening on 127.0.0.1:";
  wait_until([&] { return log().find(said) != std::string::npos; });
  const auto log_text = log();
  const auto at = log_text.find(said);
  if (at != std::string::npos) {
    port_ = static_cast<unsigned short>(std::stoi(log_text.substr(at + said.size())));
  }
}

PackagedEngine::~PackagedEngine() = default;

int PackagedEngine::stop() {
  process_->signal(SIGTERM);
  return process_->wait(std::chrono::seconds(30)).value_or(-1);
}

}  // namespace sluice::test
