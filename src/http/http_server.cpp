// The only translation unit that includes Beast.
#include "http/http_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <array>
#include <cctype>
#include <cstdio>
#include <limits>
#include <list>
#include <random>
#include <system_error>
#include <thread>
#include <tuple>

namespace pgkit::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

namespace {

struct Session {
  beast::tcp_stream* stream;
  bool idle = true;  // waiting for a request: a drain may close it
};

// One io thread: its io_context and the connections it serves. `sessions` is touched only on
// this thread.
struct Worker {
  std::list<Session*> sessions;  // first: the io_context's end destroys frames that leave it
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
};

// Beast's parser errors (malformed requests), as opposed to the connection's own errors.
bool is_parse_error(const boost::system::error_code& ec) {
  return ec.category() == make_error_code(http::error::end_of_stream).category();
}

// A request id: the client's X-Request-Id when it is a plain token, otherwise made here.
std::string request_id(std::string_view given) {
  bool plain = !given.empty() && given.size() <= 64;
  for (char c : given)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.');
  if (plain) return std::string(given);
  static const unsigned prefix = std::random_device{}();
  static std::atomic<unsigned long> counter{0};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08x-%06lx", prefix, ++counter);
  return buf;
}

Request to_request(const http::request_header<>& h, std::string body, const std::string& client) {
  Request r;
  r.method = std::string(h.method_string());
  std::string_view target = h.target();
  auto q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q != std::string_view::npos) r.query = std::string(target.substr(q + 1));
  r.body = std::move(body);
  r.authorization = std::string(h[http::field::authorization]);
  r.content_type = std::string(h[http::field::content_type]);
  r.host = std::string(h[http::field::host]);
  r.origin = std::string(h[http::field::origin]);
  r.cookie = std::string(h[http::field::cookie]);
  r.fetch_site = std::string(h["Sec-Fetch-Site"]);
  r.client_address = client;
  r.request_id = request_id(h["X-Request-Id"]);
  return r;
}

template <class Body>
void set_head(http::response<Body>& msg, const Response& res, const Request& req, bool keep_alive) {
  msg.set(http::field::server, "pgkit-server");
  msg.set(http::field::content_type, res.content_type);
  msg.set("X-Request-Id", req.request_id);
  for (const auto& [name, value] : res.headers) msg.set(name, value);
  msg.keep_alive(keep_alive);
}

http::response<http::string_body> to_beast(Response res, const Request& req, unsigned version, bool keep_alive) {
  http::response<http::string_body> msg{static_cast<http::status>(res.status), version};
  set_head(msg, res, req, keep_alive);
  msg.body() = std::move(res.body);
  msg.prepare_payload();
  return msg;
}

// A streamed body's parts, each under the write timeout: chunks (HTTP/1.1), or the bytes as
// they are, the end of the body being the connection's (HTTP/1.0 knows no chunks).
class PartWriter final : public BodyWriter {
 public:
  PartWriter(beast::tcp_stream& stream, std::chrono::milliseconds timeout, bool chunked)
      : stream_(stream), timeout_(timeout), chunked_(chunked) {}
  asio::awaitable<void> write(std::string_view part) override {
    if (part.empty()) co_return;  // an empty chunk would end the body
    stream_.expires_after(timeout_);
    boost::system::error_code ec;
    if (chunked_) {
      // Named, not a temporary in the co_await (g++ 12 destroys those wrongly: async_delegate.hpp).
      auto chunk = http::make_chunk(asio::buffer(part));
      std::tie(ec, std::ignore) = co_await asio::async_write(stream_, chunk, use_tuple);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(stream_, asio::buffer(part), use_tuple);
    }
    if (ec) throw std::system_error(ec, "the client did not take the answer");
  }

 private:
  beast::tcp_stream& stream_;
  std::chrono::milliseconds timeout_;
  bool chunked_;
};

// A streamed answer: its headers, the parts its coroutine writes, the last chunk. False when
// the connection must close: the body did not end (the stream threw, or the client went away),
// or an HTTP/1.0 body ends with it.
asio::awaitable<bool> write_streamed(beast::tcp_stream& stream, Response& res, const Request& req, unsigned version,
                                     bool keep_alive, bool head, std::chrono::milliseconds timeout) {
  const bool chunked = version >= 11;
  http::response<http::empty_body> msg{static_cast<http::status>(res.status), version};
  set_head(msg, res, req, keep_alive && chunked);
  if (chunked) msg.chunked(true);
  http::response_serializer<http::empty_body> serializer(msg);
  stream.expires_after(timeout);
  if (auto [ec, n] = co_await http::async_write_header(stream, serializer, use_tuple); ec) co_return false;
  if (head) co_return chunked;  // the headers of the GET, and no body
  try {
    PartWriter writer(stream, timeout, chunked);
    co_await res.stream(writer);
  } catch (const std::exception&) {
    co_return false;  // the client sees a body without its end, not a shorter one
  }
  if (!chunked) co_return false;
  stream.expires_after(timeout);
  auto last = http::make_chunk_last();
  auto [ec, n] = co_await asio::async_write(stream, last, use_tuple);
  co_return !ec;
}

}  // namespace

struct HttpServer::Impl {
  HttpOptions options;
  Handler handler;
  Rejected rejected;
  // Counters before the workers: destroying a worker's io_context destroys the frames of its
  // sessions, which count themselves out.
  std::atomic<bool> draining{false};
  std::atomic<int> in_flight{0};
  std::atomic<int> open_sessions{0};
  std::size_t next_worker = 0;
  std::vector<std::unique_ptr<Worker>> workers;
  std::optional<tcp::acceptor> acceptor;  // on workers[0]'s io_context, so it goes first

  asio::awaitable<void> accept_loop();
  asio::awaitable<void> session(Worker& w, tcp::socket socket);
  asio::awaitable<void> drain(std::chrono::milliseconds grace);
  asio::awaitable<bool> refuse(beast::tcp_stream& stream, Request& req, unsigned version, int status, std::string code,
                               std::string message);
  std::string too_large_body(std::size_t limit) const {
    return limit == (1u << 20) ? "the request body exceeds 1 MiB"
                               : "the request body exceeds " + std::to_string(limit) + " bytes";
  }
};

asio::awaitable<void> HttpServer::Impl::accept_loop() {
  for (;;) {
    Worker& w = *workers[next_worker++ % workers.size()];
    auto [ec, socket] = co_await acceptor->async_accept(w.io, use_tuple);
    if (draining || ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
    if (ec) {  // out of descriptors, say: pause instead of spinning
      asio::steady_timer pause(co_await asio::this_coro::executor, std::chrono::milliseconds(50));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    asio::co_spawn(w.io, session(w, std::move(socket)), asio::detached);
  }
}

// Answers a request the transport refuses and closes the connection (what was sent after it
// cannot be trusted to be a request).
asio::awaitable<bool> HttpServer::Impl::refuse(beast::tcp_stream& stream, Request& req, unsigned version, int status,
                                               std::string code, std::string message) {
  Response res = error_response(status, code, message);
  if (rejected) rejected(req, res);
  auto msg = to_beast(std::move(res), req, version, false);
  stream.expires_after(options.write_timeout);
  co_await http::async_write(stream, msg, use_tuple);
  // A lingering close: the client may still be sending the body we refused. Closing with
  // unread data sends a reset, which can destroy our answer before the client reads it; so
  // stop sending, then read and drop what arrives, for a second or a few MiB at most.
  boost::system::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.expires_after(std::chrono::seconds(1));
  std::array<char, 16384> scratch;
  for (std::size_t drained = 0; drained < (8u << 20);) {
    auto [read_error, n] = co_await stream.async_read_some(asio::buffer(scratch), use_tuple);
    if (read_error) break;
    drained += n;
  }
  co_return false;
}

asio::awaitable<void> HttpServer::Impl::session(Worker& w, tcp::socket socket) {
  boost::system::error_code ec;
  auto peer = socket.remote_endpoint(ec);
  std::string client = ec ? "unknown" : peer.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  Session self{&stream};
  // Registered for the drain until the frame ends, however it ends.
  struct Registration {
    Worker& w;
    std::atomic<int>& open;
    std::list<Session*>::iterator place;
    ~Registration() {
      w.sessions.erase(place);
      --open;
    }
  };
  w.sessions.push_front(&self);
  ++open_sessions;
  Registration registration{w, open_sessions, w.sessions.begin()};
  beast::flat_buffer buffer;
  while (!draining) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    // With a limit per request, none yet: a Content-Length is weighed once the headers are
    // read (a parser's limit would refuse it while they are).
    parser.body_limit(options.body_limit_for ? std::numeric_limits<std::uint64_t>::max() : options.body_limit);
    stream.expires_after(options.header_timeout);
    self.idle = true;
    auto [read_error, header_bytes] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    self.idle = false;
    Request req;
    req.client_address = client;
    req.request_id = request_id("");
    if (read_error) {
      if (parser.is_header_done()) req = to_request(parser.get().base(), {}, client);
      if (read_error == http::error::body_limit)  // a Content-Length over the limit
        co_await refuse(stream, req, 11, 413, "payload_too_large", too_large_body(options.body_limit));
      else if (read_error == http::error::header_limit)
        co_await refuse(stream, req, 11, 431, "headers_too_large",
                        "the request's headers exceed " + std::to_string(options.header_limit) + " bytes");
      else if (is_parse_error(read_error) && read_error != http::error::end_of_stream &&
               read_error != http::error::partial_message)
        co_await refuse(stream, req, 11, 400, "bad_request", "malformed HTTP request: " + read_error.message());
      break;
    }
    ++in_flight;
    struct InFlight {
      std::atomic<int>& n;
      ~InFlight() { --n; }
    } counted{in_flight};
    auto& header = parser.get();
    req = to_request(header.base(), {}, client);
    unsigned version = header.version();
    bool keep_going = true;
    // The application may allow a larger body to some requests, from their headers.
    const std::size_t limit = options.body_limit_for ? options.body_limit_for(req) : options.body_limit;
    parser.body_limit(limit);
    if (auto length = parser.content_length(); length && *length > limit) {
      keep_going = co_await refuse(stream, req, version, 413, "payload_too_large", too_large_body(limit));
    } else {
      if (version >= 11 && beast::iequals(header[http::field::expect], "100-continue")) {
        http::response<http::empty_body> go_on{http::status::continue_, version};
        co_await http::async_write(stream, go_on, use_tuple);
      }
      stream.expires_after(options.body_timeout);
      auto [body_error, body_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
      if (body_error == http::error::body_limit) {
        keep_going = co_await refuse(stream, req, version, 413, "payload_too_large", too_large_body(limit));
      } else if (body_error) {
        if (is_parse_error(body_error) && body_error != http::error::partial_message)
          co_await refuse(stream, req, version, 400, "bad_request", "malformed HTTP request: " + body_error.message());
        keep_going = false;  // a client that stopped sending, or the body deadline passed
      } else {
        auto message = parser.release();
        req.body = std::move(message.body());
        Response res;
        try {
          res = co_await handler(req);
        } catch (...) {
          res = error_response(500, "internal_error", "internal error; see the server log for the request id");
        }
        bool keep_alive = message.keep_alive() && !draining;
        bool head = message.method() == http::verb::head;
        if (res.stream) {
          bool ended = co_await write_streamed(stream, res, req, version, keep_alive, head, options.write_timeout);
          res = Response{};  // what the stream held (a database connection, say) goes now
          if (!ended || !keep_alive) break;
          continue;
        }
        auto out = to_beast(std::move(res), req, version, keep_alive);
        stream.expires_after(options.write_timeout);
        boost::system::error_code write_error;
        if (head) {  // the headers of the GET, Content-Length included, and no body
          http::response<http::empty_body> bare{out.result(), version};
          bare.base() = out.base();
          std::tie(write_error, std::ignore) = co_await http::async_write(stream, bare, use_tuple);
        } else {
          std::tie(write_error, std::ignore) = co_await http::async_write(stream, out, use_tuple);
        }
        keep_going = !write_error && keep_alive;
      }
    }
    if (!keep_going) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  stream.socket().close(ec);
}

asio::awaitable<void> HttpServer::Impl::drain(std::chrono::milliseconds grace) {
  auto deadline = Clock::now() + grace;
  asio::steady_timer tick(co_await asio::this_coro::executor);
  while ((in_flight > 0 || open_sessions > 0) && Clock::now() < deadline) {
    // Idle keep-alive connections close now, and again each tick for connections that just
    // finished their request.
    for (auto& w : workers)
      asio::post(w->io, [worker = w.get()] {
        for (Session* s : worker->sessions)
          if (s->idle) s->stream->cancel();
      });
    tick.expires_after(std::chrono::milliseconds(10));
    co_await tick.async_wait(use_tuple);
  }
  for (auto& w : workers)
    asio::post(w->io, [worker = w.get()] {
      for (Session* s : worker->sessions) s->stream->cancel();  // grace is over
      worker->work.reset();
      worker->io.stop();
    });
}

HttpServer::HttpServer(HttpOptions options, Handler handler, Rejected rejected) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
  impl_->rejected = std::move(rejected);
  int threads = impl_->options.threads > 0 ? impl_->options.threads
                                           : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  for (int i = 0; i < threads; ++i) impl_->workers.push_back(std::make_unique<Worker>());
}

HttpServer::~HttpServer() = default;

void HttpServer::listen() {
  auto& io = impl_->workers[0]->io;
  auto address = asio::ip::make_address(impl_->options.address);
  tcp::endpoint endpoint(address, impl_->options.port);
  impl_->acceptor.emplace(io);
  impl_->acceptor->open(endpoint.protocol());
  impl_->acceptor->set_option(tcp::acceptor::reuse_address(true));
  boost::system::error_code ec;
  impl_->acceptor->bind(endpoint, ec);
  if (ec)
    throw std::system_error(ec.value(), std::system_category(),
                            "cannot listen on " + impl_->options.address + ":" + std::to_string(impl_->options.port) +
                                " (set PORT or --port to a free port)");
  impl_->acceptor->listen(asio::socket_base::max_listen_connections);
  asio::co_spawn(io, impl_->accept_loop(), asio::detached);
}

unsigned short HttpServer::port() const { return impl_->acceptor->local_endpoint().port(); }

asio::io_context& HttpServer::main_context() { return impl_->workers[0]->io; }

void HttpServer::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->workers.size(); ++i)
    threads.emplace_back([w = impl_->workers[i].get()] { w->io.run(); });
  impl_->workers[0]->io.run();
  for (auto& t : threads) t.join();
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  if (impl_->draining.exchange(true)) return;
  auto& io = impl_->workers[0]->io;
  asio::post(io, [this, grace] {
    boost::system::error_code ec;
    if (impl_->acceptor) impl_->acceptor->close(ec);
    asio::co_spawn(impl_->workers[0]->io, impl_->drain(grace), asio::detached);
  });
}

int HttpServer::in_flight() const { return impl_->in_flight; }

}  // namespace pgkit::http
