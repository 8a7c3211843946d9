// Prisma's own schema engine (tests/oracle) against the corpus in tests/fixtures/prisma: Prisma
// accepts every corpus schema; the SQL each source writes for a schema builds it in an empty
// database; the SQL each source writes for a pair's change applies on top of the pair's first
// schema; and Prisma's `migrate deploy` records its history as Prisma does.
//
// A source of SQL is a pair of functions (SqlSource): Prisma's engine and pgkit's. Every case
// runs both, each in a database of its own, and checks that pgkit writes the SQL Prisma writes,
// byte for byte, and that it builds the schema Prisma's builds (pgkit::migrate::dump_schema).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/catalog_diff.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/migrate.hpp"
#include "pgkit/migrator.hpp"
#include "pgkit/schema.hpp"
#include "pgkit/schema_migrate.hpp"
#include "prisma_oracle.hpp"
#include "test_server.hpp"

using namespace pgkit;
using test::DiffSource;
using test::PrismaOracle;

namespace {

using test::config_for;
using test::fresh_database_url;
using test::identifier;
namespace fs = std::filesystem;

const fs::path kPrismaFixtures = fs::path(PGKIT_FIXTURES) / "prisma";

/// One schema of the corpus: a .prisma file, or a folder of them (a multi-file schema).
struct CorpusCase {
  std::string name;  // the file's stem, or the folder's name
  fs::path schema;
};

/// One change: the schema before (a.prisma) and after (b.prisma).
struct PairCase {
  std::string name;  // the folder's name
  fs::path a, b;
};

// What GoogleTest prints for a case's parameter.
void PrintTo(const CorpusCase& c, std::ostream* os) { *os << c.schema; }
void PrintTo(const PairCase& c, std::ostream* os) { *os << c.a.parent_path(); }

/// Where SQL comes from. Prisma is one source; pgkit's renderer will be another.
struct SqlSource {
  std::string name;
  /// SQL creating the case's schema in an empty database.
  std::function<std::string(const CorpusCase&)> create;
  /// SQL taking the database at url_of_a, which holds the pair's schema a, to schema b.
  std::function<std::string(const PairCase&, const std::string& url_of_a)> migrate;
};

std::vector<CorpusCase> corpus_cases() {
  std::vector<CorpusCase> cases;
  for (const auto& entry : fs::directory_iterator(kPrismaFixtures / "corpus")) {
    const fs::path& p = entry.path();
    if (entry.is_directory() || p.extension() == ".prisma") cases.push_back({p.stem().string(), p});
  }
  std::sort(cases.begin(), cases.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  return cases;
}

std::vector<PairCase> pair_cases() {
  std::vector<PairCase> cases;
  for (const auto& entry : fs::directory_iterator(kPrismaFixtures / "pairs")) {
    const fs::path& dir = entry.path();
    if (entry.is_directory()) cases.push_back({dir.filename().string(), dir / "a.prisma", dir / "b.prisma"});
  }
  std::sort(cases.begin(), cases.end(), [](const auto& x, const auto& y) { return x.name < y.name; });
  return cases;
}

/// The oracle, answering about the database at url (the engine always needs a live one).
PrismaOracle prisma_at(const std::string& url) { return PrismaOracle({.database_url = url}); }

/// Prisma's SQL: `migrate diff --from-empty --to schema`, and for a change the script `migrate
/// dev` writes: the engine's diff from the database holding a (as the shadow database would
/// hold it) to b. A diff between the two schema files alone cannot name what only the database
/// knows: dropping an autoincrement default it writes `DROP SEQUENCE ""`.
SqlSource prisma_source() {
  auto& server = test::shared_server();
  return {
      "prisma",
      [&server](const CorpusCase& c) {
        return prisma_at(server.url()).diff(DiffSource::empty(), DiffSource::schema(c.schema));
      },
      [](const PairCase& c, const std::string& url_of_a) {
        return prisma_at(url_of_a).diff(DiffSource::url(url_of_a), DiffSource::schema(c.b));
      },
  };
}

/// pgkit's SQL: the schema's catalog diffed from nothing, and for a change from the database
/// holding a (described) to b — what `pgkit migrate diff` and `pgkit migrate dev` write.
SqlSource pgkit_source() {
  return {
      "pgkit",
      [](const CorpusCase& c) {
        return catalog::render_script(catalog::diff({}, schema::to_catalog(schema::load(c.schema))));
      },
      [](const PairCase& c, const std::string& url_of_a) {
        auto wanted = schema::to_catalog(schema::load(c.b));
        migrate::LoadOptions options;
        options.schemas = wanted.schemas;
        auto live = migrate::load_catalog({migrate::DiffSource::Kind::url, url_of_a}, options);
        return catalog::render_script(catalog::diff(live, wanted));
      },
  };
}

/// Every source, Prisma first: the others are compared with it.
std::vector<SqlSource> sql_sources() { return {prisma_source(), pgkit_source()}; }

/// What the database holds, as pgkit dumps it (for comparisons and failure messages).
std::string dump(const std::string& url) {
  Connection conn(config_for(url));
  return migrate::dump_schema(conn, "_prisma_migrations");
}

/// Run script as `prisma migrate deploy` does: one multi-statement simple query. Returns the
/// error, or an empty string when it applied.
std::string run_script(const std::string& url, const std::string& script) {
  try {
    Connection conn(config_for(url));
    conn.execute("SET client_min_messages = warning");  // not "schema public already exists" for each case
    conn.execute(script);
    return {};
  } catch (const std::exception& e) {
    return e.what();
  }
}

std::string numbered(const std::string& sql) {
  std::stringstream in(sql), out;
  int n = 0;
  for (std::string line; std::getline(in, line);) out << ++n << "\t" << line << "\n";
  return out.str();
}

/// Fail, naming the source and showing its SQL, the error and what the database held.
void report_failure(const std::string& source, const std::string& sql, const std::string& error,
                    const std::string& url) {
  std::string held;
  try {
    held = dump(url);
  } catch (const std::exception& e) {
    held = std::string("(cannot dump: ") + e.what() + ")";
  }
  ADD_FAILURE() << source << "'s SQL did not apply: " << error << "\n--- the SQL\n"
                << numbered(sql) << "--- what the database held (dump_schema)\n"
                << held;
}

/// Each source's SQL applied by build(url) in a database of its own; the schemas dumped from
/// each compared with Prisma's.
void run_every_source(const std::string& case_name,
                      const std::function<std::string(const SqlSource&, const std::string& url)>& sql_for,
                      const std::function<void(const std::string& url)>& prepare = {}) {
  std::map<std::string, std::string> dumps, scripts;
  for (const auto& source : sql_sources()) {
    SCOPED_TRACE("source " + source.name);
    const std::string url = fresh_database_url(identifier("po_" + case_name) + "_" + source.name);
    if (prepare) prepare(url);
    std::string sql;
    try {
      sql = sql_for(source, url);
    } catch (const std::exception& e) {
      ADD_FAILURE() << source.name << " wrote no SQL: " << e.what();
      continue;
    }
    if (std::string error = PrismaOracle::is_empty_migration(sql) ? "" : run_script(url, sql); !error.empty()) {
      report_failure(source.name, sql, error, url);
      continue;
    }
    dumps[source.name] = dump(url);
    scripts[source.name] = sql;
  }
  const auto prisma = dumps.find("prisma");
  if (prisma == dumps.end()) return;
  for (const auto& [name, schema] : dumps) {
    if (name == "prisma") continue;
    // The SQL Prisma writes, byte for byte (the same statements, names, order and comments)…
    EXPECT_EQ(scripts["prisma"], scripts[name]) << name << " writes other SQL than Prisma";
    // …and so the same bytes of dump-schema; when not, what differs, as the catalog differ says it.
    EXPECT_EQ(prisma->second, schema) << name << " builds another schema than Prisma:\n"
                                      << catalog::summary(catalog::diff(catalog::read_snapshot(prisma->second),
                                                                        catalog::read_snapshot(schema)));
  }
}

// ---------------------------------------------------------------------------------------------

class PrismaOracleCorpus : public testing::TestWithParam<CorpusCase> {
 protected:
  void SetUp() override { PrismaOracle::require_installed(); }  // throws, so the test fails, saying how to install
};

TEST_P(PrismaOracleCorpus, PrismaAcceptsTheSchema) {
  const auto& c = GetParam();
  EXPECT_NO_THROW(PrismaOracle().validate(c.schema)) << c.schema;
}

TEST_P(PrismaOracleCorpus, EverySourcesSqlBuildsTheSchemaInAnEmptyDatabase) {
  const auto& c = GetParam();
  run_every_source(c.name, [&c](const SqlSource& source, const std::string&) { return source.create(c); });
}

INSTANTIATE_TEST_SUITE_P(PrismaOracle, PrismaOracleCorpus, testing::ValuesIn(corpus_cases()),
                         [](const auto& info) { return identifier(info.param.name, 100); });

class PrismaOraclePair : public testing::TestWithParam<PairCase> {
 protected:
  void SetUp() override { PrismaOracle::require_installed(); }
};

TEST_P(PrismaOraclePair, EverySourcesSqlTakesTheFirstSchemaToTheSecond) {
  const auto& c = GetParam();
  // Every source starts from the same database: schema a as Prisma builds it.
  auto build_a = [&c](const std::string& url) {
    const std::string sql = prisma_at(url).diff(DiffSource::empty(), DiffSource::schema(c.a));
    if (std::string error = run_script(url, sql); !error.empty()) report_failure("prisma (schema a)", sql, error, url);
  };
  run_every_source(
      c.name, [&c](const SqlSource& source, const std::string& url) { return source.migrate(c, url); }, build_a);
}

INSTANTIATE_TEST_SUITE_P(PrismaOracle, PrismaOraclePair, testing::ValuesIn(pair_cases()),
                         [](const auto& info) { return identifier(info.param.name, 100); });

// ---------------------------------------------------------------------------------------------
// The oracle's other subcommands, on seed 002.

const fs::path kSeed = kPrismaFixtures / "corpus" / "002_seed.prisma";
const fs::path kSeedEvolved = kPrismaFixtures / "pairs" / "seed_002_evolves" / "b.prisma";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

/// A scratch directory under the system's temporary directory, removed at the end of the test.
struct ScratchDir {
  explicit ScratchDir(const std::string& name)
      : path(fs::temp_directory_path() / ("pgkit-prisma-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() { fs::remove_all(path); }
  fs::path path;
};

/// Seed 002 as a Prisma migrations directory: the schema, then its evolution, each script
/// written by Prisma (the second from the first replayed on a shadow database).
void seed_migrations(const PrismaOracle& prisma, const fs::path& dir) {
  write_file(dir / "migration_lock.toml", "provider = \"postgresql\"\n");
  write_file(dir / "20240101000000_init" / "migration.sql",
             prisma.diff(DiffSource::empty(), DiffSource::schema(kSeed)));
  write_file(dir / "20240201000000_evolve" / "migration.sql",
             prisma.diff(DiffSource::migrations(dir), DiffSource::schema(kSeedEvolved)));
}

class PrismaOracleCommands : public testing::Test {
 protected:
  void SetUp() override { PrismaOracle::require_installed(); }
};

TEST_F(PrismaOracleCommands, ApplyMigrationsRecordsEachInPrismaMigrationsWithItsChecksum) {
  const std::string url = fresh_database_url("po_apply_migrations");
  PrismaOracle prisma = prisma_at(url);
  ScratchDir dir("apply");
  seed_migrations(prisma, dir.path);

  const std::vector<std::string> names = {"20240101000000_init", "20240201000000_evolve"};
  EXPECT_EQ(prisma.apply_migrations(dir.path), names);

  auto& server = test::shared_server();
  auto rows = server.sql(
      "SELECT concat_ws(' ', migration_name, checksum, applied_steps_count, finished_at IS NOT NULL, "
      "rolled_back_at IS NULL, coalesce(logs, '-')) FROM _prisma_migrations ORDER BY migration_name",
      "po_apply_migrations");
  ASSERT_EQ(rows.size(), 2u) << dump(url);
  for (size_t i = 0; i < names.size(); ++i) {
    // Prisma's checksum is the SHA-256 of migration.sql as it is on disk.
    const std::string checksum = migrate::checksum(read_file(dir.path / names[i] / "migration.sql"));
    EXPECT_EQ(rows[i], names[i] + " " + checksum + " 1 t t -");  // one step, finished, not rolled back, no logs
  }
  // The second migration ran: Post has the column it adds.
  EXPECT_EQ(server.sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'Post' "
                       "AND column_name = 'views'",
                       "po_apply_migrations"),
            std::vector<std::string>{"views"});
  EXPECT_TRUE(prisma.apply_migrations(dir.path).empty()) << "a second deploy applies nothing";
  EXPECT_NE(prisma.status(dir.path).find("\"history\": null"), std::string::npos) << prisma.status(dir.path);
}

TEST_F(PrismaOracleCommands, StatusReportsAFailedMigrationUntilItIsResolved) {
  const std::string url = fresh_database_url("po_status");
  PrismaOracle prisma = prisma_at(url);
  ScratchDir dir("status");
  seed_migrations(prisma, dir.path);
  write_file(dir.path / "20240301000000_broken" / "migration.sql", "SELECT no_such_function();\n");

  EXPECT_THROW(prisma.apply_migrations(dir.path), test::PrismaOracleError);
  const std::string failed = prisma.status(dir.path);
  EXPECT_NE(failed.find("\"failedMigrationNames\": [\n    \"20240301000000_broken\"\n  ]"), std::string::npos)
      << failed;

  prisma.mark_rolled_back("20240301000000_broken");
  prisma.mark_applied(dir.path, "20240301000000_broken");
  const std::string resolved = prisma.status(dir.path);
  EXPECT_NE(resolved.find("\"failedMigrationNames\": []"), std::string::npos) << resolved;
  EXPECT_NE(resolved.find("\"history\": null"), std::string::npos) << resolved;
}

TEST_F(PrismaOracleCommands, CreateMigrationWritesWhatMigrateDevWould) {
  PrismaOracle prisma = prisma_at(test::shared_server().url());
  ScratchDir dir("create");
  const std::string first = prisma.create_migration(kSeed, dir.path, "init");
  ASSERT_EQ(first.size(), 14 + std::string("_init").size()) << first;  // <UTC YYYYMMDDHHMMSS>_init
  EXPECT_TRUE(std::all_of(first.begin(), first.begin() + 14, [](char ch) { return std::isdigit(ch); })) << first;
  EXPECT_NE(read_file(dir.path / "migration_lock.toml").find("provider = \"postgresql\""), std::string::npos);
  const std::string script = read_file(dir.path / first / "migration.sql");
  EXPECT_NE(script.find("CREATE TABLE \"Session\""), std::string::npos) << script;

  // With the history in place, the next migration holds only the change.
  fs::rename(dir.path / first, dir.path / "20240101000000_init");
  const std::string second = prisma.create_migration(kSeedEvolved, dir.path, "evolve");
  const std::string change = read_file(dir.path / second / "migration.sql");
  EXPECT_NE(change.find("ALTER TYPE \"UserRole\" ADD VALUE 'EDITOR'"), std::string::npos) << change;
  EXPECT_EQ(change.find("CREATE TABLE"), std::string::npos) << change;
}

TEST_F(PrismaOracleCommands, IntrospectReadsTheSeedSchemaBack) {
  const std::string url = fresh_database_url("po_introspect");
  PrismaOracle prisma = prisma_at(url);
  ASSERT_EQ(run_script(url, prisma.diff(DiffSource::empty(), DiffSource::schema(kSeed))), "");
  const std::string pulled = prisma.introspect();
  for (const char* part : {"enum UserRole {", "model User {", "model MagicLink {", "model Session {", "model Post {",
                           "@@index([published, createdAt])", "onDelete: Cascade"}) {
    EXPECT_NE(pulled.find(part), std::string::npos) << part << " not in\n" << pulled;
  }
}

TEST_F(PrismaOracleCommands, ValidateAndFormatAnswerAsPrismaDoes) {
  ScratchDir dir("validate");
  const std::string datasource = "datasource db {\n  provider = \"postgresql\"\n}\n";
  write_file(dir.path / "bad.prisma", datasource + "model NoKey {\n  name String\n}\n");
  try {
    PrismaOracle().validate(dir.path / "bad.prisma");
    ADD_FAILURE() << "Prisma accepted a model without a unique criterion";
  } catch (const test::PrismaOracleError& e) {
    EXPECT_EQ(e.exit_code(), 1);
    EXPECT_NE(e.prisma_error().find("Each model must have at least one unique criteria"), std::string::npos)
        << e.what();
  }
  write_file(dir.path / "messy.prisma", datasource + "model A {\nid Int @id\n  longName   String\n}\n");
  EXPECT_EQ(PrismaOracle().format(dir.path / "messy.prisma"),
            datasource + "\nmodel A {\n  id       Int    @id\n  longName String\n}\n");
}

// ---------------------------------------------------------------------------------------------
// Switching: Prisma and pgkit take turns on one database and one migrations directory.

TEST_F(PrismaOracleCommands, PgkitTakesOverADatabasePrismaDeployedAndPrismaTakesItBack) {
  const std::string url = fresh_database_url("po_takeover");
  PrismaOracle prisma = prisma_at(url);
  ScratchDir project("takeover");
  const fs::path dir = project.path / "migrations";
  write_file(dir / "migration_lock.toml", "provider = \"postgresql\"\n");
  write_file(dir / "20240101000000_init" / "migration.sql",
             prisma.diff(DiffSource::empty(), DiffSource::schema(kSeed)));
  ASSERT_EQ(prisma.apply_migrations(dir), std::vector<std::string>{"20240101000000_init"});

  // pgkit reads Prisma's history: nothing pending, nothing drifted.
  Config config = config_for(url);
  {
    migrate::Migrator m(config, {.dir = dir, .table = migrate::history_table(dir)});
    ASSERT_TRUE(m.prisma());
    auto status = m.status();
    ASSERT_EQ(status.size(), 1u);
    EXPECT_EQ(status[0].state, migrate::State::applied);
    EXPECT_TRUE(m.up().versions.empty());
  }
  auto drift = migrate::check_drift(config, dir, kSeed, std::nullopt);
  EXPECT_EQ(drift.database, "") << drift.database;
  EXPECT_EQ(drift.schema, "") << drift.schema;

  // pgkit continues the directory with the next change.
  write_file(project.path / "schema.prisma", read_file(kSeedEvolved));
  auto result = migrate::dev(config, {.name = "evolve", .schema = project.path / "schema.prisma", .dir = dir});
  ASSERT_TRUE(result.written);
  ASSERT_EQ(result.applied.size(), 1u);

  // Prisma sees the history as its own: up to date, nothing to deploy, no drift.
  const std::string status = prisma.status(dir);
  EXPECT_NE(status.find("\"history\": null"), std::string::npos) << status;
  EXPECT_NE(status.find("\"failedMigrationNames\": []"), std::string::npos) << status;
  EXPECT_NE(status.find("\"editedMigrationNames\": []"), std::string::npos) << status;
  EXPECT_TRUE(prisma.apply_migrations(dir).empty());
  EXPECT_TRUE(PrismaOracle::is_empty_migration(prisma.diff(DiffSource::url(url), DiffSource::schema(kSeedEvolved))))
      << "Prisma finds a difference between the database pgkit migrated and the schema";
}

TEST_F(PrismaOracleCommands, PrismaContinuesADirectoryPgkitStarted) {
  const std::string url = fresh_database_url("po_giveback");
  ScratchDir project("giveback");
  const fs::path dir = project.path / "migrations";
  write_file(project.path / "schema.prisma", read_file(kSeed));
  Config config = config_for(url);
  auto result = migrate::dev(config, {.name = "init", .schema = project.path / "schema.prisma", .dir = dir});
  ASSERT_TRUE(result.written);

  PrismaOracle prisma = prisma_at(url);
  const std::string status = prisma.status(dir);
  EXPECT_NE(status.find("\"history\": null"), std::string::npos) << status;
  EXPECT_TRUE(prisma.apply_migrations(dir).empty());
  // Prisma writes the next migration on top of pgkit's, and pgkit deploys it.
  const std::string next = prisma.create_migration(kSeedEvolved, dir, "evolve");
  migrate::Migrator m(config, {.dir = dir, .table = migrate::history_table(dir)});
  EXPECT_EQ(m.up().versions.size(), 1u);
  EXPECT_EQ(dump(url), [&] {
    const std::string reference = fresh_database_url("po_giveback_ref");
    prisma_at(reference).apply_migrations(dir);
    return dump(reference);
  }());
  (void)next;
}

}  // namespace
