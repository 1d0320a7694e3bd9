// A third party's path: install the SDK into a prefix, build the examples out of tree with
// only that prefix, run their unit tests on the fake host, pass plugin-check, and run them in
// the installed engine.
#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "helpers.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;
using namespace std::chrono_literals;

TEST_CASE("the installed SDK builds the examples out of tree and the engine runs them", "[sdk]") {
  test::TempDir dir;
  std::string prefix = dir.file("prefix");
  auto install = test::run(
      {"/usr/bin/env", "cmake", "--install", SLUICE_TEST_BUILD_DIR, "--prefix", prefix}, 120s);
  INFO(install.out << install.err);
  REQUIRE(install.exit_code == 0);
  CHECK(std::filesystem::exists(prefix + "/lib/cmake/SluiceSDK/SluiceSDKConfig.cmake"));
  CHECK(std::filesystem::exists(prefix + "/lib/pkgconfig/sluice-sdk.pc"));
  const std::string sluice = prefix + "/bin/sluice";

  std::vector<std::string> plugin_dirs;
  for (const std::string example : {"prefixer", "c_counter"}) {
    std::string build = dir.file("build-" + example);
    auto configure =
        test::run({"/usr/bin/env", "cmake", "-S", test::source_dir() + "/examples/" + example, "-B",
                   build, "-DCMAKE_PREFIX_PATH=" + prefix},
                  180s);
    INFO(example << ": " << configure.out << configure.err);
    REQUIRE(configure.exit_code == 0);
    auto compile = test::run({"/usr/bin/env", "cmake", "--build", build}, 300s);
    INFO(compile.out << compile.err);
    REQUIRE(compile.exit_code == 0);

    auto unit = test::run({build + "/" + example + "_test"});
    INFO(unit.out << unit.err);
    CHECK(unit.exit_code == 0);
    CHECK(unit.out.find("2 passed, 0 failed") != std::string::npos);

    auto check = test::run({sluice, "plugin-check", build + "/plugins/" + example + ".so",
                            "--cycles", "30", "--run-for", "5ms"});
    INFO(check.out << check.err);
    CHECK(check.exit_code == 0);
    CHECK(check.out.find("PASS") != std::string::npos);
    plugin_dirs.push_back(build + "/plugins");
  }

  test::write_file(dir.file("p.yaml"), R"(api: {enabled: false}
sources:
  numbers: {type: c_counter, count: 300}
processors:
  tagged: {type: prefixer, inputs: [numbers], prefix: "ex: "}
sinks:
  out: {type: stdout_sink, inputs: [tagged], format: json}
)");
  test::Subprocess p({sluice, "run", "-c", dir.file("p.yaml"), "--plugin-dir", plugin_dirs[0],
                      "--plugin-dir", plugin_dirs[1]},
                     dir.file("out"), dir.file("err"), dir.path().string());
  REQUIRE(test::wait_until([&] { return test::read_lines(dir.file("out")).size() >= 300; }));
  p.signal(SIGINT);
  CHECK(p.wait(20s) == std::optional<int>(0));
  auto lines = test::read_lines(dir.file("out"));
  REQUIRE(lines.size() == 300);
  CHECK(lines[0].find(R"("labels":{"source":"c_counter"},"line":"ex: c_counter line 1"})") !=
        std::string::npos);
  CHECK(lines[299].find(R"("line":"ex: c_counter line 300")") != std::string::npos);
}
