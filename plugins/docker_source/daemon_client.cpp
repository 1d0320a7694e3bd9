#include "daemon_client.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace docker_source {
namespace {

using asio::use_awaitable;
using boost::system::error_code;
using boost::system::system_error;

// Closes the socket if the guarded step has not finished in time, which ends whatever is
// pending on it with an error.
class Deadline {
 public:
  Deadline(asio::io_context& io, Socket& socket, std::chrono::milliseconds limit) : timer_(io) {
    timer_.expires_after(limit);
    timer_.async_wait([&socket, this](const error_code& ec) {
      if (ec) return;
      expired_ = true;
      error_code ignored;
      socket.close(ignored);
    });
  }
  ~Deadline() { timer_.cancel(); }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  bool expired() const { return expired_; }

 private:
  asio::steady_timer timer_;
  bool expired_ = false;
};

http::request<http::empty_body> make_request(const std::string& target) {
  http::request<http::empty_body> req{http::verb::get, target, 11};
  // The daemon ignores the host of a unix socket request, but HTTP/1.1 requires one.
  req.set(http::field::host, "docker");
  req.set(http::field::user_agent, "sluice-docker-source");
  return req;
}

}  // namespace

std::optional<DaemonAddress> parse_daemon_address(std::string_view text, std::string* error) {
  DaemonAddress a;
  a.text = std::string(text);
  if (text.rfind("unix://", 0) == 0) {
    a.path = std::string(text.substr(7));
  } else if (text.rfind("unix:", 0) == 0) {
    a.path = std::string(text.substr(5));
  } else if (!text.empty() && text[0] == '/') {
    a.path = std::string(text);
  } else if (text.rfind("tcp://", 0) == 0 || text.rfind("http://", 0) == 0) {
    std::string_view rest = text.substr(text.find("//") + 2);
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size()) {
      if (error) *error = "a tcp:// address needs a host and a port, as in tcp://127.0.0.1:2375";
      return std::nullopt;
    }
    a.unix_socket = false;
    a.host = std::string(rest.substr(0, colon));
    a.port = std::string(rest.substr(colon + 1));
    if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']') {
      a.host = a.host.substr(1, a.host.size() - 2);
    }
    return a;
  } else {
    if (error) {
      *error = "expected unix:///path/to/docker.sock or tcp://HOST:PORT, not \"" +
               std::string(text) + "\"";
    }
    return std::nullopt;
  }
  if (a.path.empty() || a.path[0] != '/') {
    if (error) *error = "a unix socket address needs an absolute path";
    return std::nullopt;
  }
  return a;
}

asio::awaitable<void> DaemonClient::connect(Socket& socket) {
  if (address_.unix_socket) {
    co_await socket.async_connect(asio::generic::stream_protocol::endpoint(
                                      asio::local::stream_protocol::endpoint(address_.path)),
                                  use_awaitable);
    co_return;
  }
  asio::ip::tcp::resolver resolver(io_);
  auto results = co_await resolver.async_resolve(address_.host, address_.port, use_awaitable);
  error_code ec = asio::error::host_not_found;
  for (const auto& entry : results) {
    error_code ignored;
    socket.close(ignored);
    ec = {};
    co_await socket.async_connect(asio::generic::stream_protocol::endpoint(entry.endpoint()),
                                  asio::redirect_error(use_awaitable, ec));
    if (!ec) break;
  }
  if (ec) throw system_error(ec);
}

asio::awaitable<DaemonClient::Response> DaemonClient::get(const std::string& target) {
  Socket socket(io_);
  Deadline deadline(io_, socket, timeout_);
  Response out;
  error_code ec;
  try {
    co_await connect(socket);
    auto req = make_request(target);
    co_await http::async_write(socket, req, use_awaitable);
    boost::beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    co_await http::async_read(socket, buffer, parser, use_awaitable);
    out.status = parser.get().result_int();
    out.body = std::move(parser.get().body());
  } catch (const system_error& e) {
    ec = e.code();
  }
  if (deadline.expired()) throw system_error(asio::error::timed_out);
  if (ec) throw system_error(ec);
  error_code ignored;
  socket.close(ignored);
  co_return out;
}

asio::awaitable<void> DaemonClient::open(StreamingResponse& r, const std::string& target) {
  Deadline deadline(io_, r.socket, timeout_);
  error_code ec;
  try {
    co_await connect(r.socket);
    auto req = make_request(target);
    co_await http::async_write(r.socket, req, use_awaitable);
    r.parser.body_limit(boost::none);
    co_await http::async_read_header(r.socket, r.buffer, r.parser, use_awaitable);
    r.status = r.parser.get().result_int();
  } catch (const system_error& e) {
    ec = e.code();
  }
  if (deadline.expired()) throw system_error(asio::error::timed_out);
  if (ec) throw system_error(ec);
}

namespace {

// Moves what is already buffered of the body into out, without I/O.
size_t parse_buffered(StreamingResponse& r, char* out, size_t n) {
  auto& body = r.parser.get().body();
  size_t got = 0;
  while (!r.parser.is_done() && got < n && r.buffer.size() > 0) {
    body.data = out + got;
    body.size = n - got;
    error_code ec;
    size_t used = r.parser.put(r.buffer.data(), ec);
    r.buffer.consume(used);
    got = n - body.size;
    if (ec == http::error::need_buffer || ec == http::error::need_more) ec = {};
    if (ec) throw system_error(ec);
    if (used == 0) break;
  }
  return got;
}

}  // namespace

StreamingResponse::~StreamingResponse() {
  if (parked >= 0) ::close(parked);
}

void StreamingResponse::park() {
  if (parked >= 0 || !socket.is_open()) return;
  // Where this fails the connection stays watched: slower, never wrong.
  error_code ec;
  auto local = socket.local_endpoint(ec);
  if (ec) return;
  protocol_family = local.protocol();
  const int fd = socket.release(ec);
  if (!ec) parked = fd;
}

void StreamingResponse::close() {
  error_code ignored;
  socket.close(ignored);
  if (parked >= 0) {
    ::close(parked);
    parked = -1;
  }
}

asio::awaitable<size_t> DaemonClient::read_some(StreamingResponse& r, char* out, size_t n) {
  // The daemon writes each log frame in its own HTTP chunk. Everything already buffered is
  // parsed here, without I/O, into as much of out as it fills: one wake-up of the io thread
  // then brings many lines, where one read per chunk would bring one.
  for (;;) {
    size_t got = parse_buffered(r, out, n);
    if (got > 0 || r.parser.is_done()) co_return got;
    if (r.parked >= 0) {
      r.socket.assign(r.protocol_family, r.parked);
      r.parked = -1;
    }
    size_t m = co_await r.socket.async_read_some(r.buffer.prepare(64 * 1024), use_awaitable);
    r.buffer.commit(m);
  }
}

std::optional<size_t> DaemonClient::read_ready(StreamingResponse& r, char* out, size_t n) {
  size_t got = parse_buffered(r, out, n);
  if (got > 0 || r.parser.is_done()) return got;
  const int fd = r.parked >= 0 ? r.parked : r.socket.native_handle();
  auto space = r.buffer.prepare(64 * 1024);
  ssize_t m = ::recv(fd, space.data(), space.size(), MSG_DONTWAIT);
  if (m < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return std::nullopt;
  if (m < 0) throw system_error(error_code(errno, boost::system::system_category()));
  if (m == 0) throw system_error(asio::error::eof);
  r.buffer.commit(static_cast<size_t>(m));
  got = parse_buffered(r, out, n);
  if (got > 0 || r.parser.is_done()) return got;
  return std::nullopt;
}

}  // namespace docker_source
