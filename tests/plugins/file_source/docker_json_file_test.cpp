// file_source with format docker_json over a log that dockerd itself wrote (its json-file
// driver, on the tests' engine): a 40 KiB line, which dockerd splits into 16 KiB pieces, is
// one record again, with the container's stream and time.
#include <catch2/catch.hpp>
#include <csignal>

#include "docker_engine.hpp"
#include "helpers.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;

TEST_CASE("file_source joins the pieces of a 40 KiB line in dockerd's own json-file log",
          "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::Containers containers(engine);
  // 40,960 x's, a newline, then a short line; then the container waits to be removed.
  const auto id = containers.run(
      "json-file-writer",
      "yes x | head -n 40960 | tr -d '\\n'; echo; echo short; echo to stderr >&2; sleep 600");
  auto log_path = engine.docker({"inspect", "-f", "{{.LogPath}}", id});
  while (!log_path.empty() && (log_path.back() == '\n' || log_path.back() == ' ')) {
    log_path.pop_back();
  }
  REQUIRE_FALSE(log_path.empty());
  REQUIRE(test::wait_until(
      [&] { return test::read_file(log_path).find("to stderr") != std::string::npos; }));
  // dockerd did split it: the raw log has more lines than the container wrote.
  CHECK(test::read_lines(log_path).size() > 3);

  test::TempDir dir;
  test::write_file(dir.file("p.yaml"), "data_dir: " + dir.file("data") +
                                           "\napi:\n  enabled: false\nsources:\n  files:\n"
                                           "    type: file_source\n    include: [" +
                                           log_path +
                                           "]\n    format: auto\nsinks:\n  out:\n"
                                           "    type: stdout_sink\n    inputs: [files]\n"
                                           "    format: json\n");
  test::Subprocess p({test::sluice_binary(), "run", "-c", dir.file("p.yaml")}, dir.file("stdout"),
                     dir.file("stderr"), dir.path().string());
  INFO(test::read_file(dir.file("stderr")));
  REQUIRE(test::wait_until([&] { return test::read_lines(dir.file("stdout")).size() >= 3; }));
  auto lines = test::read_lines(dir.file("stdout"));
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].find(R"("stream":"stdout")") != std::string::npos);
  CHECK(lines[0].find(R"("line":")" + std::string(40960, 'x') + "\"") != std::string::npos);
  CHECK(lines[1].find(R"("line":"short")") != std::string::npos);
  CHECK(lines[2].find(R"("stream":"stderr")") != std::string::npos);
  CHECK(lines[2].find(R"("line":"to stderr")") != std::string::npos);
  p.signal(SIGINT);
  CHECK(p.wait(std::chrono::seconds(30)) == 0);
}
