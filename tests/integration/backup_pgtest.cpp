// Seeding, backups and restores against a real server.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "pgkit/backup.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/migrate.hpp"
#include "test_server.hpp"

using namespace pgkit;
namespace fs = std::filesystem;

namespace {

Config fresh_database(const std::string& name) {
  auto& server = test::shared_server();
  server.sql("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  server.sql("CREATE DATABASE " + name);
  return parse_url(server.url(name)).config;
}

}  // namespace

TEST(Seed, AdminUserSeedIsIdempotent) {
  Connection conn(fresh_database("seed_admin"));
  conn.execute(
      "CREATE TABLE users(id bigserial PRIMARY KEY, email text NOT NULL, role text NOT NULL DEFAULT 'USER');"
      "CREATE UNIQUE INDEX users_email_lower ON users (lower(email))");
  fs::path seeds = fs::path(PGKIT_FIXTURES).parent_path().parent_path() / "seeds";
  EXPECT_EQ(seed(conn, seeds).size(), 1u);
  EXPECT_EQ(seed(conn, seeds).size(), 1u);
  EXPECT_EQ(conn.query("SELECT count(*) FROM users WHERE role = 'ADMIN'").scalar<std::int64_t>(), 1);
}

TEST(Seed, AFailingFileSeedsNothingAndNamesTheLine) {
  Connection conn(fresh_database("seed_fail"));
  conn.execute("CREATE TABLE t(id int PRIMARY KEY)");
  fs::path dir = fs::temp_directory_path() / "pgkit-seed-fail";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "001_ok.sql") << "INSERT INTO t VALUES (1);\n";
  std::ofstream(dir / "002_bad.sql") << "INSERT INTO t VALUES (2);\n\nINSERT INTO nowhere VALUES (3);\n";
  try {
    seed(conn, dir);
    FAIL();
  } catch (const migrate::MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("002_bad.sql:3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(conn.query("SELECT count(*) FROM t").scalar<std::int64_t>(), 0);
  fs::remove_all(dir);
}

TEST(Backup, BackupKeepsTheNewestAndRestoresIntoAnEmptyDatabase) {
  Config source = fresh_database("backup_src");
  {
    Connection conn(source);
    conn.execute("CREATE TABLE notes(id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'kept')");
  }
  fs::path out = fs::temp_directory_path() / "pgkit-backups";
  fs::remove_all(out);
  fs::path last;
  for (int i = 0; i < 3; ++i) {
    last = backup(source, {.out = out, .keep = 2});
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // distinct file names (seconds)
  }
  int files = 0;
  for (auto& e : fs::directory_iterator(out)) files += e.path().extension() == ".dump";
  EXPECT_EQ(files, 2);

  Config target = fresh_database("backup_dst");
  restore(target, last);
  Connection conn(target);
  EXPECT_EQ(conn.query("SELECT body FROM notes WHERE id = 1").scalar<std::string>(), "kept");
  EXPECT_THROW(restore(target, last), Error);  // not empty any more
  EXPECT_NO_THROW(restore(target, last, {.clean = true}));
  fs::remove_all(out);
}
