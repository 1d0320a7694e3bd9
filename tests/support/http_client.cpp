#include "http_client.hpp"

// Before Asio: Boost 1.74 uses std::exchange without including it.
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast.hpp>

namespace sluice::test {

namespace {
HttpReply request(boost::beast::http::verb verb, unsigned short port, const std::string& target) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  using tcp = boost::asio::ip::tcp;
  HttpReply reply;
  try {
    boost::asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(120));
    stream.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    http::request<http::empty_body> req{verb, target, 11};
    req.prepare_payload();
    req.set(http::field::host, "127.0.0.1");
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    reply.status = res.result_int();
    reply.body = res.body();
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  } catch (const std::exception&) {
    reply.status = 0;
  }
  return reply;
}

}  // namespace

HttpReply http_get(unsigned short port, const std::string& target) {
  return request(boost::beast::http::verb::get, port, target);
}

HttpReply http_post(unsigned short port, const std::string& target) {
  return request(boost::beast::http::verb::post, port, target);
}

}  // namespace sluice::test
