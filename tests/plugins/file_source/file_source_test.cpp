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

#include "container_log.hpp"
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

// --- Container logs: the CRI format and dockerd's json-file, their split lines joined.

namespace {

const char* t1 = "2026-12-03T10:00:00.000000001Z";
const char* t2 = "2026-12-03T10:00:00.000000002Z";
const int64_t t1_ns = 1796292000000000001;

std::string cri(const char* time, const char* stream, const char* tag, const std::string& text) {
  return std::string(time) + " " + stream + " " + tag + " " + text;
}

struct Out {
  std::string line;
  Stream stream;
  int64_t ts;
  size_t pieces;
  bool more, cut, malformed, unfinished;
};

std::vector<Out> feed(ContainerLog& log, const std::vector<std::string>& lines,
                      bool flush = false) {
  std::vector<Out> out;
  auto on = [&](const Joined& j) {
    out.push_back({std::string(j.line), j.stream, j.timestamp_ns, j.pieces, j.more, j.cut,
                   j.malformed, j.unfinished});
  };
  for (const auto& l : lines) log.decode(l, on);
  if (flush) log.flush(on);
  return out;
}

}  // namespace

TEST_CASE("CRI lines are taken apart, and anything else is not one", "[file_source]") {
  // A piece's text is a view into its line: the lines are kept while their pieces are read.
  const auto whole = cri(t1, "stdout", "F", "hello world");
  auto p = parse_cri(whole);
  REQUIRE(p);
  CHECK(p->timestamp_ns == t1_ns);
  CHECK(p->stream == Stream::stdout_stream);
  CHECK(p->last);
  CHECK(p->text == "hello world");
  const auto piece = cri(t1, "stderr", "P", "  spaces kept ");
  auto partial = parse_cri(piece);
  REQUIRE(partial);
  CHECK_FALSE(partial->last);
  CHECK(partial->stream == Stream::stderr_stream);
  CHECK(partial->text == "  spaces kept ");
  // An empty line ends after its tag; further tags follow a colon.
  const auto empty_line = std::string(t1) + " stdout F";
  auto empty = parse_cri(empty_line);
  REQUIRE(empty);
  CHECK(empty->text.empty());
  CHECK(parse_cri(cri(t1, "stdout", "F:x", "tagged"))->text == "tagged");
  for (const std::string& bad : std::vector<std::string>{
           "plain text", cri("yesterday", "stdout", "F", "x"), cri(t1, "stdin", "F", "x"),
           cri(t1, "stdout", "Q", "x"), std::string(t1) + " stdout", std::string("")}) {
    INFO(bad);
    CHECK_FALSE(parse_cri(bad));
  }
}

TEST_CASE(
    "json-file lines are decoded, escapes included, and a log without its newline is a "
    "piece",
    "[file_source]") {
  DockerJsonParser parser;
  auto p = parser.parse(R"({"log":"caf\u00e9 \"quoted\"\ttab\n","stream":"stderr","time":")" +
                        std::string(t1) + "\"}");
  REQUIRE(p);
  CHECK(p->text == "caf\xc3\xa9 \"quoted\"\ttab");
  CHECK(p->last);
  CHECK(p->stream == Stream::stderr_stream);
  CHECK(p->timestamp_ns == t1_ns);
  auto piece =
      parser.parse(R"({"log":"part","stream":"stdout","time":")" + std::string(t1) + "\"}");
  REQUIRE(piece);
  CHECK_FALSE(piece->last);
  CHECK(piece->text == "part");
  for (const std::string& bad : std::vector<std::string>{
           std::string("not json"), std::string("{\"log\":\"x\\n\"}"), std::string("{broken"),
           R"({"log":"x\n","stream":"stdout","time":"never"})",
           R"({"log":"x\n","stream":"other","time":")" + std::string(t1) + "\"}"}) {
    INFO(bad);
    CHECK_FALSE(parser.parse(bad));
  }
}

TEST_CASE("pieces are joined per stream, and records leave in order once none is unfinished",
          "[file_source]") {
  ContainerLog log(Format::cri, 1024);
  // stdout's line is split in three, stderr's whole line comes between its pieces.
  auto out = feed(log, {cri(t1, "stdout", "P", "one "), cri(t2, "stderr", "F", "err"),
                        cri(t2, "stdout", "P", "two "), cri(t2, "stdout", "F", "three")});
  REQUIRE(out.size() == 2);
  CHECK(out[0].line == "one two three");
  CHECK(out[0].stream == Stream::stdout_stream);
  CHECK(out[0].ts == t1_ns);  // the first piece's time
  CHECK(out[0].pieces == 3);
  CHECK(out[0].more);  // stderr's record follows in the same group
  CHECK(out[1].line == "err");
  CHECK_FALSE(out[1].more);
  CHECK_FALSE(log.holding());
  // Nothing leaves while a piece is held, even a whole line of the other stream.
  auto held = feed(log, {cri(t1, "stdout", "P", "a"), cri(t1, "stderr", "F", "b")});
  CHECK(held.empty());
  CHECK(log.holding());
  auto rest = feed(log, {cri(t1, "stdout", "F", "c")});
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].line == "ac");
  CHECK(rest[1].line == "b");
}

TEST_CASE("a joined line past max_line_bytes is cut, and a malformed line keeps its place",
          "[file_source]") {
  ContainerLog log(Format::cri, 8);
  auto out = feed(log, {cri(t1, "stdout", "P", "12345"), cri(t1, "stdout", "P", "67890"),
                        "garbage between", cri(t1, "stdout", "F", "abc")});
  REQUIRE(out.size() == 2);
  CHECK(out[0].line == "12345678");
  CHECK(out[0].cut);
  CHECK(out[0].pieces == 3);
  CHECK(out[1].line == "garbage ");  // held behind the line begun before it, so bounded too
  CHECK(out[1].malformed);
  CHECK(out[1].cut);
  // A malformed line with nothing held leaves at once, as it is.
  auto alone = feed(log, {"\xff\xfe not utf-8"});
  REQUIRE(alone.size() == 1);
  CHECK(alone[0].malformed);
  CHECK(alone[0].line == "\xff\xfe not utf-8");
  // Invalid UTF-8 inside a CRI line's text is the line's text, byte for byte.
  auto bytes = feed(log, {cri(t1, "stdout", "F", "\xc3\x28")});
  CHECK(bytes.at(0).line == "\xc3\x28");
}

TEST_CASE("pieces whose last never comes leave at close, or past the bound, as they are",
          "[file_source]") {
  ContainerLog log(Format::cri, 4);
  auto closed = feed(log, {cri(t1, "stdout", "P", "ab")}, true);
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].unfinished);
  CHECK(closed[0].line == "ab");
  // 4 bytes a line at most, 16 held at most: stdout's line never ends while stderr's whole
  // lines pile up behind it, until the held bytes pass the bound and everything leaves.
  std::vector<std::string> many{cri(t1, "stdout", "P", "wxyz")};
  for (int i = 0; i < 4; ++i) many.push_back(cri(t1, "stderr", "F", "err" + std::to_string(i)));
  auto bounded = feed(log, many);
  REQUIRE(bounded.size() == 5);
  CHECK(bounded[0].line == "wxyz");
  CHECK(bounded[0].unfinished);
  CHECK(bounded[4].line == "err3");
  CHECK_FALSE(bounded[4].unfinished);
  CHECK_FALSE(log.holding());
}

TEST_CASE("format auto decides per file from its first line", "[file_source]") {
  ContainerLog as_cri(Format::automatic, 1024);
  CHECK(feed(as_cri, {cri(t1, "stdout", "F", "x")}).at(0).line == "x");
  CHECK(as_cri.format() == Format::cri);
  ContainerLog as_json(Format::automatic, 1024);
  CHECK(feed(as_json, {R"({"log":"y\n","stream":"stdout","time":")" + std::string(t1) + "\"}"})
            .at(0)
            .line == "y");
  CHECK(as_json.format() == Format::docker_json);
  ContainerLog as_raw(Format::automatic, 1024);
  auto raw = feed(as_raw, {"just text", cri(t1, "stdout", "F", "later")});
  CHECK(as_raw.format() == Format::raw);
  CHECK(raw.at(1).line == cri(t1, "stdout", "F", "later"));  // the file was decided raw
}

namespace {

// file_source with format: cri on the fake host over one file; the records it emitted.
std::vector<sluice::testing::FakeRecord> run_cri(const Dir& d, const std::string& path,
                                                 size_t expect, bool ack,
                                                 const std::string& max_line = "262144") {
  sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  host.set_state_dir((d.path / "state").string());
  fs::create_directories(d.path / "state");
  REQUIRE(host.create({{"include", sluice::testing::FakeConfig::List{path}},
                       {"format", "cri"},
                       {"max_line_bytes", max_line}}));
  REQUIRE(host.start());
  host.wait_for_emitted(expect, std::chrono::seconds(5));
  if (ack) host.ack_all(SLUICE_OUTCOME_DELIVERED);
  REQUIRE(host.stop());
  return host.emitted();
}

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app) << text;
}

}  // namespace

// The position never lands between a P and its F, nor inside a group of records whose
// pieces interleave: a restart there reads every line once, whole. Records come in file
// order, so once a run's last expected record is there, it has read everything before it.
TEST_CASE("file_source restarted between a P piece and its F reads every line once, whole",
          "[file_source]") {
  Dir d;
  const std::string path = d.file(
      "pods/0.log", cri(t1, "stdout", "F", "first") + "\n" + cri(t1, "stdout", "P", "begun ") +
                        "\n" + cri(t2, "stderr", "F", "err, between the pieces") + "\n");
  auto before = run_cri(d, path, 1, true);
  REQUIRE(before.size() == 1);
  CHECK(before[0].line == "first");
  CHECK(before[0].timestamp_ns == t1_ns);
  CHECK(before[0].labels ==
        std::vector<std::pair<std::string, std::string>>{{"filename", path}, {"stream", "stdout"}});
  append(path, cri(t2, "stdout", "P", "and ") + "\n" + cri(t2, "stdout", "F", "ended") + "\n" +
                   cri(t2, "stderr", "F", "last") + "\n");
  auto after = run_cri(d, path, 3, true);
  REQUIRE(after.size() == 3);
  CHECK(after[0].line == "begun and ended");
  CHECK(after[0].timestamp_ns == t1_ns);
  CHECK(after[1].line == "err, between the pieces");
  CHECK(after[1].labels.back() == std::pair<std::string, std::string>{"stream", "stderr"});
  CHECK(after[2].line == "last");
  append(path, cri(t2, "stdout", "F", "tail") + "\n");
  auto again = run_cri(d, path, 1, true);
  REQUIRE(again.size() == 1);  // nothing before it again
  CHECK(again[0].line == "tail");
}

// A group's records may leave in separate batches: each claims only the position before the
// group until the last, so a batch acknowledged ahead of the rest never covers a record not
// yet delivered (it may come again; it is never lost).
TEST_CASE(
    "file_source's records of one group in separate batches lose nothing when only the "
    "first is acknowledged",
    "[file_source]") {
  Dir d;
  const std::string path =
      d.file("pods/0.log", cri(t1, "stdout", "P", "a") + "\n" + cri(t1, "stderr", "F", "e") + "\n" +
                               cri(t1, "stdout", "F", "b") + "\n");
  std::vector<sluice::testing::FakeRecord> first;
  {
    sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
    host.set_state_dir((d.path / "state").string());
    fs::create_directories(d.path / "state");
    REQUIRE(host.create({{"include", sluice::testing::FakeConfig::List{path}},
                         {"format", "cri"},
                         {"batch_max_records", "1"}}));
    REQUIRE(host.start());
    REQUIRE(host.wait_for_emitted(2));
    host.ack_oldest(1, SLUICE_OUTCOME_DELIVERED);  // "ab" delivered, "e" not yet
    REQUIRE(host.stop());
    first = host.emitted();
  }
  REQUIRE(first.size() == 2);
  CHECK(first[0].line == "ab");
  CHECK(first[1].line == "e");
  auto again = run_cri(d, path, 2, true);
  std::vector<std::string> lines;
  for (const auto& r : again) lines.push_back(r.line);
  CHECK(std::find(lines.begin(), lines.end(), "e") != lines.end());
}

TEST_CASE("file_source joins a 1 MiB line written in 64 pieces, and cuts it past max_line_bytes",
          "[file_source]") {
  Dir d;
  std::string content, whole;
  for (int i = 0; i < 64; ++i) {
    std::string piece(16 * 1024, static_cast<char>('a' + i % 26));
    whole += piece;
    content += cri(t1, "stdout", i == 63 ? "F" : "P", piece) + "\n";
  }
  const std::string path = d.file("pods/big.log", content);
  auto joined = run_cri(d, path, 1, false, "2097152");
  REQUIRE(joined.size() == 1);
  CHECK(joined[0].line == whole);
  Dir again;
  const std::string cut_path = again.file("pods/big.log", content);
  auto cut = run_cri(again, cut_path, 1, false, "65536");
  REQUIRE(cut.size() == 1);
  CHECK(cut[0].line == whole.substr(0, 64 * 1024));
}
