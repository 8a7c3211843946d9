// The HTTP router on its own: which route a method and path reach, 404 against 405 with its
// Allow list, and path parameters.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "http/router.hpp"

using namespace pgkit::http;
namespace asio = boost::asio;

namespace {

// A handler that answers with its own name, so a test can tell which route ran.
Handler named(std::string name) {
  return [name](Request&) -> asio::awaitable<Response> { co_return Response{.status = 200, .body = name}; };
}

std::string run(const Handler& handler, Request& request) {
  asio::io_context io;
  auto reply = asio::co_spawn(io, handler(request), asio::use_future);
  io.run();
  return reply.get().body;
}

// The API's own table (routes_*.cpp), in its order.
Router api() {
  Router r;
  r.add("POST", "/api/posts", named("create post"));
  r.add("GET", "/api/posts", named("feed"));
  r.add("GET", "/api/posts/:id", named("show post"));
  r.add("PATCH", "/api/posts/:id", named("update post"));
  r.add("DELETE", "/api/posts/:id", named("delete post"));
  r.add("GET", "/api/users/me", named("me"));
  r.add("GET", "/api/users", named("list users"));
  r.add("PATCH", "/api/users/:id", named("update user"));
  r.add("DELETE", "/api/users/:id", named("delete user"));
  r.add("GET", "/api/health", named("health"));
  return r;
}

}  // namespace

TEST(Router, AMethodAndPathReachTheirOwnHandler) {
  Router router = api();
  Request req;
  auto m = router.match("GET", "/api/posts", req);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.route, "/api/posts");
  EXPECT_EQ(run(*m.handler, req), "feed");
  auto created = router.match("POST", "/api/posts", req);
  ASSERT_NE(created.handler, nullptr);
  EXPECT_EQ(run(*created.handler, req), "create post");
}

TEST(Router, AnUnknownPathIs404WithNoRoute) {
  Router router = api();
  Request req;
  for (const char* path : {"/api/nope", "/", "", "/api/posts/1/comments", "/api", "/API/posts", "/api/postsx"}) {
    auto m = router.match("GET", path, req);
    EXPECT_EQ(m.status, 404) << path;
    EXPECT_EQ(m.handler, nullptr) << path;
    EXPECT_EQ(m.route, "") << path;
    EXPECT_EQ(m.allow, "") << path;
  }
}

TEST(Router, AKnownPathWithAnotherMethodIs405ListingTheMethodsItTakes) {
  Router router = api();
  Request req;
  auto put = router.match("PUT", "/api/posts", req);
  EXPECT_EQ(put.status, 405);
  EXPECT_EQ(put.handler, nullptr);
  EXPECT_EQ(put.route, "/api/posts");
  EXPECT_EQ(put.allow, "POST, GET");  // in the order the routes were added
  auto post = router.match("POST", "/api/posts/7f9c2ba4-e88f-4e2c-9b4a-6f1d5c3b2a10", req);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.allow, "GET, PATCH, DELETE");
  EXPECT_EQ(router.match("DELETE", "/api/health", req).allow, "GET");
}

TEST(Router, MethodsAreCaseSensitive) {
  Router router = api();
  Request req;
  auto m = router.match("get", "/api/posts", req);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.allow, "POST, GET");
}

TEST(Router, PathParametersAreFilledFromThePattern) {
  Router router = api();
  Request req;
  auto m = router.match("PATCH", "/api/posts/abc-123", req);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(m.route, "/api/posts/:id");
  EXPECT_EQ(req.param("id"), "abc-123");
  EXPECT_EQ(req.param("other"), "");
  EXPECT_EQ(run(*m.handler, req), "update post");
}

TEST(Router, SeveralParametersAndTheTextAsSent) {
  Router router;
  router.add("GET", "/a/:first/b/:second", named("two"));
  Request req;
  // No percent-decoding: the handler sees the segment as it came.
  auto m = router.match("GET", "/a/x%20y/b/'; DROP TABLE users;--", req);
  ASSERT_NE(m.handler, nullptr);
  EXPECT_EQ(req.param("first"), "x%20y");
  EXPECT_EQ(req.param("second"), "'; DROP TABLE users;--");
  EXPECT_EQ(router.match("GET", "/a/x/c/y", req).status, 404) << "a literal segment must match";
}

TEST(Router, TheFirstRouteAddedWinsOverAParameter) {
  Router router = api();
  Request req;
  auto me = router.match("GET", "/api/users/me", req);
  ASSERT_NE(me.handler, nullptr);
  EXPECT_EQ(me.route, "/api/users/me");
  EXPECT_TRUE(req.params.empty());
  // PATCH has no route of its own for "me": the parameter route takes it, with id "me".
  auto patch = router.match("PATCH", "/api/users/me", req);
  ASSERT_NE(patch.handler, nullptr);
  EXPECT_EQ(patch.route, "/api/users/:id");
  EXPECT_EQ(req.param("id"), "me");
}

TEST(Router, EmptySegmentsAreIgnored) {
  Router router = api();
  Request req;
  EXPECT_EQ(router.match("GET", "/api/posts/", req).route, "/api/posts");
  EXPECT_EQ(router.match("GET", "//api//posts", req).route, "/api/posts");
  auto m = router.match("GET", "/api/posts//x", req);
  EXPECT_EQ(m.route, "/api/posts/:id");
  EXPECT_EQ(req.param("id"), "x");
}

TEST(Router, A404Or405LeavesTheRequestsParametersAlone) {
  Router router = api();
  Request req;
  req.params["id"] = "kept";
  EXPECT_EQ(router.match("POST", "/api/posts/other", req).status, 405);
  EXPECT_EQ(req.param("id"), "kept");
  EXPECT_EQ(router.match("GET", "/nowhere/other", req).status, 404);
  EXPECT_EQ(req.param("id"), "kept");
}

TEST(Router, AnEmptyRouterFindsNothing) {
  Router router;
  Request req;
  auto m = router.match("GET", "/api/health", req);
  EXPECT_EQ(m.status, 404);
  EXPECT_EQ(m.handler, nullptr);
}
