// `sluice describe`, and what the declared settings do for a user: each plugin README's
// table is the plugin's own description, a value out of range is refused with what is
// allowed, and another shipper's key name is answered with Sluice's.
#include <catch2/catch.hpp>
#include <filesystem>

#include "helpers.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

test::RunResult describe(const std::string& plugin, const std::string& format) {
  return test::run({test::sluice_binary(), "describe", plugin, "--plugin-dir", test::plugin_dir(),
                    "--plugin-dir", test::test_plugin_dir(), "--format", format});
}

}  // namespace

TEST_CASE("each shipped plugin's README carries the settings table it declares", "[describe]") {
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(test::source_dir() + "/plugins")) {
    const std::string name = entry.path().filename();
    if (!fs::exists(test::plugin_dir() + "/" + name + ".so")) continue;
    INFO(name << ": bring the README in line with scripts/plugin-readmes.sh");
    auto json = describe(name, "json");
    REQUIRE(json.exit_code == 0);
    CHECK(json.out.find("\"settings\":[{") != std::string::npos);
    auto table = describe(name, "markdown");
    REQUIRE(table.exit_code == 0);
    REQUIRE(table.out.rfind("| key | type | default | allowed | meaning |\n", 0) == 0);
    CHECK(test::read_file(entry.path().string() + "/README.md").find(table.out) !=
          std::string::npos);
    ++checked;
  }
  CHECK(checked >= 11);
}

TEST_CASE("sluice describe prints a plugin's settings as text and as JSON", "[describe]") {
  auto text = describe("loki_sink", "text");
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.rfind("loki_sink (sink, version ", 0) == 0);
  CHECK(text.out.find("\nbatch_max_wait (duration, default: 1s)\n") != std::string::npos);
  CHECK(text.out.find("    allowed: at least 1ms\n") != std::string::npos);
  CHECK(text.out.find("\nurl (string, default: required)\n") != std::string::npos);
  CHECK(text.out.find("    elsewhere called: batchwait, batch_wait") != std::string::npos);
  CHECK(text.out.find("\ntls.insecure_skip_verify (boolean, default: false)\n") !=
        std::string::npos);

  auto json = describe("loki_sink", "json");
  REQUIRE(json.exit_code == 0);
  CHECK(json.out.rfind("{\"name\":\"loki_sink\",\"kind\":\"sink\",", 0) == 0);
  CHECK(json.out.find("{\"name\":\"max_concurrency\",\"type\":\"integer\",\"default\":\"1\","
                      "\"allowed\":\"1 to 32\",") != std::string::npos);
  CHECK(json.out.find("{\"name\":\"url\",\"type\":\"string\",\"default\":null,") !=
        std::string::npos);
  CHECK(json.out.find("\"required\":true") != std::string::npos);

  // A plugin built before settings were declared (ABI 1.0) is still described.
  auto old = describe("older_minor", "text");
  REQUIRE(old.exit_code == 0);
  CHECK(old.out.find("This plugin declares no settings.") != std::string::npos);

  auto missing = describe("no_such_plugin", "text");
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("no_such_plugin") != std::string::npos);
  auto bad_format = test::run({test::sluice_binary(), "describe", "loki_sink", "--format", "xml"});
  CHECK(bad_format.exit_code == 2);
  CHECK(bad_format.err.find("--format takes text, json or markdown") != std::string::npos);
}

TEST_CASE("a value out of range is refused, and another shipper's key is named", "[describe]") {
  test::TempDir dir;
  const std::string file = dir.file("p.yaml");
  test::write_file(file, "data_dir: " + dir.file("data") + R"(
sources:
  files:
    type: file_source
    include: [/var/log/*.log]
    max_open_files: 0
    rotate_wait: 5s
    read_from_head: true
sinks:
  loki:
    type: loki_sink
    inputs: [files]
    url: http://127.0.0.1:3100
    batch_wait: 1s
    max_concurrency: 64
    tls:
      verify: false
      ca_fil: /etc/ca.pem
)");
  auto r = test::run({test::sluice_binary(), "validate", "-c", file});
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(file + ":6:21: sources.files.max_open_files: must be 1 to 1000000, got 0") !=
        std::string::npos);
  CHECK(r.err.find(file + ":8:5: sources.files.read_from_head: unknown key 'read_from_head' "
                          "(another shipper's name: here it is 'start_at')") != std::string::npos);
  CHECK(r.err.find(file + ":14:5: sinks.loki.batch_wait: unknown key 'batch_wait' (another "
                          "shipper's name: here it is 'batch_max_wait')") != std::string::npos);
  CHECK(r.err.find(file + ":15:22: sinks.loki.max_concurrency: must be 1 to 32, got 64") !=
        std::string::npos);
  CHECK(r.err.find(file + ":17:7: sinks.loki.tls.verify: unknown key 'verify' (another "
                          "shipper's name: here it is 'tls.insecure_skip_verify')") !=
        std::string::npos);
  CHECK(r.err.find(file + ":18:7: sinks.loki.tls.ca_fil: unknown key 'ca_fil' (did you mean "
                          "'ca_file'?)") != std::string::npos);
  CHECK(r.err.find("6 errors") != std::string::npos);
}
