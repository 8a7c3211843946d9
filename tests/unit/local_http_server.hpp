#pragma once
// An HttpServer on loopback in the test's process (no database), with a handler of the test's,
// and a client that sends one request on a new connection.
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/http_server.hpp"

namespace pgkit::test {

class LocalHttpServer {
 public:
  LocalHttpServer(http::HttpOptions options, http::HttpServer::Handler handler)
      : server_(std::move(options), std::move(handler), [this](const http::Request&, const http::Response& refused) {
          std::lock_guard lock(mutex_);
          refused_.push_back(refused.status);
        }) {
    server_.listen();
    runner_ = std::thread([this] { server_.run(); });
  }
  ~LocalHttpServer() {
    server_.stop(std::chrono::milliseconds(0));
    runner_.join();
  }

  /// One request on a new connection; the answer as read (throws what Beast's read throws:
  /// an answer that ends early is an error).
  boost::beast::http::response<boost::beast::http::string_body> send(
      boost::beast::http::request<boost::beast::http::string_body> req) {
    namespace asio = boost::asio;
    asio::io_context io;
    boost::beast::tcp_stream stream(io);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_.port()));
    stream.expires_after(std::chrono::seconds(30));
    req.set(boost::beast::http::field::host, "127.0.0.1");
    boost::beast::http::write(stream, req);
    boost::beast::flat_buffer buffer;
    boost::beast::http::response<boost::beast::http::string_body> res;
    boost::beast::http::read(stream, buffer, res);
    return res;
  }

  /// The statuses of the requests the transport refused before any handler.
  std::vector<int> refused() {
    std::lock_guard lock(mutex_);
    return refused_;
  }

 private:
  std::mutex mutex_;
  std::vector<int> refused_;
  http::HttpServer server_;  // after what its callbacks use
  std::thread runner_;
};

}  // namespace pgkit::test
