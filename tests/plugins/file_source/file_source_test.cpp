// file_source's parts on their own: globs, line splitting and positions, and the plugin's
// configuration on the fake host. The tests with real rotation are in file_rotation_test.cpp.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "glob.hpp"
#include "positions_file.hpp"
#include "settings.hpp"
#include "sluice/testing/fake_host.hpp"
#include "tailed_file.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using namespace file_source;
namespace fs = std::filesystem;

namespace {

struct Dir {
  fs::path path;
  Dir() {
    path = fs::temp_directory_path() / ("file-source-unit-" + std::to_string(::getpid()));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
  std::string file(const std::string& name, const std::string& content = "") const {
    auto p = path / name;
    fs::create_directories(p.parent_path());
    FILE* f = std::fopen(p.c_str(), "w");
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
    return p.string();
  }
};

struct Read {
  std::vector<std::string> lines;
  std::vector<LineKind> kinds;
  std::vector<uint64_t> after;
};

Read read_all(TailedFile& f) {
  Read r;
  std::vector<char> buf(7);  // tiny, so that lines cross reads
  while (f.read(buf.data(), buf.size(), 1 << 20, [&](std::string_view line, LineKind kind) {
    r.lines.emplace_back(line);
    r.kinds.push_back(kind);
    r.after.push_back(f.after_line());
  }) > 0) {
  }
  return r;
}

}  // namespace

TEST_CASE("globs expand with ** and match paths segment by segment", "[file_source]") {
  Dir d;
  const std::string root = d.path.string();
  d.file("a.log");
  d.file("b.txt");
  d.file("x/c.log");
  d.file("x/y/z/d.log");
  d.file("x/.hidden.log");
  Expansion e;
  expand_glob(root + "/**/*.log", e);
  CHECK(e.files ==
        std::vector<std::string>{root + "/a.log", root + "/x/c.log", root + "/x/y/z/d.log"});
  CHECK(e.dirs.count(root + "/x/y") == 1);  // watched, for files that appear later
  Expansion one;
  expand_glob(root + "/x/*.log", one);
  CHECK(one.files == std::vector<std::string>{root + "/x/c.log"});
  Expansion literal;
  expand_glob(root + "/b.txt", literal);
  CHECK(literal.files == std::vector<std::string>{root + "/b.txt"});
  CHECK(glob_matches("/var/log/**/debug.log", "/var/log/debug.log"));
  CHECK(glob_matches("/var/log/**/debug.log", "/var/log/a/b/debug.log"));
  CHECK_FALSE(glob_matches("/var/log/*.log", "/var/log/a/b.log"));
}

TEST_CASE("a tailed file hands out lines, \\r\\n included, with the offset after each",
          "[file_source]") {
  Dir d;
  Settings s;
  const std::string path = d.file("f.log", "one\r\ntwo\n\nthree");
  int fd = ::open(path.c_str(), O_RDONLY);
  TailedFile f(fd, {}, path, 0, {}, s);
  auto r = read_all(f);
  CHECK(r.lines == std::vector<std::string>{"one", "two", ""});
  CHECK(r.after == std::vector<uint64_t>{5, 9, 10});
  CHECK(f.has_partial());
  CHECK(f.flush_partial([&](std::string_view line, LineKind kind) {
    CHECK(line == "three");
    CHECK(kind == LineKind::flushed);
  }));
  CHECK(f.after_line() == 15);
}

TEST_CASE("a long line is split or truncated at max_line_bytes", "[file_source]") {
  Dir d;
  const std::string path = d.file("f.log", std::string(40, 'a') + "\nok\n");
  Settings s;
  s.max_line_bytes = 16;
  {
    TailedFile f(::open(path.c_str(), O_RDONLY), {}, path, 0, {}, s);
    auto r = read_all(f);
    CHECK(r.lines == std::vector<std::string>{std::string(16, 'a'), std::string(16, 'a'),
                                              std::string(8, 'a'), "ok"});
    CHECK(r.kinds == std::vector<LineKind>{LineKind::split, LineKind::piece, LineKind::piece,
                                           LineKind::whole});
    CHECK(r.after == std::vector<uint64_t>{16, 32, 41, 44});
  }
  s.long_lines = LongLines::truncate;
  {
    TailedFile f(::open(path.c_str(), O_RDONLY), {}, path, 0, {}, s);
    auto r = read_all(f);
    CHECK(r.lines == std::vector<std::string>{std::string(16, 'a'), "ok"});
    CHECK(r.kinds == std::vector<LineKind>{LineKind::truncated, LineKind::whole});
  }
}

TEST_CASE("a tailed file sees a truncation, and a truncation written past its offset",
          "[file_source]") {
  Dir d;
  Settings s;
  const std::string path = d.file("f.log", "first line\nsecond line\n");
  int fd = ::open(path.c_str(), O_RDONLY);
  Head head;
  REQUIRE(read_head(fd, s.fingerprint_bytes, head));
  TailedFile f(fd, {}, path, 0, head, s);
  CHECK(f.check() == TailedFile::Change::grew);
  read_all(f);
  CHECK(f.check() == TailedFile::Change::none);
  d.file("f.log", "new\n");  // shorter
  CHECK(f.check() == TailedFile::Change::truncated);
  f.restart_from_zero();
  CHECK(read_all(f).lines == std::vector<std::string>{"new"});
  d.file("f.log", "rewritten from the start, longer than before\n");
  CHECK(f.check() == TailedFile::Change::truncated);
}

TEST_CASE("positions survive a round trip, and a damaged line is named", "[file_source]") {
  Dir d;
  std::map<FileKey, SavedPosition> positions;
  positions[{1, 2}] = {{100, {32, 999}, "/var/log/with space.log"}, 1700000000};
  positions[{1, 3}] = {{0, {0, 0}, "/var/log/b.log"}, 1700000001};
  std::string error;
  REQUIRE(save_positions(d.path.string(), positions, &error));
  std::vector<std::string> problems;
  auto loaded = *load_positions(d.path.string(), &problems, &error);
  CHECK(problems.empty());
  REQUIRE(loaded.size() == 2);
  CHECK(loaded[{1, 2}].position.path == "/var/log/with space.log");
  CHECK(loaded[{1, 2}].position.offset == 100);
  CHECK(loaded[{1, 2}].position.head == Head{32, 999});
  {
    FILE* f = std::fopen((d.path / "positions").c_str(), "a");
    std::fputs("garbage here\n", f);
    std::fclose(f);
  }
  loaded = *load_positions(d.path.string(), &problems, &error);
  CHECK(loaded.size() == 2);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("positions:") != std::string::npos);
}

TEST_CASE("a positions file of another version is refused whole, and never written over",
          "[file_source]") {
  Dir d;
  const std::string newer = "# sluice file_source positions v2: something else\n1 2 3\n";
  d.file("positions", newer);
  std::vector<std::string> problems;
  std::string error;
  CHECK_FALSE(load_positions(d.path.string(), &problems, &error));
  CHECK(error.find("positions: version 2 of file_source positions") != std::string::npos);
  CHECK(error.find("reads version 1 only") != std::string::npos);

  // The source does not start, says why, and leaves the file as it was.
  sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  host.set_state_dir(d.path.string());
  REQUIRE(
      host.create({{"include", sluice::testing::FakeConfig::List{(d.path / "*.log").string()}}}));
  CHECK_FALSE(host.start());
  auto logs = host.logs();
  CHECK(std::any_of(logs.begin(), logs.end(), [](const std::string& l) {
    return l.find("version 2 of file_source positions") != std::string::npos;
  }));
  host.stop();
  host.destroy();
  std::ifstream in(d.path / "positions");
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(kept == newer);
}

TEST_CASE("file_source refuses a bad configuration with the key named", "[file_source]") {
  sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  CHECK_FALSE(host.create({{"include", sluice::testing::FakeConfig::List{"relative/*.log"}},
                           {"start_at", "middle"},
                           {"long_lines", "fold"},
                           {"max_line_bytes", 1}}));
  std::string all;
  for (const auto& e : host.config_errors()) all += e + "\n";
  INFO(all);
  for (const char* key : {"include", "start_at", "long_lines", "max_line_bytes"}) {
    CHECK(all.find(key) != std::string::npos);
  }
  sluice::testing::FakeHost empty(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  CHECK_FALSE(empty.create({}));
}

TEST_CASE("file_source on the fake host reads a file and leaves nothing behind", "[file_source]") {
  Dir d;
  const std::string path = d.file("logs/app.log", "hello\nworld\n");
  sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  host.set_state_dir((d.path / "state").string());
  fs::create_directories(d.path / "state");
  REQUIRE(host.create({{"include", sluice::testing::FakeConfig::List{path}}}));
  REQUIRE(host.start());
  REQUIRE(host.wait_for_emitted(2));
  auto records = host.emitted();
  CHECK(records[0].line == "hello");
  CHECK(records[1].labels == std::vector<std::pair<std::string, std::string>>{{"filename", path}});
  host.ack_all(SLUICE_OUTCOME_DELIVERED);
  REQUIRE(host.stop());
  CHECK(fs::exists(d.path / "state" / "positions"));
}
