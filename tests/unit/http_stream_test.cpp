// Streamed answers (Response::stream): the body goes as chunks while the handler's coroutine
// writes it, and one that fails midway is seen by the client as unfinished, never as a
// shorter complete body.
#include <gtest/gtest.h>

#include <stdexcept>

#include "local_http_server.hpp"

using namespace pgkit::http;
namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

// Answers with a body of three parts; /broken throws after the first.
pgkit::test::LocalHttpServer parts_server() {
  return {{.address = "127.0.0.1", .port = 0, .threads = 1}, [](Request& r) -> asio::awaitable<Response> {
            const bool broken = r.path == "/broken";
            Response res{.status = 200, .content_type = "text/csv"};
            res.stream = [broken](BodyWriter& out) -> asio::awaitable<void> {
              co_await out.write("id,name\n");
              if (broken) throw std::runtime_error("the database went away");
              co_await out.write("");  // nothing: not the end of the body
              co_await out.write("1,Ada\n");
            };
            co_return res;
          }};
}

http::request<http::string_body> get(std::string target) { return {http::verb::get, target, 11}; }

}  // namespace

TEST(HttpStream, AStreamedBodyArrivesWholeInChunks) {
  auto server = parts_server();
  auto res = server.send(get("/export"));
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_TRUE(res.chunked());
  EXPECT_EQ(res.count(http::field::content_length), 0u);
  EXPECT_EQ(res[http::field::content_type], "text/csv");
  EXPECT_EQ(res.body(), "id,name\n1,Ada\n");
}

TEST(HttpStream, AStreamThatFailsMidwayLeavesTheAnswerUnfinished) {
  auto server = parts_server();
  try {
    auto res = server.send(get("/broken"));
    FAIL() << "a complete answer: " << res.body();
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), http::error::partial_message) << e.what();
  }
}

TEST(HttpStream, AnHttp10ClientGetsThePartsAsTheyAreAndTheEndByTheClose) {
  auto server = parts_server();
  auto res = server.send({http::verb::get, "/export", 10});
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_FALSE(res.chunked());
  EXPECT_EQ(res.body(), "id,name\n1,Ada\n") << "no chunk sizes in the body";
}
