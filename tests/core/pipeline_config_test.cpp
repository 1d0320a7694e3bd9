// Every configuration error names its file, line and column, and validate reports them all.
#include "config/pipeline_config.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "helpers.hpp"
#include "pipeline.hpp"

using namespace sluice;

namespace {

core::Diagnostics check(const std::string& yaml) {
  core::Diagnostics diags;
  auto config = core::load_pipeline_text(yaml, "p.yaml", diags);
  CHECK((config.has_value() == diags.empty()));
  return diags;
}

// The one diagnostic whose message contains text.
const core::Diagnostic& find(const core::Diagnostics& diags, const std::string& text) {
  for (const auto& d : diags.items()) {
    if (d.message.find(text) != std::string::npos) return d;
  }
  FAIL("no diagnostic contains '" << text << "' in:\n" << diags.to_string());
  throw std::logic_error("unreachable");
}

const char* valid = R"(sources:
  gen:
    type: demo_source
processors:
  keep:
    type: filter
    inputs: [gen]
    pattern: x
sinks:
  out:
    type: stdout_sink
    inputs: [keep]
)";

}  // namespace

TEST_CASE("a valid pipeline parses, with nodes ordered after their inputs", "[config]") {
  core::Diagnostics diags;
  auto config = core::load_pipeline_text(
      "sinks:\n  out:\n    type: stdout_sink\n    inputs: [keep]\n"
      "processors:\n  keep:\n    type: filter\n    inputs: gen\n"
      "sources:\n  gen:\n    type: demo_source\n",
      "p.yaml", diags);
  INFO(diags.to_string());
  REQUIRE(config);
  REQUIRE(config->nodes.size() == 3);
  CHECK(config->nodes[0].id == "gen");
  CHECK(config->nodes[1].id == "keep");
  CHECK(config->nodes[2].id == "out");
  CHECK(config->api_listen == "127.0.0.1:9400");
}

TEST_CASE("malformed YAML is reported with line and column", "[config]") {
  auto diags = check("sources:\n  gen:\n    type: [demo_source\n");
  const auto& d = find(diags, "malformed YAML");
  CHECK(d.file == "p.yaml");
  CHECK(d.line == 4);
  CHECK(d.to_string().rfind("p.yaml:4:", 0) == 0);
}

TEST_CASE("an unknown input is reported where it is written, with a guess", "[config]") {
  std::string yaml = valid;
  yaml.replace(yaml.find("inputs: [gen]"), 13, "inputs: [gne]");
  auto diags = check(yaml);
  const auto& d = find(diags, "unknown input 'gne'");
  CHECK(d.message.find("did you mean 'gen'") != std::string::npos);
  CHECK(d.line == 7);
  CHECK(d.column == 14);
  CHECK(d.path == "processors.keep.inputs");
}

TEST_CASE("a processor or sink without inputs is reported", "[config]") {
  auto diags =
      check("sources:\n  gen:\n    type: demo_source\nsinks:\n  out:\n    type: stdout_sink\n");
  const auto& d = find(diags, "missing 'inputs'");
  CHECK(d.line == 5);
  CHECK(d.column == 3);
}

TEST_CASE("a cycle in the graph is reported with the loop", "[config]") {
  auto diags = check(R"(sources:
  gen:
    type: demo_source
processors:
  a:
    type: filter
    inputs: [gen, b]
  b:
    type: filter
    inputs: [a]
sinks:
  out:
    type: stdout_sink
    inputs: [b]
)");
  const auto& d = find(diags, "cycle");
  CHECK(d.message.find("a -> b -> a") != std::string::npos);
  CHECK(d.line == 5);
  CHECK(d.column == 3);
}

namespace {
// A source, a chain of count filters, each the input of the next, and a sink; with a cycle,
// the first filter also takes the last as an input.
std::string chain(size_t count, bool cycle) {
  std::string yaml = "sources:\n  gen:\n    type: demo_source\nprocessors:\n";
  for (size_t i = 0; i < count; ++i) {
    std::string input = i == 0 ? (cycle ? "[gen, p" + std::to_string(count - 1) + "]" : "[gen]")
                               : "[p" + std::to_string(i - 1) + "]";
    yaml += "  p" + std::to_string(i) + ":\n    type: filter\n    inputs: " + input + "\n";
  }
  yaml +=
      "sinks:\n  out:\n    type: stdout_sink\n    inputs: [p" + std::to_string(count - 1) + "]\n";
  return yaml;
}
}  // namespace

TEST_CASE("a chain of thousands of processors is checked without deep recursion", "[config]") {
  // The graph check once recursed per node and overflowed the stack near 29,000 nodes.
  core::Diagnostics diags;
  auto config =
      core::load_pipeline_text(chain(core::max_pipeline_nodes - 2, false), "p.yaml", diags);
  INFO(diags.to_string());
  REQUIRE(config);
  REQUIRE(config->nodes.size() == core::max_pipeline_nodes);
  CHECK(config->nodes.front().id == "gen");
  CHECK(config->nodes.back().id == "out");
  CHECK(config->nodes[5000].id == "p4999");  // each after its inputs

  auto cyclic = check(chain(5000, true));
  const auto& d = find(cyclic, "cycle");
  // Named by its ends, not by all 5,000 nodes.
  CHECK(d.message.find("... (4989 more) ->") != std::string::npos);
  CHECK(d.message.size() < 300);
}

TEST_CASE("a pipeline of more nodes than the limit is refused with the count", "[config]") {
  auto diags = check(chain(core::max_pipeline_nodes, false));
  REQUIRE(diags.size() == 1);
  CHECK(find(diags, "at most 10000").message ==
        "the pipeline has 10002 nodes; at most 10000 are allowed");
}

TEST_CASE("a duplicate id is reported at its second definition", "[config]") {
  std::string yaml = std::string(valid) + "  gen:\n    type: stdout_sink\n    inputs: [keep]\n";
  auto diags = check(yaml);
  const auto& d = find(diags, "duplicate id 'gen'");
  CHECK(d.line == 13);
  CHECK(d.column == 3);
  CHECK(d.message.find("p.yaml:2:3") != std::string::npos);
}

TEST_CASE("a source with inputs is reported", "[config]") {
  std::string yaml = valid;
  yaml.replace(yaml.find("    type: demo_source\n"), 22,
               "    type: demo_source\n    inputs: [out]\n");
  auto diags = check(yaml);
  const auto& d = find(diags, "a source takes no inputs");
  CHECK(d.line == 4);
  CHECK(d.column == 13);
}

TEST_CASE("an unknown top-level key gets a did-you-mean", "[config]") {
  std::string yaml = std::string(valid) + "lifecycel:\n  stop_deadline: 2s\n";
  auto diags = check(yaml);
  const auto& d = find(diags, "unknown key 'lifecycel'");
  CHECK(d.message.find("did you mean 'lifecycle'") != std::string::npos);
  CHECK(d.line == 13);
  CHECK(d.column == 1);
}

TEST_CASE("a value of the wrong type is reported with the expected type", "[config]") {
  std::string yaml = std::string(valid) + "    buffer:\n      max_events: lots\n";
  auto diags = check(yaml);
  const auto& d = find(diags, "expected an integer, got 'lots'");
  CHECK(d.path == "sinks.out.buffer.max_events");
  CHECK(d.line == 14);
  CHECK(d.column == 19);
}

TEST_CASE("an input that is a sink is refused", "[config]") {
  std::string yaml = std::string(valid) + "  out2:\n    type: stdout_sink\n    inputs: [out]\n";
  auto diags = check(yaml);
  find(diags, "input 'out' is a sink");
}

TEST_CASE("every error of a file is reported at once, not only the first", "[config]") {
  auto diags = check(R"(sources:
  gen:
    type: demo_source
    inputs: [x]
sinks:
  out:
    type: stdout_sink
    inputs: [gen]
    stop_deadline: soon
    buffer:
      when_full: explode
lifecycle:
  on_violation: panic
)");
  CHECK(diags.size() == 4);
  find(diags, "a source takes no inputs");
  find(diags, "expected a duration");
  find(diags, "expected 'block' or 'drop_newest'");
  find(diags, "expected 'continue' or 'exit'");
}

TEST_CASE("plugin keys are checked by the plugin: typos, wrong types, bad values", "[config]") {
  test::TempDir dir;
  core::Diagnostics diags;
  std::string yaml = valid;
  yaml.replace(yaml.find("    type: demo_source\n"), 22,
               "    type: demo_source\n    rate: fast\n    lables: {a: b}\n");
  yaml.replace(yaml.find("    type: stdout_sink\n"), 22,
               "    type: stdout_sink\n    formt: json\n");
  yaml.replace(yaml.find("pattern: x"), 10, "pattern: \"(unclosed\"");
  auto engine = test::load_engine(dir, yaml, diags);
  CHECK_FALSE(engine);
  INFO(diags.to_string());
  CHECK(diags.size() == 4);
  const auto& rate = find(diags, "expected a number, got 'fast'");
  CHECK(rate.path == "sources.gen.rate");
  CHECK(rate.line == 4);
  CHECK(rate.column == 11);
  CHECK(find(diags, "unknown key 'lables'").message.find("did you mean 'labels'") !=
        std::string::npos);
  CHECK(find(diags, "unknown key 'formt'").message.find("did you mean 'format'") !=
        std::string::npos);
  const auto& regex = find(diags, "invalid RE2 pattern");
  CHECK(regex.path == "processors.keep.pattern");
  CHECK(regex.line == 10);
}

TEST_CASE("an unknown plugin type is reported with a guess", "[config]") {
  test::TempDir dir;
  core::Diagnostics diags;
  std::string yaml = valid;
  yaml.replace(yaml.find("type: stdout_sink"), 17, "type: stdout_snk");
  CHECK_FALSE(test::load_engine(dir, yaml, diags));
  const auto& d = find(diags, "unknown plugin type 'stdout_snk'");
  CHECK(d.message.find("did you mean 'stdout_sink'") != std::string::npos);
  CHECK(d.line == 11);
  CHECK(d.column == 11);
}

namespace {

// A folder of config files for one test, removed after it.
struct ConfigDir {
  std::filesystem::path root =
      std::filesystem::temp_directory_path() / ("sluice-config-" + std::to_string(::getpid()));
  ConfigDir() {
    std::filesystem::remove_all(root);
    std::filesystem::create_directories(root / "conf.d");
  }
  ~ConfigDir() { std::filesystem::remove_all(root); }
  std::string write(const std::string& name, const std::string& text) const {
    auto path = (root / name).string();
    std::ofstream(path) << text;
    return path;
  }
};

}  // namespace

TEST_CASE("several files and a folder form one pipeline, in name order", "[config]") {
  ConfigDir d;
  auto main = d.write("main.yaml", "data_dir: /tmp/x\nsources:\n  gen:\n    type: demo_source\n");
  d.write("conf.d/20-sink.yaml", "sinks:\n  out:\n    type: stdout_sink\n    inputs: [keep]\n");
  d.write("conf.d/10-filter.yml",
          "processors:\n  keep:\n    type: filter\n    inputs: [gen]\n    pattern: x\n");
  d.write("conf.d/notes.txt", "not a config");
  d.write("conf.d/30-empty.yaml", "");
  core::Diagnostics diags;
  auto config = core::load_pipeline_files({main, (d.root / "conf.d").string()}, diags);
  INFO(diags.to_string());
  REQUIRE(config.has_value());
  CHECK(config->data_dir == "/tmp/x");
  REQUIRE(config->files.size() == 4);
  CHECK(config->files[1].find("10-filter.yml") != std::string::npos);
  CHECK(config->files[2].find("20-sink.yaml") != std::string::npos);
  REQUIRE(config->nodes.size() == 3);
  CHECK(config->nodes[1].id == "keep");
  CHECK(config->nodes[1].file == config->files[1]);
}

TEST_CASE("across files, an id or a pipeline setting given twice names both places", "[config]") {
  ConfigDir d;
  auto a = d.write("a.yaml",
                   "data_dir: /tmp/a\nsources:\n  gen:\n    type: demo_source\n"
                   "sinks:\n  out:\n    type: stdout_sink\n    inputs: [gen]\n");
  auto b = d.write("b.yaml", "data_dir: /tmp/b\nsources:\n  gen:\n    type: demo_source\n");
  core::Diagnostics diags;
  CHECK_FALSE(core::load_pipeline_files({a, b}, diags).has_value());
  auto text = diags.to_string();
  INFO(text);
  CHECK(text.find(b + ":1:1: data_dir: 'data_dir' is set already, at " + a + ":1:1") !=
        std::string::npos);
  CHECK(text.find(b + ":3:3: sources.gen: duplicate id 'gen' (first defined at " + a + ":3:3)") !=
        std::string::npos);
}

TEST_CASE("a node's error names its own file, and a folder without configs is refused",
          "[config]") {
  ConfigDir d;
  auto a = d.write("a.yaml", "sources:\n  gen:\n    type: demo_source\n");
  auto b = d.write("b.yaml", "sinks:\n  out:\n    type: stdout_sink\n    inputs: [gne]\n");
  core::Diagnostics diags;
  CHECK_FALSE(core::load_pipeline_files({a, b}, diags).has_value());
  CHECK(diags.to_string().find(b + ":4:14: sinks.out.inputs: unknown input 'gne' (did you mean "
                                   "'gen'?)") != std::string::npos);
  core::Diagnostics empty;
  CHECK_FALSE(core::load_pipeline_files({(d.root / "conf.d").string()}, empty).has_value());
  CHECK(empty.to_string().find("the folder holds no *.yaml or *.yml file") != std::string::npos);
}

TEST_CASE("data_dir defaults to the service's state folder, never to the working directory",
          "[config]") {
  auto with_env = [](const char* name, const char* value, const auto& check) {
    const char* saved = std::getenv(name);
    std::string kept = saved != nullptr ? saved : "";
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
    check();
    if (saved != nullptr) {
      ::setenv(name, kept.c_str(), 1);
    } else {
      ::unsetenv(name);
    }
  };
  with_env("STATE_DIRECTORY", "/var/lib/sluice-unit:/var/lib/other", [] {
    CHECK(core::default_data_dir() == "/var/lib/sluice-unit");
    core::Diagnostics diags;
    auto config = core::load_pipeline_text(valid, "p.yaml", diags);
    REQUIRE(config.has_value());
    CHECK(config->data_dir == "/var/lib/sluice-unit");
  });
  with_env("STATE_DIRECTORY", nullptr, [&] {
    if (::geteuid() == 0) {
      CHECK(core::default_data_dir() == "/var/lib/sluice");
    } else {
      with_env("XDG_STATE_HOME", "/tmp/xdg-state",
               [] { CHECK(core::default_data_dir() == "/tmp/xdg-state/sluice"); });
    }
  });
}
