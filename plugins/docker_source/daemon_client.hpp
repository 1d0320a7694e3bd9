// HTTP to the Docker daemon over its unix socket or TCP, with Boost.Beast on coroutines.
// Every request has its own connection: the control requests are rare, and each log
// stream holds its connection for as long as it follows the container.
#pragma once

#include <utility>  // Boost 1.74's Asio needs it first

#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace docker_source {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using Socket = asio::generic::stream_protocol::socket;

struct DaemonAddress {
  bool unix_socket = true;
  std::string path;  // unix
  std::string host;  // tcp
  std::string port;
  std::string text;  // as configured, for messages
};

// unix:///var/run/docker.sock, unix:/path, /path, tcp://HOST:PORT
std::optional<DaemonAddress> parse_daemon_address(std::string_view text, std::string* error);

// A body read as it arrives (a log stream, the events stream).
struct StreamingResponse {
  explicit StreamingResponse(asio::io_context& io) : socket(io) {}
  ~StreamingResponse();
  StreamingResponse(const StreamingResponse&) = delete;
  StreamingResponse& operator=(const StreamingResponse&) = delete;

  // Takes the connection out of the io_context's watch: while parked, what the daemon writes
  // gathers in the socket without waking the io thread, and read_ready still reads it.
  // read_some puts it back.
  void park();
  // Ends the connection, parked or not; what waits on it ends with an error.
  void close();

  Socket socket;
  int parked = -1;  // the connection's descriptor while parked
  asio::generic::stream_protocol protocol_family{AF_UNIX, 0};
  boost::beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  unsigned status = 0;
};

class DaemonClient {
 public:
  DaemonClient(asio::io_context& io, DaemonAddress address, std::chrono::milliseconds timeout)
      : io_(io), address_(std::move(address)), timeout_(timeout) {}

  struct Response {
    unsigned status = 0;
    std::string body;
  };
  // One whole request and answer, bounded by the time-out. Throws boost::system::system_error.
  asio::awaitable<Response> get(const std::string& target);
  // Connects, sends, and reads the answer's header (bounded by the time-out); the body is
  // then read with read_some. Throws boost::system::system_error.
  asio::awaitable<void> open(StreamingResponse& r, const std::string& target);
  // Up to n bytes of the body into out; 0 at its end. Throws on a broken connection.
  static asio::awaitable<size_t> read_some(StreamingResponse& r, char* out, size_t n);
  // What of the body has already arrived, without waiting: nullopt when nothing has; 0 at
  // its end. Throws on a broken connection.
  static std::optional<size_t> read_ready(StreamingResponse& r, char* out, size_t n);

 private:
  asio::awaitable<void> connect(Socket& socket);

  asio::io_context& io_;
  DaemonAddress address_;
  std::chrono::milliseconds timeout_;
};

}  // namespace docker_source
