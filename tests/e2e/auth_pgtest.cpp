// Sign-in end to end: magic links (single use, expiry, rate limits), sessions (rotation,
// reuse detection, logout), over real HTTP against pgkit-server and a real database.
#include <gtest/gtest.h>

#include "server_process.hpp"
#include "test_server.hpp"

using namespace pgkit::test;

namespace {

const char* kBadLink = "this sign-in link is invalid, expired or already used: request a new one";

// One server for the file's tests, on a database of its own.
ServerProcess& auth_server() {
  static ServerProcess server({.database_url = fresh_database_url("e2e_auth"),
                               .env = {{"MAGIC_LINK_LIMIT_EMAIL", "3"}, {"MAGIC_LINK_LIMIT_ADDRESS", "1000"}}});
  return server;
}

std::string json_body(const std::string& key, const std::string& value) {
  return "{\"" + key + "\":\"" + value + "\"}";
}

}  // namespace

TEST(Auth, MagicLinkSignsInOnceAndCreatesTheUser) {
  auto& server = auth_server();
  HttpClient client(server.port());
  auto first = sign_in(server, client, "Carol@Example.com");
  ASSERT_EQ(first.status, 200) << first.body;
  auto body = first.json().as_object();
  EXPECT_EQ(body.at("tokenType").as_string(), "Bearer");
  EXPECT_EQ(body.at("accessToken").as_string().size(), 43u);
  EXPECT_FALSE(body.at("accessTokenExpiresAt").as_string().empty());
  auto user = body.at("user").as_object();
  EXPECT_EQ(user.at("email").as_string(), "Carol@Example.com");
  EXPECT_EQ(user.at("role").as_string(), "USER");
  EXPECT_FALSE(user.at("lastLoginAt").is_null());

  // The same token again: refused, with the one message for used, expired and unknown links.
  auto token = server.mails().back().second;
  auto again = client.post("/api/auth/verify", json_body("token", token));
  EXPECT_EQ(again.status, 401);
  EXPECT_NE(again.body.find(kBadLink), std::string::npos);
  auto unknown = client.post("/api/auth/verify", json_body("token", std::string(43, 'A')));
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.body, again.body);

  // A second sign-in with another spelling of the address is the same account.
  auto second = sign_in(server, client, "carol@example.COM");
  ASSERT_EQ(second.status, 200);
  EXPECT_EQ(second.json().at("user").at("id"), user.at("id"));
  auto me = client.get("/api/users/me", bearer(second.field("accessToken")));
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(me.json().at("user").at("id"), user.at("id"));

  // Tokens are stored hashed: the raw token is nowhere in the database.
  auto& pg = shared_server();
  EXPECT_EQ(pg.sql("SELECT count(*) FROM magic_links WHERE token_hash = '" + token + "'", "e2e_auth")[0], "0");
  EXPECT_EQ(pg.sql("SELECT count(*) FROM magic_links WHERE token_hash = encode(sha256('" + token + "'), 'hex')",
                   "e2e_auth")[0],
            "1");
}

TEST(Auth, ExpiredLinkIsRefused) {
  auto& server = auth_server();
  HttpClient client(server.port());
  ASSERT_EQ(client.post("/api/auth/magic-link", json_body("email", "late@example.com")).status, 202);
  auto token = server.mails().back().second;
  shared_server().sql(
      "UPDATE magic_links SET expires_at = now() - interval '1 second' WHERE email = 'late@example.com'", "e2e_auth");
  auto reply = client.post("/api/auth/verify", json_body("token", token));
  EXPECT_EQ(reply.status, 401);
  EXPECT_NE(reply.body.find(kBadLink), std::string::npos);
}

TEST(Auth, MagicLinkAnswers202ForEveryoneAndIsRateLimited) {
  auto& server = auth_server();
  HttpClient client(server.port());
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(client.post("/api/auth/magic-link", json_body("email", "limit@example.com")).status, 202);
  auto limited = client.post("/api/auth/magic-link", json_body("email", "LIMIT@example.com"));
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.headers["retry-after"].empty());
  EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
  EXPECT_EQ(limited.json().at("error").at("code").as_string(), "rate_limited");
  // A disabled account gets the same 202, and no link.
  auto mails = server.mails().size();
  shared_server().sql("INSERT INTO users (email, is_active) VALUES ('off@example.com', false)", "e2e_auth");
  EXPECT_EQ(client.post("/api/auth/magic-link", json_body("email", "off@example.com")).status, 202);
  EXPECT_EQ(server.mails().size(), mails);
}

TEST(Auth, RefreshRotatesAndReuseRevokesEverySession) {
  auto& server = auth_server();
  HttpClient client(server.port());
  auto phone = sign_in(server, client, "rotate@example.com");
  auto laptop = sign_in(server, client, "rotate@example.com");
  ASSERT_EQ(phone.status, 200);
  ASSERT_EQ(laptop.status, 200);

  auto rotated = client.post("/api/auth/refresh", json_body("refreshToken", phone.field("refreshToken")));
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_NE(rotated.field("refreshToken"), phone.field("refreshToken"));
  EXPECT_NE(rotated.field("accessToken"), phone.field("accessToken"));
  // The old access token ended with the rotation; the new one works.
  EXPECT_EQ(client.get("/api/users/me", bearer(phone.field("accessToken"))).status, 401);
  EXPECT_EQ(client.get("/api/users/me", bearer(rotated.field("accessToken"))).status, 200);
  EXPECT_EQ(client.get("/api/users/me", bearer(laptop.field("accessToken"))).status, 200);

  // The rotated refresh token comes back: someone kept a copy. Every session ends.
  auto reused = client.post("/api/auth/refresh", json_body("refreshToken", phone.field("refreshToken")));
  EXPECT_EQ(reused.status, 401);
  EXPECT_EQ(reused.json().at("error").at("code").as_string(), "refresh_token_reused");
  EXPECT_EQ(client.get("/api/users/me", bearer(rotated.field("accessToken"))).status, 401);
  EXPECT_EQ(client.get("/api/users/me", bearer(laptop.field("accessToken"))).status, 401);
  EXPECT_EQ(client.post("/api/auth/refresh", json_body("refreshToken", laptop.field("refreshToken"))).status, 401);
  EXPECT_NE(server.log().find("every session of its user was revoked"), std::string::npos);
}

TEST(Auth, LogoutEndsTheSession) {
  auto& server = auth_server();
  HttpClient client(server.port());
  auto session = sign_in(server, client, "bye@example.com");
  auto token = session.field("accessToken");
  EXPECT_EQ(client.post("/api/auth/logout", "", bearer(token)).status, 200);
  EXPECT_EQ(client.get("/api/users/me", bearer(token)).status, 401);
  EXPECT_EQ(client.post("/api/auth/refresh", json_body("refreshToken", session.field("refreshToken"))).status, 401);
  EXPECT_EQ(client.post("/api/auth/logout", "", bearer(token)).status, 401);
}

TEST(Auth, ExpiredAccessTokenIsRefused) {
  auto& server = auth_server();
  HttpClient client(server.port());
  auto session = sign_in(server, client, "short@example.com");
  auto token = session.field("accessToken");
  EXPECT_EQ(client.get("/api/users/me", bearer(token)).status, 200);
  shared_server().sql(
      "UPDATE sessions SET access_expires_at = now() - interval '1 second' FROM users u "
      "WHERE u.id = sessions.user_id AND u.email = 'short@example.com'",
      "e2e_auth");
  auto reply = client.get("/api/users/me", bearer(token));
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.headers["www-authenticate"], "Bearer");
  // The refresh token still works: that is what it is for.
  EXPECT_EQ(client.post("/api/auth/refresh", json_body("refreshToken", session.field("refreshToken"))).status, 200);
}

TEST(Auth, TokensNeverReachTheLog) {
  auto& server = auth_server();
  HttpClient client(server.port());
  auto session = sign_in(server, client, "quiet@example.com");
  client.get("/api/users/me?token=" + session.field("accessToken"), bearer(session.field("accessToken")));
  std::string log = server.log();
  EXPECT_EQ(log.find(session.field("accessToken")), std::string::npos);
  EXPECT_EQ(log.find(session.field("refreshToken")), std::string::npos);
  EXPECT_EQ(log.find(shared_server().password()), std::string::npos);
}
