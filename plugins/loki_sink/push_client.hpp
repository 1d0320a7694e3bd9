// One keep-alive HTTP/1.1 connection to Loki, plain or TLS, used by one thread. A request
// is bounded by the connect and request time-outs, and ends at once when stop is
// requested: the wait on the socket is cancelled through the stop token's descriptor.
#pragma once

#include <utility>  // Boost 1.74's Asio needs it first

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "settings.hpp"
#include "sluice/context.hpp"

namespace loki_sink {

struct PushResult {
  unsigned status = 0;      // 0: no answer (error says why)
  std::string error;        // a connection or TLS error, or a time-out
  std::string body;         // the answer's body, up to 64 KiB
  std::string retry_after;  // the Retry-After header, if any
  bool stopped = false;     // stop was requested before an answer came
};

class PushClient {
 public:
  // Throws std::runtime_error when the TLS files cannot be loaded.
  explicit PushClient(const Settings& settings);
  ~PushClient();
  PushClient(const PushClient&) = delete;
  PushClient& operator=(const PushClient&) = delete;

  PushResult post(const std::string& body, const std::string& content_type, bool gzip,
                  const sluice::StopToken& stop);
  // Closes the connection (its descriptor is released here, not at destruction).
  void close();

 private:
  struct Connection;
  const Settings& settings_;
  std::string authorization_;
  boost::asio::io_context io_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::unique_ptr<Connection> connection_;
};

}  // namespace loki_sink
