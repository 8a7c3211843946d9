#pragma once
// HTTP/1.1 transport on Boost.Beast: keep-alive, body and header limits, deadlines against
// slow clients, and a graceful drain. Routing and everything above is the Handler's.
//
// Threads: one io_context per thread (a context shared by threads hands work between them on
// every wake-up; see docs/performance.md), one acceptor dealing connections out in turn.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "http/http.hpp"

namespace pgkit::http {

struct HttpOptions {
  std::string address = "0.0.0.0";
  unsigned short port = 3000;        ///< 0 picks a free port (see HttpServer::port)
  int threads = 0;                   ///< io threads; 0 = the number of cores
  std::size_t body_limit = 1 << 20;  ///< larger bodies get 413
  /// Set: the body limit of each request, from its headers (a larger one only for requests the
  /// application will take, as the studio does for a signed-in save); body_limit before them.
  std::function<std::size_t(const Request&)> body_limit_for;
  std::size_t header_limit = 16 << 10;
  std::chrono::milliseconds header_timeout{10'000};  ///< idle keep-alive wait + the whole header
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds write_timeout{30'000};
};

class HttpServer {
 public:
  /// Handles one request; must not throw (the server answers 500 if it does).
  using Handler = std::function<boost::asio::awaitable<Response>(Request&)>;
  /// Sees requests the transport refused before any handler (413, 400, 431), for logs and metrics.
  using Rejected = std::function<void(const Request&, const Response&)>;

  HttpServer(HttpOptions options, Handler handler, Rejected rejected);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and listens. @throws std::system_error naming the address when the port is taken.
  void listen();
  unsigned short port() const;
  /// The io_context requests of thread 0 run on: for the program's own timers and tasks.
  boost::asio::io_context& main_context();
  /// Runs the io threads until stop() has finished; returns then.
  void run();
  /// Stops accepting, lets requests in flight finish up to grace, closes idle keep-alive
  /// connections at once and the rest when grace ends; then run() returns. Thread-safe.
  void stop(std::chrono::milliseconds grace);
  /// Requests being handled now.
  int in_flight() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgkit::http
