// pgkit-server's schema moved from four SQL-first migrations (tests/fixtures/
// server-sql-first-migrations, as they were) to prisma/schema.prisma and prisma/migrations. A
// database of the old migrations, with data in it, is upgraded by the server's --migrate:
// nothing lost, and its schema then dumps (pg_dump -s) exactly as that of a database built by
// prisma/migrations — so the migrations `pgkit migrate dev` writes next run on both alike.
#include <gtest/gtest.h>

#include <sstream>

#include "eventually.hpp"
#include "pgkit/local_cluster.hpp"
#include "pgkit/migrator.hpp"
#include "server_process.hpp"
#include "subprocess.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace pgkit::test;
using namespace std::chrono_literals;

namespace {

// The schema as pg_dump writes it, without the history tables and pg_dump's per-run lines.
std::string schema_dump(const std::string& url) {
  auto r =
      run_process({(LocalCluster::bin_dir() / "pg_dump").string(), "--schema-only", "--no-owner", "--no-privileges",
                   "--exclude-table=_prisma_migrations", "--exclude-table=pgkit_migrations*", "--dbname", url});
  if (r.exit_code != 0) throw std::runtime_error("pg_dump: " + r.describe());
  std::string kept, line;
  std::istringstream in(r.out);
  while (std::getline(in, line))
    if (!line.empty() && !line.starts_with("--") && !line.starts_with("\\restrict") &&
        !line.starts_with("\\unrestrict"))
      kept += line + '\n';
  return kept;
}

std::string one(const std::string& statement, const std::string& db) {
  return shared_server().sql(statement, db).at(0);
}

}  // namespace

TEST(SchemaUpgrade, ASqlFirstDatabaseWithDataMigratesForwardAndThenDumpsAsAFreshOne) {
  constexpr const char* kDb = "e2e_upgrade_sql_first";
  const std::string url = fresh_database_url(kDb);
  migrate::Migrator(config_for(url), {.dir = PGKIT_SQL_FIRST_MIGRATIONS}).up();
  auto& pg = shared_server();
  pg.sql("INSERT INTO users (email, role) VALUES ('Old.Admin@Example.com', 'ADMIN'), ('writer@example.com', 'USER')",
         kDb);
  pg.sql(
      "INSERT INTO posts (title, published, author_id) SELECT 'old ' || n, true, id FROM users, "
      "generate_series(1, 3) n WHERE email = 'writer@example.com'",
      kDb);
  pg.sql("INSERT INTO audit_log (action, target_type, target_id) VALUES ('seed', 'post', 'a'), ('seed', 'post', 'b')",
         kDb);
  pg.sql("INSERT INTO magic_links (token_hash, email, expires_at) VALUES (repeat('a', 64), 'x@example.com', now())",
         kDb);

  {
    ServerProcess server({.database_url = url});
    EXPECT_NE(server.log().find("upgraded a database of the SQL-first migrations"), std::string::npos) << server.log();
    HttpClient client(server.port());
    // The rows are there, through the routes now on the generated client.
    auto feed = client.get("/api/posts");
    ASSERT_EQ(feed.status, 200) << feed.body;
    EXPECT_EQ(feed.json().at("posts").as_array().size(), 3u) << feed.body;
    // The case-insensitive unique email survived: the admin signs in in another case, as admin.
    auto admin = sign_in(server, client, "old.admin@example.com");
    ASSERT_EQ(admin.status, 200) << admin.body;
    EXPECT_EQ(admin.json().at("user").at("role").as_string(), "ADMIN");
    // An admin's change writes the audit log: its ids go on after the old identity's.
    std::string post_id(feed.json().at("posts").at(0).at("id").as_string());
    auto changed =
        client.request("PATCH", "/api/posts/" + post_id, R"({"title":"renamed"})", bearer(admin.field("accessToken")));
    ASSERT_EQ(changed.status, 200) << changed.body;
    EXPECT_EQ(one("SELECT string_agg(id::text, ',' ORDER BY id) FROM audit_log", kDb), "1,2,3");
  }
  EXPECT_EQ(one("SELECT count(*) FROM users", kDb), "2");
  EXPECT_EQ(one("SELECT count(*) FROM magic_links WHERE email = 'x@example.com'", kDb), "1");
  EXPECT_EQ(one("SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL", kDb),
            "20261206000000_init");
  EXPECT_EQ(one("SELECT count(*) FROM pgkit_migrations_sql_first", kDb), "4");  // the old history, kept
  EXPECT_EQ(one("SELECT to_regclass('pgkit_migrations') IS NULL", kDb), "t");
  EXPECT_THROW(pg.sql("UPDATE posts SET title = ''", kDb), std::exception);  // a CHECK, kept

  // The same schema as a database prisma/migrations built, object for object.
  const std::string fresh = fresh_database_url("e2e_upgrade_fresh");
  migrate::Migrator(config_for(fresh), {.dir = PGKIT_MIGRATIONS, .table = migrate::kPrismaTable}).up();
  EXPECT_EQ(schema_dump(url), schema_dump(fresh));

  // Started again, there is nothing left to upgrade.
  ServerProcess again({.database_url = url});
  EXPECT_EQ(again.log().find("upgraded a database"), std::string::npos) << again.log();
}

TEST(SchemaUpgrade, APartialSqlFirstHistoryIsRefusedWithWhatToDo) {
  constexpr const char* kDb = "e2e_upgrade_partial";
  const std::string url = fresh_database_url(kDb);
  migrate::Migrator(config_for(url), {.dir = PGKIT_SQL_FIRST_MIGRATIONS}).up(2);
  ServerProcess server({.database_url = url, .wait_until_ready = false});
  ASSERT_TRUE(server.wait_for_status("/api/health/ready", 503, 30s));
  EXPECT_TRUE(eventually([&] { return server.log().find("lacks 20261122000003, 20261122000004") != std::string::npos; },
                         30s, [&] { return server.log(); }));
  EXPECT_EQ(one("SELECT to_regclass('_prisma_migrations') IS NULL", kDb), "t");  // nothing recorded
}

// ./scripts/dev's path: `pgkit-server --migrate-only` upgrades and exits, also after someone ran
// `pgkit migrate deploy` on the old database first (refused: the init's types and tables exist).
TEST(SchemaUpgrade, MigrateOnlyUpgradesAfterARefusedDeployAndExits) {
  constexpr const char* kDb = "e2e_upgrade_migrate_only";
  const std::string url = fresh_database_url(kDb);
  migrate::Migrator(config_for(url), {.dir = PGKIT_SQL_FIRST_MIGRATIONS}).up();
  shared_server().sql("INSERT INTO users (email) VALUES ('kept@example.com')", kDb);
  EXPECT_THROW(migrate::Migrator(config_for(url), {.dir = PGKIT_MIGRATIONS, .table = migrate::kPrismaTable}).up(),
               migrate::MigrationError);

  auto run = run_process({PGKIT_SERVER, "--migrate-only", "--migrations", PGKIT_MIGRATIONS},
                         {.env = {{"DATABASE_URL", url}}, .unset_env = {"PGHOST", "PGPORT", "PGDATABASE", "PGUSER"}});
  ASSERT_EQ(run.exit_code, 0) << run.describe();
  EXPECT_NE(run.out.find("upgraded a database of the SQL-first migrations"), std::string::npos) << run.out;
  EXPECT_EQ(
      one("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL", kDb),
      "1");
  EXPECT_EQ(one("SELECT email FROM users", kDb), "kept@example.com");

  // Again: nothing to do, and it says so.
  auto again =
      run_process({PGKIT_SERVER, "--migrate-only", "--migrations", PGKIT_MIGRATIONS}, {.env = {{"DATABASE_URL", url}}});
  ASSERT_EQ(again.exit_code, 0) << again.describe();
  EXPECT_NE(again.out.find("No pending migrations to apply."), std::string::npos) << again.out;
}
