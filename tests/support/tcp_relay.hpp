// A TCP listener on 127.0.0.1 that relays each connection to a unix socket: the Docker
// daemon reached as tcp://HOST:PORT without making the test's daemon listen on TCP.
#pragma once

#include <atomic>
#include <string>
#include <thread>

namespace sluice::test {

class TcpRelay {
 public:
  explicit TcpRelay(std::string unix_path);
  ~TcpRelay();
  TcpRelay(const TcpRelay&) = delete;
  TcpRelay& operator=(const TcpRelay&) = delete;
  unsigned short port() const { return port_; }

 private:
  void run();
  std::string unix_path_;
  int listener_ = -1;
  int wake_[2] = {-1, -1};
  unsigned short port_ = 0;
  std::thread thread_;
};

}  // namespace sluice::test
