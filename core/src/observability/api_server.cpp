#include "observability/api_server.hpp"

// Before Asio: Boost 1.74 uses std::exchange without including it.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

#include "lifecycle/thread_ledger.hpp"
#include "observability/logging.hpp"

namespace sluice::core {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const ApiHandler& handler)
      : stream_(std::move(socket)), handler_(handler) {}
  void run() { read(); }

 private:
  void read() {
    request_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, request_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (!ec) self->respond();
                     });
  }
  void respond() {
    ApiResponse r;
    try {
      r = handler_(std::string(request_.method_string()), std::string(request_.target()),
                   request_.body());
    } catch (const std::exception& e) {
      r = {500, "text/plain; charset=utf-8", std::string("internal error: ") + e.what() + "\n"};
    }
    response_ = {};
    response_.version(request_.version());
    response_.result(static_cast<http::status>(r.status));
    response_.set(http::field::content_type, r.content_type);
    response_.keep_alive(request_.keep_alive());
    response_.body() = std::move(r.body);
    response_.prepare_payload();
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec) return;
                        if (self->response_.keep_alive()) {
                          self->read();
                        } else {
                          beast::error_code ignored;
                          self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
                        }
                      });
  }

  beast::tcp_stream stream_;
  const ApiHandler& handler_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
};

}  // namespace

struct ApiServer::Impl {
  ApiHandler handler;
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  asio::steady_timer retry{io};
  std::unique_ptr<ThreadLedger> threads;
  unsigned short port = 0;
  bool shortage_logged = false;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor.is_open() || ec == asio::error::operation_aborted) return;  // stop()
      if (ec) {
        // Out of descriptors (EMFILE) or memory: the connection waits in the backlog. Try
        // again shortly rather than give up, so that the API never stops answering.
        if (!shortage_logged) {
          shortage_logged = true;
          engine_logger()->warn("API: cannot accept a connection ({}); trying again", ec.message());
        }
        retry.expires_after(std::chrono::milliseconds(100));
        retry.async_wait([this](beast::error_code wait_ec) {
          if (!wait_ec && acceptor.is_open()) accept();
        });
        return;
      }
      shortage_logged = false;
      std::make_shared<Session>(std::move(socket), handler)->run();
      accept();
    });
  }
};

ApiServer::ApiServer(ApiHandler handler) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
}

ApiServer::~ApiServer() {
  stop();
}

std::string ApiServer::start(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) return "api.listen '" + listen + "' is not host:port";
  std::string host = listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(listen.substr(colon + 1));
  } catch (...) {
    return "api.listen '" + listen + "' has no valid port";
  }
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return "api.listen '" + listen + "': '" + host + "' is not an IP address";
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    a.close();
    return "cannot listen on " + listen + ": " + ec.message();
  }
  impl_->port = a.local_endpoint().port();
  impl_->accept();
  impl_->threads = std::make_unique<ThreadLedger>("api", "api_server");
  impl_->threads->spawn("api", [impl = impl_.get()](StopSignal&) { impl->io.run(); });
  return {};
}

void ApiServer::stop() {
  if (!impl_->threads) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->retry.cancel();
  });
  impl_->io.stop();
  impl_->threads->request_stop();
  impl_->threads->join_until(std::chrono::steady_clock::now() + std::chrono::seconds(5));
  impl_->threads.reset();
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  // Sessions still waiting hold their sockets in pending handlers, which the io_context
  // destroys, closing them, when this server goes.
}

unsigned short ApiServer::port() const {
  return impl_->port;
}

}  // namespace sluice::core
