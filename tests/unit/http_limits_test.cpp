// The HTTP transport's limits on its own (in process, on loopback, no database): a body up to
// the limit reaches the handler, one past it is refused with 413 before any handler runs, and
// headers past theirs get 431.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "local_http_server.hpp"

using namespace pgkit::http;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr std::size_t kBodyLimit = 100;
constexpr std::size_t kHeaderLimit = 2048;

// A server with small limits whose handler answers with the size of the body it got.
class SmallServer : public pgkit::test::LocalHttpServer {
 public:
  SmallServer()
      : LocalHttpServer(
            {.address = "127.0.0.1", .port = 0, .threads = 1, .body_limit = kBodyLimit, .header_limit = kHeaderLimit},
            [this](Request& r) -> asio::awaitable<Response> {
              ++handled_;
              co_return Response{.status = 200, .body = std::to_string(r.body.size()), .content_type = "text/plain"};
            }) {}

  /// One request; the answer's status and body.
  std::pair<int, std::string> send(http::request<http::string_body> req) {
    auto res = LocalHttpServer::send(std::move(req));
    return {static_cast<int>(res.result_int()), res.body()};
  }
  int handled() const { return handled_; }

 private:
  std::atomic<int> handled_{0};
};

http::request<http::string_body> post(std::string body) {
  http::request<http::string_body> req{http::verb::post, "/api/posts", 11};
  req.set(http::field::content_type, "application/json");
  req.body() = std::move(body);
  req.prepare_payload();
  return req;
}

}  // namespace

TEST(HttpLimits, ABodyOfExactlyTheLimitReachesTheHandler) {
  SmallServer server;
  auto [status, body] = server.send(post(std::string(kBodyLimit, 'b')));
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, std::to_string(kBodyLimit));
  EXPECT_EQ(server.handled(), 1);
  EXPECT_TRUE(server.refused().empty());
}

TEST(HttpLimits, ABodyOneBytePastTheLimitIs413AndNoHandlerRuns) {
  SmallServer server;
  auto [status, body] = server.send(post(std::string(kBodyLimit + 1, 'b')));
  EXPECT_EQ(status, 413);
  EXPECT_NE(body.find("\"code\":\"payload_too_large\""), std::string::npos) << body;
  EXPECT_NE(body.find("exceeds 100 bytes"), std::string::npos) << body;
  EXPECT_EQ(server.handled(), 0);
  EXPECT_EQ(server.refused(), std::vector<int>{413});
}

TEST(HttpLimits, AChunkedBodyPastTheLimitIs413) {
  SmallServer server;
  http::request<http::string_body> req{http::verb::post, "/api/posts", 11};
  req.set(http::field::content_type, "application/json");
  req.chunked(true);  // no Content-Length to refuse early: the limit holds while reading
  req.body() = std::string(kBodyLimit * 3, 'c');
  auto [status, body] = server.send(std::move(req));
  EXPECT_EQ(status, 413) << body;
  EXPECT_EQ(server.handled(), 0);
}

TEST(HttpLimits, HeadersPastTheirLimitAre431) {
  SmallServer server;
  http::request<http::string_body> req{http::verb::get, "/api/health", 11};
  req.set("X-Big", std::string(kHeaderLimit + 1, 'h'));
  auto [status, body] = server.send(std::move(req));
  EXPECT_EQ(status, 431);
  EXPECT_NE(body.find("\"code\":\"headers_too_large\""), std::string::npos) << body;
  EXPECT_EQ(server.handled(), 0);
}
