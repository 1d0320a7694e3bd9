// Type=notify: `sluice run` tells systemd when it is ready, reloading and stopping, through
// the datagram socket systemd names in NOTIFY_SOCKET. The test is that socket.
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstring>

#include "helpers.hpp"
#include "subprocess.hpp"
#include "test_paths.hpp"

using namespace sluice;

namespace {

// A bound datagram socket that collects what is sent to it.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~NotifySocket() { ::close(fd_); }
  bool bound() const { return bound_; }
  // The next message, or "" when none came within the limit.
  std::string next(std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(limit.count())) != 1) return "";
    char buf[4096];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }

 private:
  std::string path_;
  int fd_ = -1;
  bool bound_ = false;
};

}  // namespace

TEST_CASE("run tells systemd it is ready once the pipeline runs, and of reloads and the stop",
          "[service]") {
  test::TempDir dir;
  test::write_file(dir.file("p.yaml"),
                   "api:\n  enabled: false\nsources:\n  gen:\n    type: demo_source\n"
                   "    rate: 100\nsinks:\n  out:\n    type: capture_sink\n    inputs: [gen]\n"
                   "    path: " +
                       dir.file("out.txt") + "\n");
  NotifySocket notify(dir.file("notify"));
  REQUIRE(notify.bound());
  test::Subprocess p({"/usr/bin/env", "NOTIFY_SOCKET=" + dir.file("notify"), test::sluice_binary(),
                      "run", "-c", dir.file("p.yaml"), "--plugin-dir", test::test_plugin_dir()},
                     dir.file("stdout"), dir.file("stderr"), dir.path().string());
  auto ready = notify.next();
  INFO(test::read_file(dir.file("stderr")));
  CHECK(ready.find("READY=1") != std::string::npos);
  CHECK(ready.find("STATUS=running " + dir.file("p.yaml")) != std::string::npos);
  // Ready means running: the pipeline had started when it was said.
  CHECK(test::read_file(dir.file("stderr")).find("running (2 nodes)") != std::string::npos);

  p.signal(SIGHUP);
  CHECK(notify.next().find("RELOADING=1") != std::string::npos);
  CHECK(notify.next().find("READY=1") != std::string::npos);

  p.signal(SIGTERM);
  CHECK(notify.next().find("STOPPING=1") != std::string::npos);
  CHECK(p.wait(std::chrono::seconds(30)) == 0);
}

TEST_CASE("a reload that fails still leaves the service ready, and says so", "[service]") {
  test::TempDir dir;
  test::write_file(dir.file("p.yaml"),
                   "api:\n  enabled: false\nsources:\n  gen:\n    type: demo_source\n"
                   "    rate: 100\nsinks:\n  out:\n    type: capture_sink\n    inputs: [gen]\n"
                   "    path: " +
                       dir.file("out.txt") + "\n");
  NotifySocket notify(dir.file("notify"));
  REQUIRE(notify.bound());
  test::Subprocess p({"/usr/bin/env", "NOTIFY_SOCKET=" + dir.file("notify"), test::sluice_binary(),
                      "run", "-c", dir.file("p.yaml"), "--plugin-dir", test::test_plugin_dir()},
                     dir.file("stdout"), dir.file("stderr"), dir.path().string());
  REQUIRE(notify.next().find("READY=1") != std::string::npos);
  test::write_file(dir.file("p.yaml"), "sources:\n  gen:\n    type: no_such_plugin\n");
  p.signal(SIGHUP);
  CHECK(notify.next().find("RELOADING=1") != std::string::npos);
  auto after = notify.next();
  CHECK(after.find("READY=1") != std::string::npos);
  CHECK(after.find("the last reload failed") != std::string::npos);
  p.signal(SIGTERM);
  CHECK(p.wait(std::chrono::seconds(30)) == 0);
}
