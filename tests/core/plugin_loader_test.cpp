// Every refusal of the loader names the file and what was wrong, and nothing refused is used.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "helpers.hpp"
#include "pipeline.hpp"
#include "plugins/plugin_catalog.hpp"
#include "plugins/plugin_library.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

std::string refusal(const std::string& path) {
  auto r = core::load_plugin_library(path);
  if (auto* why = std::get_if<std::string>(&r)) return *why;
  return "";
}

}  // namespace

TEST_CASE("a shipped plugin loads with its descriptor", "[loader]") {
  auto r = core::load_plugin_library(test::plugin_dir() + "/demo_source.so");
  REQUIRE(std::holds_alternative<std::shared_ptr<const core::PluginLibrary>>(r));
  auto lib = std::get<std::shared_ptr<const core::PluginLibrary>>(r);
  CHECK(lib->name == "demo_source");
  CHECK(lib->version == "1.0.0");
  CHECK(lib->descriptor.kind == SLUICE_KIND_SOURCE);
}

TEST_CASE("a file that is not a shared library is refused", "[loader]") {
  test::TempDir dir;
  std::string path = dir.file("garbage.so");
  test::write_file(path, "this is text, not ELF\n");
  ::chmod(path.c_str(), 0644);
  std::string why = refusal(path);
  CHECK(why.rfind(path + ": ", 0) == 0);
  CHECK(why.find("not a shared library") != std::string::npos);
}

TEST_CASE("a shared library without the entry point is refused", "[loader]") {
  std::string path = test::test_plugin("not_a_plugin");
  std::string why = refusal(path);
  CHECK(why.rfind(path, 0) == 0);
  CHECK(why.find("no entry point 'sluice_plugin_entry'") != std::string::npos);
}

TEST_CASE("a plugin built for another ABI major is refused naming both versions", "[loader]") {
  std::string why = refusal(test::test_plugin("bad_abi_major"));
  CHECK(why.find("built for plugin ABI 2.0") != std::string::npos);
  CHECK(why.find("this engine speaks ABI 1." + std::to_string(SLUICE_ABI_MINOR)) !=
        std::string::npos);
}

TEST_CASE("a descriptor smaller than the ABI needs is refused", "[loader]") {
  std::string why = refusal(test::test_plugin("small_descriptor"));
  CHECK(why.find("descriptor too small: 16 bytes") != std::string::npos);
}

TEST_CASE("a plugin built for an older minor loads, without what that minor lacked", "[loader]") {
  auto r = core::load_plugin_library(test::test_plugin("older_minor"));
  REQUIRE(std::holds_alternative<std::shared_ptr<const core::PluginLibrary>>(r));
  auto lib = std::get<std::shared_ptr<const core::PluginLibrary>>(r);
  CHECK(lib->descriptor.abi_minor == 0);
  CHECK(lib->descriptor.struct_size < sizeof(sluice_plugin_descriptor_t));
  CHECK(lib->descriptor.on_process != nullptr);
  CHECK(lib->descriptor.on_flush == nullptr);  // a 1.2 hook, read as absent
}

TEST_CASE("a descriptor that lies about its size is refused", "[loader]") {
  std::string why = refusal(test::test_plugin("lying_size"));
  CHECK(why.find("does not match") != std::string::npos);
}

TEST_CASE("a plugin file or directory writable by others is refused", "[loader]") {
  test::TempDir dir;
  std::string copy = dir.file("demo_source.so");
  fs::copy_file(test::plugin_dir() + "/demo_source.so", copy);
  ::chmod(copy.c_str(), 0666);
  CHECK(refusal(copy).find("writable by others (mode 0666)") != std::string::npos);
  ::chmod(copy.c_str(), 0775);
  CHECK(refusal(copy).find("writable by its group") != std::string::npos);

  ::chmod(copy.c_str(), 0755);
  ::chmod(dir.path().c_str(), 0777);
  auto catalog = core::PluginCatalog::discover({dir.path().string()}, {"demo_source"});
  CHECK(catalog.plugins().empty());
  REQUIRE(catalog.refused().size() == 1);
  CHECK(catalog.refused()[0].reason.find("plugin directory refused") != std::string::npos);
  ::chmod(dir.path().c_str(), 0700);
  catalog = core::PluginCatalog::discover({dir.path().string()}, {"demo_source"});
  CHECK(catalog.find("demo_source"));
}

TEST_CASE("discovery lists good plugins and every refused file with its reason", "[loader]") {
  auto catalog = core::PluginCatalog::discover_all({test::test_plugin_dir()});
  CHECK(catalog.find("capture_sink"));
  CHECK_FALSE(catalog.find("bad_abi_major"));
  std::vector<std::string> refused;
  for (const auto& r : catalog.refused()) refused.push_back(fs::path(r.path).filename().string());
  CHECK_THAT(refused, Catch::Matchers::VectorContains(std::string("bad_abi_major.so")));
  CHECK_THAT(refused, Catch::Matchers::VectorContains(std::string("not_a_plugin.so")));
  CHECK_THAT(refused, Catch::Matchers::VectorContains(std::string("small_descriptor.so")));
  CHECK_THAT(refused, Catch::Matchers::VectorContains(std::string("lying_size.so")));
}

TEST_CASE("a config's plugins are found by file name, and no other library is opened", "[loader]") {
  auto catalog = core::PluginCatalog::discover({test::test_plugin_dir(), test::plugin_dir()},
                                               {"capture_sink", "demo_source", "no_such"});
  CHECK(catalog.find("capture_sink"));
  CHECK(catalog.find("demo_source"));
  CHECK(catalog.plugins().size() == 2);
  // The broken libraries beside them were never opened, so never refused.
  CHECK(catalog.refused().empty());
  const std::string why = catalog.explain_missing("no_such");
  CHECK(why.find("no no_such.so or libno_such.so was found in: " + test::test_plugin_dir()) !=
        std::string::npos);
  CHECK(catalog.explain_missing("capture_snk").find("did you mean 'capture_sink'") !=
        std::string::npos);
}

// In a chroot without /proc the binary cannot find the folder beside it: the error says that
// nothing was searched and how to name a folder, not "not found in:" followed by nothing.
TEST_CASE("a missing plugin with no folder to search says so and what to do", "[loader]") {
  auto catalog = core::PluginCatalog::discover({}, {"loki_sink"});
  const std::string why = catalog.explain_missing("loki_sink");
  CHECK(why.find("no plugin folder was searched") != std::string::npos);
  CHECK(why.find("--plugin-dir") != std::string::npos);
  CHECK(why.find("found in") == std::string::npos);
}

TEST_CASE("a file named for one plugin that holds another is refused", "[loader]") {
  test::TempDir dir;
  ::chmod(dir.path().c_str(), 0700);
  fs::copy_file(test::plugin_dir() + "/demo_source.so", dir.file("stdout_sink.so"));
  auto catalog =
      core::PluginCatalog::discover({dir.path().string(), test::plugin_dir()}, {"stdout_sink"});
  REQUIRE(catalog.find("stdout_sink"));
  CHECK(catalog.find("stdout_sink")->path == test::plugin_dir() + "/stdout_sink.so");
  REQUIRE(catalog.refused().size() == 1);
  CHECK(catalog.refused()[0].reason.find("holds plugin 'demo_source', not 'stdout_sink'") !=
        std::string::npos);
}

TEST_CASE("a plugin whose kind differs from its config section is refused", "[loader]") {
  test::TempDir dir;
  core::Diagnostics diags;
  auto engine = test::load_engine(dir, R"(sources:
  gen:
    type: stdout_sink
sinks:
  out:
    type: capture_sink
    inputs: [gen]
    path: /dev/null
)",
                                  diags);
  CHECK_FALSE(engine);
  REQUIRE(diags.size() == 1);
  const auto& d = diags.items()[0];
  CHECK(d.message.find("plugin 'stdout_sink'") != std::string::npos);
  CHECK(d.message.find("stdout_sink.so) is a sink, not a source") != std::string::npos);
  CHECK(d.line == 3);
}

TEST_CASE("a type whose library was refused says why", "[loader]") {
  test::TempDir dir;
  core::Diagnostics diags;
  auto engine = test::load_engine(dir, R"(sources:
  gen:
    type: bad_abi_major
sinks:
  out:
    type: stdout_sink
    inputs: [gen]
)",
                                  diags);
  CHECK_FALSE(engine);
  REQUIRE(diags.size() == 1);
  CHECK(diags.items()[0].message.find("unknown plugin type 'bad_abi_major'") != std::string::npos);
  CHECK(diags.items()[0].message.find("was refused") != std::string::npos);
  CHECK(diags.items()[0].message.find("built for plugin ABI 2.0") != std::string::npos);
}

TEST_CASE("an unchanged file loads as the same library, and a file replaced on disk anew",
          "[loader]") {
  test::TempDir dir;
  ::chmod(dir.path().c_str(), 0755);
  const std::string path = dir.file("swapped.so");
  auto install = [&](const std::string& from) {
    // As package managers do: a new file renamed over the old, never written in place.
    fs::copy_file(from, path + ".new", fs::copy_options::overwrite_existing);
    ::chmod((path + ".new").c_str(), 0755);
    fs::rename(path + ".new", path);
  };
  auto load = [&] {
    auto r = core::load_plugin_library(path);
    INFO(refusal(path));
    REQUIRE(std::holds_alternative<std::shared_ptr<const core::PluginLibrary>>(r));
    return std::get<std::shared_ptr<const core::PluginLibrary>>(r);
  };
  install(test::plugin_dir() + "/demo_source.so");
  auto first = load();
  CHECK(first->name == "demo_source");
  CHECK(load() == first);

  // The dynamic loader would hand back the old mapping for the same name.
  install(test::plugin_dir() + "/blackhole_sink.so");
  auto second = load();
  CHECK(second != first);
  CHECK(second->name == "blackhole_sink");
  CHECK(second->descriptor.kind == SLUICE_KIND_SINK);
  // The old library stays mapped and usable for what still runs from it.
  CHECK(first->name == "demo_source");
  CHECK(first->descriptor.kind == SLUICE_KIND_SOURCE);
  CHECK(first->descriptor.on_create != second->descriptor.on_create);
}

TEST_CASE("each shipped plugin exports its entry point and nothing else", "[loader]") {
  // A function of its own exported besides (a static library built with default visibility)
  // could bind to another plugin's copy of the same symbol when both are loaded. Weak
  // template instances of the standard library and Boost, which their headers mark visible,
  // are left out: they are the same code wherever they come from.
  size_t checked = 0;
  for (const auto& entry : fs::directory_iterator(test::plugin_dir())) {
    if (entry.path().extension() != ".so") continue;
    INFO(entry.path());
    auto r =
        test::run({"/usr/bin/nm", "-D", "--defined-only", "--format=posix", entry.path().string()});
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> functions;
    std::istringstream lines(r.out);
    for (std::string name, type; lines >> name >> type;) {
      lines.ignore(1 << 20, '\n');
      if (type == "T") functions.push_back(name);
    }
    CHECK(functions == std::vector<std::string>{"sluice_plugin_entry"});
    ++checked;
  }
  CHECK(checked >= 11);
}
