// The migration engine and `pgkit migrate` against a real server: concurrency, failures,
// a killed migrator, drift, foreign formats, snapshots and verify.
#include <gtest/gtest.h>

#include <signal.h>

#include <fstream>
#include <iterator>

#include "eventually.hpp"
#include "pg_config.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/migrator.hpp"
#include "subprocess.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using migrate::Migrator;

namespace {

// A fresh database per test, so tests never see each other's tables.
struct Scratch {
  explicit Scratch(const std::string& name) : server(test::shared_server()), db(name) {
    server.sql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    server.sql("CREATE DATABASE " + db);
    config = parse_url(server.url(db)).config;
    dir = fs::temp_directory_path() / ("pgkit-migrations-" + name);
    logs = fs::temp_directory_path() / ("pgkit-migrations-" + name + "-logs");
    for (const auto& d : {dir, logs}) {
      fs::remove_all(d);
      fs::create_directories(d);
    }
  }
  ~Scratch() {
    fs::remove_all(dir);
    fs::remove_all(logs);
  }
  void write(const std::string& file, const std::string& text) const { std::ofstream(dir / file) << text; }
  /// The output of the `pgkit` run called name (spawn_cli).
  std::string log(const std::string& name) const {
    std::ifstream in(logs / (name + ".log"));
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  migrate::Options options() const { return {.dir = dir, .lock_timeout = 30s}; }
  std::vector<std::string> sql(const std::string& s) const { return server.sql(s, db); }
  int count(const std::string& s) const { return std::stoi(sql(s)[0]); }

  LocalCluster& server;
  std::string db;
  Config config;
  fs::path dir;
  fs::path logs;  // spawn_cli's output, one file per run
};

// 001–003, each recording its run in applied_log (created here), so a test counts applications.
void three_migrations(const Scratch& s) {
  s.sql("CREATE TABLE applied_log(version text)");
  s.write("001_users.sql",
          "-- migrate:up\nCREATE TABLE users(id int PRIMARY KEY, email text);\n"
          "INSERT INTO applied_log VALUES ('001');\n-- migrate:down\nDROP TABLE users;\n");
  s.write("002_posts.sql",
          "-- migrate:up\nCREATE TABLE posts(id int PRIMARY KEY, user_id int REFERENCES users(id));\n"
          "INSERT INTO applied_log VALUES ('002');\n-- migrate:down\nDROP TABLE posts;\n");
  s.write("003_index.sql",
          "-- migrate:up\nCREATE INDEX posts_user_idx ON posts(user_id);\n"
          "INSERT INTO applied_log VALUES ('003');\n-- migrate:down\nDROP INDEX posts_user_idx;\n");
}

// `pgkit ARGS` in the background on the scratch database; its output goes to s.log(name).
std::unique_ptr<test::ChildProcess> spawn_cli(const Scratch& s, const std::string& name,
                                              const std::vector<std::string>& args, const std::string& pgoptions = "") {
  std::vector<std::string> argv{PGKIT_CLI};
  argv.insert(argv.end(), args.begin(), args.end());
  test::ProcessOptions how{.env = {{"DATABASE_URL", s.server.url(s.db)}}};
  if (!pgoptions.empty()) how.env["PGOPTIONS"] = pgoptions;
  return std::make_unique<test::ChildProcess>(argv, s.logs / (name + ".log"), how);
}

}  // namespace

TEST(Migrate, FiveConcurrentMigratorsApplyEveryMigrationExactlyOnce) {
  Scratch s("mig_five");
  three_migrations(s);
  std::vector<std::unique_ptr<test::ChildProcess>> migrators;
  for (int i = 0; i < 5; ++i)
    migrators.push_back(spawn_cli(s, "migrator" + std::to_string(i), {"migrate", "up", "--dir", s.dir.string()}));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(migrators[i]->wait_for(120s), 0) << s.log("migrator" + std::to_string(i));
  EXPECT_EQ(s.count("SELECT count(*) FROM applied_log"), 3);
  EXPECT_EQ(s.count("SELECT count(DISTINCT version) FROM applied_log"), 3);
  EXPECT_EQ(s.count("SELECT count(*) FROM pgkit_migrations WHERE status = 'applied'"), 3);
}

TEST(Migrate, AFailureMidRunRollsBackThatMigrationAndReportsFileAndLine) {
  Scratch s("mig_fail");
  three_migrations(s);
  s.write("002_posts.sql",
          "-- migrate:up\nCREATE TABLE posts(id int PRIMARY KEY);\n\nINSERT INTO posts VALUES (1);\n"
          "INSERT INTO posts VALUES (1);\n-- migrate:down\nDROP TABLE posts;\n");
  Migrator m(s.config, s.options());
  try {
    m.up();
    FAIL() << "the duplicate insert should have failed";
  } catch (const migrate::MigrationError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find("002_posts.sql"), std::string::npos) << msg;
    EXPECT_NE(msg.find("23505"), std::string::npos) << msg;
    EXPECT_NE(msg.find("tracking table is unchanged"), std::string::npos) << msg;
  }
  EXPECT_EQ(s.count("SELECT count(*) FROM pgkit_migrations"), 1);
  EXPECT_EQ(s.count("SELECT count(*) FROM pg_class WHERE relname = 'posts'"), 0);
}

TEST(Migrate, SyntaxErrorIsMappedToTheLineInTheFile) {
  Scratch s("mig_line");
  s.write("001_bad.sql",
          "-- migrate:up\nCREATE TABLE a(id int);\n\nCREATE TABLE b(id int,, x int);\n-- migrate:down\n");
  Migrator m(s.config, s.options());
  try {
    m.up();
    FAIL();
  } catch (const migrate::MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("001_bad.sql:4"), std::string::npos) << e.what();
    EXPECT_EQ(e.sqlstate(), "42601");
  }
}

TEST(Migrate, KilledMigratorLeavesAConsistentDatabaseAndTheNextRunFinishes) {
  Scratch s("mig_kill");
  three_migrations(s);
  s.write("002_posts.sql",
          "-- migrate:up\nCREATE TABLE posts(id int PRIMARY KEY, user_id int REFERENCES users(id));\n"
          "SELECT pg_sleep(CASE WHEN current_setting('pgkit.test_sleep', true) = 'on' THEN 60 ELSE 0 END);\n"
          "INSERT INTO applied_log VALUES ('002');\n-- migrate:down\nDROP TABLE posts;\n");
  auto migrator = spawn_cli(s, "killed", {"migrate", "up", "--dir", s.dir.string()}, "-c pgkit.test_sleep=on");
  ASSERT_TRUE(test::eventually([&] {
    return s.count(
               "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(CASE%' "
               "AND state = 'active' AND pid <> pg_backend_pid()") >= 1;
  })) << "the migrator never reached 002's sleep:\n"
      << s.log("killed");
  EXPECT_EQ(migrator->stop(SIGKILL), 128 + SIGKILL);
  // Consistent: 001 recorded, 002 neither applied nor recorded.
  EXPECT_EQ(s.count("SELECT count(*) FROM pgkit_migrations"), 1);
  Migrator again(s.config, s.options());
  auto report = again.up();  // waits for the dead session's lock, then finishes the job
  EXPECT_EQ(report.versions, (std::vector<std::string>{"002", "003"}));
  EXPECT_EQ(s.count("SELECT count(*) FROM applied_log"), 3);
  EXPECT_EQ(s.count("SELECT count(*) FROM pgkit_migrations"), 3);
}

TEST(Migrate, DriftBlocksUpUntilAllowed) {
  Scratch s("mig_drift");
  three_migrations(s);
  Migrator(s.config, s.options()).up(1);
  s.write("001_users.sql",
          "-- migrate:up\nCREATE TABLE users(id bigint PRIMARY KEY, email text);\n"
          "INSERT INTO applied_log VALUES ('001');\n-- migrate:down\nDROP TABLE users;\n");
  Migrator m(s.config, s.options());
  auto status = m.status();
  EXPECT_EQ(status[0].state, migrate::State::changed);
  EXPECT_THROW(m.up(), migrate::MigrationError);
  auto opts = s.options();
  opts.allow_drift = true;
  EXPECT_EQ(Migrator(s.config, opts).up().versions.size(), 2u);
  auto findings = Migrator(s.config, s.options()).verify(std::nullopt);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_NE(findings[0].find("checksum"), std::string::npos);
}

TEST(Migrate, OutOfOrderNeedsPermission) {
  Scratch s("mig_order");
  s.write("002_b.sql", "-- migrate:up\nCREATE TABLE b(id int);\n-- migrate:down\nDROP TABLE b;\n");
  Migrator(s.config, s.options()).up();
  s.write("001_a.sql", "-- migrate:up\nCREATE TABLE a(id int);\n-- migrate:down\nDROP TABLE a;\n");
  EXPECT_THROW(Migrator(s.config, s.options()).up(), migrate::MigrationError);
  auto opts = s.options();
  opts.allow_out_of_order = true;
  EXPECT_EQ(Migrator(s.config, opts).up().versions, std::vector<std::string>{"001"});
}

TEST(Migrate, FailedNonTransactionalMigrationBlocksUntilResolved) {
  Scratch s("mig_notx");
  s.write("001_t.sql", "-- migrate:up\nCREATE TABLE t(id int);\n-- migrate:down\nDROP TABLE t;\n");
  s.write("002_idx.sql",
          "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY t_id_idx ON t(id);\n"
          "CREATE INDEX CONCURRENTLY broken_idx ON no_such_table(id);\n"
          "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY t_id_idx;\n");
  Migrator m(s.config, s.options());
  EXPECT_THROW(m.up(), migrate::MigrationError);
  EXPECT_EQ(s.sql("SELECT status FROM pgkit_migrations WHERE version = '002'"), std::vector<std::string>{"failed"});
  try {
    Migrator(s.config, s.options()).up();
    FAIL();
  } catch (const migrate::MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("resolve 002"), std::string::npos) << e.what();
  }
  s.sql("DROP INDEX t_id_idx");
  Migrator(s.config, s.options()).resolve("002", false);
  s.write("002_idx.sql",
          "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY t_id_idx ON t(id);\n"
          "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY t_id_idx;\n");
  EXPECT_EQ(Migrator(s.config, s.options()).up().versions, std::vector<std::string>{"002"});
}

TEST(Migrate, WaitingMigratorDoesNotDeadlockAConcurrentIndexBuild) {
  Scratch s("mig_cic");
  s.sql("CREATE TABLE big(id int); INSERT INTO big SELECT generate_series(1, 200000)");
  s.write("001_idx.sql",
          "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY big_id_idx ON big(id);\n"
          "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY big_id_idx;\n");
  // The second migrator starts while the first builds the index; it must poll, not block in
  // pg_advisory_lock with a snapshot the index build would wait for.
  auto first = spawn_cli(s, "first", {"migrate", "up", "--dir", s.dir.string()});
  auto second = spawn_cli(s, "second", {"migrate", "up", "--dir", s.dir.string()});
  EXPECT_EQ(first->wait_for(120s), 0) << s.log("first");
  EXPECT_EQ(second->wait_for(120s), 0) << s.log("second");
  EXPECT_EQ(s.count("SELECT count(*) FROM pg_indexes WHERE indexname = 'big_id_idx'"), 1);
}

TEST(Migrate, DumpSchemaIsStableAndVerifyCatchesHandEdits) {
  Scratch s("mig_verify");
  three_migrations(s);
  Migrator m(s.config, s.options());
  m.up();
  std::string first = m.dump_schema();
  EXPECT_EQ(first, m.dump_schema());
  EXPECT_EQ(first.find("pgkit_migrations"), std::string::npos) << "the tracking table stays out of the snapshot";
  fs::path snapshot = s.dir / "schema.sql";
  std::ofstream(snapshot) << first;
  EXPECT_TRUE(m.verify(snapshot).empty());
  // Round trip: down all and up again reproduces the snapshot exactly.
  m.reset();
  EXPECT_EQ(m.dump_schema(), first);
  // Hand edits are named.
  s.sql("DROP INDEX posts_user_idx");
  s.sql("ALTER TABLE users ALTER COLUMN email TYPE varchar(50)");
  auto findings = m.verify(snapshot);
  std::string all;
  for (auto& f : findings) all += f + "\n";
  EXPECT_NE(all.find("posts_user_idx"), std::string::npos) << all;
  EXPECT_NE(all.find("email"), std::string::npos) << all;
}

TEST(Migrate, StatusShowsEveryStateAndForeignTablesAreNamed) {
  Scratch s("mig_status");
  s.sql("CREATE TABLE schema_migrations(version varchar(128) PRIMARY KEY)");  // dbmate's
  three_migrations(s);
  Migrator m(s.config, s.options());
  m.up(2);
  fs::remove(s.dir / "001_users.sql");
  auto st = m.status();
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0].state, migrate::State::missing_file);
  EXPECT_EQ(st[1].state, migrate::State::applied);
  EXPECT_TRUE(st[1].applied_at.has_value());
  EXPECT_EQ(st[2].state, migrate::State::pending);
  auto foreign = m.foreign_tables();
  ASSERT_EQ(foreign.size(), 1u);
  EXPECT_NE(foreign[0].find("dbmate"), std::string::npos);
  auto opts = s.options();
  opts.table = "schema_migrations";
  EXPECT_THROW(Migrator(s.config, opts).up(), migrate::MigrationError) << "never written over";
}

TEST(Migrate, BadDirectoryAppliesNothing) {
  Scratch s("mig_bad");
  s.write("001_a.sql", "-- migrate:up\nCREATE TABLE a(id int);\n");
  s.write("002_b.up.sql", "CREATE TABLE b(id int);\n");  // golang-migrate mixed with native
  EXPECT_THROW(Migrator(s.config, s.options()).up(), migrate::MigrationError);
  EXPECT_EQ(s.count("SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b')"), 0);
}

TEST(Migrate, DryRunPrintsTheSqlAndChangesNothing) {
  Scratch s("mig_dry");
  s.write("001_a.sql", "-- migrate:up\nCREATE TABLE a(id int);\n-- migrate:down\nDROP TABLE a;\n");
  auto opts = s.options();
  opts.dry_run = true;
  auto report = Migrator(s.config, opts).up();
  ASSERT_EQ(report.sql.size(), 1u);
  EXPECT_NE(report.sql[0].find("CREATE TABLE a"), std::string::npos);
  EXPECT_EQ(s.count("SELECT count(*) FROM pg_class WHERE relname IN ('a', 'pgkit_migrations')"), 0);
}

TEST(Migrate, EveryForeignFormatAppliesAndRollsBack) {
  fs::path fixtures = fs::path(PGKIT_FIXTURES) / "migrations";
  for (const char* format : {"golang_migrate", "goose", "split", "prisma", "flyway"}) {
    SCOPED_TRACE(format);
    Scratch s(std::string("mig_fmt_") + format);
    fs::remove_all(s.dir);
    fs::copy(fixtures / format, s.dir, fs::copy_options::recursive);
    Migrator m(s.config, s.options());
    auto applied = m.up().versions;
    EXPECT_GE(applied.size(), 2u);
    for (auto& e : m.status()) EXPECT_EQ(e.state, migrate::State::applied) << e.version;
  }
}

TEST(Migrate, AMigrationThatCommitsItselfIsRefusedNotRecorded) {
  Scratch s("mig_commit");
  s.write("001_a.sql", "-- migrate:up\nCREATE TABLE a(id int);\nCOMMIT;\nCREATE TABLE b(id int);\n-- migrate:down\n");
  try {
    Migrator(s.config, s.options()).up();
    FAIL();
  } catch (const migrate::MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("ends the transaction"), std::string::npos) << e.what();
  }
  EXPECT_EQ(s.count("SELECT count(*) FROM pgkit_migrations"), 0);
}
