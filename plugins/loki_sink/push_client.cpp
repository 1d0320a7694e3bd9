#include "push_client.hpp"

#include <openssl/ssl.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/version.hpp>
#include <stdexcept>

namespace loki_sink {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using boost::system::error_code;
using boost::system::system_error;

namespace {

std::string base64(std::string_view in) {
  static constexpr char table[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += table[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += table[(v >> 18) & 63];
    out += table[(v >> 12) & 63];
    out += table[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string tls_error(const error_code& ec) {
  std::string text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    text = "TLS: " + text;
  }
  return text;
}

}  // namespace

struct PushClient::Connection {
  explicit Connection(asio::io_context& io) : plain(io) {}
  beast::tcp_stream plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream&>> tls;
  beast::flat_buffer buffer;
  bool open = false;
  unsigned used = 0;  // requests answered on it
};

PushClient::PushClient(const Settings& settings) : settings_(settings) {
  if (!settings.username.empty()) {
    authorization_ = "Basic " + base64(settings.username + ":" + settings.password);
  } else if (!settings.bearer_token.empty()) {
    authorization_ = "Bearer " + settings.bearer_token;
  }
  if (settings.endpoint.tls) {
    tls_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                      ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    error_code ec;
    const auto& t = settings.tls;
    if (!t.ca_file.empty()) {
      tls_->load_verify_file(t.ca_file, ec);
      if (ec) throw std::runtime_error("tls.ca_file '" + t.ca_file + "': " + ec.message());
    } else {
      tls_->set_default_verify_paths(ec);
    }
    if (!t.cert_file.empty()) {
      tls_->use_certificate_chain_file(t.cert_file, ec);
      if (ec) throw std::runtime_error("tls.cert_file '" + t.cert_file + "': " + ec.message());
      tls_->use_private_key_file(t.key_file, ssl::context::pem, ec);
      if (ec) throw std::runtime_error("tls.key_file '" + t.key_file + "': " + ec.message());
    }
    tls_->set_verify_mode(t.insecure_skip_verify ? ssl::verify_none : ssl::verify_peer);
  }
}

PushClient::~PushClient() {
  close();
}

void PushClient::close() {
  if (!connection_) return;
  error_code ignored;
  connection_->plain.socket().close(ignored);
  connection_.reset();
}

PushResult PushClient::post(const std::string& body, const std::string& content_type, bool gzip,
                            const sluice::StopToken& stop) {
  PushResult result;
  if (stop.requested()) {
    result.stopped = true;
    return result;
  }
  http::request<http::string_body> req{http::verb::post, settings_.endpoint.path, 11};
  req.set(http::field::host, settings_.endpoint.host);
  req.set(http::field::user_agent, "sluice-loki-sink");
  req.set(http::field::content_type, content_type);
  if (gzip) req.set(http::field::content_encoding, "gzip");
  if (!settings_.tenant_id.empty()) req.set("X-Scope-OrgID", settings_.tenant_id);
  if (!authorization_.empty()) req.set(http::field::authorization, authorization_);
  for (const auto& [name, value] : settings_.headers) req.set(name, value);
  req.keep_alive(true);
  req.body() = body;
  req.prepare_payload();

  // The stop token's descriptor turns readable on stop: a wait on a duplicate of it closes
  // the socket, which ends whatever read, write or handshake is pending.
  asio::posix::stream_descriptor stop_watch(io_);
  if (int fd = stop.fd(); fd >= 0) stop_watch.assign(::dup(fd));
  bool stopped = false;
  if (stop_watch.is_open())
    stop_watch.async_wait(asio::posix::descriptor_base::wait_read, [&](const error_code& ec) {
      if (ec) return;
      stopped = true;
      if (connection_) {
        error_code ignored;
        connection_->plain.socket().close(ignored);
      }
    });

  auto attempt = [&](bool fresh) -> asio::awaitable<void> {
    if (fresh || !connection_ || !connection_->open) {
      close();
      connection_ = std::make_unique<Connection>(io_);
      auto& c = *connection_;
      c.plain.expires_after(settings_.connect_timeout);
      error_code not_literal;
      auto address = asio::ip::make_address(settings_.endpoint.host, not_literal);
      if (!not_literal) {
        // An address needs no resolver: Asio resolves on a hidden thread of its own.
        auto port = static_cast<unsigned short>(std::stoi(settings_.endpoint.port));
        co_await c.plain.async_connect(tcp::endpoint(address, port), asio::use_awaitable);
      } else {
        tcp::resolver resolver(io_);
        auto endpoints = co_await resolver.async_resolve(
            settings_.endpoint.host, settings_.endpoint.port, asio::use_awaitable);
        co_await c.plain.async_connect(endpoints, asio::use_awaitable);
      }
      c.plain.socket().set_option(tcp::no_delay(true));
      if (tls_) {
        c.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream&>>(c.plain, *tls_);
        const std::string& name = settings_.tls.server_name;
        if (!SSL_set_tlsext_host_name(c.tls->native_handle(), name.c_str())) {
          throw system_error(
              error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category()));
        }
        if (!settings_.tls.insecure_skip_verify) {
          c.tls->set_verify_callback(ssl::host_name_verification(name));
        }
        co_await c.tls->async_handshake(ssl::stream_base::client, asio::use_awaitable);
      }
      c.open = true;
    }
    auto& c = *connection_;
    c.plain.expires_after(settings_.request_timeout);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (c.tls) {
      co_await http::async_write(*c.tls, req, asio::use_awaitable);
      co_await http::async_read(*c.tls, c.buffer, parser, asio::use_awaitable);
    } else {
      co_await http::async_write(c.plain, req, asio::use_awaitable);
      co_await http::async_read(c.plain, c.buffer, parser, asio::use_awaitable);
    }
    auto& res = parser.get();
    result.status = res.result_int();
    result.body = res.body().substr(0, 64 * 1024);
    if (auto it = res.find(http::field::retry_after); it != res.end()) {
      result.retry_after = std::string(it->value());
    }
    ++c.used;
    c.open = res.keep_alive();
    c.plain.expires_never();
  };

  // Returns the error of one attempt, if any.
  auto try_once = [&](bool fresh) -> asio::awaitable<error_code> {
    try {
      co_await attempt(fresh);
    } catch (const system_error& e) {
      co_return e.code();
    }
    co_return error_code{};
  };

  auto run = [&]() -> asio::awaitable<void> {
    const bool reused = connection_ && connection_->open && connection_->used > 0;
    try {
      error_code ec = co_await try_once(false);
      // A keep-alive connection the server closed while idle fails at once: try once more on
      // a new one before calling it an error.
      if (ec && reused && !stopped && result.status == 0 &&
          (ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
           ec == asio::error::eof || ec == asio::error::broken_pipe)) {
        ec = co_await try_once(true);
      }
      if (ec == beast::error::timeout) {
        result.error = "timed out";
      } else if (ec) {
        result.error = tls_error(ec);
      }
    } catch (const std::exception& e) {
      result.error = e.what();
    }
    error_code ignored;
    stop_watch.cancel(ignored);
  };

  io_.restart();
  asio::co_spawn(io_, run(), asio::detached);
  io_.run();
  if (!result.error.empty() || result.status == 0) close();
  if (stopped && result.status == 0) {
    result.stopped = true;
    result.error = "stopped";
  }
  return result;
}

}  // namespace loki_sink
