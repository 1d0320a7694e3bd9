// A one-shot HTTP GET against the engine's API on loopback.
#pragma once

#include <string>

namespace sluice::test {

struct HttpReply {
  int status = 0;  // 0 when no connection could be made
  std::string body;
};

HttpReply http_get(unsigned short port, const std::string& target);

}  // namespace sluice::test
