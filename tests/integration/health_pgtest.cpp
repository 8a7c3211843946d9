// check_health against a real server: what `pgkit doctor` prints, as values a program can use —
// the server's identity and limits, findings with their severity and fix, the migrations.
#include <gtest/gtest.h>

#include <algorithm>

#include "pgkit/cluster.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/error.hpp"
#include "pgkit/health.hpp"
#include "pgkit/migrator.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono_literals;

namespace {

const Finding* find(const HealthReport& r, const std::string& code) {
  auto it = std::find_if(r.findings.begin(), r.findings.end(), [&](const Finding& f) { return f.code == code; });
  return it == r.findings.end() ? nullptr : &*it;
}

constexpr const char* kUsers =
    "-- migrate:up\nCREATE TABLE users(id int PRIMARY KEY);\n-- migrate:down\nDROP TABLE users;\n";
constexpr const char* kPosts =
    "-- migrate:up\nCREATE TABLE posts(id int PRIMARY KEY);\n-- migrate:down\nDROP TABLE posts;\n";

}  // namespace

TEST(Health, ReportNamesTheServerItsLimitsAndThePool) {
  Config config = test::fresh_database("health_server");
  Pool pool(config);
  HealthReport r = check_health(pool);
  EXPECT_EQ(r.url, config.masked());
  EXPECT_EQ(r.server_version.rfind("PostgreSQL 15", 0), 0u) << r.server_version;
  EXPECT_GE(r.server_version_num, 150000);
  EXPECT_EQ(r.database, "health_server");
  EXPECT_GT(r.max_connections, r.superuser_reserved_connections);
  EXPECT_GE(r.connections_this_database, 1);
  EXPECT_FALSE(r.database_size.empty());
  EXPECT_FALSE(r.ssl);
  EXPECT_EQ(find(r, "no_tls"), nullptr) << "the server is on the loopback";
  EXPECT_EQ(find(r, "pool_exceeds_server"), nullptr);
  EXPECT_GE(r.pool.created, 1u);
  EXPECT_EQ(r.pool.in_use, 0) << "the checks give their connection back";
}

TEST(Health, PoolsLargerThanTheServerAllowsAreAnErrorNamingTheFix) {
  Pool pool(test::fresh_database("health_pool_size"));
  HealthReport r = check_health(pool, {.instances = 1000});
  const Finding* f = find(r, "pool_exceeds_server");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::error);
  EXPECT_NE(f->problem.find("× 1000 instance(s)"), std::string::npos) << f->problem;
  EXPECT_NE(f->fix.find("DB_POOL_MAX"), std::string::npos) << f->fix;
  EXPECT_EQ(f->text(), f->problem + ": " + f->fix);
}

TEST(Health, SessionIdleInTransactionIsAWarningWithWhatToDo) {
  Config config = test::fresh_database("health_idle_tx");
  Connection forgotten(config);
  forgotten.execute("BEGIN");
  forgotten.execute("SELECT 1");
  Pool pool(config);
  HealthReport r = check_health(pool);
  EXPECT_GE(r.idle_in_transaction, 1);
  const Finding* f = find(r, "idle_in_transaction");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->severity, Severity::warning);
  EXPECT_NE(f->fix.find("COMMIT"), std::string::npos) << f->fix;
  forgotten.execute("ROLLBACK");
}

TEST(Health, MigrationsAreSummarizedFromTheMigratorsStatus) {
  Config config = test::fresh_database("health_migrations");
  test::TempDir dir("pgkit-health");
  dir.write("001_users.sql", kUsers);
  dir.write("002_posts.sql", kPosts);
  Pool pool(config);
  const HealthOptions options{.migrations_dir = dir.path()};

  MigrationSummary before = check_health(pool, options).migrations;
  EXPECT_TRUE(before.error.empty()) << before.error;
  EXPECT_FALSE(before.table_exists);
  EXPECT_EQ(before.text(), "no tracking table (pgkit_migrations) yet");

  migrate::Migrator(config, {.dir = dir.path()}).up(1);
  MigrationSummary after = check_health(pool, options).migrations;
  EXPECT_TRUE(after.table_exists);
  EXPECT_EQ(after.applied, 1u);
  EXPECT_EQ(after.newest, "001");
  EXPECT_EQ(after.failed, 0u);
  EXPECT_EQ(after.pending, 1u);
  EXPECT_EQ(after.text(), "1 applied (newest 001), 1 pending in " + dir.path().string());

  // Without the directory, what the table records still counts; nothing is called pending.
  MigrationSummary no_dir = check_health(pool, {.migrations_dir = dir.path() / "absent"}).migrations;
  EXPECT_EQ(no_dir.applied, 1u);
  EXPECT_FALSE(no_dir.pending.has_value());
  EXPECT_EQ(no_dir.text(), "1 applied (newest 001)");
}

TEST(Health, BadTrackingTableNameIsReportedNotThrown) {
  Pool pool(test::fresh_database("health_bad_table"));
  HealthReport r = check_health(pool, {.migrations_table = "x; DROP TABLE y"});
  EXPECT_FALSE(r.migrations.error.empty());
  EXPECT_EQ(r.migrations.text().rfind("unknown: ", 0), 0u) << r.migrations.text();
  EXPECT_FALSE(r.server_version.empty()) << "the rest of the report is still there";
}

TEST(Health, ClusterReportListsEveryNode) {
  Cluster cluster(test::fresh_database("health_cluster"));
  HealthReport r = check_health(cluster);
  ASSERT_EQ(r.nodes.size(), 1u);
  EXPECT_EQ(r.nodes[0].role, NodeStatus::Role::primary);
  EXPECT_TRUE(r.nodes[0].reachable);
  EXPECT_EQ(find(r, "replica_out_of_rotation"), nullptr);
}

TEST(Health, UnreachableServerThrowsWithAHint) {
  auto down = parse_url("postgresql://app:pw@127.0.0.1:" + std::to_string(LocalCluster::free_port()) + "/app");
  down.config.pool.connect_timeout = 500ms;
  down.config.pool.acquire_timeout = 500ms;
  down.config.pool.min = 0;  // no background connecting to warn about
  Pool pool(down.config, {}, RetryPolicy::none());
  try {
    check_health(pool);
    FAIL() << "an unreachable server must throw";
  } catch (const CannotConnect& e) {
    EXPECT_FALSE(e.hint().empty());
  }
}
