#include "packaged_engine.hpp"

#include <csignal>

#include "test_paths.hpp"

namespace sluice::test {

std::string packaged_config() {
  return std::string(SLUICE_TEST_SOURCE_DIR) + "/deploy/sluice.yaml";
}

PackagedEngine::PackagedEngine() {
  // env sets what the service would have in its environment; the rest comes from ours.
  process_ = std::make_unique<Subprocess>(
      std::vector<std::string>{"/usr/bin/env", "SLUICE_DATA_DIR=" + dir_.file("data"),
                               "SLUICE_API_LISTEN=127.0.0.1:0",
                               "DOCKER_HOST=unix://" + dir_.file("no-daemon.sock"),
                               "LOKI_URL=http://127.0.0.1:1", "HOSTNAME=test-host", sluice_binary(),
                               "run", "-c", packaged_config(), "--plugin-dir", plugin_dir()},
      dir_.file("stdout"), dir_.file("stderr"), dir_.path().string());
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
