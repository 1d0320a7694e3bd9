#include "loki_receiver.hpp"

#include <utility>  // Boost 1.74's Asio needs it first

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <future>
#include <set>

namespace sluice::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

std::string LokiReceiver::decode(const std::string& content_type, const std::string& encoding,
                                 const std::string& body, std::vector<LokiEntry>& out) {
  return decode_push(content_type, encoding, body, out);
}

struct LokiReceiver::Impl {
  asio::io_context io;
  std::unique_ptr<asio::ssl::context> tls;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::set<std::shared_ptr<beast::tcp_stream>> connections;
  unsigned short port = 0;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::vector<LokiEntry> entries;
  std::vector<LokiRequest> requests;
  std::deque<LokiAnswer> script;
  std::chrono::milliseconds delay{0};
  std::string refuse;
  bool keep = true;
  size_t count = 0;
  size_t in_flight = 0;
  size_t max_in_flight = 0;
  std::thread thread;

  void listen() {
    acceptor = std::make_unique<tcp::acceptor>(io);
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), port);
    acceptor->open(ep.protocol());
    acceptor->set_option(tcp::acceptor::reuse_address(true));
    acceptor->bind(ep);
    acceptor->listen();
    port = acceptor->local_endpoint().port();
    asio::co_spawn(io, accept_loop(acceptor.get()), asio::detached);
  }

  asio::awaitable<void> accept_loop(tcp::acceptor* a) {
    while (true) {
      error_code ec;
      tcp::socket socket(io);
      co_await a->async_accept(socket, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
      connections.insert(stream);
      asio::co_spawn(io, serve(stream), asio::detached);
    }
  }

  asio::awaitable<void> serve(std::shared_ptr<beast::tcp_stream> stream) {
    try {
      if (tls) {
        beast::ssl_stream<beast::tcp_stream&> s(*stream, *tls);
        co_await s.async_handshake(asio::ssl::stream_base::server, asio::use_awaitable);
        co_await exchange(s, *stream);
      } else {
        co_await exchange(*stream, *stream);
      }
    } catch (const std::exception&) {
    }
    error_code ignored;
    stream->socket().close(ignored);
    connections.erase(stream);
  }

  template <class Stream>
  asio::awaitable<void> exchange(Stream& s, beast::tcp_stream& lowest) {
    beast::flat_buffer buffer;
    while (true) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      co_await http::async_read(s, buffer, parser, asio::use_awaitable);
      auto& req = parser.get();
      LokiAnswer answer;
      // Only this thread changes in_flight; the mutex is for readers.
      struct InFlight {
        Impl& impl;
        explicit InFlight(Impl& i) : impl(i) {
          std::lock_guard lock(impl.mutex);
          impl.max_in_flight = std::max(impl.max_in_flight, ++impl.in_flight);
        }
        ~InFlight() {
          std::lock_guard lock(impl.mutex);
          --impl.in_flight;
        }
      } in_flight_guard(*this);
      {
        std::lock_guard lock(mutex);
        if (!script.empty()) {
          answer = script.front();
          script.pop_front();
        }
        answer.delay = std::max(answer.delay, delay);
      }
      if (answer.delay.count() > 0) {
        asio::steady_timer t(io);
        t.expires_after(answer.delay);
        co_await t.async_wait(asio::use_awaitable);
      }
      if (answer.reset) {
        lowest.socket().set_option(asio::socket_base::linger(true, 0));
        co_return;
      }
      LokiRequest seen;
      seen.content_type = std::string(req[http::field::content_type]);
      seen.content_encoding = std::string(req[http::field::content_encoding]);
      seen.authorization = std::string(req[http::field::authorization]);
      seen.tenant = std::string(req["X-Scope-OrgID"]);
      for (const auto& f : req) {
        std::string name(f.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        seen.headers[name] = std::string(f.value());
      }
      seen.body_bytes = req.body().size();
      http::response<http::string_body> res;
      res.version(11);
      res.keep_alive(req.keep_alive());
      if (req.method() != http::verb::post || req.target() != "/loki/api/v1/push") {
        res.result(http::status::not_found);
        res.body() = "404 page not found\n";
      } else if (answer.status != 204) {
        res.result(answer.status);
        res.body() = answer.body;
        if (!answer.retry_after.empty()) res.set(http::field::retry_after, answer.retry_after);
      } else {
        std::vector<LokiEntry> decoded;
        std::string error = decode(seen.content_type, seen.content_encoding, req.body(), decoded);
        if (!error.empty()) {
          res.result(http::status::bad_request);
          res.body() = error + "\n";
        } else {
          std::lock_guard lock(mutex);
          std::string refused;
          for (auto& e : decoded) {
            if (!refuse.empty() && e.line.find(refuse) != std::string::npos) {
              refused += "entry for stream '" + e.labels + "' refused: contains '" + refuse + "'\n";
              continue;
            }
            ++count;
            if (keep) entries.push_back(std::move(e));
          }
          if (refused.empty()) {
            res.result(http::status::no_content);
          } else {
            res.result(http::status::bad_request);
            res.body() = refused;
          }
        }
      }
      seen.status = res.result_int();
      {
        std::lock_guard lock(mutex);
        requests.push_back(std::move(seen));
      }
      changed.notify_all();
      res.prepare_payload();
      co_await http::async_write(s, res, asio::use_awaitable);
      if (!res.keep_alive()) co_return;
    }
  }

  // Runs fn on the server's thread and waits for it.
  void on_thread(const std::function<void()>& fn) {
    std::promise<void> done;
    asio::post(io, [&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }
};

LokiReceiver::LokiReceiver(const LokiTls* tls) : impl_(std::make_unique<Impl>()) {
  if (tls) {
    impl_->tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(tls->cert_file);
    impl_->tls->use_private_key_file(tls->key_file, asio::ssl::context::pem);
  }
  impl_->listen();
  port_ = impl_->port;
  impl_->thread = std::thread([this] {
    auto guard = asio::make_work_guard(impl_->io);
    impl_->io.run();
  });
}

LokiReceiver::~LokiReceiver() {
  impl_->on_thread([this] {
    error_code ignored;
    if (impl_->acceptor) impl_->acceptor->close(ignored);
    for (auto& c : impl_->connections) c->socket().close(ignored);
  });
  impl_->io.stop();
  impl_->thread.join();
}

std::string LokiReceiver::url() const {
  return "http" + std::string(impl_->tls ? "s" : "") + "://127.0.0.1:" + std::to_string(port_);
}

void LokiReceiver::script(LokiAnswer answer) {
  std::lock_guard lock(impl_->mutex);
  impl_->script.push_back(std::move(answer));
}

void LokiReceiver::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mutex);
  impl_->delay = delay;
}

void LokiReceiver::refuse_lines_containing(std::string text) {
  std::lock_guard lock(impl_->mutex);
  impl_->refuse = std::move(text);
}

void LokiReceiver::set_down(bool down) {
  impl_->on_thread([&] {
    error_code ignored;
    if (down) {
      if (impl_->acceptor) impl_->acceptor->close(ignored);
      impl_->acceptor.reset();
      for (auto& c : impl_->connections) c->socket().close(ignored);
    } else if (!impl_->acceptor) {
      impl_->listen();
    }
  });
}

void LokiReceiver::keep_entries(bool keep) {
  std::lock_guard lock(impl_->mutex);
  impl_->keep = keep;
}

size_t LokiReceiver::entry_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->count;
}

size_t LokiReceiver::max_in_flight() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->max_in_flight;
}

std::vector<LokiEntry> LokiReceiver::entries() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->entries;
}

std::vector<LokiRequest> LokiReceiver::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests;
}

size_t LokiReceiver::request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->requests.size();
}

bool LokiReceiver::wait_for(const std::function<bool(const std::vector<LokiEntry>&)>& pred,
                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return pred(impl_->entries); });
}

}  // namespace sluice::test
