// A small HTTP/1.1 server (Boost.Beast) for the engine's API: metrics, health, debugging, reload.
#pragma once

#include <functional>
#include <memory>
#include <string>

namespace sluice::core {

struct ApiResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

using ApiHandler = std::function<ApiResponse(const std::string& method, const std::string& target,
                                             const std::string& body)>;

class ApiServer {
 public:
  explicit ApiServer(ApiHandler handler);
  ~ApiServer();
  // listen is host:port (port 0 picks a free one). Returns an error message, or "".
  std::string start(const std::string& listen);
  void stop();
  unsigned short port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::core
