// file_source with real files, real rotation and real logrotate: a writer writes numbered
// lines while the scenario happens, and capture_sink's output is accounted for exactly.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "accounting.hpp"
#include "helpers.hpp"
#include "http_client.hpp"
#include "lifecycle/process_counts.hpp"
#include "pipeline.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;
namespace fs = std::filesystem;

namespace {

// How many times each number of "PREFIX N" arrived.
std::map<int, int> numbers(const std::string& out, const std::string& prefix) {
  std::error_code ec;
  if (!fs::exists(out, ec)) return {};
  return test::count_numbers(test::read_lines(out), prefix);
}

using test::require_each;

bool arrived(const std::string& out, const std::string& prefix, int count) {
  return numbers(out, prefix).size() >= static_cast<size_t>(count);
}

void append(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  REQUIRE(fd >= 0);
  REQUIRE(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
}

std::string numbered(const std::string& prefix, int from, int to) {
  std::string out;
  for (int i = from; i <= to; ++i) out += prefix + " " + std::to_string(i) + "\n";
  return out;
}

std::string pipeline(const test::TempDir& /*dir*/, const std::string& source,
                     const std::string& out) {
  return "sources:\n  files:\n    type: file_source\n" + source +
         "sinks:\n  out:\n    type: capture_sink\n    inputs: [files]\n    path: " + out + "\n";
}

size_t open_fds_to(const std::string& path) {
  size_t n = 0;
  for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    auto target = fs::read_symlink(e.path(), ec);
    if (!ec && target.string().rfind(path, 0) == 0) ++n;
  }
  return n;
}

}  // namespace

// The application writes fast; at each rotation its file is renamed under it, it writes a
// little more into the renamed file (it has not noticed yet), then opens a new one.
void write_with_rotations(const std::string& log, int lines, int every, bool paced) {
  int fd = ::open(log.c_str(), O_WRONLY | O_APPEND);
  std::string chunk;
  for (int i = 1; i <= lines; ++i) {
    chunk += "n " + std::to_string(i) + "\n";
    if (i % 100 == 0) {
      (void)::write(fd, chunk.data(), chunk.size());
      chunk.clear();
      // About 50,000 lines a second: a file lives a second under its name.
      if (paced) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    if (i % every == 0) {
      ::rename(log.c_str(), (log + "." + std::to_string(i / every)).c_str());
    } else if (i % every == 500 && i > every) {
      ::close(fd);
      fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    }
  }
  (void)::write(fd, chunk.data(), chunk.size());
  ::close(fd);
}

TEST_CASE("file_source loses and doubles nothing through rename-and-create rotations", "[files]") {
  test::TempDir dir;
  const std::string log = dir.file("app.log"), out = dir.file("out.txt");
  append(log, "");
  constexpr int kLines = 300000, kEvery = 50000;
  SECTION("the active name only, at tens of thousands of lines a second") {
    auto engine = test::start_engine(
        dir,
        pipeline(dir,
                 "    include: [" + log + "]\n    rotate_wait: 300ms\n    poll_interval: 20ms\n",
                 out));
    write_with_rotations(log, kLines, kEvery, true);
    CHECK(test::wait_until([&] { return arrived(out, "n", kLines); }, std::chrono::seconds(60)));
    CHECK(test::metric_value(engine->metrics(), "sluice_file_rotations_total") >= 5);
    // The renamed files are released once read and rotate_wait has passed.
    REQUIRE(test::wait_until([&] { return open_fds_to(log + ".") == 0; }));
    engine->stop();
  }
  SECTION("the rotated names matched too, as fast as the writer can go") {
    // A file renamed before the source saw it under its first name is found under its new
    // one; a file seen under both names is read once.
    auto engine = test::start_engine(
        dir, pipeline(dir, "    include: [" + log + "*]\n    poll_interval: 20ms\n", out));
    write_with_rotations(log, kLines, kEvery, false);
    CHECK(test::wait_until([&] { return arrived(out, "n", kLines); }, std::chrono::seconds(60)));
    engine->stop();
  }
  require_each(numbers(out, "n"), kLines);
}

TEST_CASE("file_source reads a copytruncated file again from its start", "[files]") {
  test::TempDir dir;
  const std::string log = dir.file("app.log"), out = dir.file("out.txt");
  append(log, numbered("t", 1, 1000));
  auto engine = test::start_engine(
      dir, pipeline(dir, "    include: [" + log + "]\n    poll_interval: 20ms\n", out));
  REQUIRE(test::wait_until([&] { return arrived(out, "t", 1000); }));
  // Truncated, then written again: first less than was there, then (the race copytruncate
  // is known for) more than was there before the source looked.
  REQUIRE(::truncate(log.c_str(), 0) == 0);
  append(log, numbered("t", 1001, 1010));
  REQUIRE(test::wait_until([&] { return arrived(out, "t", 1010); }));
  REQUIRE(::truncate(log.c_str(), 0) == 0);
  append(log, numbered("t", 1011, 5000));
  REQUIRE(test::wait_until([&] { return arrived(out, "t", 5000); }));
  CHECK(test::metric_value(engine->metrics(), "sluice_file_truncations_total") >= 2);
  engine->stop();
  require_each(numbers(out, "t"), 5000);
}

TEST_CASE("file_source follows logrotate in create and in copytruncate mode", "[files]") {
  if (::access("/usr/sbin/logrotate", X_OK) != 0) FAIL("logrotate is not installed");
  for (const char* mode : {"create", "copytruncate"}) {
    SECTION(mode) {
      test::TempDir dir;
      const std::string log = dir.file("app.log"), out = dir.file("out.txt");
      test::write_file(dir.file("logrotate.conf"),
                       log + " {\n  rotate 5\n  " + mode + "\n  missingok\n}\n");
      append(log, "");
      auto engine = test::start_engine(dir, pipeline(dir,
                                                     "    include: [" + log +
                                                         "]\n    rotate_wait: 200ms\n"
                                                         "    poll_interval: 20ms\n",
                                                     out));
      int next = 1;
      for (int round = 0; round < 4; ++round) {
        // The writer reopens by path for each burst, as an application with O_APPEND would
        // after its next log call; copytruncate keeps the same file.
        append(log, numbered("r", next, next + 2999));
        next += 3000;
        REQUIRE(test::wait_until([&] { return arrived(out, "r", next - 1); }));
        auto r = test::run(
            {"/usr/sbin/logrotate", "-f", "-s", dir.file("state"), dir.file("logrotate.conf")});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
      }
      append(log, numbered("r", next, next + 999));
      next += 1000;
      REQUIRE(test::wait_until([&] { return arrived(out, "r", next - 1); }));
      engine->stop();
      require_each(numbers(out, "r"), next - 1);
    }
  }
}

TEST_CASE("file_source resumes from its positions after a restart, mid-file and mid-rotation",
          "[files]") {
  test::TempDir dir;
  const std::string log = dir.file("app.log"), out = dir.file("out.txt");
  const std::string config = pipeline(
      dir, "    include: [" + log + "]\n    sync_interval: 50ms\n    poll_interval: 20ms\n", out);
  append(log, numbered("p", 1, 20000));
  {
    auto engine = test::start_engine(dir, config);
    REQUIRE(test::wait_until([&] { return arrived(out, "p", 20000); }));
    engine->stop();
  }
  append(log, numbered("p", 20001, 30000));  // written while stopped
  {
    auto engine = test::start_engine(dir, config);
    REQUIRE(test::wait_until([&] { return arrived(out, "p", 30000); }));
    // A rotation, and a stop before the source could finish the renamed file.
    append(log, numbered("p", 30001, 30500));
    engine->stop();
  }
  ::rename(log.c_str(), (log + ".1").c_str());
  append(log, numbered("p", 30501, 31000));
  {
    auto engine = test::start_engine(dir, config);
    REQUIRE(test::wait_until([&] { return arrived(out, "p", 31000); }));
    engine->stop();
  }
  require_each(numbers(out, "p"), 31000);
}

TEST_CASE("file_source reads a batch a sink gave up on again at the next start", "[files]") {
  test::TempDir dir;
  const std::string log = dir.file("app.log"), out = dir.file("out.txt");
  const std::string source =
      "    include: [" + log +
      "]\n    sync_interval: 50ms\n    poll_interval: 20ms\n    batch_max_records: 100\n";
  append(log, numbered("p", 1, 5000));
  {
    // The sink gives up on the batch holding line 1500: its position must not pass it.
    auto engine =
        test::start_engine(dir, pipeline(dir, source, out) + "    fail_if_contains: \"p 1500\"\n");
    REQUIRE(test::wait_until([&] { return numbers(out, "p").count(5000) == 1; }));
    CHECK(numbers(out, "p").count(1500) == 0);
    engine->stop();
  }
  {
    auto engine = test::start_engine(dir, pipeline(dir, source, out));
    REQUIRE(test::wait_until([&] { return arrived(out, "p", 5000); }));
    engine->stop();
  }
  // Every line at least once: what came after the failed batch may come twice, nothing less.
  require_each(numbers(out, "p"), 5000, false);
  // What came before it was committed, and is not read again.
  CHECK(numbers(out, "p").at(1) == 1);
}

TEST_CASE("file_source after kill -9 re-reads at most what was in flight, without a gap",
          "[files]") {
  test::TempDir dir;
  const std::string log = dir.file("app.log");
  test::write_file(dir.file("p.yaml"),
                   "data_dir: " + dir.file("data") + "\nplugin_dirs: [" + test::test_plugin_dir() +
                       "]\napi:\n  enabled: false\n" +
                       pipeline(dir,
                                "    include: [" + log +
                                    "]\n    sync_interval: 20ms\n    poll_interval: 20ms\n"
                                    "    batch_max_records: 1000\n",
                                dir.file("out.txt")) +
                       "    delay: 20ms\n");  // slow enough to be killed mid-file
  constexpr int kLines = 1000000;
  append(log, numbered("k", 1, kLines));
  {
    test::Subprocess sluice({test::sluice_binary(), "run", "-c", dir.file("p.yaml")},
                            dir.file("1.out"), dir.file("1.err"));
    REQUIRE(test::wait_until([&] {
      std::error_code ec;
      return fs::file_size(dir.file("out.txt"), ec) > 500000 && !ec;
    }));
    sluice.signal(SIGKILL);
    sluice.wait();
  }
  const size_t before = numbers(dir.file("out.txt"), "k").size();
  CHECK(before < kLines);
  test::Subprocess sluice({test::sluice_binary(), "run", "-c", dir.file("p.yaml")},
                          dir.file("2.out"), dir.file("2.err"));
  REQUIRE(test::wait_until(
      [&] {
        std::error_code ec;
        return fs::file_size(dir.file("out.txt"), ec) >= 8888896 &&
               arrived(dir.file("out.txt"), "k", kLines);
      },
      std::chrono::seconds(120)));
  sluice.signal(SIGTERM);
  CHECK(sluice.wait() == 0);
  auto seen = numbers(dir.file("out.txt"), "k");
  require_each(seen, kLines, false);
  int doubled = 0;
  for (const auto& [n, times] : seen) doubled += times > 1;
  // No more than was in flight: the sink's queue (10,000 by default), the batch it was
  // delivering, the batch waiting for room, and the acknowledgements not yet saved.
  INFO(doubled << " lines read twice");
  CHECK(doubled <= 10000 + 3 * 1000);
}

TEST_CASE("file_source releases a deleted file, and reads a new file on its inode afresh",
          "[files]") {
  test::TempDir dir;
  const std::string log = dir.file("app.log"), out = dir.file("out.txt");
  append(log, numbered("d", 1, 10));
  auto engine = test::start_engine(
      dir,
      pipeline(dir, "    include: [" + log + "]\n    rotate_wait: 100ms\n    poll_interval: 20ms\n",
               out));
  REQUIRE(test::wait_until([&] { return arrived(out, "d", 10); }));
  REQUIRE(open_fds_to(log) == 1);
  struct stat before {};
  ::stat(log.c_str(), &before);
  REQUIRE(::unlink(log.c_str()) == 0);
  REQUIRE(test::wait_until([&] { return open_fds_to(log) == 0; }));
  // The same path again; on most file systems the freed inode is handed out again.
  append(log, numbered("e", 1, 10));
  struct stat after {};
  ::stat(log.c_str(), &after);
  UNSCOPED_INFO("inode reused: " << (before.st_ino == after.st_ino));
  REQUIRE(test::wait_until([&] { return arrived(out, "e", 10); }));
  engine->stop();
  require_each(numbers(out, "d"), 10);
  require_each(numbers(out, "e"), 10);
}

TEST_CASE("file_source reads 1,000 files matched by one glob", "[files]") {
  test::TempDir dir;
  fs::create_directories(dir.file("logs/a/b"));
  for (int i = 0; i < 1000; ++i) {
    std::string sub = i % 2 == 0 ? "logs/a/" : "logs/a/b/";
    append(dir.file(sub + "f" + std::to_string(i) + ".log"),
           numbered("f" + std::to_string(i), 1, 10));
  }
  append(dir.file("logs/a/skip.txt"), "not matched\n");
  const std::string out = dir.file("out.txt");
  auto engine = test::start_engine(
      dir, pipeline(dir, "    include: [" + dir.file("logs") + "/**/*.log]\n", out));
  REQUIRE(test::wait_until([&] { return test::read_lines(out).size() >= 10000; },
                           std::chrono::seconds(60)));
  CHECK(test::metric_value(engine->metrics(), "sluice_file_files_open") == 1000);
  engine->stop();
  auto lines = test::read_lines(out);
  CHECK(lines.size() == 10000);
  for (int i : {0, 1, 500, 999}) require_each(numbers(out, "f" + std::to_string(i)), 10);
}

TEST_CASE("file_source survives a 10 MiB line, binary data and an empty file", "[files]") {
  test::TempDir dir;
  fs::create_directories(dir.file("logs"));
  const std::string out = dir.file("out.txt");
  append(dir.file("logs/big.log"), "before\n" + std::string(10 * 1024 * 1024, 'x') + "\nafter\n");
  std::string binary(1024 * 1024, '\0');
  std::mt19937 random(42);
  for (auto& c : binary) c = static_cast<char>(random());
  append(dir.file("logs/binary.log"), binary + "\nbinary end\n");
  append(dir.file("logs/empty.log"), "");
  auto engine = test::start_engine(
      dir, pipeline(dir, "    include: [" + dir.file("logs") + "/*.log]\n", out));
  REQUIRE(test::wait_until([&] {
    auto lines = test::read_lines(out);
    return std::count(lines.begin(), lines.end(), "after") == 1 &&
           std::count(lines.begin(), lines.end(), "binary end") == 1;
  }));
  CHECK(test::metric_value(engine->metrics(), "sluice_file_lines_split_total") == 1);
  engine->stop();
  // 10 MiB in pieces of max_line_bytes (256 KiB): 40 of them, nothing lost.
  size_t pieces = 0, bytes = 0;
  for (const auto& line : test::read_lines(out)) {
    if (!line.empty() && line.find_first_not_of('x') == std::string::npos) {
      ++pieces;
      bytes += line.size();
    }
  }
  CHECK(pieces == 40);
  CHECK(bytes == 10 * 1024 * 1024);
}

TEST_CASE("file_source cuts long lines with long_lines: truncate", "[files]") {
  test::TempDir dir;
  const std::string log = dir.file("app.log"), out = dir.file("out.txt");
  append(log, std::string(5000, 'y') + "\nnext\n");
  auto engine = test::start_engine(
      dir,
      pipeline(dir,
               "    include: [" + log + "]\n    max_line_bytes: 1024\n    long_lines: truncate\n",
               out));
  REQUIRE(test::wait_until([&] { return test::read_lines(out).size() == 2; }));
  CHECK(test::metric_value(engine->metrics(), "sluice_file_lines_truncated_total") == 1);
  engine->stop();
  auto lines = test::read_lines(out);
  CHECK(lines[0] == std::string(1024, 'y'));
  CHECK(lines[1] == "next");
}

TEST_CASE("file_source names a file it cannot read and goes on with the rest", "[files]") {
  test::TempDir dir;
  fs::create_directories(dir.file("logs"));
  append(dir.file("logs/open.log"), numbered("o", 1, 5));
  append(dir.file("logs/secret.log"), "hidden\n");
  ::chmod(dir.file("logs/secret.log").c_str(), 0);
  // Root reads anything: the engine runs as nobody for this test.
  fs::permissions(dir.path(), fs::perms::all);
  ::chmod(dir.file("logs").c_str(), 0777);
  const std::string out = dir.file("logs/out.txt");
  test::write_file(dir.file("p.yaml"),
                   "data_dir: " + dir.file("logs/data") + "\nplugin_dirs: [" +
                       test::test_plugin_dir() + "]\napi:\n  enabled: false\n" +
                       pipeline(dir, "    include: [" + dir.file("logs") + "/*.log]\n", out));
  std::vector<std::string> argv{test::sluice_binary(), "run", "-c", dir.file("p.yaml")};
  if (::geteuid() == 0) {
    argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                               "--clear-groups", "--inh-caps=-all"});
  }
  test::Subprocess sluice(argv, dir.file("logs/run.out"), dir.file("logs/run.err"));
  REQUIRE(test::wait_until([&] { return arrived(out, "o", 5); }));
  REQUIRE(test::wait_until([&] {
    return test::read_file(dir.file("logs/run.err"))
               .find("cannot open " + dir.file("logs/secret.log")) != std::string::npos;
  }));
  sluice.signal(SIGTERM);
  CHECK(sluice.wait() == 0);
  require_each(numbers(out, "o"), 5);
  CHECK(test::read_file(out).find("hidden") == std::string::npos);
}

// Inotify's watch limit is per user namespace (Linux 5.11 and later): a namespace of its own
// with a limit of two watches leaves the machine's limit alone. The source watches logs/ (for
// new folders) and logs/a; logs/b is left to polling.
TEST_CASE("file_source polls the folders it cannot watch past inotify's watch limit",
          "[files][inotify]") {
  const std::string limit_two = "echo 2 > /proc/sys/user/max_inotify_watches && exec \"$0\" \"$@\"";
  if (test::run({"/usr/bin/unshare", "--user", "--map-root-user", "sh", "-c", limit_two, "true"})
          .exit_code != 0) {
    WARN("SKIPPED: no user namespace with its own inotify limit can be made here");
    return;
  }
  test::TempDir dir;
  fs::create_directories(dir.file("logs/a"));
  fs::create_directories(dir.file("logs/b"));
  append(dir.file("logs/a/x.log"), numbered("a", 1, 5));
  append(dir.file("logs/b/y.log"), numbered("b", 1, 5));
  const std::string out = dir.file("out.txt");
  test::write_file(
      dir.file("p.yaml"),
      "data_dir: " + dir.file("data") + "\nplugin_dirs: [" + test::test_plugin_dir() +
          "]\napi:\n  listen: 127.0.0.1:19471\n" +
          pipeline(dir,
                   "    include: [" + dir.file("logs") +
                       "/*/*.log]\n    poll_interval: 50ms\n    scan_interval: 500ms\n",
                   out));
  test::Subprocess sluice({"/usr/bin/unshare", "--user", "--map-root-user", "sh", "-c", limit_two,
                           test::sluice_binary(), "run", "-c", dir.file("p.yaml")},
                          dir.file("run.out"), dir.file("run.err"));
  REQUIRE(test::wait_until([&] { return arrived(out, "a", 5) && arrived(out, "b", 5); }));
  INFO(test::read_file(dir.file("run.err")));
  CHECK(test::read_file(dir.file("run.err"))
            .find("inotify watch limit reached (fs.inotify.max_user_watches) at " +
                  dir.file("logs/b")) != std::string::npos);
  const std::string metrics = test::http_get(19471, "/metrics").body;
  const size_t at = metrics.find("\nsluice_file_dirs_polled{");
  REQUIRE(at != std::string::npos);
  CHECK(std::stod(metrics.substr(metrics.find("} ", at) + 2)) == 1);
  // The polled folder first, alone: a change in the watched one would start a scan of every
  // folder, and hide whether polling finds anything.
  append(dir.file("logs/b/y.log"), numbered("b", 6, 10));
  append(dir.file("logs/b/new.log"), numbered("nb", 1, 5));
  REQUIRE(test::wait_until([&] { return arrived(out, "b", 10) && arrived(out, "nb", 5); }));
  append(dir.file("logs/a/x.log"), numbered("a", 6, 10));
  append(dir.file("logs/a/new.log"), numbered("na", 1, 5));
  REQUIRE(test::wait_until([&] { return arrived(out, "a", 10) && arrived(out, "na", 5); }));
  sluice.signal(SIGTERM);
  CHECK(sluice.wait() == 0);
  require_each(numbers(out, "a"), 10);
  require_each(numbers(out, "b"), 10);
  require_each(numbers(out, "na"), 5);
  require_each(numbers(out, "nb"), 5);
}

// Ten waves of 1,000 files, each read and then deleted: every descriptor of a released file
// is closed, so the process holds as many descriptors and threads after the last wave as
// after the first.
TEST_CASE("file_source opens and closes 10,000 files in a run and keeps no descriptor", "[files]") {
  test::TempDir dir;
  const std::string logs = dir.file("logs"), out = dir.file("out.txt");
  fs::create_directories(logs);
  auto engine = test::start_engine(
      dir, pipeline(dir,
                    "    include: [" + logs + "/*.log]\n    rotate_wait: 50ms\n" +
                        "    poll_interval: 20ms\n    scan_interval: 200ms\n",
                    out));
  constexpr int kWaves = 10, kFiles = 1000;
  size_t fds_after_first = 0, threads_after_first = 0;
  for (int wave = 0; wave < kWaves; ++wave) {
    for (int i = 0; i < kFiles; ++i)
      append(logs + "/w" + std::to_string(wave) + "f" + std::to_string(i) + ".log",
             "w" + std::to_string(wave) + " " + std::to_string(i + 1) + "\n");
    REQUIRE(test::wait_until([&] { return arrived(out, "w" + std::to_string(wave), kFiles); },
                             std::chrono::seconds(60)));
    for (int i = 0; i < kFiles; ++i)
      fs::remove(logs + "/w" + std::to_string(wave) + "f" + std::to_string(i) + ".log");
    REQUIRE(test::wait_until(
        [&] {
          return open_fds_to(logs) == 0 &&
                 test::metric_value(engine->metrics(), "sluice_file_files_open") == 0;
        },
        std::chrono::seconds(60)));
    if (wave == 0) {
      fds_after_first = core::count_open_fds();
      threads_after_first = core::count_threads();
    }
  }
  CHECK(test::wait_until([&] {
    return core::count_open_fds() == fds_after_first &&
           core::count_threads() == threads_after_first;
  }));
  CHECK(core::count_open_fds() == fds_after_first);
  CHECK(core::count_threads() == threads_after_first);
  engine->stop();
  for (int wave = 0; wave < kWaves; ++wave)
    require_each(numbers(out, "w" + std::to_string(wave)), kFiles);
}

TEST_CASE("sluice plugin-check passes on file_source over 200 cycles with files open", "[files]") {
  test::TempDir dir;
  fs::create_directories(dir.file("logs"));
  for (int i = 0; i < 20; ++i)
    append(dir.file("logs/f" + std::to_string(i) + ".log"), numbered("c", 1, 100));
  test::write_file(dir.file("files.yaml"), "include: [" + dir.file("logs") + "/*.log]\n");
  auto r = test::run({test::sluice_binary(), "plugin-check", test::plugin_dir() + "/file_source.so",
                      "--config", dir.file("files.yaml"), "--cycles", "200", "--run-for", "5ms"},
                     std::chrono::seconds(300));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("200 cycles") != std::string::npos);
  CHECK(r.out.find("PASS") != std::string::npos);
}

TEST_CASE(
    "file_source polls without inotify, starts at the end, flushes a last line and "
    "follows a symlink",
    "[files]") {
  test::TempDir dir;
  fs::create_directories(dir.file("logs"));
  fs::create_directories(dir.file("real"));
  const std::string out = dir.file("out.txt");
  append(dir.file("logs/old.log"), numbered("old", 1, 100));  // there before: skipped
  append(dir.file("real/target.log"), "");
  fs::create_symlink(dir.file("real/target.log"), dir.file("logs/link.log"));
  auto engine = test::start_engine(
      dir, pipeline(dir,
                    "    include: [" + dir.file("logs") +
                        "/*.log]\n    inotify: false\n    start_at: end\n"
                        "    scan_interval: 100ms\n    poll_interval: 20ms\n"
                        "    partial_flush_after: 200ms\n    labels:\n      team: web\n",
                    out));
  REQUIRE(test::wait_until(
      [&] { return test::metric_value(engine->metrics(), "sluice_file_files_open") == 2; }));
  append(dir.file("logs/old.log"), numbered("old", 101, 110));
  append(dir.file("real/target.log"), numbered("linked", 1, 10));
  append(dir.file("logs/new.log"), numbered("new", 1, 10) + "no newline yet");
  REQUIRE(test::wait_until([&] {
    auto lines = test::read_lines(out);
    return std::count(lines.begin(), lines.end(), "no newline yet") == 1;
  }));
  REQUIRE(test::wait_until([&] {
    return arrived(out, "old", 10) && arrived(out, "linked", 10) && arrived(out, "new", 10);
  }));
  CHECK(test::metric_value(engine->metrics(), "sluice_file_partial_lines_flushed_total") == 1);
  engine->stop();
  auto old = numbers(out, "old");
  CHECK(old.size() == 10);
  CHECK(old.begin()->first == 101);  // start_at: end skipped what was there
  require_each(numbers(out, "linked"), 10);
  require_each(numbers(out, "new"), 10);  // a file that appeared later is read whole
}

TEST_CASE("file_source forgets the position of a file gone longer than forget_after", "[files]") {
  test::TempDir dir;
  fs::create_directories(dir.file("logs"));
  fs::create_directories(dir.file("elsewhere"));
  const std::string log = dir.file("logs/app.log"), out = dir.file("out.txt");
  append(log, numbered("f", 1, 10));
  auto engine =
      test::start_engine(dir, pipeline(dir,
                                       "    include: [" + log +
                                           "]\n    rotate_wait: 100ms\n    poll_interval: 20ms\n"
                                           "    sync_interval: 50ms\n    forget_after: 1s\n",
                                       out));
  REQUIRE(test::wait_until([&] { return arrived(out, "f", 10); }));
  const std::string positions = dir.file("data/files/positions");
  REQUIRE(
      test::wait_until([&] { return test::read_file(positions).find(log) != std::string::npos; }));
  // Moved out of every pattern, not deleted: kept for forget_after, then dropped.
  fs::rename(log, dir.file("elsewhere/app.log"));
  REQUIRE(
      test::wait_until([&] { return test::read_file(positions).find(log) == std::string::npos; }));
  engine->stop();
}

TEST_CASE("file_source says once that a matched FIFO or device is not read", "[files]") {
  test::TempDir dir;
  fs::create_directories(dir.file("logs"));
  append(dir.file("logs/a.log"), numbered("a", 1, 5));
  REQUIRE(::mkfifo(dir.file("logs/pipe.log").c_str(), 0644) == 0);
  const std::string out = dir.file("out.txt");
  auto engine =
      test::start_engine(dir, pipeline(dir,
                                       "    include: [" + dir.file("logs") +
                                           "/*.log, /dev/zero]\n    scan_interval: 50ms\n",
                                       out));
  REQUIRE(test::wait_until([&] { return arrived(out, "a", 5); }));
  // Several scans later, each path is still counted once.
  append(dir.file("logs/b.log"), numbered("b", 1, 5));
  REQUIRE(test::wait_until([&] { return arrived(out, "b", 5); }));
  CHECK(test::metric_value(engine->metrics(), "sluice_file_errors_total",
                           {{"type", "not_regular"}}) == 2);
  engine->stop();
  require_each(numbers(out, "a"), 5);

  // validate says it of a path written out whole.
  test::write_file(dir.file("p.yaml"),
                   "plugin_dirs: [" + test::test_plugin_dir() + "]\n" +
                       pipeline(dir, "    include: [" + dir.file("logs/pipe.log") + "]\n", out));
  auto r = test::run({test::sluice_binary(), "validate", "-c", dir.file("p.yaml")});
  CHECK(r.exit_code == 0);
  CHECK(r.err.find("include names " + dir.file("logs/pipe.log") +
                   ", which is a FIFO, not a regular file") != std::string::npos);
}

TEST_CASE("file_source follows more files than max_open_files, losing and doubling nothing",
          "[files]") {
  test::TempDir dir;
  fs::create_directories(dir.file("logs"));
  constexpr int kFiles = 100;
  for (int i = 0; i < kFiles; ++i)
    append(dir.file("logs/f" + std::to_string(i) + ".log"),
           numbered("f" + std::to_string(i), 1, 3));
  const std::string out = dir.file("out.txt");
  auto engine = test::start_engine(
      dir, pipeline(dir,
                    "    include: [" + dir.file("logs") +
                        "/*.log]\n    max_open_files: 8\n    poll_interval: 20ms\n",
                    out));
  auto& m = engine->metrics();
  double most_open = 0;
  auto all_arrived = [&](int lines) {
    most_open = std::max(most_open, test::metric_value(m, "sluice_file_files_open"));
    for (int i = 0; i < kFiles; ++i)
      if (!arrived(out, "f" + std::to_string(i), lines)) return false;
    return true;
  };
  REQUIRE(test::wait_until([&] { return all_arrived(3); }, std::chrono::seconds(60)));
  CHECK(test::metric_value(m, "sluice_file_files_parked") >= kFiles - 8);
  // Parked files are opened again at their positions when they grow; a parked file renamed
  // away with lines unread is found by its inode and read to its end.
  for (int i = 0; i < kFiles; ++i) {
    const std::string name = dir.file("logs/f" + std::to_string(i) + ".log");
    append(name, numbered("f" + std::to_string(i), 4, 5));
    if (i % 10 == 0) fs::rename(name, name + ".old");
  }
  REQUIRE(test::wait_until([&] { return all_arrived(5); }, std::chrono::seconds(60)));
  CHECK(most_open <= 8);
  engine->stop();
  for (int i = 0; i < kFiles; ++i) require_each(numbers(out, "f" + std::to_string(i)), 5);
}

// Past the process's descriptor limit, files used to take every descriptor: some were never
// read, positions could not be saved, and /metrics hung. Under `ulimit -n 256` the source
// keeps a reserve, and the API answers throughout.
TEST_CASE("file_source under a low descriptor limit reads 2,000 files and the API answers",
          "[files]") {
  test::TempDir dir;
  fs::create_directories(dir.file("logs"));
  constexpr int kFiles = 2000;
  for (int i = 0; i < kFiles; ++i)
    append(dir.file("logs/f" + std::to_string(i) + ".log"),
           numbered("f" + std::to_string(i), 1, 2));
  const std::string out = dir.file("out.txt");
  test::write_file(
      dir.file("p.yaml"),
      "data_dir: " + dir.file("data") + "\nplugin_dirs: [" + test::test_plugin_dir() +
          "]\napi:\n  listen: 127.0.0.1:19472\n" +
          pipeline(dir, "    include: [" + dir.file("logs") + "/*.log]\n    poll_interval: 50ms\n",
                   out));
  test::Subprocess sluice({"/bin/sh", "-c", "ulimit -n 256 && exec \"$0\" \"$@\"",
                           test::sluice_binary(), "run", "-c", dir.file("p.yaml")},
                          dir.file("run.out"), dir.file("run.err"));
  auto count_lines = [&] { return test::read_lines(out).size(); };
  REQUIRE(test::wait_until([&] { return test::http_get(19472, "/metrics").status == 200; }));
  REQUIRE(test::wait_until(
      [&] {
        // Each scrape must be answered while the files are being read.
        auto reply = test::http_get(19472, "/metrics");
        REQUIRE(reply.status == 200);
        return count_lines() >= 2 * kFiles;
      },
      std::chrono::seconds(120)));
  const std::string metrics = test::http_get(19472, "/metrics").body;
  CHECK(metrics.find("sluice_file_files_parked") != std::string::npos);
  sluice.signal(SIGTERM);
  CHECK(sluice.wait() == 0);
  const std::string log = test::read_file(dir.file("run.err"));
  INFO(log);
  CHECK(log.find("Too many open files") == std::string::npos);
  CHECK(log.find("cannot save positions") == std::string::npos);
  CHECK(log.find("at most 192 files are held open") != std::string::npos);
  CHECK(count_lines() == 2 * kFiles);
  for (int i : {0, 1, 999, 1999}) require_each(numbers(out, "f" + std::to_string(i)), 2);
}
