// `db pull` against real PostgreSQL (the shared test server, one database per test): the
// round-trip property — schema::to_catalog(schema::parse(introspect(describe(db)))) diffed
// against describe(db) gives no steps — on pgkit-server's own migrations/ and on databases built
// from schemas (by pgkit's SQL and by Prisma's); re-introspection keeping the user's names and
// documentation; and, with Prisma's schema engine as the oracle (tests/oracle), the same text
// as Prisma's own `db pull` on Prisma-built databases.
//
// Not asked of the oracle: the migrations/ database. Its tables have CHECK constraints, and the
// oracle's adapter hands the engine's describer their `contype` ("char") as text, which the
// engine cannot read (it panics): tests/oracle/prisma.mjs needs the column as a Character.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "pgkit/catalog_diff.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/introspect.hpp"
#include "pgkit/migrate.hpp"
#include "prisma_oracle.hpp"
#include "test_server.hpp"

using namespace pgkit;

namespace {

using test::config_for;
using test::fresh_database_url;
using test::identifier;
namespace fs = std::filesystem;

const fs::path kFixtures = fs::path(PGKIT_FIXTURES);
const fs::path kIntrospect = kFixtures / "introspect";
const fs::path kMigrations = kFixtures / "server-sql-first-migrations";  // pgkit-server's, before schema.prisma

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void execute(const std::string& url, const std::string& script) {
  Connection conn(config_for(url));
  conn.execute("SET client_min_messages = warning");
  conn.execute(script);
}

catalog::Catalog describe(const std::string& url) {
  Connection conn(config_for(url));
  return catalog::describe(conn);
}

/// The database a schema describes, built by pgkit's own SQL for it.
void build_with_pgkit(const std::string& url, const schema::Schema& schema) {
  std::string script = catalog::render_script(catalog::diff({}, schema::to_catalog(schema)));
  if (!script.empty()) execute(url, script);
}

/// The database a schema describes, built by Prisma's SQL for it (`migrate diff --from-empty`).
void build_with_prisma(const std::string& url, const fs::path& schema) {
  std::string script =
      test::PrismaOracle({.database_url = url}).diff(test::DiffSource::empty(), test::DiffSource::schema(schema));
  if (!test::PrismaOracle::is_empty_migration(script)) execute(url, script);
}

/// Pull the database and check the round trip: the pulled schema, calculated again, is the
/// database — nothing to do either way.
schema::IntrospectResult pull_and_round_trip(const catalog::Catalog& db, const schema::Schema* previous = nullptr) {
  auto pulled = schema::introspect(db, {.previous = previous});
  schema::Schema again;
  try {
    again = schema::parse({{.path = "schema.prisma", .text = pulled.text}});
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the pulled schema does not parse: " << e.what() << "\n" << pulled.text;
    return pulled;
  }
  auto forward = catalog::diff(db, schema::to_catalog(again));
  EXPECT_TRUE(forward.empty()) << "the pulled schema is not the database; migrating the database to it would run:\n"
                               << catalog::render_script(forward) << "--- the pulled schema\n"
                               << pulled.text;
  // The other way only when every table was read: a schema without `schemas` speaks for one.
  std::vector<std::string> read_schemas =
      again.datasource.schemas.empty() ? std::vector<std::string>{"public"} : again.datasource.schemas;
  bool all_read = std::all_of(db.tables.begin(), db.tables.end(), [&](const catalog::Table& t) {
    return std::find(read_schemas.begin(), read_schemas.end(), t.schema) != read_schemas.end();
  });
  if (all_read) {
    // Extensions a schema lists only with the postgresqlExtensions preview feature: the
    // database's others are not the pulled schema's to create.
    auto backward = catalog::diff(schema::to_catalog(again), db);
    std::erase_if(backward.steps,
                  [](const catalog::Step& s) { return s.kind == catalog::Step::Kind::create_extension; });
    EXPECT_TRUE(backward.empty()) << "the database is not the pulled schema:\n" << catalog::summary(backward);
  }
  return pulled;
}

std::vector<fs::path> schema_cases() {
  std::vector<fs::path> out;
  for (const auto& dir : {kIntrospect / "schemas", kFixtures / "prisma" / "corpus"})
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_directory() || e.path().extension() == ".prisma") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> own_schemas() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kIntrospect / "schemas")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string case_name(const fs::path& p) {
  return identifier(p.parent_path().filename().string() + "_" + p.stem().string(), 100);
}

// ---------------------------------------------------------------------------------------------

// pgkit-server's SQL-first schema (before prisma/schema.prisma). Prisma's own differ finds
// nothing to do between this database and the pulled schema; pgkit's must see an identity
// column as autoincrement() and leave indexes on expressions alone, as Prisma's describer does
// (it reads neither).
TEST(IntrospectDatabase, RepositoryMigrationsRoundTripThroughDbPull) {
  const std::string url = fresh_database_url("intro_migrations");
  for (const auto& m : migrate::read_directory(kMigrations)) execute(url, m.up_sql);
  auto pulled = pull_and_round_trip(describe(url));
  // What Prisma says about it too: one model a table, the CHECKs and the expression index warned.
  EXPECT_NE(pulled.text.find("model users {"), std::string::npos) << pulled.text;
  EXPECT_NE(pulled.text.find("enum user_role {"), std::string::npos) << pulled.text;
  std::string warnings = schema::warnings_text(pulled.warnings);
  EXPECT_NE(warnings.find("Model: \"users\", constraint: \"users_email_check\""), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("Model: \"users\", constraint: \"users_email_lower_key\""), std::string::npos) << warnings;
}

class IntrospectSchema : public testing::TestWithParam<fs::path> {};

TEST_P(IntrospectSchema, DatabaseBuiltFromTheSchemaRoundTrips) {
  schema::Schema original = schema::load(GetParam());
  const std::string url = fresh_database_url("intro_" + identifier(GetParam().stem().string()));
  build_with_pgkit(url, original);
  catalog::Catalog db = describe(url);
  if (original.datasource.schemas.empty()) {
    SCOPED_TRACE("a new schema");
    pull_and_round_trip(db);
  }
  SCOPED_TRACE("re-introspected");
  pull_and_round_trip(db, &original);
}

INSTANTIATE_TEST_SUITE_P(IntrospectDatabase, IntrospectSchema, testing::ValuesIn(schema_cases()),
                         [](const auto& info) { return case_name(info.param); });

TEST(IntrospectDatabase, ReintrospectionKeepsTheUsersNamesDocumentationAndBlocks) {
  const fs::path before = kIntrospect / "reintrospect" / "before.prisma";
  schema::Schema previous = schema::load(before);
  const std::string url = fresh_database_url("intro_reintrospect");
  build_with_pgkit(url, previous);
  execute(url, read(kIntrospect / "reintrospect" / "changes.sql"));
  auto pulled = pull_and_round_trip(describe(url), &previous);
  EXPECT_EQ(pulled.text, read(kIntrospect / "reintrospect" / "after.prisma"));
  ASSERT_EQ(pulled.files.size(), 1u);
  EXPECT_EQ(pulled.files[0].path, before.string());
}

TEST(IntrospectDatabase, AMultiFileSchemaIsPulledIntoItsFiles) {
  const fs::path folder = kFixtures / "prisma" / "corpus" / "100_multi_file";
  schema::Schema previous = schema::load(folder);
  const std::string url = fresh_database_url("intro_multi_file");
  build_with_pgkit(url, previous);
  execute(url, "CREATE TABLE \"Coupon\" (id INTEGER PRIMARY KEY)");
  auto pulled = pull_and_round_trip(describe(url), &previous);
  ASSERT_EQ(pulled.files.size(), previous.files.size());
  for (const auto& f : pulled.files) {
    std::string stem = fs::path(f.path).stem().string();
    if (stem == "order") {
      EXPECT_NE(f.text.find("model Order {"), std::string::npos) << f.text;
    }
    if (stem == "user") {
      EXPECT_NE(f.text.find("enum Status {"), std::string::npos) << f.text;
    }
    if (f.text.find("datasource db") != std::string::npos) {  // new models go where the datasource is
      EXPECT_NE(f.text.find("model Coupon {"), std::string::npos) << f.text;
    }
  }
}

// ---- Prisma's own `db pull` on the same databases ------------------------------------------

class IntrospectLikePrisma : public testing::TestWithParam<fs::path> {
 protected:
  void SetUp() override { test::PrismaOracle::require_installed(); }  // throws: fails, saying how to install
};

TEST_P(IntrospectLikePrisma, PrismaBuiltDatabaseIsPulledAsPrismaPullsIt) {
  const fs::path path = GetParam();
  const std::string url = fresh_database_url("intro_prisma_" + identifier(path.stem().string()));
  build_with_prisma(url, path);
  test::PrismaOracle prisma({.database_url = url});
  catalog::Catalog db = describe(url);
  {
    SCOPED_TRACE("a new schema (base.prisma: the configuration blocks only)");
    schema::Schema base = schema::load(kIntrospect / "base.prisma");
    auto pulled = pull_and_round_trip(db, &base);
    EXPECT_EQ(pulled.text, prisma.introspect(kIntrospect / "base.prisma"));
  }
  {
    SCOPED_TRACE("re-introspected with the schema itself");
    schema::Schema original = schema::load(path);
    auto pulled = pull_and_round_trip(db, &original);
    EXPECT_EQ(pulled.text, prisma.introspect(path));
  }
}

INSTANTIATE_TEST_SUITE_P(IntrospectDatabase, IntrospectLikePrisma, testing::ValuesIn(own_schemas()),
                         [](const auto& info) { return identifier(info.param.stem().string(), 100); });

TEST(IntrospectDatabase, ReintrospectionIsPrismasOnAChangedDatabase) {
  test::PrismaOracle::require_installed();
  const fs::path before = kIntrospect / "reintrospect" / "before.prisma";
  const std::string url = fresh_database_url("intro_prisma_reintrospect");
  build_with_prisma(url, before);
  execute(url, read(kIntrospect / "reintrospect" / "changes.sql"));
  schema::Schema previous = schema::load(before);
  auto pulled = pull_and_round_trip(describe(url), &previous);
  EXPECT_EQ(pulled.text, test::PrismaOracle({.database_url = url}).introspect(before));
}

// The corpus's databases, built by Prisma, pulled by both with a bare schema: the same text.
class IntrospectCorpusLikePrisma : public testing::TestWithParam<fs::path> {
 protected:
  void SetUp() override { test::PrismaOracle::require_installed(); }
};

TEST_P(IntrospectCorpusLikePrisma, PrismaBuiltDatabaseIsPulledAsPrismaPullsIt) {
  const fs::path path = GetParam();
  const std::string url = fresh_database_url("intro_corpus_" + identifier(path.stem().string()));
  build_with_prisma(url, path);
  schema::Schema base = schema::load(kIntrospect / "base.prisma");
  auto pulled = pull_and_round_trip(describe(url), &base);
  EXPECT_EQ(pulled.text, test::PrismaOracle({.database_url = url}).introspect(kIntrospect / "base.prisma"));
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kFixtures / "prisma" / "corpus")) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(IntrospectDatabase, IntrospectCorpusLikePrisma, testing::ValuesIn(corpus()),
                         [](const auto& info) { return identifier(info.param.stem().string(), 100); });

}  // namespace
