#include "tcp_relay.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>
#include <vector>

namespace sluice::test {

TcpRelay::TcpRelay(std::string unix_path) : unix_path_(std::move(unix_path)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listener_, 64) != 0 ||
      ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      ::pipe2(wake_, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("tcp relay: ") + std::strerror(errno));
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { run(); });
}

TcpRelay::~TcpRelay() {
  char byte = 0;
  (void)::write(wake_[1], &byte, 1);
  thread_.join();
  ::close(listener_);
  ::close(wake_[0]);
  ::close(wake_[1]);
}

void TcpRelay::run() {
  struct Pair {
    int a, b;
  };
  std::vector<Pair> pairs;
  char buf[65536];
  for (;;) {
    std::vector<pollfd> fds{{wake_[0], POLLIN, 0}, {listener_, POLLIN, 0}};
    for (const auto& p : pairs) {
      fds.push_back({p.a, POLLIN, 0});
      fds.push_back({p.b, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), -1) < 0) continue;
    if (fds[0].revents != 0) break;
    const size_t polled = pairs.size();  // a pair accepted below is polled from the next round
    if (fds[1].revents & POLLIN) {
      int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      int daemon = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::strncpy(addr.sun_path, unix_path_.c_str(), sizeof addr.sun_path - 1);
      if (client >= 0 && daemon >= 0 &&
          ::connect(daemon, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        pairs.push_back({client, daemon});
      } else {
        if (client >= 0) ::close(client);
        if (daemon >= 0) ::close(daemon);
      }
    }
    std::vector<Pair> open;
    for (size_t i = 0; i < pairs.size(); ++i) {
      bool alive = true;
      if (i >= polled) {
        open.push_back(pairs[i]);
        continue;
      }
      for (int side = 0; side < 2 && alive; ++side) {
        const pollfd& p = fds[2 + 2 * i + side];
        if (p.revents == 0) continue;
        int from = side == 0 ? pairs[i].a : pairs[i].b;
        int to = side == 0 ? pairs[i].b : pairs[i].a;
        ssize_t n = ::read(from, buf, sizeof buf);
        if (n <= 0) {
          alive = false;
          break;
        }
        for (ssize_t done = 0; done < n;) {
          ssize_t w = ::write(to, buf + done, static_cast<size_t>(n - done));
          if (w <= 0) {
            alive = false;
            break;
          }
          done += w;
        }
      }
      if (alive) {
        open.push_back(pairs[i]);
      } else {
        ::close(pairs[i].a);
        ::close(pairs[i].b);
      }
    }
    pairs = std::move(open);
  }
  for (const auto& p : pairs) {
    ::close(p.a);
    ::close(p.b);
  }
}

}  // namespace sluice::test
