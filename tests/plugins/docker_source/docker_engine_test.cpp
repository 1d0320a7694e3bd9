// docker_source against a real Docker engine (engine.sh beside this file, started by CTest as
// a fixture): sluice runs as a separate process, as in production, with stdout_sink writing
// what it delivers to a file that the test reads back and accounts for.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "accounting.hpp"
#include "docker_engine.hpp"
#include "helpers.hpp"
#include "http_client.hpp"
#include "subprocess.hpp"
#include "tcp_relay.hpp"
#include "test_paths.hpp"

namespace test = sluice::test;

namespace {

struct Delivered {
  std::map<std::string, std::string> labels;
  std::string line;
};

// stdout_sink's text format: TIME {name="value", ...} LINE
std::vector<Delivered> read_delivered(const std::string& path) {
  std::vector<Delivered> out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return out;
  for (const auto& text : test::read_lines(path)) {
    size_t open = text.find(" {");
    size_t close = text.find("} ", open);
    if (open == std::string::npos || close == std::string::npos) continue;
    Delivered d;
    d.line = text.substr(close + 2);
    std::string labels = text.substr(open + 2, close - open - 2);
    size_t at = 0;
    while (at < labels.size()) {
      size_t eq = labels.find("=\"", at);
      size_t end = labels.find('"', eq + 2);
      if (eq == std::string::npos || end == std::string::npos) break;
      d.labels[labels.substr(at, eq - at)] = labels.substr(eq + 2, end - eq - 2);
      at = end + 1;
      while (at < labels.size() && (labels[at] == ',' || labels[at] == ' ')) ++at;
    }
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<Delivered> read_all(const std::vector<std::string>& paths) {
  std::vector<Delivered> all;
  for (const auto& p : paths) {
    auto part = read_delivered(p);
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

std::map<int, int> numbers(const std::vector<Delivered>& delivered, const std::string& prefix) {
  std::vector<std::string> lines;
  for (const auto& d : delivered) lines.push_back(d.line);
  return test::count_numbers(lines, prefix);
}

using test::require_each;

bool complete(const std::string& path, const std::string& prefix, int count) {
  return numbers(read_delivered(path), prefix).size() >= static_cast<size_t>(count);
}

class Sluice {
 public:
  Sluice(const test::TempDir& dir, const std::string& name, const std::string& config)
      : config_path_(dir.file(name + ".yaml")),
        out_(dir.file(name + ".out")),
        err_(dir.file(name + ".err")) {
    test::write_file(config_path_, config);
    proc_ = std::make_unique<test::Subprocess>(
        std::vector<std::string>{test::sluice_binary(), "run", "-c", config_path_}, out_, err_);
  }
  const std::string& out() const { return out_; }
  std::string log() const { return test::read_file(err_); }
  // A container that starts and exits before the source has subscribed to the daemon's events
  // and listed the containers is, rightly, not read: tests that run such containers wait.
  bool connected() const {
    return test::wait_until(
        [&] { return log().find(", API ") != std::string::npos; });  // "Docker daemon at …, API …"
  }
  pid_t pid() const { return proc_->pid(); }
  // SIGTERM: the engine drains and stops under its deadlines, then exits 0.
  int stop() {
    proc_->signal(SIGTERM);
    auto code = proc_->wait(std::chrono::seconds(60));
    REQUIRE(code.has_value());
    return *code;
  }
  void kill9() {
    proc_->signal(SIGKILL);
    proc_->wait(std::chrono::seconds(30));
  }

 private:
  std::string config_path_, out_, err_;
  std::unique_ptr<test::Subprocess> proc_;
};

std::string pipeline(const test::TempDir& dir, const test::DockerEngine& engine,
                     const std::string& source_extra, const std::string& api = "") {
  return "data_dir: " + dir.file("data") + "\n" +
         (api.empty() ? "api:\n  enabled: false\n" : "api:\n  listen: " + api + "\n") +
         "sources:\n  docker:\n    type: docker_source\n    host: " + engine.host() + "\n" +
         source_extra +
         "sinks:\n  out:\n    type: stdout_sink\n    inputs: [docker]\n    format: text\n";
}

// The sum of a metric's series whose text contains every fragment, from /metrics.
double scrape(unsigned short port, const std::string& name, const std::string& fragment = "") {
  auto reply = test::http_get(port, "/metrics");
  double sum = 0;
  std::istringstream lines(reply.body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    if (line[name.size()] != ' ' && line[name.size()] != '{') continue;
    if (!fragment.empty() && line.find(fragment) == std::string::npos) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

}  // namespace

TEST_CASE("docker_source follows containers started before and after it", "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  containers.run(
      "early",
      "for i in $(seq 1 50); do echo \"early-out $i\"; "
      "echo \"early-err $i\" >&2; done; sleep 3600",
      {"--label", "com.docker.compose.project=shop", "--label", "com.docker.compose.service=web",
       "--label", "com.example.team=payments", "--label", "not.allowed=1"});
  Sluice sluice(dir, "run",
                pipeline(dir, engine,
                         "    rotation_interval: 1m\n    container_labels: [com.example.team]\n"
                         "    labels:\n      host: test-host\n"));
  REQUIRE(sluice.connected());
  containers.run("late-tty", "for i in $(seq 1 50); do echo \"tty $i\"; done; sleep 3600", {"-t"});
  containers.run("short-lived", "for i in $(seq 1 20); do echo \"exits $i\"; done");

  REQUIRE(test::wait_until(
      [&] {
        auto d = read_delivered(sluice.out());
        return numbers(d, "early-out").size() == 50 && numbers(d, "early-err").size() == 50 &&
               numbers(d, "tty").size() == 50 && numbers(d, "exits").size() == 20;
      },
      std::chrono::seconds(60)));
  CHECK(sluice.stop() == 0);

  auto delivered = read_delivered(sluice.out());
  require_each(numbers(delivered, "early-out"), 50);
  require_each(numbers(delivered, "early-err"), 50);
  require_each(numbers(delivered, "tty"), 50);
  require_each(numbers(delivered, "exits"), 20);
  for (const auto& d : delivered) {
    INFO(d.line);
    CHECK(d.line.find('\r') == std::string::npos);  // a TTY's \r\n ends the line
    CHECK(d.labels.at("image") == "local/busybox");
    CHECK(d.labels.at("container_id").size() == 12);
    if (d.line.rfind("early-err", 0) == 0) {
      CHECK(d.labels.at("stream") == "stderr");
      CHECK(d.labels.at("container_name") == "early");
    } else if (d.line.rfind("tty", 0) == 0) {
      CHECK(d.labels.at("stream") == "stdout");
      CHECK(d.labels.at("container_name") == "late-tty");
    } else if (d.line.rfind("early-out", 0) == 0) {
      CHECK(d.labels.at("stream") == "stdout");
    }
    CHECK(d.labels.at("host") == "test-host");
    CHECK(d.labels.count("not_allowed") == 0);
    if (d.labels.at("container_name") == "early") {
      CHECK(d.labels.at("compose_project") == "shop");
      CHECK(d.labels.at("compose_service") == "web");
      CHECK(d.labels.at("com_example_team") == "payments");
    } else {
      CHECK(d.labels.count("compose_project") == 0);
    }
  }
}

TEST_CASE("docker_source follows a rename, a restart under the same id and a removal", "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  Sluice sluice(dir, "run",
                pipeline(dir, engine, "    rotation_interval: 1m\n    sync_interval: 50ms\n"));
  REQUIRE(sluice.connected());
  containers.run("renamed", test::numbered_lines("renamed", 100000, 20));
  const std::string restarted =
      containers.run("restarted", "for i in $(seq 1 10); do echo \"restarted $i\"; done");
  const std::string removed = containers.run("removed", "echo removed 1; sleep 3600");

  REQUIRE(test::wait_until([&] {
    auto d = read_delivered(sluice.out());
    return numbers(d, "restarted").size() == 10 && numbers(d, "removed").size() == 1 &&
           numbers(d, "renamed").size() >= 5;
  }));
  engine.docker({"rename", "renamed", "renamed-now"});
  engine.docker({"start", "restarted"});  // the same id, and the same log file, runs again
  REQUIRE(test::wait_until([&] {
    return test::read_file(dir.file("data/docker/checkpoints")).find(removed) != std::string::npos;
  }));
  containers.remove("removed");

  REQUIRE(test::wait_until([&] {
    auto d = read_delivered(sluice.out());
    bool renamed_seen = false;
    for (const auto& x : d) renamed_seen |= x.labels.at("container_name") == "renamed-now";
    auto r = numbers(d, "restarted");
    return renamed_seen && r.size() == 10 && r.at(10) == 2;
  }));
  // The removed container's checkpoint goes with it.
  REQUIRE(test::wait_until([&] {
    return test::read_file(dir.file("data/docker/checkpoints")).find(removed) == std::string::npos;
  }));
  CHECK(sluice.stop() == 0);

  auto delivered = read_delivered(sluice.out());
  // Each run's lines once: the second run's stream re-reads the first's, and drops them.
  for (const auto& [n, times] : numbers(delivered, "restarted")) CHECK(times == 2);
  auto renamed = numbers(delivered, "renamed");
  for (const auto& [n, times] : renamed) CHECK(times == 1);
  CHECK(renamed.size() == static_cast<size_t>(renamed.rbegin()->first));  // no gap
}

TEST_CASE("docker_source loses and doubles nothing over 100 stream rotations", "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  constexpr int kContainers = 5, kLines = 40000, kRate = 2000;  // 20 s each, 1 s rotations
  for (int i = 0; i < kContainers; ++i) {
    std::string name = "rot" + std::to_string(i);
    // Half of each container's lines go to stderr, whose stamps interleave with stdout's.
    containers.run(name, "i=0; while [ $i -lt " + std::to_string(kLines) +
                             " ]; do i=$((i+1)); if [ $((i % 2)) -eq 0 ]; then echo \"" + name +
                             " $i\"; else echo \"" + name + " $i\" >&2; fi; if [ $((i % " +
                             std::to_string(kRate / 10) +
                             ")) -eq 0 ]; then usleep 100000; fi; done; sleep 3600");
  }
  Sluice sluice(dir, "run",
                pipeline(dir, engine, "    rotation_interval: 1s\n", "127.0.0.1:19461"));
  REQUIRE(test::wait_until(
      [&] {
        auto d = read_delivered(sluice.out());
        for (int i = 0; i < kContainers; ++i) {
          if (numbers(d, "rot" + std::to_string(i)).size() < kLines) return false;
        }
        return true;
      },
      std::chrono::seconds(180)));
  const double rotations = scrape(19461, "sluice_docker_stream_rotations_total");
  const double duplicates = scrape(19461, "sluice_docker_duplicates_dropped_total");
  CHECK(sluice.stop() == 0);
  INFO("rotations " << rotations << ", lines read again and dropped " << duplicates);
  CHECK(rotations >= 100);
  auto delivered = read_delivered(sluice.out());
  for (int i = 0; i < kContainers; ++i) {
    require_each(numbers(delivered, "rot" + std::to_string(i)), kLines);
  }
}

// The voluntary context switches of a process's thread named comm: each is one wake-up
// after a wait.
uint64_t wakeups(pid_t pid, const std::string& comm) {
  uint64_t sum = 0;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks)) {
    if (test::read_file(task.path() / "comm") != comm + "\n") continue;
    std::istringstream status(test::read_file(task.path() / "status"));
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("voluntary_ctxt_switches:", 0) == 0) {
        sum += std::stoull(line.substr(line.find(':') + 1));
      }
    }
  }
  return sum;
}

TEST_CASE("docker_source reads a steady trickle at its ticks, not at each line", "[docker]") {
  // The daemon writes each line on its own; woken for each, the reading thread spent most of
  // its time going to sleep and waking again. At read_interval's ticks it wakes a few dozen
  // times a second, however many lines come, and still loses nothing.
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  constexpr int kLines = 3000;
  Sluice sluice(dir, "run", pipeline(dir, engine, "    read_interval: 50ms\n", "127.0.0.1:19467"));
  REQUIRE(test::wait_until([] { return test::http_get(19467, "/metrics").status == 200; },
                           std::chrono::seconds(30)));
  containers.run("trickle", "i=0; while [ $i -lt " + std::to_string(kLines) +
                                " ]; do i=$((i+1)); echo \"trickle $i\"; usleep 1000; done; "
                                "sleep 3600");
  REQUIRE(test::wait_until([&] { return scrape(19467, "sluice_docker_lines_read_total") >= 100; },
                           std::chrono::seconds(60)));
  const double lines0 = scrape(19467, "sluice_docker_lines_read_total");
  const uint64_t wakes0 = wakeups(sluice.pid(), "docker-read");
  REQUIRE(test::wait_until([&] { return complete(sluice.out(), "trickle", kLines); },
                           std::chrono::seconds(120)));
  const double lines = scrape(19467, "sluice_docker_lines_read_total") - lines0;
  const uint64_t wakes = wakeups(sluice.pid(), "docker-read") - wakes0;
  CHECK(sluice.stop() == 0);
  INFO(lines << " lines read with " << wakes << " wake-ups of the reading thread");
  REQUIRE(lines >= kLines / 2);
  CHECK(static_cast<double>(wakes) < lines / 4);
  require_each(numbers(read_delivered(sluice.out()), "trickle"), kLines);
}

TEST_CASE("docker_source with max_streams below the containers serves them all in turn",
          "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  for (int i = 0; i < 4; ++i) {
    std::string name = "turn" + std::to_string(i);
    containers.run(name, test::numbered_lines(name, 300, 50));
  }
  Sluice sluice(dir, "run",
                pipeline(dir, engine, "    rotation_interval: 500ms\n    max_streams: 2\n",
                         "127.0.0.1:19462"));
  // Two streams at a time, the other two queued, their turns passed on at each rotation.
  bool both = test::wait_until([&] {
    return scrape(19462, "sluice_docker_streams_waiting") == 2 &&
           scrape(19462, "sluice_docker_streams_active") == 2;
  });
  INFO(test::http_get(19462, "/metrics").body << sluice.log());
  REQUIRE(both);
  REQUIRE(test::wait_until(
      [&] {
        auto d = read_delivered(sluice.out());
        for (int i = 0; i < 4; ++i) {
          if (numbers(d, "turn" + std::to_string(i)).size() < 300) return false;
        }
        return true;
      },
      std::chrono::seconds(60)));
  CHECK(sluice.stop() == 0);
  auto delivered = read_delivered(sluice.out());
  for (int i = 0; i < 4; ++i) require_each(numbers(delivered, "turn" + std::to_string(i)), 300);
}

namespace {

using std::chrono::steady_clock;

// Notes when each container's first line appears in a Sluice's output, from a thread of its
// own: a test that starts containers one after another must not delay the noting (under a
// sanitizer on a loaded machine, starting eight took longer than the bound itself).
class FirstLines {
 public:
  FirstLines(std::string out, std::vector<std::string> names)
      : out_(std::move(out)), names_(std::move(names)), thread_([this] { run(); }) {}
  FirstLines(const FirstLines&) = delete;
  FirstLines& operator=(const FirstLines&) = delete;
  ~FirstLines() {
    stop_ = true;
    thread_.join();
  }

  // Waits until every container has a line, or the time-out; then the seconds each took from
  // its `since` (none if its line came first).
  std::map<std::string, double> waited(const std::map<std::string, steady_clock::time_point>& since,
                                       const std::function<void()>& each_poll = {}) {
    test::wait_until(
        [&] {
          if (each_poll) each_poll();
          std::lock_guard lock(mutex_);
          return seen_.size() == names_.size();
        },
        std::chrono::seconds(90));
    std::lock_guard lock(mutex_);
    std::map<std::string, double> out;
    for (const auto& [name, at] : seen_) {
      out[name] = std::max(0.0, std::chrono::duration<double>(at - since.at(name)).count());
    }
    return out;
  }

 private:
  void run() {
    while (!stop_) {
      auto delivered = read_delivered(out_);
      const auto now = steady_clock::now();
      {
        std::lock_guard lock(mutex_);
        for (const auto& name : names_) {
          if (seen_.count(name) == 0 && !numbers(delivered, name).empty()) seen_[name] = now;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  const std::string out_;
  const std::vector<std::string> names_;
  std::mutex mutex_;
  std::map<std::string, steady_clock::time_point> seen_;
  std::atomic<bool> stop_{false};
  std::thread thread_;  // last: it starts once the rest is ready
};

size_t entries(const std::string& dir);

}  // namespace

// With more containers than max_streams, a waiting container used to get a slot only when a
// stream rotated (5 minutes by default). Now each stream with a waiting peer gives its slot
// up after stream_turn: every container's first line comes within a turn and a margin, while
// Sluice runs and after a restart with every container's logs to catch up.
TEST_CASE(
    "docker_source past max_streams serves every container within a turn, and again "
    "after a restart",
    "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  constexpr int kContainers = 8;
  // The turn, plus time for the daemon to start a container and for the line to be batched,
  // written and polled, on a loaded machine or under a sanitizer.
  constexpr double kTurn = 2, kMargin = 5;
  const std::string config =
      pipeline(dir, engine, "    max_streams: 4\n    stream_turn: 2s\n", "127.0.0.1:19469");
  std::vector<std::string> names;
  for (int i = 0; i < kContainers; ++i) names.push_back("turn" + std::to_string(i));

  auto first = std::make_unique<Sluice>(dir, "first", config);
  REQUIRE(test::wait_until([] { return test::http_get(19469, "/metrics").status == 200; },
                           std::chrono::seconds(30)));
  FirstLines first_lines(first->out(), names);
  std::map<std::string, steady_clock::time_point> started;
  for (const auto& name : names) {
    containers.run(name, test::every_second(name));
    started[name] = steady_clock::now();
  }
  double oldest_wait = 0;
  auto watch = [&] {
    oldest_wait = std::max(oldest_wait, scrape(19469, "sluice_docker_oldest_wait_seconds"));
  };
  auto waited = first_lines.waited(started, watch);
  INFO(first->log());
  REQUIRE(waited.size() == kContainers);
  for (const auto& [name, seconds] : waited) {
    INFO(name << " waited " << seconds << " s for its first line");
    CHECK(seconds <= kTurn + kMargin);
  }

  // Steady: four streams, four waiting, turns passing; threads and descriptors do not move.
  const std::string proc = "/proc/" + std::to_string(first->pid());
  std::vector<size_t> threads, fds;
  const auto began = steady_clock::now();
  for (int s = 1; s <= 10; ++s) {
    while (steady_clock::now() < began + std::chrono::seconds(s)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    watch();
    threads.push_back(entries(proc + "/task"));
    fds.push_back(entries(proc + "/fd"));
  }
  CHECK(scrape(19469, "sluice_docker_streams_active") == 4);
  CHECK(scrape(19469, "sluice_docker_streams_waiting") == 4);
  CHECK(scrape(19469, "sluice_docker_stream_turns_total") >= 8);
  CHECK(oldest_wait > 0);
  CHECK(oldest_wait <= kTurn + kMargin);
  CHECK(*std::min_element(threads.begin(), threads.end()) ==
        *std::max_element(threads.begin(), threads.end()));
  // A checkpoint write holds two descriptors for a moment; a yield opens one for one.
  CHECK(*std::max_element(fds.begin(), fds.end()) <= *std::min_element(fds.begin(), fds.end()) + 2);
  CHECK(first->log().find("containers wait for a log stream: max_streams is 4") !=
        std::string::npos);
  CHECK(first->stop() == 0);

  // Stopped while the containers go on writing; started again, each container has lines to
  // catch up on, and the four slots must still turn.
  auto written = [&](const std::string& name) {
    std::string last = engine.docker({"logs", "--tail", "1", name});
    return std::stoi(last.substr(last.rfind(' ') + 1));
  };
  const int before = written(names.back());
  REQUIRE(test::wait_until([&] { return written(names.back()) >= before + 4; }));
  const auto restarted = steady_clock::now();
  std::map<std::string, steady_clock::time_point> restart;
  for (const auto& name : names) restart[name] = restarted;
  auto second = std::make_unique<Sluice>(dir, "second", config);
  auto waited_again = FirstLines(second->out(), names).waited(restart);
  INFO(second->log());
  REQUIRE(waited_again.size() == kContainers);
  for (const auto& [name, seconds] : waited_again) {
    INFO(name << " waited " << seconds << " s after the restart");
    CHECK(seconds <= kTurn + kMargin);
  }
  // Every line each container wrote up to now, once, across the two runs.
  std::map<std::string, int> upto;
  for (const auto& name : names) upto[name] = written(name);
  REQUIRE(test::wait_until(
      [&] {
        auto d = read_all({first->out(), second->out()});
        for (const auto& name : names) {
          auto seen = numbers(d, name);
          if (seen.empty() || seen.rbegin()->first < upto[name]) return false;
        }
        return true;
      },
      std::chrono::seconds(90)));
  CHECK(second->stop() == 0);
  auto delivered = read_all({first->out(), second->out()});
  for (const auto& name : names) {
    INFO(name);
    auto seen = numbers(delivered, name);
    require_each(seen, seen.rbegin()->first);
  }
}

// Followed at once, every one of them: the ceiling is far above what a host runs.
TEST_CASE("docker_source with its defaults follows 150 containers at once", "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  constexpr int kContainers = 150;
  Sluice sluice(dir, "run", pipeline(dir, engine, "", "127.0.0.1:19470"));
  std::vector<std::pair<std::string, std::string>> runs;
  std::vector<std::string> names;
  for (int i = 0; i < kContainers; ++i) {
    names.push_back("many" + std::to_string(i));
    runs.emplace_back(names.back(), test::every_second(names.back()));
  }
  containers.run_many(runs);
  // Three lines from each: all flow together, none waits for another.
  bool flowing = test::wait_until(
      [&] {
        auto d = read_delivered(sluice.out());
        for (const auto& name : names) {
          if (numbers(d, name).size() < 3) return false;
        }
        return true;
      },
      std::chrono::seconds(120));
  INFO(sluice.log());
  REQUIRE(flowing);
  CHECK(scrape(19470, "sluice_docker_streams_active") == kContainers);
  CHECK(scrape(19470, "sluice_docker_streams_waiting") == 0);
  CHECK(scrape(19470, "sluice_docker_oldest_wait_seconds") == 0);
  CHECK(scrape(19470, "sluice_docker_stream_turns_total") == 0);
  CHECK(sluice.stop() == 0);
  CHECK(sluice.log().find("wait for a log stream") == std::string::npos);
  auto delivered = read_delivered(sluice.out());
  for (const auto& name : names) {
    INFO(name);
    auto seen = numbers(delivered, name);
    require_each(seen, seen.rbegin()->first);
  }
}

TEST_CASE("docker_source resumes from its checkpoints after a restart and after kill -9",
          "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  constexpr int kLines = 12000;  // 24 s at 500 lines a second
  containers.run("steady", test::numbered_lines("steady", kLines, 500));
  const std::string config = pipeline(dir, engine, "    sync_interval: 100ms\n");

  auto first = std::make_unique<Sluice>(dir, "first", config);
  REQUIRE(test::wait_until(
      [&] { return numbers(read_delivered(first->out()), "steady").size() >= 1000; }));
  CHECK(first->stop() == 0);
  const auto after_first = numbers(read_delivered(first->out()), "steady");

  auto second = std::make_unique<Sluice>(dir, "second", config);
  REQUIRE(test::wait_until(
      [&] { return numbers(read_delivered(second->out()), "steady").size() >= 2000; }));
  second->kill9();
  const auto after_second = numbers(read_delivered(second->out()), "steady");

  auto third = std::make_unique<Sluice>(dir, "third", config);
  REQUIRE(test::wait_until(
      [&] {
        return complete(third->out(), "steady", 1) &&
               numbers(read_all({first->out(), second->out(), third->out()}), "steady").size() ==
                   kLines;
      },
      std::chrono::seconds(90)));
  CHECK(third->stop() == 0);

  // A clean stop commits everything delivered: the second run starts right after the first.
  for (const auto& [n, times] : after_second) {
    INFO("line " << n);
    CHECK(after_first.count(n) == 0);
  }
  CHECK(after_second.begin()->first == after_first.rbegin()->first + 1);
  // kill -9 may deliver again what was in flight (at least once), but leaves no gap.
  require_each(numbers(read_all({first->out(), second->out(), third->out()}), "steady"), kLines,
               false);
}

TEST_CASE("docker_source comes back when the daemon restarts under its streams", "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  constexpr int kLines = 8000;  // 40 s at 200 lines a second
  containers.run("survivor", test::numbered_lines("survivor", kLines, 200));
  Sluice sluice(dir, "run",
                pipeline(dir, engine, "    reconnect_max_backoff: 1s\n", "127.0.0.1:19463"));
  REQUIRE(test::wait_until(
      [&] { return numbers(read_delivered(sluice.out()), "survivor").size() >= 500; }));
  engine.restart_daemon();  // live-restore: the container runs on
  REQUIRE(test::wait_until([&] { return complete(sluice.out(), "survivor", kLines); },
                           std::chrono::seconds(120)));
  CHECK(scrape(19463, "sluice_docker_daemon_reconnects_total") >= 1);
  CHECK(sluice.stop() == 0);
  require_each(numbers(read_delivered(sluice.out()), "survivor"), kLines);
}

TEST_CASE("docker_source passes a 100 KiB line whole and survives binary output", "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  Sluice sluice(dir, "run", pipeline(dir, engine, ""));
  containers.run("long",
                 "head -c 102400 /dev/zero | tr '\\0' x; echo; echo 'after long'; "
                 "sleep 3600");
  containers.run("long-tty",
                 "head -c 102400 /dev/zero | tr '\\0' y; echo; echo 'after tty'; "
                 "sleep 3600",
                 {"-t"});
  containers.run("binary", "head -c 65536 /dev/urandom; echo; echo 'after binary'; sleep 3600");
  REQUIRE(test::wait_until([&] {
    auto d = read_delivered(sluice.out());
    int after = 0;
    for (const auto& x : d) after += x.line.rfind("after ", 0) == 0;
    return after == 3;
  }));
  CHECK(sluice.stop() == 0);
  int long_lines = 0;
  for (const auto& d : read_delivered(sluice.out())) {
    if (d.line.size() >= 1000 && d.line.find_first_not_of('x') == std::string::npos) {
      CHECK(d.line.size() == 102400);
      ++long_lines;
    }
    if (d.line.size() >= 1000 && d.line.find_first_not_of('y') == std::string::npos) {
      CHECK(d.line.size() == 102400);
      ++long_lines;
    }
  }
  CHECK(long_lines == 2);
}

TEST_CASE("docker_source delivers a TTY container's last line that has no newline", "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  const unsigned short port = 19468;
  Sluice sluice(dir, "run", pipeline(dir, engine, "", "127.0.0.1:19468"));
  REQUIRE(sluice.connected());
  // Exits at once: the stream ends with the last line pending in the decoder, or before the
  // daemon has sent it at all.
  containers.run("tty-last", "printf 'first\\nlast, no newline'", {"-t"});
  containers.run("plain-last", "printf 'plain first\\nplain last, no newline'");
  const bool both = test::wait_until([&] {
    int found = 0;
    for (const auto& d : read_delivered(sluice.out())) {
      found += d.line == "last, no newline" || d.line == "plain last, no newline";
    }
    return found == 2;
  });
  INFO(test::read_file(sluice.out()) << sluice.log());
  REQUIRE(both);
  std::multiset<std::string> lines;
  for (const auto& d : read_delivered(sluice.out())) lines.insert(d.line);
  CHECK(lines.count("first") == 1);
  CHECK(lines.count("last, no newline") == 1);
  CHECK(lines.count("plain first") == 1);
  CHECK(lines.count("plain last, no newline") == 1);
  // The end of a TTY stream is not a cut frame.
  CHECK(scrape(port, "sluice_docker_stream_errors_total", "truncated_frame") == 0);
  CHECK(sluice.stop() == 0);
  CHECK(sluice.log().find("inside a frame") == std::string::npos);
}

TEST_CASE("sluice plugin-check passes on docker_source over 100 cycles with containers",
          "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  for (int i = 0; i < 3; ++i) {
    std::string name = "check" + std::to_string(i);
    containers.run(name, test::numbered_lines(name, 1000000, 100));
  }
  // An idle one too: its stream never receives another byte, and stop must still end it.
  containers.run("idle", "echo once; sleep 3600");
  test::write_file(dir.file("docker.yaml"),
                   "host: " + engine.host() + "\nrotation_interval: 200ms\n");
  auto r =
      test::run({test::sluice_binary(), "plugin-check", test::plugin_dir() + "/docker_source.so",
                 "--config", dir.file("docker.yaml"), "--cycles", "100", "--run-for", "50ms"},
                std::chrono::seconds(300));
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("100 cycles") != std::string::npos);
  CHECK(r.out.find("PASS") != std::string::npos);
}

namespace {

size_t entries(const std::string& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ++n;
  }
  return n;
}

int leak_test_seconds() {
  const char* s = std::getenv("SLUICE_DOCKER_LEAK_SECONDS");
  return s != nullptr ? std::max(70, std::atoi(s)) : 300;
}

}  // namespace

// The test the system Sluice replaces never had: it leaked threads and descriptors at every
// stream rotation.
TEST_CASE("docker_source leaks no thread and no descriptor over minutes of 1 s rotations",
          "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  constexpr int kContainers = 50;
  constexpr unsigned short kPort = 19464;
  Sluice sluice(dir, "run",
                pipeline(dir, engine, "    rotation_interval: 1s\n", "127.0.0.1:19464"));
  REQUIRE(sluice.connected());
  REQUIRE(
      test::wait_until([&] { return sluice.log().find("API listening") != std::string::npos; }));
  const std::string proc = "/proc/" + std::to_string(sluice.pid());
  // The descriptors of an engine following no container: its events stream, its listener, its
  // files. Counted after a scrape, so what the API opens on first use is open, and as the least
  // of a few samples, so the scrape's own connection, closing, is not.
  CHECK(scrape(kPort, "sluice_docker_streams_active") == 0);
  size_t fds_idle = SIZE_MAX;
  for (int i = 0; i < 10; ++i) {
    fds_idle = std::min(fds_idle, entries(proc + "/fd"));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::vector<std::pair<std::string, std::string>> runs;
  std::vector<std::string> names;
  for (int i = 0; i < kContainers; ++i) {
    names.push_back("leak" + std::to_string(i));
    runs.emplace_back(names.back(), test::numbered_lines(names.back(), 100000000, 20));
  }
  containers.run_many(runs);
  REQUIRE(
      test::wait_until([&] { return scrape(kPort, "sluice_docker_streams_active") == kContainers; },
                       std::chrono::seconds(120)));
  const int seconds = leak_test_seconds();
  const auto began = std::chrono::steady_clock::now();
  // Threads must not change at all. Descriptors move while the streams run: a stream between
  // its close and its reopening holds none, a checkpoint write holds two for a moment, and how
  // many are caught so depends on the machine's load. They are compared where nothing moves:
  // once the containers are gone, the engine must be back to its idle count.
  size_t threads_at_minute = 0, threads_min = SIZE_MAX, threads_max = 0;
  size_t fds_min = SIZE_MAX, fds_max = 0;
  for (int s = 1; s <= seconds; ++s) {
    // Paced by the clock, not by sleeps: a sample each second from the start.
    while (std::chrono::steady_clock::now() < began + std::chrono::seconds(s)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const size_t threads = entries(proc + "/task");
    const size_t fds = entries(proc + "/fd");
    REQUIRE(threads > 0);  // still running
    if (s == 60) threads_at_minute = threads;
    if (s > 60) {
      threads_min = std::min(threads_min, threads);
      threads_max = std::max(threads_max, threads);
    }
    fds_min = std::min(fds_min, fds);
    fds_max = std::max(fds_max, fds);
  }
  const double rotations = scrape(kPort, "sluice_docker_stream_rotations_total");
  const double active = scrape(kPort, "sluice_docker_streams_active");
  std::vector<std::string> kill{"kill"};
  kill.insert(kill.end(), names.begin(), names.end());
  engine.docker(kill);
  const bool streams_ended = test::wait_until(
      [&] { return scrape(kPort, "sluice_docker_streams_active") == 0; }, std::chrono::seconds(60));
  size_t fds_end = 0;
  const bool fds_back = test::wait_until(
      [&] {
        fds_end = entries(proc + "/fd");
        return fds_end <= fds_idle;
      },
      std::chrono::seconds(60));
  std::ostringstream figures;
  figures << "leak test: " << seconds << " s, " << rotations << " rotations; threads "
          << threads_at_minute << " at one minute, " << threads_min << " to " << threads_max
          << " after; descriptors: " << fds_idle << " idle, " << fds_min << " to " << fds_max
          << " while " << kContainers << " streams rotated, " << fds_end
          << " once their containers were gone";
  std::cout << figures.str() << "\n";
  INFO(figures.str());
  CHECK(active == kContainers);
  CHECK(rotations >= kContainers * (seconds - 30));
  CHECK(threads_min == threads_at_minute);
  CHECK(threads_max == threads_at_minute);
  CHECK(streams_ended);
  CHECK(fds_back);
  CHECK(entries(proc + "/task") == threads_at_minute);
  CHECK(sluice.stop() == 0);
  // Every stop met its deadline: the engine names any violation in its log.
  CHECK(sluice.log().find("violation") == std::string::npos);
  CHECK(sluice.log().find("deadline") == std::string::npos);
  auto delivered = read_delivered(sluice.out());
  for (int i = 0; i < kContainers; ++i) {
    auto seen = numbers(delivered, names[i]);
    REQUIRE(!seen.empty());
    require_each(seen, seen.rbegin()->first);
  }
}

TEST_CASE("docker_source reaches the daemon over tcp:// too", "[docker]") {
  const auto& engine = test::DockerEngine::require();
  test::TempDir dir;
  test::Containers containers(engine);
  test::TcpRelay relay(engine.host().substr(std::string("unix://").size()));
  containers.run("over-tcp", test::numbered_lines("over-tcp", 200, 100));
  const std::string config =
      "data_dir: " + dir.file("data") +
      "\napi:\n  enabled: false\nsources:\n  docker:\n    type: docker_source\n"
      "    host: tcp://127.0.0.1:" +
      std::to_string(relay.port()) +
      "\nsinks:\n  out:\n    type: stdout_sink\n    inputs: [docker]\n";
  Sluice sluice(dir, "run", config);
  REQUIRE(test::wait_until([&] { return complete(sluice.out(), "over-tcp", 200); }));
  CHECK(sluice.stop() == 0);
  require_each(numbers(read_delivered(sluice.out()), "over-tcp"), 200);
}
