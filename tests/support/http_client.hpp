// One-shot HTTP requests against the engine's API on loopback.
#pragma once

#include <string>

namespace sluice::test {

struct HttpReply {
  int status = 0;  // 0 when no connection could be made
  std::string body;
};

HttpReply http_get(unsigned short port, const std::string& target);
// An empty-bodied POST, as `curl -X POST` sends for /-/reload.
HttpReply http_post(unsigned short port, const std::string& target);

}  // namespace sluice::test
