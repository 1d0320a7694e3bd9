// deploy/sluice.yaml: the configuration the package installs and the image runs.
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "http_client.hpp"
#include "packaged_engine.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;

TEST_CASE("the packaged config is valid with nothing set in the environment", "[deploy]") {
  auto r =
      test::run({"/usr/bin/env", "-u", "LOKI_URL", "-u", "DOCKER_HOST", "-u", "SLUICE_DATA_DIR",
                 "-u", "SLUICE_API_LISTEN", test::sluice_binary(), "validate", "-c",
                 test::packaged_config(), "--plugin-dir", test::plugin_dir()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("valid (3 nodes)") != std::string::npos);
}

// No daemon and no Loki is the state of a host where the package was just installed: the
// service runs, says what it cannot reach, and is healthy and ready.
TEST_CASE("the packaged config runs where neither Docker nor Loki is reachable", "[deploy]") {
  test::PackagedEngine engine(test::packaged_config());
  INFO(engine.log());
  REQUIRE(engine.port() != 0);
  CHECK(test::http_get(engine.port(), "/healthz").status == 200);
  CHECK(test::wait_until([&] { return test::http_get(engine.port(), "/ready").status == 200; }));
  // What it cannot reach is named: the daemon's socket, and Loki.
  CHECK(test::wait_until([&] { return engine.log().find("no-daemon.sock") != std::string::npos; }));
  CHECK(test::wait_until([&] { return engine.log().find("127.0.0.1:1") != std::string::npos; },
                         std::chrono::seconds(30)));
  CHECK(engine.stop() == 0);
}
