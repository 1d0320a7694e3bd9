// The container image, built by tests/deploy/image.sh on the tests' Docker engine and run as
// an operator runs it: the engine's socket mounted read-only, a log folder mounted as
// /var/log, shipping to a Loki receiver on this host's loopback.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "docker_engine.hpp"
#include "helpers.hpp"
#include "loki_receiver.hpp"
#include "subprocess.hpp"

using namespace sluice;

namespace {

const char* image = "sluice:test";
const char* name = "sluice-image-test";

bool has_entry(const std::vector<test::LokiEntry>& entries, const std::string& label,
               const std::string& line) {
  for (const auto& e : entries) {
    if (e.labels.find(label) != std::string::npos && e.line.find(line) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// Removes the image's container however the test ends.
struct RemoveContainer {
  const test::DockerEngine& engine;
  ~RemoveContainer() {
    test::run({"/usr/bin/env", "docker", "-H", engine.host(), "rm", "-f", name});
  }
};

}  // namespace

TEST_CASE("the image ships the logs of another container and of /var/log, labelled", "[image]") {
  const auto& engine = test::DockerEngine::require();
  auto built = test::run({std::string(SLUICE_TEST_SOURCE_DIR) + "/tests/deploy/image.sh",
                          SLUICE_TEST_BUILD_DIR, engine.host(), image},
                         std::chrono::minutes(10));
  INFO(built.out << built.err);
  REQUIRE(built.exit_code == 0);

  // Final image: the package's user, and no compiler.
  CHECK(engine.docker({"run", "--rm", "--entrypoint", "id", image, "-un"}) == "sluice");
  auto compiler = test::run({"/usr/bin/env", "docker", "-H", engine.host(), "run", "--rm",
                             "--entrypoint", "sh", image, "-c", "command -v cc c++ gcc g++"});
  CHECK(compiler.exit_code != 0);

  test::LokiReceiver loki;
  // As on a Debian host: /var/log open to all, its files readable by the adm group, of which
  // the image's user is a member.
  test::TempDir logs;
  test::write_file(logs.file("app.log"), "a line from a file under /var/log\n");
  REQUIRE(::chmod(logs.path().c_str(), 0755) == 0);
  REQUIRE(::chown(logs.file("app.log").c_str(), 0, 4) == 0);
  REQUIRE(::chmod(logs.file("app.log").c_str(), 0640) == 0);
  test::Containers containers(engine);
  containers.run("talker", test::every_second("a line from a container"));

  const std::string socket = engine.host().substr(std::string("unix://").size());
  struct stat st {};
  REQUIRE(::stat(socket.c_str(), &st) == 0);
  RemoveContainer cleanup{engine};
  // Host networking reaches the receiver on loopback; the API goes to a test port rather
  // than the image's 0.0.0.0:9400, which host networking would open on every address.
  engine.docker({"run",
                 "-d",
                 "--name",
                 name,
                 "--network",
                 "host",
                 "-v",
                 socket + ":/var/run/docker.sock:ro",
                 "--group-add",
                 std::to_string(st.st_gid),
                 "-v",
                 logs.path().string() + ":/var/log:ro",
                 "-e",
                 "LOKI_URL=" + loki.url(),
                 "-e",
                 "HOSTNAME=image-test",
                 "-e",
                 "SLUICE_API_LISTEN=127.0.0.1:19474",
                 "--health-interval",
                 "1s",
                 "--health-start-period",
                 "1s",
                 image});
  auto log = [&] {
    return test::run({"/usr/bin/env", "docker", "-H", engine.host(), "logs", name}).err;
  };
  INFO(log());
  CHECK(loki.wait_for([](const auto& entries) {
    return has_entry(entries, R"(container_name="talker")", "a line from a container");
  }));
  CHECK(loki.wait_for([](const auto& entries) {
    return has_entry(entries, R"(filename="/var/log/app.log")", "a line from a file");
  }));
  for (const auto& e : loki.entries()) {
    INFO(e.labels);
    CHECK(e.labels.find(R"(host="image-test")") != std::string::npos);
  }
  // The HEALTHCHECK asks /healthz, with bash alone.
  CHECK(test::wait_until(
      [&] {
        return engine.docker({"inspect", "-f", "{{.State.Health.Status}}", name}) == "healthy";
      },
      std::chrono::seconds(60)));
  engine.docker({"stop", "-t", "30", name});
  CHECK(engine.docker({"inspect", "-f", "{{.State.ExitCode}}", name}) == "0");
}
