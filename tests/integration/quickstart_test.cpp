// The quickstart's pipeline (configs/quickstart.yaml) against a log folder of the test's own
// and the tests' real Docker engine: both kinds of lines reach standard output, labelled;
// without a daemon one line says so and the files still flow; with LOKI_URL (and the
// addition scripts/quickstart.sh then makes) the same lines reach Loki too.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>

#include "docker_engine.hpp"
#include "helpers.hpp"
#include "http_client.hpp"
#include "loki_receiver.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

std::string config(const std::string& name) {
  return test::source_dir() + "/configs/" + name;
}

bool has_line(const std::vector<std::string>& lines, const std::vector<std::string>& parts) {
  for (const auto& l : lines) {
    bool all = true;
    for (const auto& p : parts) all = all && l.find(p) != std::string::npos;
    if (all) return true;
  }
  return false;
}

// The quickstart run as the script runs it, with its log folder and Docker host given.
std::unique_ptr<test::Subprocess> run_quickstart(const test::TempDir& dir,
                                                 const std::string& docker_host,
                                                 const std::vector<std::string>& extra_env = {},
                                                 bool with_loki = false) {
  std::vector<std::string> argv{"/usr/bin/env", "SLUICE_LOG_DIR=" + dir.file("log"),
                                "SLUICE_DATA_DIR=" + dir.file("data"),
                                "SLUICE_API_LISTEN=127.0.0.1:0", "DOCKER_HOST=" + docker_host};
  argv.insert(argv.end(), extra_env.begin(), extra_env.end());
  argv.insert(argv.end(), {test::sluice_binary(), "run", "-c", config("quickstart.yaml")});
  if (with_loki) argv.insert(argv.end(), {"-c", config("quickstart-loki.yaml")});
  return std::make_unique<test::Subprocess>(argv, dir.file("stdout"), dir.file("stderr"),
                                            dir.path().string());
}

// The API's port, from the line that says it (the quickstart asks for port 0 here); 0 if
// not said yet.
unsigned short api_port(const test::TempDir& dir) {
  const std::string said = "API listening on 127.0.0.1:";
  const auto log = test::read_file(dir.file("stderr"));
  const auto at = log.find(said);
  return at == std::string::npos
             ? 0
             : static_cast<unsigned short>(std::stoi(log.substr(at + said.size())));
}

// A counter's value in a /metrics text (its first series); -1 when absent.
double counter(const std::string& metrics, const std::string& name) {
  const auto at = metrics.find("\n" + name + "{");
  if (at == std::string::npos) return -1;
  const auto end = metrics.find('\n', at + 1);
  const auto line = metrics.substr(at + 1, end - at - 1);
  return std::stod(line.substr(line.rfind(' ') + 1));
}

void write_logs(const test::TempDir& dir) {
  fs::create_directories(dir.file("log/nginx"));
  test::write_file(dir.file("log/app.log"), "a line from a log file\n");
  test::write_file(dir.file("log/nginx/access.log"), "GET / 200 from nginx\n");
  test::write_file(dir.file("log/syslog"), "a line from syslog\n");
  test::write_file(dir.file("log/old.log.2.gz"), "not text: never read\n");
}

}  // namespace

TEST_CASE("the quickstart prints this host's files and containers, labelled", "[quickstart]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  write_logs(dir);
  auto p = run_quickstart(dir, engine.host());
  test::Containers containers(engine);
  containers.run("quick-talker", test::every_second("a line from a container"));
  auto out = [&] { return test::read_lines(dir.file("stdout")); };
  INFO(test::read_file(dir.file("stderr")));
  CHECK(test::wait_until([&] {
    return has_line(out(), {"filename=\"" + dir.file("log/app.log") + "\"", "job=\"files\"",
                            "} a line from a log file"});
  }));
  CHECK(test::wait_until([&] {
    return has_line(out(), {"container_name=\"quick-talker\"", "job=\"containers\"",
                            "stream=\"stdout\"", "} a line from a container"});
  }));
  CHECK(has_line(out(), {"log/nginx/access.log", "GET / 200 from nginx"}));
  CHECK(has_line(out(), {"log/syslog", "a line from syslog"}));
  CHECK_FALSE(has_line(out(), {"never read"}));
  p->signal(SIGINT);
  CHECK(p->wait(std::chrono::seconds(30)) == 0);
}

TEST_CASE("the quickstart without a Docker daemon says so once and prints the files",
          "[quickstart]") {
  test::TempDir dir;
  write_logs(dir);
  auto p = run_quickstart(dir, "unix://" + dir.file("no-daemon.sock"));
  INFO(test::read_file(dir.file("stderr")));
  CHECK(test::wait_until(
      [&] { return has_line(test::read_lines(dir.file("stdout")), {"a line from a log file"}); }));
  CHECK(test::wait_until([&] {
    return test::read_file(dir.file("stderr")).find("cannot reach the Docker daemon") !=
           std::string::npos;
  }));
  // Several attempts to reach the daemon, and still the one line.
  REQUIRE(test::wait_until([&] { return api_port(dir) != 0; }));
  CHECK(test::wait_until([&] {
    return counter(test::http_get(api_port(dir), "/metrics").body,
                   "sluice_docker_daemon_reconnects_total") >= 3;
  }));
  p->signal(SIGINT);
  CHECK(p->wait(std::chrono::seconds(30)) == 0);
  int said = 0;
  for (const auto& l : test::read_lines(dir.file("stderr"))) {
    said += l.find("cannot reach the Docker daemon") != std::string::npos;
  }
  CHECK(said == 1);
}

TEST_CASE("the quickstart with LOKI_URL ships the same lines to Loki", "[quickstart]") {
  test::LokiReceiver loki;
  test::TempDir dir;
  write_logs(dir);
  auto p = run_quickstart(dir, "unix://" + dir.file("no-daemon.sock"),
                          {"LOKI_URL=" + loki.url(), "HOSTNAME=quickstart-host"}, true);
  INFO(test::read_file(dir.file("stderr")));
  CHECK(loki.wait_for([](const auto& entries) {
    for (const auto& e : entries) {
      if (e.line == "a line from a log file" &&
          e.labels.find(R"(host="quickstart-host")") != std::string::npos) {
        return true;
      }
    }
    return false;
  }));
  CHECK(has_line(test::read_lines(dir.file("stdout")), {"a line from a log file"}));
  p->signal(SIGINT);
  CHECK(p->wait(std::chrono::seconds(30)) == 0);
}
