// Users, posts and health end to end: RBAC, the audit log, soft delete, keyset pagination.
#include <gtest/gtest.h>

#include <set>

#include "eventually.hpp"
#include "server_process.hpp"
#include "test_server.hpp"

using namespace pgkit::test;
using namespace std::chrono_literals;

namespace {

constexpr const char* kDb = "e2e_api";

ServerProcess& api_server() {
  static ServerProcess server({.database_url = fresh_database_url(kDb),
                               .env = {{"MAGIC_LINK_LIMIT_EMAIL", "1000"}, {"MAGIC_LINK_LIMIT_ADDRESS", "1000"}}});
  return server;
}

std::string sql1(const std::string& statement) { return shared_server().sql(statement, kDb).at(0); }

// A signed-in user: its access token and id.
struct Session {
  std::string token;
  std::string id;
};

Session signed_in(const std::string& email, bool admin = false) {
  auto& server = api_server();
  HttpClient client(server.port());
  if (admin) shared_server().sql("INSERT INTO users (email, role) VALUES ('" + email + "', 'ADMIN')", kDb);
  auto reply = sign_in(server, client, email);
  if (reply.status != 200) throw std::runtime_error("sign in " + email + ": " + reply.body);
  return {reply.field("accessToken"), std::string(reply.json().at("user").at("id").as_string())};
}

std::string id_of(const HttpReply& reply, const char* what) {
  return std::string(reply.json().at(what).at("id").as_string());
}

}  // namespace

TEST(Api, HealthLiveReadyAndMetrics) {
  auto& server = api_server();
  HttpClient client(server.port());
  auto health = client.get("/api/health");
  ASSERT_EQ(health.status, 200) << health.body;
  auto h = health.json().as_object();
  EXPECT_EQ(h.at("status").as_string(), "ok");
  EXPECT_EQ(h.at("services").at("postgres").as_string(), "connected");
  EXPECT_TRUE(h.at("pool").as_object().contains("idle"));
  EXPECT_FALSE(h.at("timestamp").as_string().empty());
  EXPECT_EQ(client.get("/api/health/live").status, 200);
  auto ready = client.get("/api/health/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.json().at("pendingMigrations").as_int64(), 0);
  auto metrics = client.get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("http_requests_total{method=\"GET\",route=\"/api/health\",status=\"200\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("http_request_duration_seconds_bucket{route=\"/api/health\",le=\"+Inf\"}"),
            std::string::npos);
  EXPECT_NE(metrics.body.find("pgkit_pool_connections{state=\"idle\"}"), std::string::npos);
  EXPECT_FALSE(health.headers["x-request-id"].empty());
  // The server logged the PostgreSQL version once connected.
  EXPECT_NE(server.log().find("connected to PostgreSQL at"), std::string::npos);
}

TEST(Api, ReadyIsNotReadyWhileMigrationsArePending) {
  // A server started without --migrate on an empty database: alive, not ready.
  ServerProcess server({.database_url = fresh_database_url("e2e_unmigrated"), .migrate = false});
  HttpClient client(server.port());
  HttpReply ready;
  ASSERT_TRUE(eventually(
      [&] {  // until the server has looked at the migrations
        ready = client.get("/api/health/ready");
        return ready.body.find("pendingMigrations") != std::string::npos;
      },
      20s, [&] { return "the last answer: " + ready.body; }));
  EXPECT_EQ(ready.status, 503);
  ASSERT_TRUE(ready.json().as_object().contains("pendingMigrations")) << ready.body;
  EXPECT_EQ(ready.json().at("pendingMigrations").as_int64(), 1);  // prisma/migrations: the init migration
  EXPECT_NE(ready.field("reason").find("migrations are pending"), std::string::npos);
  EXPECT_EQ(client.get("/api/health").status, 200);  // the database itself is fine
  auto posts = client.get("/api/posts");
  EXPECT_EQ(posts.status, 503);
  EXPECT_EQ(posts.json().at("error").at("code").as_string(), "database_not_migrated");
}

TEST(Api, AdminsManageUsersAndEveryChangeIsAudited) {
  auto& server = api_server();
  HttpClient client(server.port());
  Session admin = signed_in("boss@example.com", true);
  Session user = signed_in("worker@example.com");
  // RBAC: a user is not an admin.
  EXPECT_EQ(client.get("/api/users", bearer(user.token)).status, 403);
  EXPECT_EQ(client.request("PATCH", "/api/users/" + admin.id, R"({"role":"USER"})", bearer(user.token)).status, 403);
  EXPECT_EQ(client.get("/api/users").status, 401);

  auto promoted = client.request("PATCH", "/api/users/" + user.id, R"({"role":"ADMIN"})", bearer(admin.token));
  ASSERT_EQ(promoted.status, 200) << promoted.body;
  EXPECT_EQ(promoted.json().at("user").at("role").as_string(), "ADMIN");
  EXPECT_EQ(sql1("SELECT count(*) FROM audit_log WHERE action = 'user.update' AND target_id = '" + user.id +
                 "' AND actor_id = '" + admin.id + "' AND before->>'role' = 'USER' AND after->>'role' = 'ADMIN'"),
            "1");
  EXPECT_EQ(client.get("/api/users", bearer(user.token)).status, 200);  // now an admin
  EXPECT_EQ(client.request("PATCH", "/api/users/" + admin.id, R"({"isActive":false})", bearer(admin.token)).status,
            400);  // not oneself

  // Soft delete: the row stays, the account and its sessions end, the change is audited.
  auto deleted = client.request("DELETE", "/api/users/" + user.id, "", bearer(admin.token));
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(sql1("SELECT deleted_at IS NOT NULL FROM users WHERE id = '" + user.id + "'"), "t");
  EXPECT_EQ(client.get("/api/users/me", bearer(user.token)).status, 401);
  EXPECT_EQ(sql1("SELECT count(*) FROM audit_log WHERE action = 'user.delete' AND target_id = '" + user.id + "'"), "1");
  EXPECT_EQ(client.request("DELETE", "/api/users/" + user.id, "", bearer(admin.token)).status, 404);
  EXPECT_EQ(client.request("DELETE", "/api/users/not-a-uuid", "", bearer(admin.token)).status, 400);
}

TEST(Api, UserListPagesWithKeysetCursorsAndFilters) {
  auto& server = api_server();
  HttpClient client(server.port());
  Session admin = signed_in("lister@example.com", true);
  shared_server().sql(
      "INSERT INTO users (email, is_active) SELECT 'page' || g || '@example.com', g % 2 = 0 "
      "FROM generate_series(1, 25) g",
      kDb);
  std::set<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page =
        client.get("/api/users?limit=7&role=USER" + (cursor.empty() ? "" : "&cursor=" + cursor), bearer(admin.token));
    ASSERT_EQ(page.status, 200) << page.body;
    auto body = page.json();  // kept: the loop below reads into it
    for (const auto& u : body.at("users").as_array()) {
      EXPECT_TRUE(seen.insert(std::string(u.at("id").as_string())).second) << "a user listed twice";
      EXPECT_EQ(u.at("role").as_string(), "USER");
    }
    auto next = body.at("nextCursor");
    cursor = next.is_null() ? "" : std::string(next.as_string());
    ++pages;
  } while (!cursor.empty() && pages < 50);
  EXPECT_EQ(std::to_string(seen.size()), sql1("SELECT count(*) FROM users WHERE role = 'USER' AND deleted_at IS NULL"));
  auto inactive = client.get("/api/users?limit=100&isActive=false", bearer(admin.token));
  auto inactive_body = inactive.json();
  for (const auto& u : inactive_body.at("users").as_array()) EXPECT_FALSE(u.at("isActive").as_bool());
  EXPECT_GE(inactive_body.at("users").as_array().size(), 12u);
}

TEST(Api, PostsBelongToTheirAuthors) {
  auto& server = api_server();
  HttpClient client(server.port());
  Session author = signed_in("author@example.com");
  Session other = signed_in("reader@example.com");
  Session admin = signed_in("editor@example.com", true);

  auto draft = client.post("/api/posts", R"({"title":"Draft","content":"not yet"})", bearer(author.token));
  ASSERT_EQ(draft.status, 201) << draft.body;
  std::string draft_id = id_of(draft, "post");
  EXPECT_FALSE(draft.json().at("post").at("published").as_bool());
  // Unpublished: visible to its author and admins; to others it does not exist.
  EXPECT_EQ(client.get("/api/posts/" + draft_id, bearer(author.token)).status, 200);
  EXPECT_EQ(client.get("/api/posts/" + draft_id, bearer(admin.token)).status, 200);
  EXPECT_EQ(client.get("/api/posts/" + draft_id, bearer(other.token)).status, 404);
  EXPECT_EQ(client.get("/api/posts/" + draft_id).status, 404);
  EXPECT_EQ(client.request("PATCH", "/api/posts/" + draft_id, R"({"title":"x"})", bearer(other.token)).status, 404);

  auto published =
      client.request("PATCH", "/api/posts/" + draft_id, R"({"published":true,"title":"Out"})", bearer(author.token));
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(published.json().at("post").at("title").as_string(), "Out");
  EXPECT_EQ(client.get("/api/posts/" + draft_id).status, 200);
  // Published: others may read it, not change it.
  EXPECT_EQ(client.request("PATCH", "/api/posts/" + draft_id, R"({"title":"mine now"})", bearer(other.token)).status,
            403);
  EXPECT_EQ(client.request("DELETE", "/api/posts/" + draft_id, "", bearer(other.token)).status, 403);
  // An admin may, and it is audited.
  auto edited = client.request("PATCH", "/api/posts/" + draft_id, R"({"content":""})", bearer(admin.token));
  EXPECT_EQ(edited.status, 200) << edited.body;
  EXPECT_EQ(edited.json().at("post").at("content").as_string(), "");
  EXPECT_EQ(sql1("SELECT count(*) FROM audit_log WHERE action = 'post.update' AND target_id = '" + draft_id + "'"),
            "1");
  EXPECT_EQ(client.request("DELETE", "/api/posts/" + draft_id, "", bearer(author.token)).status, 200);
  EXPECT_EQ(client.get("/api/posts/" + draft_id, bearer(author.token)).status, 404);
  // SQL metacharacters are data.
  auto quoted = client.post("/api/posts", R"({"title":"'; DROP TABLE posts;--","content":"$1 \\ % \"q\"\n\t\u0001 é"})",
                            bearer(author.token));
  ASSERT_EQ(quoted.status, 201);
  auto read_back = client.get("/api/posts/" + id_of(quoted, "post"), bearer(author.token)).json();
  EXPECT_EQ(read_back.at("post").at("title"), "'; DROP TABLE posts;--");
  EXPECT_EQ(read_back.at("post").at("content"), "$1 \\ % \"q\"\n\t\u0001 é");  // escaped and read back whole
}

TEST(Api, FeedIsNewestFirstWithKeysetPagination) {
  auto& server = api_server();
  HttpClient client(server.port());
  Session author = signed_in("feeder@example.com");
  shared_server().sql("INSERT INTO posts (title, published, author_id, created_at) SELECT 'feed ' || g, g % 5 <> 0, '" +
                          author.id + "', now() - g * interval '1 minute' FROM generate_series(1, 40) g",
                      kDb);
  std::vector<std::string> times;
  std::set<std::string> ids;
  std::string cursor;
  for (int pages = 0; pages < 100; ++pages) {
    auto page = client.get("/api/posts?limit=9" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200) << page.body;
    auto body = page.json();
    for (const auto& p : body.at("posts").as_array()) {
      EXPECT_TRUE(p.at("published").as_bool());
      EXPECT_TRUE(ids.insert(std::string(p.at("id").as_string())).second);
      times.emplace_back(p.at("createdAt").as_string());
    }
    auto next = body.at("nextCursor");
    if (next.is_null()) break;
    cursor = std::string(next.as_string());
  }
  EXPECT_EQ(std::to_string(ids.size()), sql1("SELECT count(*) FROM posts WHERE published"));
  EXPECT_TRUE(std::is_sorted(times.rbegin(), times.rend())) << "newest first";
}
