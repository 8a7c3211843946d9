// The schema-first workflow against a real server: `migrate dev` from the first migration to
// drift, data loss and hand-edited migrations; `db push`; bad input changing nothing.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "pgkit/connection.hpp"
#include "pgkit/migrator.hpp"
#include "pgkit/schema.hpp"
#include "pgkit/schema_migrate.hpp"
#include "test_server.hpp"

using namespace pgkit;
namespace fs = std::filesystem;

namespace {

constexpr const char* kDatasource =
    "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n\n";

// A database and a project directory (prisma/schema.prisma, prisma/migrations) per test.
struct Project {
  explicit Project(const std::string& name) : server(test::shared_server()), db(name) {
    server.sql("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    server.sql("CREATE DATABASE " + db);
    config = parse_url(server.url(db)).config;
    config.pool.slow_query = Millis{0};
    root = fs::temp_directory_path() / ("pgkit-schema-" + name);
    fs::remove_all(root);
    fs::create_directories(root / "prisma");
  }
  ~Project() { fs::remove_all(root); }

  void schema(const std::string& models) const { std::ofstream(schema_file()) << kDatasource << models; }
  fs::path schema_file() const { return root / "prisma" / "schema.prisma"; }
  fs::path migrations() const { return root / "prisma" / "migrations"; }
  std::vector<fs::path> migration_files() const {
    std::vector<fs::path> out;
    if (!fs::exists(migrations())) return out;
    for (const auto& e : fs::directory_iterator(migrations()))
      if (e.is_directory()) out.push_back(e.path() / "migration.sql");
    std::sort(out.begin(), out.end());
    return out;
  }
  migrate::DevResult dev(const std::string& name, migrate::DevOptions o = {}) const {
    o.name = name;
    o.schema = schema_file();
    return migrate::dev(config, o);
  }
  std::vector<std::string> sql(const std::string& s) const { return server.sql(s, db); }

  LocalCluster& server;
  std::string db;
  Config config;
  fs::path root;
};

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr const char* kUser = "model User {\n  id    Int    @id @default(autoincrement())\n  email String @unique\n}\n";

}  // namespace

TEST(SchemaMigrate, FirstMigrationIsWrittenInPrismasLayoutAndRecordedAsPrismaRecordsIt) {
  Project p("schema_first");
  p.schema(kUser);
  auto result = p.dev("init");
  ASSERT_TRUE(result.written);
  EXPECT_TRUE(std::regex_match(result.written->parent_path().filename().string(), std::regex(R"(\d{14}_init)")));
  EXPECT_TRUE(fs::exists(p.migrations() / "migration_lock.toml"));
  std::string sql = read(*result.written);
  EXPECT_NE(sql.find("CREATE TABLE \"User\" (\n    \"id\" SERIAL NOT NULL,"), std::string::npos) << sql;
  EXPECT_NE(sql.find("CREATE UNIQUE INDEX \"User_email_key\" ON \"User\"(\"email\");"), std::string::npos) << sql;
  ASSERT_EQ(result.applied.size(), 1u);
  auto row = p.sql(
      "SELECT migration_name || ' ' || (finished_at IS NOT NULL) || ' ' || applied_steps_count || ' ' || "
      "checksum FROM _prisma_migrations");
  ASSERT_EQ(row.size(), 1u);
  EXPECT_EQ(row[0], result.written->parent_path().filename().string() + " true 1 " + migrate::checksum(sql));
  EXPECT_EQ(p.sql("SELECT count(*) FROM \"User\"")[0], "0");
}

TEST(SchemaMigrate, NoChangeWritesNothing) {
  Project p("schema_nochange");
  p.schema(kUser);
  p.dev("init");
  auto again = p.dev("again");
  EXPECT_FALSE(again.written);
  EXPECT_TRUE(again.plan.empty());
  EXPECT_TRUE(again.applied.empty());
  EXPECT_EQ(p.migration_files().size(), 1u);
}

TEST(SchemaMigrate, AddingAModelWritesAndAppliesASecondMigration) {
  Project p("schema_addmodel");
  p.schema(kUser);
  p.dev("init");
  p.schema(
      std::string(kUser).insert(std::string(kUser).size() - 2, "  posts Post[]\n") +
      "model Post {\n  id       Int  @id @default(autoincrement())\n  authorId Int\n"
      "  author   User @relation(fields: [authorId], references: [id], onDelete: Cascade)\n\n  @@index([authorId])\n}\n");
  auto result = p.dev("add_posts");
  ASSERT_TRUE(result.written);
  // Made in the same second as the first (as here, or by a script), it still gets a timestamp of
  // its own that sorts after it.
  auto files = p.migration_files();
  ASSERT_EQ(files.size(), 2u);
  EXPECT_LT(files[0].parent_path().filename().string().substr(0, 14),
            files[1].parent_path().filename().string().substr(0, 14));
  EXPECT_EQ(files[1], *result.written);
  std::string sql = read(*result.written);
  EXPECT_NE(sql.find("-- CreateTable\nCREATE TABLE \"Post\""), std::string::npos) << sql;
  EXPECT_NE(sql.find("CREATE INDEX \"Post_authorId_idx\" ON \"Post\"(\"authorId\");"), std::string::npos) << sql;
  EXPECT_NE(sql.find("ALTER TABLE \"Post\" ADD CONSTRAINT \"Post_authorId_fkey\" FOREIGN KEY (\"authorId\") REFERENCES "
                     "\"User\"(\"id\") ON DELETE CASCADE ON UPDATE CASCADE;"),
            std::string::npos)
      << sql;
  EXPECT_EQ(p.sql("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL")[0], "2");
}

TEST(SchemaMigrate, ANewMigrationSortsAfterOneDatedAheadOfTheClock) {
  Project p("schema_ahead");
  fs::create_directories(p.migrations() / "20991231235959_ahead");
  std::ofstream(p.migrations() / "20991231235959_ahead" / "migration.sql") << "SELECT 1;\n";
  p.schema(kUser);
  auto result = p.dev("init");
  ASSERT_TRUE(result.written);
  EXPECT_EQ(result.written->parent_path().filename().string(), "21000101000000_init");
  EXPECT_EQ(p.sql("SELECT string_agg(migration_name, ' ' ORDER BY migration_name) FROM _prisma_migrations")[0],
            "20991231235959_ahead 21000101000000_init");
}

TEST(SchemaMigrate, ARequiredFieldWithoutDefaultIsRefusedOnATableWithRowsAndNothingIsWritten) {
  Project p("schema_required");
  p.schema(kUser);
  p.dev("init");
  p.sql("INSERT INTO \"User\"(email) VALUES ('a@example.com')");
  p.schema("model User {\n  id    Int    @id @default(autoincrement())\n  email String @unique\n  name  String\n}\n");
  try {
    p.dev("add_name");
    FAIL() << "expected a refusal";
  } catch (const migrate::MigrationError& e) {
    EXPECT_NE(
        std::string(e.what()).find("Added the required column `name` to the `User` table without a default value. "
                                   "There are 1 rows in this table, it is not possible to execute this step."),
        std::string::npos)
        << e.what();
  }
  EXPECT_EQ(p.migration_files().size(), 1u);

  // With a default it goes through, and the existing row gets it.
  p.schema(
      "model User {\n  id    Int    @id @default(autoincrement())\n  email String @unique\n"
      "  name  String @default(\"anon\")\n}\n");
  auto result = p.dev("add_name");
  ASSERT_TRUE(result.written);
  EXPECT_EQ(p.sql("SELECT name FROM \"User\"")[0], "anon");
}

TEST(SchemaMigrate, DroppingAColumnWithDataNeedsAcceptanceAndSaysHowMuchIsLost) {
  Project p("schema_dataloss");
  p.schema("model User {\n  id  Int     @id @default(autoincrement())\n  bio String?\n}\n");
  p.dev("init");
  p.sql("INSERT INTO \"User\"(bio) VALUES ('hello'), ('world'), (NULL)");
  p.schema("model User {\n  id  Int     @id @default(autoincrement())\n}\n");
  try {
    p.dev("drop_bio");
    FAIL() << "expected a refusal";
  } catch (const migrate::MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("You are about to drop the column `bio` on the `User` table, which still "
                                         "contains 2 non-null values."),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(p.migration_files().size(), 1u);
  auto result = p.dev("drop_bio", {.accept_data_loss = true});
  ASSERT_TRUE(result.written);
  EXPECT_EQ(read(*result.written)
                .rfind("/*\n  Warnings:\n\n  - You are about to drop the column `bio` on the `User` "
                       "table. All the data in the column will be lost.\n\n*/\n-- AlterTable\n",
                       0),
            0u)
      << read(*result.written);
  EXPECT_EQ(
      p.sql("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'bio'")[0],
      "0");
}

TEST(SchemaMigrate, DriftIsReportedAndResetOnlyWithForce) {
  Project p("schema_drift");
  p.schema(kUser);
  p.dev("init");
  p.sql("ALTER TABLE \"User\" ADD COLUMN nickname text");
  try {
    p.dev("next");
    FAIL() << "expected drift";
  } catch (const migrate::MigrationError& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("Drift detected: Your database schema is not in sync with your migration history."),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("[*] Changed the `User` table\n  [+] Added column `nickname`"), std::string::npos) << what;
  }
  EXPECT_EQ(
      p.sql(
          "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'nickname'")
          [0],
      "1");
  auto result = p.dev("next", {.force = true});
  EXPECT_TRUE(result.reset);
  EXPECT_FALSE(result.drift.empty());
  EXPECT_EQ(
      p.sql(
          "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'nickname'")
          [0],
      "0");
  EXPECT_EQ(p.sql("SELECT count(*) FROM _prisma_migrations WHERE finished_at IS NOT NULL")[0], "1");
}

TEST(SchemaMigrate, CreateOnlyWritesForReviewAndAHandEditIsAppliedNext) {
  Project p("schema_createonly");
  p.schema(kUser);
  p.dev("init");
  p.sql("INSERT INTO \"User\"(email) VALUES ('A@Example.com')");
  p.schema(
      "model User {\n  id    Int    @id @default(autoincrement())\n  email String @unique\n"
      "  name  String @default(\"\")\n}\n");
  auto draft = p.dev("add_name", {.create_only = true});
  ASSERT_TRUE(draft.written);
  EXPECT_TRUE(draft.applied.empty());
  EXPECT_EQ(
      p.sql(
          "SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'name'")[0],
      "0");
  // The reviewer backfills the new column from the data before it is applied.
  std::ofstream(*draft.written, std::ios::app) << "\nUPDATE \"User\" SET name = lower(email);\n";
  auto applied = p.dev("unused");
  EXPECT_FALSE(applied.written);
  ASSERT_EQ(applied.applied.size(), 1u);
  EXPECT_EQ(p.sql("SELECT name FROM \"User\"")[0], "a@example.com");
}

TEST(SchemaMigrate, ABadSchemaChangesNothingAndNamesEveryProblem) {
  Project p("schema_bad");
  p.schema("model User {\n  id    Int    @id\n  email Strin\n  role  Role\n}\n");
  try {
    p.dev("init");
    FAIL() << "expected a schema error";
  } catch (const schema::SchemaError& e) {
    ASSERT_GE(e.diagnostics().size(), 2u);
    EXPECT_EQ(e.diagnostics()[0].where.line, 8);
    EXPECT_EQ(e.diagnostics()[1].where.line, 9);
  }
  EXPECT_FALSE(fs::exists(p.migrations()));
  EXPECT_EQ(p.sql("SELECT count(*) FROM pg_class WHERE relname = '_prisma_migrations'")[0], "0");
}

TEST(SchemaMigrate, DbPushRefusesDataLossUnlessAccepted) {
  Project p("schema_push");
  p.schema("model Note {\n  id   Int    @id @default(autoincrement())\n  body String\n  tag  String?\n}\n");
  auto first = migrate::push(p.config, {.schema = p.schema_file()});
  EXPECT_TRUE(first.applied);
  p.sql("INSERT INTO \"Note\"(body, tag) VALUES ('x', 'y')");
  p.schema("model Note {\n  id   Int    @id @default(autoincrement())\n  body String\n}\n");
  auto refused = migrate::push(p.config, {.schema = p.schema_file()});
  EXPECT_FALSE(refused.applied);
  ASSERT_EQ(refused.warnings.size(), 1u);
  EXPECT_EQ(refused.warnings[0].message,
            "You are about to drop the column `tag` on the `Note` table, which still contains 1 non-null values.");
  EXPECT_EQ(p.sql("SELECT tag FROM \"Note\"")[0], "y");
  auto accepted = migrate::push(p.config, {.schema = p.schema_file(), .accept_data_loss = true});
  EXPECT_TRUE(accepted.applied);
  EXPECT_EQ(
      p.sql("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'tag'")[0],
      "0");
  EXPECT_FALSE(fs::exists(p.migrations()));
}

TEST(SchemaMigrate, AUrlsSchemaParameterPutsTablesAndHistoryInThatSchema) {
  Project p("schema_param");
  p.config.search_path = "app";  // DATABASE_URL=…?schema=app, as Prisma reads it
  p.schema(kUser);
  auto first = p.dev("init");
  ASSERT_TRUE(first.written);
  EXPECT_EQ(p.sql("SELECT string_agg(table_schema || '.' || table_name, ',' ORDER BY table_name) FROM "
                  "information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")[0],
            "app.User,app._prisma_migrations");
  EXPECT_NE(read(*first.written).find("CREATE SCHEMA IF NOT EXISTS \"app\";"), std::string::npos);
  auto again = p.dev("again");
  EXPECT_FALSE(again.written) << "the second run finds the tables where the first put them";
}

// The shadow cache: the same migrations on the same server are replayed once; the cached catalog
// is the replayed one; an edited migration is replayed again. A user's shadow database shows
// which: it is emptied before a replay, and left alone when the cache answers.
TEST(SchemaMigrate, TheShadowCacheAnswersForTheSameMigrationsAndAnEditIsReplayed) {
  Project p("schema_cache");
  p.server.sql("DROP DATABASE IF EXISTS schema_cache_shadow WITH (FORCE)");
  p.server.sql("CREATE DATABASE schema_cache_shadow");
  const std::string shadow_url = p.server.url("schema_cache_shadow");
  auto marker = [&](bool put) {
    if (put) return p.server.sql("CREATE TABLE marker (id int)", "schema_cache_shadow"), true;
    return p.server.sql("SELECT count(*) FROM pg_class WHERE relname = 'marker'", "schema_cache_shadow")[0] == "1";
  };
  std::string sql = "CREATE TABLE \"User\" (id SERIAL PRIMARY KEY, email TEXT NOT NULL);\n";
  migrate::Migration init{.version = "20250101000000",
                          .name = "init",
                          .file = p.root / "init.sql",
                          .up_sql = sql,
                          .checksum = migrate::checksum(sql)};
  migrate::ShadowDatabase::Options options{.url = shadow_url, .server = p.config, .cache_dir = p.root / "cache"};

  marker(true);
  auto replayed = migrate::ShadowDatabase(options).replay({init});
  EXPECT_FALSE(marker(false)) << "a replay empties the shadow database first";
  marker(true);
  migrate::ShadowDatabase again(options);
  auto cached = again.replay({init});
  EXPECT_TRUE(marker(false)) << "the cache answered: the shadow database was not touched";
  EXPECT_NE(again.description().find("cache"), std::string::npos) << again.description();
  EXPECT_TRUE(cached == replayed);
  ASSERT_EQ(cached.tables.size(), 1u);
  EXPECT_EQ(cached.tables[0].name, "User");

  // Edited: replayed, and the catalog says so.
  init.up_sql = "CREATE TABLE \"User\" (id SERIAL PRIMARY KEY, email TEXT NOT NULL, name TEXT);\n";
  init.checksum = migrate::checksum(init.up_sql);
  auto edited = migrate::ShadowDatabase(options).replay({init});
  EXPECT_FALSE(marker(false));
  ASSERT_EQ(edited.tables.size(), 1u);
  EXPECT_EQ(edited.tables[0].columns.size(), 3u);

  // Off: every replay goes to the database.
  marker(true);
  options.cache_dir = fs::path();
  migrate::ShadowDatabase(options).replay({init});
  EXPECT_FALSE(marker(false));

  // A temporary database on the development server: what one shadow built in two calls (as
  // `migrate dev` replays the applied migrations, then the pending ones) answers the next shadow
  // asking for both at once.
  std::string more_sql = "CREATE TABLE \"Post\" (id SERIAL PRIMARY KEY);\n";
  migrate::Migration more{.version = "20250102000000",
                          .name = "posts",
                          .file = p.root / "posts.sql",
                          .up_sql = more_sql,
                          .checksum = migrate::checksum(more_sql)};
  migrate::ShadowDatabase::Options on_server{.server = p.config, .cache_dir = p.root / "cache"};
  migrate::ShadowDatabase first(on_server);
  first.replay({init});
  auto both = first.replay({more});
  EXPECT_EQ(first.description().find("cache"), std::string::npos) << first.description();
  migrate::ShadowDatabase next(on_server);
  EXPECT_TRUE(next.replay({init, more}) == both);
  EXPECT_NE(next.description().find("cache"), std::string::npos) << next.description();
}

// A cached replay still finds drift: what the cache holds is what the migrations build, and the
// database is read afresh every time.
TEST(SchemaMigrate, DriftIsFoundWhenTheShadowCacheAnswers) {
  Project p("schema_cache_drift");
  p.schema(kUser);
  migrate::DevOptions o;
  o.shadow_cache = p.root / "cache";
  p.dev("init", o);
  EXPECT_FALSE(p.dev("again", o).written);  // fills the cache with what `init` builds
  p.sql("ALTER TABLE \"User\" ADD COLUMN nickname text");
  try {
    p.dev("again", o);
    FAIL() << "expected drift";
  } catch (const migrate::MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("Drift detected"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nickname"), std::string::npos) << e.what();
  }
}
