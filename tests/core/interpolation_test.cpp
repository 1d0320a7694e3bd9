// Environment variables in configs: every form, every refusal, and no way for a value to add
// structure to the file it is put in.
#include "config/interpolation.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>

#include "config/pipeline_config.hpp"

using namespace sluice::core;

namespace {

const std::map<std::string, std::string> env = {
    {"HOST", "web-1"}, {"EMPTY", ""}, {"PORT", "3100"}, {"MULTI", "a\nb: c"}};

std::optional<std::string> lookup(const std::string& name) {
  auto it = env.find(name);
  if (it == env.end()) return std::nullopt;
  return it->second;
}

std::string ok(const std::string& text) {
  std::string error;
  auto out = interpolate(text, lookup, &error);
  INFO(error);
  REQUIRE(out.has_value());
  return *out;
}

std::string refused(const std::string& text) {
  std::string error;
  CHECK_FALSE(interpolate(text, lookup, &error).has_value());
  return error;
}

}  // namespace

TEST_CASE("variables are replaced in every form", "[interpolation]") {
  CHECK(ok("${HOST}") == "web-1");
  CHECK(ok("http://loki:${PORT}/push") == "http://loki:3100/push");
  CHECK(ok("${EMPTY}") == "");
  CHECK(ok("${UNSET:-fallback}") == "fallback");
  CHECK(ok("${EMPTY:-fallback}") == "fallback");
  CHECK(ok("${EMPTY-fallback}") == "");
  CHECK(ok("${UNSET-fallback}") == "fallback");
  CHECK(ok("${HOST:-fallback}") == "web-1");
  CHECK(ok("${HOST:?needed}") == "web-1");
  CHECK(ok("${UNSET:-}") == "");
}

TEST_CASE("a $ that is not a reference stays, and $$ is one $", "[interpolation]") {
  CHECK(ok("^error$") == "^error$");
  CHECK(ok("$1 and ${1}x") == "$1 and ${1}x");  // regex groups, as relabel writes them
  CHECK(ok("cost: $$5") == "cost: $5");
  CHECK(ok("$${name}") == "${name}");
  CHECK(ok("$") == "$");
  CHECK(ok("a$b") == "a$b");
}

TEST_CASE("an unset variable, or a malformed reference, is refused by name", "[interpolation]") {
  CHECK(refused("${UNSET}") ==
        "environment variable 'UNSET' is not set (write ${UNSET:-default} to give a default)");
  CHECK(refused("${UNSET:?the Loki URL}") ==
        "environment variable 'UNSET' is not set: the Loki URL");
  CHECK(refused("${EMPTY:?the Loki URL}") == "environment variable 'EMPTY' is empty: the Loki URL");
  CHECK(refused("${UNSET?}") == "environment variable 'UNSET' is not set");
  CHECK(refused("${HOST") == "'${' without its closing '}' (write $$ for a literal $)");
  CHECK(refused("${}").find("does not start with a variable name") != std::string::npos);
  CHECK(refused("${HOST:x}").find("expected '}', ':-', '-', ':?' or '?'") != std::string::npos);
}

TEST_CASE("a value with a newline or ': ' stays one value", "[interpolation]") {
  Diagnostics diags;
  YamlReader reader("p.yaml", diags);
  YAML::Node root = YAML::Load("a: ${MULTI}\nlist: [x, '${HOST}']\n");
  REQUIRE(interpolate_tree(root, lookup, reader));
  CHECK(root.size() == 2);
  CHECK(root["a"].Scalar() == "a\nb: c");
  CHECK_FALSE(root["b"]);
  CHECK(root["list"][1].Scalar() == "web-1");
}

TEST_CASE("a pipeline's variables come from the environment, refused at file:line:column",
          "[interpolation]") {
  ::setenv("SLUICE_TEST_PATTERN", "error", 1);
  ::unsetenv("SLUICE_TEST_UNSET");
  const std::string text = R"(sources:
  gen:
    type: demo_source
processors:
  keep:
    type: filter
    inputs: [gen]
    pattern: ${SLUICE_TEST_PATTERN}
sinks:
  out:
    type: stdout_sink
    inputs: [keep]
)";
  Diagnostics diags;
  auto config = load_pipeline_text(text, "p.yaml", diags);
  INFO(diags.to_string());
  REQUIRE(config.has_value());
  CHECK(config->nodes[1].node["pattern"].Scalar() == "error");

  auto broken = text;
  broken.replace(broken.find("${SLUICE_TEST_PATTERN}"), 22, "${SLUICE_TEST_UNSET}");
  Diagnostics refused;
  CHECK_FALSE(load_pipeline_text(broken, "p.yaml", refused).has_value());
  REQUIRE(refused.size() == 1);
  CHECK(refused.to_string().find("p.yaml:8:14") != std::string::npos);
  CHECK(refused.to_string().find("processors.keep.pattern") != std::string::npos);
  CHECK(refused.to_string().find("'SLUICE_TEST_UNSET' is not set") != std::string::npos);
  ::unsetenv("SLUICE_TEST_PATTERN");
}

TEST_CASE("HOSTNAME is the host's name when the environment lacks it", "[interpolation]") {
  const char* saved = std::getenv("HOSTNAME");
  std::string kept = saved != nullptr ? saved : "";
  ::unsetenv("HOSTNAME");
  char host[256] = {};
  REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  CHECK(process_environment("HOSTNAME") == std::string(host));
  ::setenv("HOSTNAME", "from-env", 1);
  CHECK(process_environment("HOSTNAME") == std::string("from-env"));
  if (saved != nullptr) {
    ::setenv("HOSTNAME", kept.c_str(), 1);
  } else {
    ::unsetenv("HOSTNAME");
  }
  CHECK_FALSE(process_environment("SLUICE_SURELY_UNSET_VARIABLE").has_value());
}
