// pgkit-server when things go wrong: no database, a database that stops and starts, one that
// comes up after the server, and a shutdown with requests in flight.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>

#include "eventually.hpp"
#include "pgkit/pool.hpp"
#include "server_process.hpp"
#include "test_server.hpp"

using namespace pgkit::test;
using namespace std::chrono_literals;

TEST(Resilience, StartsWithoutADatabase) {
  ServerProcess server({.database_url = ""});
  HttpClient client(server.port());
  EXPECT_EQ(client.get("/api/health/live").status, 200);
  auto health = client.get("/api/health");
  EXPECT_EQ(health.status, 503);
  EXPECT_EQ(health.json().at("status").as_string(), "degraded");
  EXPECT_EQ(health.json().at("services").at("postgres").as_string(), "not_configured");
  auto posts = client.get("/api/posts");
  EXPECT_EQ(posts.status, 503);
  EXPECT_EQ(posts.json().at("error").at("code").as_string(), "database_not_configured");
  EXPECT_NE(posts.json().at("error").at("message").as_string().find("DATABASE_URL"), std::string::npos);
  EXPECT_EQ(client.get("/api/health/ready").status, 503);
  EXPECT_NE(server.log().find("starting without a database"), std::string::npos);
  EXPECT_EQ(server.stop(SIGTERM), 0);
}

TEST(Resilience, HealthFollowsTheDatabaseDownAndBackWithoutARestart) {
  auto pg = private_server();
  ServerProcess server({.database_url = pg->url()});
  HttpClient client(server.port());
  ASSERT_EQ(client.get("/api/health").status, 200);
  ASSERT_EQ(client.get("/api/posts").status, 200);

  pg->stop();
  auto down = client.get("/api/health");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.json().at("services").at("postgres").as_string(), "disconnected");
  auto posts = client.get("/api/posts");
  EXPECT_EQ(posts.status, 503);
  EXPECT_EQ(posts.json().at("error").at("code").as_string(), "database_unavailable");
  EXPECT_EQ(client.get("/api/health/live").status, 200);

  pg->start();
  EXPECT_TRUE(server.wait_for_status("/api/health", 200, 30s)) << server.log();
  EXPECT_EQ(client.get("/api/posts").status, 200);
  EXPECT_TRUE(server.running());
}

TEST(Resilience, StartsBeforeTheDatabaseAndMigratesWhenItComesUp) {
  auto pg = private_server();
  pg->stop();
  ServerProcess server({.database_url = pg->url(), .wait_until_ready = false});
  HttpClient client(server.port());
  EXPECT_EQ(client.get("/api/health").status, 503);
  EXPECT_EQ(client.get("/api/health/ready").status, 503);
  pg->start();
  EXPECT_TRUE(server.wait_for_status("/api/health/ready", 200, 30s)) << server.log();
  EXPECT_EQ(client.get("/api/posts").status, 200);
  std::string log = server.log();
  EXPECT_NE(log.find("the database is unreachable"), std::string::npos) << log;
  EXPECT_NE(log.find("connected to PostgreSQL at"), std::string::npos);
  EXPECT_NE(log.find("--migrate: 1 migration(s) applied"), std::string::npos);
}

// SIGTERM with requests waiting on a row lock: the server stops accepting, lets them finish
// once the lock goes, answers every one, and exits 0.
TEST(Resilience, GracefulShutdownAnswersEveryRequestInFlight) {
  std::string url = fresh_database_url("e2e_shutdown");
  ServerProcess server({.database_url = url, .args = {"--shutdown-timeout", "20000"}});
  HttpClient setup(server.port());
  auto session = sign_in(server, setup, "stay@example.com");
  std::string token = session.field("accessToken");
  auto post = setup.post("/api/posts", R"({"title":"locked","published":true})", bearer(token));
  ASSERT_EQ(post.status, 201);
  std::string id(post.json().at("post").at("id").as_string());

  auto loaded = pgkit::parse_url(url);
  pgkit::Pool pool(loaded.config);
  auto holder = pool.acquire();
  holder->execute("BEGIN");
  holder->query("SELECT 1 FROM posts WHERE id = $1::uuid FOR UPDATE", id);

  constexpr int kInFlight = 6;
  std::vector<std::future<int>> replies;
  for (int i = 0; i < kInFlight; ++i)
    replies.push_back(std::async(std::launch::async, [&, i] {
      HttpClient c(server.port());
      return c.request("PATCH", "/api/posts/" + id, "{\"title\":\"t" + std::to_string(i) + "\"}", bearer(token)).status;
    }));
  // All of them are waiting on the lock inside the server.
  EXPECT_TRUE(eventually([&] {
    return std::stoi(shared_server().sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                         "AND datname = 'e2e_shutdown'")[0]) == kInFlight;
  }));

  auto stopped = std::async(std::launch::async, [&] { return server.stop(SIGTERM); });
  // No new connections once the drain began, while the requests in flight still wait on the lock.
  EXPECT_TRUE(eventually([&] {
    try {
      HttpClient(server.port()).get("/api/health/live");
      return false;
    } catch (const std::exception&) {
      return true;
    }
  }));
  EXPECT_EQ(stopped.wait_for(0s), std::future_status::timeout) << "the server stopped with requests in flight";
  holder->execute("COMMIT");
  for (auto& r : replies) EXPECT_EQ(r.get(), 200);
  EXPECT_EQ(stopped.get(), 0);
  EXPECT_NE(server.log().find("shutting down"), std::string::npos);
  EXPECT_NE(server.log().find("stopped"), std::string::npos);
}
