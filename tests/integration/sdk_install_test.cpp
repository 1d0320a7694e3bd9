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
  CHECK(std::filesystem::exists(prefix + "/share/pkgconfig/sluice-sdk.pc"));
  const std::string sluice = prefix + "/bin/sluice";

  struct Example {
    std::string dir;
    std::vector<std::string> plugins;  // each with its unit test, PLUGIN_test
  };
  std::vector<std::string> plugin_dirs;
  for (const Example& ex : {Example{"prefixer", {"prefixer"}}, Example{"c_counter", {"c_counter"}},
                            Example{"tutorial", {"ticker", "line_file_sink"}}}) {
    const std::string& example = ex.dir;
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

    for (const auto& plugin : ex.plugins) {
      auto unit = test::run({build + "/" + plugin + "_test"});
      INFO(plugin << ": " << unit.out << unit.err);
      CHECK(unit.exit_code == 0);
      CHECK(unit.out.find("2 passed, 0 failed") != std::string::npos);

      test::write_file(dir.file(plugin + ".yaml"),
                       plugin == "line_file_sink" ? "path: " + dir.file("check.out") + "\n" : "");
      auto check =
          test::run({sluice, "plugin-check", build + "/plugins/" + plugin + ".so", "--config",
                     dir.file(plugin + ".yaml"), "--cycles", "30", "--run-for", "5ms"});
      INFO(check.out << check.err);
      CHECK(check.exit_code == 0);
      CHECK(check.out.find("PASS") != std::string::npos);
    }
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

  // The tutorial's source and sink, together in the installed engine.
  const std::string ticks = dir.file("ticks.log");
  test::write_file(dir.file("t.yaml"),
                   "api: {enabled: false}\nsources:\n  t: {type: ticker, "
                   "interval: 10ms}\nsinks:\n  f: {type: line_file_sink, "
                   "inputs: [t], path: " +
                       ticks + "}\n");
  test::Subprocess t({sluice, "run", "-c", dir.file("t.yaml"), "--plugin-dir", plugin_dirs[2]},
                     dir.file("t.out"), dir.file("t.err"), dir.path().string());
  REQUIRE(test::wait_until(
      [&] { return std::filesystem::exists(ticks) && test::read_lines(ticks).size() >= 5; }));
  t.signal(SIGINT);
  CHECK(t.wait(20s) == std::optional<int>(0));
  auto got = test::read_lines(ticks);
  for (size_t i = 0; i < got.size(); ++i) CHECK(got[i] == "tick " + std::to_string(i + 1));
}

TEST_CASE("the SDK tutorial shows the example files as they are", "[sdk]") {
  std::string readme = test::read_file(test::source_dir() + "/sdk/README.md");
  for (const char* file : {"ticker.cpp", "line_file_sink.cpp"}) {
    INFO(file);
    std::string code = test::read_file(test::source_dir() + "/examples/tutorial/" + file);
    CHECK(readme.find("```cpp\n" + code + "```") != std::string::npos);
  }
}
