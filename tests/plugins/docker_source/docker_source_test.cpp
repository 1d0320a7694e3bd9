// docker_source's parts that need no daemon: the stream decoder, timestamps, positions,
// checkpoints, the filter, the daemon's JSON; and the plugin itself on the fake host. The
// tests against a real engine are in docker_engine_test.cpp.
#include <dirent.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "checkpoints.hpp"
#include "daemon_messages.hpp"
#include "log_decoder.hpp"
#include "pacer.hpp"
#include "positions.hpp"
#include "settings.hpp"
#include "sluice/testing/fake_host.hpp"
#include "timestamp.hpp"

extern "C" const sluice_plugin_descriptor_t* sluice_plugin_entry(uint16_t, uint16_t);

using namespace docker_source;

namespace {

constexpr const char* kTs = "2026-11-23T23:01:32.278091305Z";
constexpr int64_t kTsNs = 1795474892278091305;

std::string frame(int type, const std::string& payload) {
  std::string f(8, '\0');
  f[0] = static_cast<char>(type);
  const uint32_t n = static_cast<uint32_t>(payload.size());
  f[4] = static_cast<char>(n >> 24);
  f[5] = static_cast<char>(n >> 16);
  f[6] = static_cast<char>(n >> 8);
  f[7] = static_cast<char>(n);
  return f + payload;
}

struct Decoded {
  std::vector<LogLine> lines;
  std::vector<std::string> texts;
  std::vector<std::string> errors;
  LogDecoder decoder;
  Decoded(bool tty, size_t max_line = 256 * 1024)
      : decoder(
            tty, max_line,
            [this](const LogLine& l) {
              lines.push_back(l);
              texts.emplace_back(l.text);
            },
            [this](const char* type, const std::string&) { errors.emplace_back(type); }) {}
};

size_t count_entries(const char* dir) {
  size_t n = 0;
  DIR* d = ::opendir(dir);
  while (::readdir(d) != nullptr) ++n;
  ::closedir(d);
  return n;
}

// Waits (generously) for a log line containing text.
bool logged(const sluice::testing::FakeHost& host, const std::string& text) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < until) {
    for (const auto& line : host.logs()) {
      if (line.find(text) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

}  // namespace

TEST_CASE("a stream resumes from Docker's since, in seconds.nanoseconds", "[docker_source]") {
  CHECK(since_parameter(kTsNs) == "1795474892.278091305");
  CHECK(since_parameter(5) == "0.000000005");
}

TEST_CASE("the decoder demultiplexes frames however the bytes are cut", "[docker_source]") {
  std::string bytes = frame(1, std::string(kTs) + " first\n") +
                      frame(2, std::string(kTs) + " oops\n") +
                      frame(1, std::string(kTs) + " third\n");
  for (size_t step : {bytes.size(), size_t{1}, size_t{3}, size_t{9}}) {
    Decoded d(false);
    for (size_t at = 0; at < bytes.size(); at += step) {
      REQUIRE(d.decoder.feed(std::string_view(bytes).substr(at, step)));
    }
    CHECK_FALSE(d.decoder.inside_frame());
    REQUIRE(d.texts == std::vector<std::string>{"first", "oops", "third"});
    CHECK(d.lines[1].stream == Stream::err);
    CHECK(d.lines[0].stream == Stream::out);
    CHECK(d.lines[0].timestamp_ns == kTsNs);
    CHECK(d.errors.empty());
  }
}

TEST_CASE("the decoder rejoins the daemon's 16 KiB pieces of a long line", "[docker_source]") {
  const std::string piece(LogDecoder::piece_bytes, 'a');
  Decoded d(false);
  d.decoder.feed(frame(1, std::string(kTs) + " " + piece));
  d.decoder.feed(frame(2, std::string(kTs) + " err line\n"));  // the other stream goes on
  d.decoder.feed(frame(1, std::string(kTs) + " " + piece));
  d.decoder.feed(frame(1, std::string(kTs) + " end\n"));
  REQUIRE(d.texts.size() == 2);
  CHECK(d.texts[0] == "err line");
  CHECK(d.texts[1] == piece + piece + "end");
  CHECK(d.lines[1].timestamp_ns == kTsNs);
}

TEST_CASE("the decoder cuts a line longer than max_line_bytes and says so", "[docker_source]") {
  Decoded d(false, 1024);
  d.decoder.feed(frame(1, std::string(kTs) + " " + std::string(5000, 'x') + "\n"));
  d.decoder.feed(frame(1, std::string(kTs) + " " + std::string(LogDecoder::piece_bytes, 'y')));
  d.decoder.feed(frame(1, std::string(kTs) + " tail\n"));
  d.decoder.feed(frame(1, std::string(kTs) + " short\n"));
  REQUIRE(d.lines.size() == 3);
  CHECK(d.lines[0].truncated);
  CHECK(d.lines[0].text.size() == 1024);
  CHECK(d.lines[1].truncated);
  CHECK(d.texts[1] == std::string(1024, 'y'));
  CHECK_FALSE(d.lines[2].truncated);
}

TEST_CASE("the decoder reports a truncated frame and refuses a corrupt header", "[docker_source]") {
  Decoded cut(false);
  std::string f = frame(1, std::string(kTs) + " never finished\n");
  cut.decoder.feed(std::string_view(f).substr(0, f.size() - 4));
  CHECK(cut.decoder.inside_frame());
  CHECK(cut.lines.empty());

  Decoded corrupt(false);
  std::string bad = frame(1, std::string(kTs) + " ok\n") + frame(7, "hello");
  CHECK_FALSE(corrupt.decoder.feed(bad));
  CHECK(corrupt.texts == std::vector<std::string>{"ok"});
  CHECK(corrupt.errors == std::vector<std::string>{"protocol"});
}

TEST_CASE("the decoder reads a TTY's raw text, pieces and \\r\\n included", "[docker_source]") {
  const std::string piece(LogDecoder::piece_bytes, 'z');
  std::string raw = std::string(kTs) + " hello\r\n" + kTs + " " + piece + kTs + " rest\r\n" + kTs +
                    " bin \xff\xfe\x01\r\n";
  Decoded d(true);
  for (size_t at = 0; at < raw.size(); at += 1000)
    d.decoder.feed(std::string_view(raw).substr(at, 1000));
  REQUIRE(d.texts.size() == 3);
  CHECK(d.texts[0] == "hello");
  CHECK(d.texts[1] == piece + "rest");
  CHECK(d.texts[2] == "bin \xff\xfe\x01");
  CHECK(d.errors.empty());
}

TEST_CASE("the decoder passes a stopped container's last line without a newline at flush",
          "[docker_source]") {
  Decoded d(false);
  d.decoder.feed(frame(1, std::string(kTs) + " no newline"));
  CHECK(d.lines.empty());
  d.decoder.flush();
  CHECK(d.texts == std::vector<std::string>{"no newline"});
}

TEST_CASE("the decoder takes an out-of-range timestamp off and counts it", "[docker_source]") {
  Decoded d(false);
  d.decoder.feed(frame(1, std::string(kTs) + " before\n"));
  d.decoder.feed(frame(1, "0001-01-01T00:00:00Z zero time\n"));
  REQUIRE(d.lines.size() == 2);
  CHECK(d.texts[1] == "zero time");
  CHECK(d.lines[1].timestamp_ns == kTsNs);  // the previous one, not year 1754
  CHECK(d.errors == std::vector<std::string>{"timestamp"});
}

TEST_CASE("the decoder passes a TTY container's last line without a newline", "[docker_source]") {
  Decoded d(true);
  d.decoder.feed(std::string(kTs) + " first\r\n" + kTs + " last, no newline");
  CHECK(d.texts == std::vector<std::string>{"first"});
  // A TTY stream has no frames: its end is never inside one.
  CHECK_FALSE(d.decoder.inside_frame());
  d.decoder.flush();
  CHECK(d.texts == std::vector<std::string>{"first", "last, no newline"});
  CHECK(d.errors.empty());
}

TEST_CASE("the decoder keeps a TTY's pending prefix at flush", "[docker_source]") {
  Decoded d(true);
  d.decoder.feed(std::string(kTs) + " hello\r\n" + "partial");
  d.decoder.flush();
  CHECK(d.texts == std::vector<std::string>{"hello", "partial"});
}

TEST_CASE("the decoder holds a bounded amount of a TTY stream without newlines or timestamps",
          "[docker_source]") {
  const size_t max_line = 64 * 1024;
  Decoded d(true, max_line);
  const std::string chunk(256 * 1024, 'q');
  size_t most = 0;
  for (int i = 0; i < 8; ++i) {
    d.decoder.feed(chunk);
    most = std::max(most, d.decoder.buffered_bytes());
  }
  CHECK(most <= max_line + LogDecoder::piece_bytes + 64);
  d.decoder.flush();
  REQUIRE(d.lines.size() == 1);
  CHECK(d.lines[0].truncated);
  CHECK(d.lines[0].text.size() == max_line);
}

TEST_CASE("the decoder's TTY lines do not depend on how the reads cut the bytes",
          "[docker_source]") {
  // Messages with and without timestamps, a space far into a message, a piece, and text
  // that ends without a newline.
  const std::string piece(LogDecoder::piece_bytes, 'p');
  const std::string raw = std::string(kTs) + " one\r\n" + "no timestamp here\r\n" +
                          std::string(30000, 'n') + " far space\r\n" + kTs + " " + piece + kTs +
                          " tail\r\n" + std::string(100, 'x') + "\n" + kTs + " end";
  auto decode = [&](size_t cut) {
    Decoded d(true);
    for (size_t at = 0; at < raw.size(); at += cut)
      d.decoder.feed(std::string_view(raw).substr(at, cut));
    d.decoder.flush();
    return d.texts;
  };
  const auto whole = decode(raw.size());
  REQUIRE(whole.size() == 6);
  CHECK(whole[0] == "one");
  CHECK(whole[1] == "no timestamp here");
  CHECK(whole[2] == std::string(30000, 'n') + " far space");
  CHECK(whole[3] == piece + "tail");
  CHECK(whole[4] == std::string(100, 'x'));
  CHECK(whole[5] == "end");
  for (size_t cut : {1, 2, 7, 39, 40, 41, 1000, 16384, 16385, 65536}) {
    INFO("reads of " << cut << " bytes");
    CHECK(decode(cut) == whole);
  }
}

TEST_CASE("a resumed stream drops exactly the lines read before, per stream", "[docker_source]") {
  Position read;
  read.advance(Stream::out, 100);
  read.advance(Stream::out, 200);
  read.advance(Stream::out, 200);  // two lines share a stamp
  read.advance(Stream::err, 150);
  CHECK(read.stream[0] == StreamPosition{200, 2});
  CHECK(since_for(read) == 0);  // within the re-read margin of the epoch

  Resume resume(read);
  CHECK_FALSE(resume.accept(Stream::out, 100));
  CHECK_FALSE(resume.accept(Stream::err, 150));
  CHECK_FALSE(resume.accept(Stream::out, 200));
  CHECK_FALSE(resume.accept(Stream::out, 200));
  CHECK(resume.accept(Stream::out, 200));  // a third line with that stamp is new
  CHECK(resume.accept(Stream::err, 160));  // stderr was behind stdout: new
  CHECK(resume.accept(Stream::out, 300));

  Position parsed;
  REQUIRE(parse_position(format_position(read), parsed));
  CHECK(parsed == read);
  CHECK_FALSE(parse_position("1 2 3", parsed));
  CHECK_FALSE(parse_position("1 2 3 4 5", parsed));
}

TEST_CASE("checkpoints advance only past batches acknowledged in order", "[docker_source]") {
  auto dir = std::filesystem::temp_directory_path() / ("docker-cp-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  Position p1, p2, p3;
  p1.advance(Stream::out, 10);
  p2.advance(Stream::out, 20);
  p3.advance(Stream::err, 30);
  Checkpoints cp;
  cp.sent(1, {{"aaa", p1}, {"bbb", p3}});
  cp.sent(2, {{"aaa", p2}});
  Position got;
  CHECK_FALSE(cp.find("aaa", got));
  cp.acknowledged(2);  // out of order: aaa must wait for batch 1
  CHECK_FALSE(cp.find("aaa", got));
  cp.acknowledged(1);
  REQUIRE(cp.find("aaa", got));
  CHECK(got == p2);
  REQUIRE(cp.find("bbb", got));
  CHECK(got == p3);

  std::string error;
  REQUIRE(cp.save(dir.string(), &error));
  Checkpoints loaded;
  std::vector<std::string> problems;
  REQUIRE(loaded.load(dir.string(), &problems, &error));
  CHECK(problems.empty());
  CHECK(loaded.snapshot() == cp.snapshot());

  loaded.prune({"aaa"});
  CHECK_FALSE(loaded.find("bbb", got));
  loaded.forget("aaa");
  CHECK(loaded.snapshot().empty());

  // A damaged line is named and skipped; the rest is kept.
  {
    std::FILE* f = std::fopen((dir / "checkpoints").c_str(), "a");
    std::fputs("ccc not numbers\n", f);
    std::fclose(f);
  }
  Checkpoints damaged;
  REQUIRE(damaged.load(dir.string(), &problems, &error));
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("checkpoints:") != std::string::npos);
  CHECK(damaged.snapshot().size() == 2);

  // A file of another version is refused whole, and never saved over.
  const std::string newer = "# sluice docker_source checkpoints v2: id what\naaa 1\n";
  {
    std::FILE* f = std::fopen((dir / "checkpoints").c_str(), "w");
    std::fputs(newer.c_str(), f);
    std::fclose(f);
  }
  Checkpoints refused;
  problems.clear();
  CHECK_FALSE(refused.load(dir.string(), &problems, &error));
  CHECK(error.find("version 2 of docker_source checkpoints") != std::string::npos);
  refused.sent(1, {{"aaa", p2}});
  refused.acknowledged(1);
  REQUIRE(refused.save(dir.string(), &error));
  std::ifstream in(dir / "checkpoints");
  CHECK(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()) ==
        newer);
  std::filesystem::remove_all(dir);
}

TEST_CASE("the container filter applies name globs and labels", "[docker_source]") {
  ContainerInfo web{"id1", "web-1", "nginx", false, true, {{"logs", "true"}, {"team", "a"}}};
  ContainerInfo db{"id2", "db", "postgres", false, true, {{"team", "b"}}};
  ContainerFilter all;
  CHECK(all.matches(web));
  ContainerFilter names{{"web-*"}, {}, {}, {}};
  CHECK(names.matches(web));
  CHECK_FALSE(names.matches(db));
  ContainerFilter labels{{}, {}, {"logs=true"}, {}};
  CHECK(labels.matches(web));
  CHECK_FALSE(labels.matches(db));
  ContainerFilter exclude{{}, {"db"}, {}, {"team=a"}};
  CHECK_FALSE(exclude.matches(web));
  CHECK_FALSE(exclude.matches(db));
}

TEST_CASE("the daemon's JSON answers are read, and bad ones named", "[docker_source]") {
  std::string error;
  CHECK(parse_api_version(R"({"Version":"20.10.24","ApiVersion":"1.41"})", &error) == "1.41");
  CHECK(negotiate_api_version("1.41", "1.43", "1.25") == "1.41");
  CHECK(negotiate_api_version("1.45", "1.43", "1.25") == "1.43");
  CHECK_FALSE(negotiate_api_version("1.24", "1.43", "1.25"));

  auto list = parse_container_list(
      R"([{"Id":"abc","Names":["/web"],"Image":"nginx","State":"running","Labels":{"a":"b"}},)"
      R"({"Id":"def","Names":["/old"],"Image":"x","State":"exited","Labels":null}])",
      &error);
  REQUIRE(list);
  REQUIRE(list->size() == 2);
  CHECK((*list)[0].name == "web");
  CHECK((*list)[0].running);
  CHECK((*list)[0].labels == std::vector<std::pair<std::string, std::string>>{{"a", "b"}});
  CHECK_FALSE((*list)[1].running);

  auto inspect = parse_container_inspect(
      R"({"Id":"abc","Name":"/web","Config":{"Tty":true,"Image":"nginx","Labels":{}},)"
      R"("State":{"Running":true}})",
      &error);
  REQUIRE(inspect);
  CHECK(inspect->tty);
  CHECK(inspect->name == "web");

  auto event = parse_event(
      R"({"Type":"container","Action":"rename","Actor":{"ID":"abc","Attributes":{"name":"/new"}}})",
      &error);
  REQUIRE(event);
  CHECK(event->action == "rename");
  CHECK(event->name == "new");

  CHECK_FALSE(parse_container_list("[{", &error));
  CHECK(error.find("invalid JSON") != std::string::npos);
  CHECK_FALSE(parse_event(R"({"Type":"network","Action":"connect"})", &error));
}

TEST_CASE("the pacer reads a light stream at the ticks and a quiet one as data comes",
          "[docker_source]") {
  using namespace std::chrono_literals;
  const auto t0 = Pacer::clock::time_point(1000s);
  Pacer p(50ms, t0);
  // A new stream waits for data; once a whole interval brought little, it goes to ticks.
  CHECK_FALSE(p.at_ticks());
  CHECK_FALSE(p.after_read(t0 + 10ms, 300, 3));
  CHECK_FALSE(p.at_ticks());
  CHECK(p.after_read(t0 + 60ms, 300, 3));
  CHECK(p.at_ticks());
  // At a tick it reads until nothing is left, then waits for the next tick.
  CHECK_FALSE(p.after_read(t0 + 100ms, 2000, 20));
  CHECK_FALSE(p.after_read(t0 + 100ms, 500, 5));
  CHECK(p.after_read(t0 + 100ms, 0, 0));
  CHECK(p.at_ticks());
  // Empty ticks for a second: it waits for data again, and costs nothing meanwhile.
  int empty_ticks = 0;
  while (p.at_ticks() && empty_ticks < 100) {
    p.after_read(t0 + 150ms + 50ms * empty_ticks, 0, 0);
    ++empty_ticks;
  }
  CHECK(empty_ticks == 20);
  CHECK_FALSE(p.at_ticks());
  // Its next line, long after, brings it back to ticks at once.
  CHECK(p.after_read(t0 + 60s, 100, 1));
  CHECK(p.at_ticks());
}

TEST_CASE("the pacer reads a busy stream as data comes", "[docker_source]") {
  using namespace std::chrono_literals;
  const auto t0 = Pacer::clock::time_point(1000s);
  SECTION("many lines in one tick") {
    Pacer p(50ms, t0);
    REQUIRE(p.after_read(t0 + 60ms, 100, 1));
    REQUIRE(p.at_ticks());
    for (size_t i = 0; i + 1 < Pacer::heavy_lines / 8; ++i) {
      CHECK_FALSE(p.after_read(t0 + 100ms, 800, 8));
      CHECK(p.at_ticks());
    }
    // The socket may be filling faster than the ticks empty it.
    CHECK_FALSE(p.after_read(t0 + 100ms, 800, 8));
    CHECK_FALSE(p.at_ticks());
    // While an interval brings much, it stays so.
    CHECK_FALSE(p.after_read(t0 + 130ms, 40000, 400));
    CHECK_FALSE(p.after_read(t0 + 160ms, 40000, 400));
    CHECK_FALSE(p.at_ticks());
    // An interval that brings little sends it back to the ticks.
    CHECK_FALSE(p.after_read(t0 + 200ms, 100, 1));
    CHECK(p.after_read(t0 + 260ms, 100, 1));
    CHECK(p.at_ticks());
  }
  SECTION("a few long lines") {
    Pacer p(50ms, t0);
    REQUIRE(p.after_read(t0 + 60ms, 100, 1));
    CHECK_FALSE(p.after_read(t0 + 100ms, Pacer::heavy_bytes, 2));
    CHECK_FALSE(p.at_ticks());
  }
  SECTION("a flood from the start never goes to the ticks") {
    Pacer p(50ms, t0);
    for (int i = 1; i <= 1000; ++i) {
      CHECK_FALSE(p.after_read(t0 + 1ms * i, 64 * 1024, 600));
    }
    CHECK_FALSE(p.at_ticks());
  }
  SECTION("read_interval 0 never paces") {
    Pacer p(0ms, t0);
    for (int i = 1; i <= 100; ++i) CHECK_FALSE(p.after_read(t0 + 100ms * i, 10, 1));
    CHECK_FALSE(p.at_ticks());
  }
}

TEST_CASE("the pacer's ticks are the same for every stream", "[docker_source]") {
  using namespace std::chrono_literals;
  Pacer a(50ms, Pacer::clock::now()), b(50ms, Pacer::clock::now());
  const auto t = Pacer::clock::time_point(1000s + 12345us);
  CHECK(a.next_tick(t) == Pacer::clock::time_point(1000s + 50ms));
  CHECK(b.next_tick(t + 7ms) == a.next_tick(t));
  // A time on a tick waits for the next one, never for no time at all.
  CHECK(a.next_tick(Pacer::clock::time_point(1000s)) == Pacer::clock::time_point(1000s + 50ms));
}

TEST_CASE("docker_source refuses a bad configuration with the key named", "[docker_source]") {
  sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
  CHECK_FALSE(host.create({{"host", "ftp://x"},
                           {"start_at", "middle"},
                           {"max_streams", 0},
                           {"rotation_interval", "1ms"},
                           {"read_interval", "2s"},
                           {"stream_turn", "100ms"}}));
  std::string all;
  for (const auto& e : host.config_errors()) all += e + "\n";
  INFO(all);
  CHECK(all.find("host") != std::string::npos);
  CHECK(all.find("start_at") != std::string::npos);
  CHECK(all.find("max_streams") != std::string::npos);
  CHECK(all.find("rotation_interval") != std::string::npos);
  CHECK(all.find("read_interval") != std::string::npos);
  CHECK(all.find("stream_turn") != std::string::npos);
}

TEST_CASE("docker_source without a daemon keeps trying, and stops at once, leaving nothing",
          "[docker_source]") {
  // The baseline is taken after a first cycle, which may start one-time threads (a
  // sanitizer's own, say); each cycle after it must leave the counts where they were.
  size_t fds = 0, threads = 0;
  for (int cycle = 0; cycle < 20; ++cycle) {
    if (cycle == 1) {
      fds = count_entries("/proc/self/fd");
      threads = count_entries("/proc/self/task");
    }
    sluice::testing::FakeHost host(sluice_plugin_entry(SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR));
    auto dir = std::filesystem::temp_directory_path() / ("docker-nd-" + std::to_string(::getpid()));
    host.set_state_dir(dir.string());
    std::filesystem::create_directories(dir);
    REQUIRE(host.create({{"host", "unix://" + dir.string() + "/no-such.sock"}}));
    REQUIRE(host.start());
    if (cycle == 0) {
      REQUIRE(logged(host, "cannot reach the Docker daemon"));
    }
    REQUIRE(host.stop(std::chrono::seconds(2)));
    std::filesystem::remove_all(dir);
  }
  CHECK(count_entries("/proc/self/fd") == fds);
  CHECK(count_entries("/proc/self/task") == threads);
}
