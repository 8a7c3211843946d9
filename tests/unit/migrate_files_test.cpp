// Migration files on disk: every supported format, the problems a directory can have (all
// reported at once, each naming its file), checksums, and splitting scripts into statements.
// No database: fixtures live in tests/fixtures/migrations/<case>/; byte-level cases (CRLF,
// invalid UTF-8, a BOM) are written into a temporary directory by the test itself.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "pgkit/migrate.hpp"

namespace pgkit::migrate {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) { return fs::path(PGKIT_FIXTURES) / "migrations" / name; }

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("pgkit-migrate-files-test") {}
};

// The message of the MigrationError read_directory throws for dir ("" when it does not throw).
std::string problems_of(const fs::path& dir) {
  try {
    read_directory(dir);
  } catch (const MigrationError& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> sqls(const std::vector<Statement>& statements) {
  std::vector<std::string> out;
  for (const auto& s : statements) out.push_back(s.sql);
  return out;
}

std::vector<std::string> versions(const std::vector<Migration>& migrations) {
  std::vector<std::string> out;
  for (const auto& m : migrations) out.push_back(m.version);
  return out;
}

using Strings = std::vector<std::string>;

// ---- formats ----------------------------------------------------------------------------------

TEST(MigrationFormats, PgkitFilesGiveSectionsFirstLinesAndTransactionOptions) {
  auto migrations = read_directory(fixture("pgkit"));
  ASSERT_EQ(migrations.size(), 3u) << "README.md, notes.txt, schema.sql, hidden files and subdirectories are ignored";
  EXPECT_EQ(versions(migrations), (Strings{"20240101120000", "20240102090000", "20240103000000"}));

  const auto& users = migrations[0];
  EXPECT_EQ(users.name, "create_users");
  EXPECT_EQ(users.format, "pgkit");
  EXPECT_EQ(users.file, fixture("pgkit") / "20240101120000_create_users.sql");
  EXPECT_FALSE(users.down_file);
  EXPECT_EQ(users.up_first_line, 3);
  EXPECT_EQ(users.up_sql,
            "CREATE TABLE users (\n  id bigserial PRIMARY KEY,\n  email text NOT NULL UNIQUE\n);\n"
            "INSERT INTO users (email) VALUES ('admin@example.com');\n\n");
  ASSERT_TRUE(users.down_sql);
  EXPECT_EQ(*users.down_sql, "DROP TABLE users;\n");
  EXPECT_EQ(users.down_first_line, 10);
  EXPECT_TRUE(users.up_in_transaction);
  EXPECT_TRUE(users.down_in_transaction);
  EXPECT_TRUE(users.up_statements.empty());

  const auto& index = migrations[1];
  EXPECT_EQ(index.name, "index_users_email");
  EXPECT_FALSE(index.up_in_transaction) << "-- migrate:up transaction:false";
  EXPECT_FALSE(index.down_in_transaction) << "-- migrate:down transaction:false";
  EXPECT_EQ(index.up_first_line, 2);
  EXPECT_EQ(index.down_first_line, 5);
  EXPECT_EQ(*index.down_sql, "DROP INDEX CONCURRENTLY users_email_lower_idx;\n");

  const auto& roles = migrations[2];
  EXPECT_FALSE(roles.down_sql) << "no down section: cannot be rolled back";
  EXPECT_EQ(roles.up_sql, "ALTER TABLE users ADD COLUMN role text NOT NULL DEFAULT 'member';\n");
}

TEST(MigrationFormats, GolangMigratePairsUpAndDownFilesAndOrdersVersionsAsNumbers) {
  auto migrations = read_directory(fixture("golang_migrate"));
  ASSERT_EQ(migrations.size(), 3u);
  EXPECT_EQ(versions(migrations), (Strings{"1", "2", "10"})) << "10 after 2: numbers, not text";
  for (const auto& m : migrations) {
    EXPECT_EQ(m.format, "golang-migrate");
    EXPECT_EQ(m.up_first_line, 1);
  }
  EXPECT_EQ(migrations[0].name, "create_users");
  EXPECT_EQ(migrations[0].file.filename(), "1_create_users.up.sql");
  ASSERT_TRUE(migrations[0].down_file);
  EXPECT_EQ(migrations[0].down_file->filename(), "1_create_users.down.sql");
  EXPECT_EQ(migrations[0].down_sql.value_or(""), "DROP TABLE users;\n");
  EXPECT_EQ(migrations[0].down_first_line, 1);
  EXPECT_EQ(migrations[1].name, "add_posts");
  EXPECT_FALSE(migrations[1].down_file);
  EXPECT_FALSE(migrations[1].down_sql);
  EXPECT_EQ(migrations[2].down_sql.value_or(""), "DROP INDEX posts_user_id_idx;\n");
}

TEST(MigrationFormats, GooseSectionsStatementBlocksAndNoTransaction) {
  auto migrations = read_directory(fixture("goose"));
  ASSERT_EQ(migrations.size(), 3u);
  EXPECT_EQ(versions(migrations), (Strings{"00001", "00002", "00003"}));

  const auto& users = migrations[0];
  EXPECT_EQ(users.format, "goose");
  EXPECT_EQ(users.name, "create_users");
  EXPECT_EQ(users.up_first_line, 2);
  EXPECT_EQ(users.up_sql,
            "CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL);\n"
            "CREATE TABLE posts (id bigserial PRIMARY KEY, user_id bigint REFERENCES users);\n\n");
  EXPECT_EQ(users.down_first_line, 6);
  EXPECT_EQ(users.down_sql.value_or(""), "DROP TABLE posts;\nDROP TABLE users;\n");
  EXPECT_TRUE(users.up_statements.empty()) << "no StatementBegin: the engine splits up_sql itself";
  EXPECT_TRUE(users.up_in_transaction);

  const auto& touch = migrations[1];
  const std::string function =
      "CREATE FUNCTION touch() RETURNS trigger AS $$\nBEGIN\n  NEW.updated_at := now();\n  RETURN NEW;\nEND;\n"
      "$$ LANGUAGE plpgsql";
  EXPECT_EQ(touch.up_statements,
            (Strings{"ALTER TABLE users ADD COLUMN updated_at timestamptz", function,
                     "CREATE TRIGGER users_touch BEFORE UPDATE ON users FOR EACH ROW EXECUTE FUNCTION touch()"}));
  EXPECT_EQ(touch.down_statements, (Strings{"DROP TRIGGER users_touch ON users", "DROP FUNCTION touch()",
                                            "ALTER TABLE users DROP COLUMN updated_at"}));
  EXPECT_EQ(touch.up_sql.find("+goose"), std::string::npos) << "annotations are not SQL";
  EXPECT_NE(touch.up_sql.find("RETURN NEW;"), std::string::npos);
  // Annotation lines are blanked, not removed: line numbers in up_sql still match the file.
  EXPECT_EQ(split_statements(touch.up_sql)[2].line + touch.up_first_line - 1, 11);
  EXPECT_EQ(touch.down_first_line, 14);

  const auto& index = migrations[2];
  EXPECT_FALSE(index.up_in_transaction) << "-- +goose NO TRANSACTION";
  EXPECT_FALSE(index.down_in_transaction);
  EXPECT_EQ(index.up_first_line, 3);
  EXPECT_FALSE(index.down_sql);
}

TEST(MigrationFormats, SplitPairsAnUpFileWithItsDashDownFile) {
  auto migrations = read_directory(fixture("split"));
  ASSERT_EQ(migrations.size(), 2u);
  EXPECT_EQ(versions(migrations), (Strings{"001", "002"}));
  EXPECT_EQ(migrations[0].format, "split");
  EXPECT_EQ(migrations[0].name, "create_users");
  EXPECT_EQ(migrations[0].up_sql, "CREATE TABLE users (id bigserial PRIMARY KEY);\n");
  ASSERT_TRUE(migrations[0].down_file);
  EXPECT_EQ(migrations[0].down_file->filename(), "001_create_users-down.sql");
  EXPECT_EQ(migrations[0].down_sql.value_or(""), "DROP TABLE users;\n");
  EXPECT_EQ(migrations[1].name, "add_posts");
  EXPECT_FALSE(migrations[1].down_sql);
  EXPECT_EQ(migrations[1].up_first_line, 1);
}

TEST(MigrationFormats, PrismaMigrationDirectoriesAreUpOnly) {
  auto migrations = read_directory(fixture("prisma"));
  ASSERT_EQ(migrations.size(), 2u) << "migration_lock.toml and other directories are ignored";
  EXPECT_EQ(versions(migrations), (Strings{"20240101120000", "20240215093000"}));
  EXPECT_EQ(migrations[0].format, "prisma");
  EXPECT_EQ(migrations[0].name, "init");
  EXPECT_EQ(migrations[0].file, fixture("prisma") / "20240101120000_init" / "migration.sql");
  EXPECT_NE(migrations[0].up_sql.find("CREATE TABLE \"User\""), std::string::npos);
  EXPECT_EQ(migrations[1].name, "add_posts");
  for (const auto& m : migrations) EXPECT_FALSE(m.down_sql);
}

TEST(MigrationFormats, FlywayVersionedFilesAreUpOnly) {
  auto migrations = read_directory(fixture("flyway"));
  ASSERT_EQ(migrations.size(), 3u);
  EXPECT_EQ(versions(migrations), (Strings{"1", "2", "10"}));
  EXPECT_EQ(migrations[0].format, "flyway");
  EXPECT_EQ(migrations[0].name, "create_users");
  EXPECT_EQ(migrations[2].name, "index_posts");
  for (const auto& m : migrations) EXPECT_FALSE(m.down_sql);
}

TEST(MigrationFormats, AnEmptyDirectoryHasNoMigrations) {
  TempDir dir;
  EXPECT_TRUE(read_directory(dir.path()).empty());
  dir.write("README.md", "# nothing yet\n");
  EXPECT_TRUE(read_directory(dir.path()).empty());
}

TEST(MigrationFormats, AGooseFileWithTwoStatementBlocksKeepsOrder) {
  TempDir dir;
  dir.write("1_x.sql",
            "-- +goose Up\n"
            "-- +goose StatementBegin\nSELECT 'a;b';\nSELECT 2;\n-- +goose StatementEnd\n"
            "SELECT 3; SELECT 4;\n"
            "-- +goose StatementBegin\nDO $$ BEGIN PERFORM 5; END $$;\n-- +goose StatementEnd\n");
  auto m = read_directory(dir.path()).at(0);
  EXPECT_EQ(m.up_statements,
            (Strings{"SELECT 'a;b';\nSELECT 2", "SELECT 3", "SELECT 4", "DO $$ BEGIN PERFORM 5; END $$"}));
}

// ---- bytes: line endings, BOM, UTF-8 ------------------------------------------------------------

TEST(MigrationBytes, CrlfAndLfFilesHaveTheSameChecksum) {
  TempDir lf, crlf;
  lf.write("001_users.sql",
           "-- migrate:up\nCREATE TABLE users (id bigint);\nSELECT 1;\n-- migrate:down\nDROP TABLE users;\n");
  crlf.write(
      "001_users.sql",
      "-- migrate:up\r\nCREATE TABLE users (id bigint);\r\nSELECT 1;\r\n-- migrate:down\r\nDROP TABLE users;\r\n");
  auto a = read_directory(lf.path()).at(0);
  auto b = read_directory(crlf.path()).at(0);
  EXPECT_EQ(a.checksum, b.checksum);
  EXPECT_EQ(a.checksum, checksum("CREATE TABLE users (id bigint);\nSELECT 1;\n"));
  EXPECT_EQ(b.down_first_line, 5);
  EXPECT_EQ(b.up_first_line, 2);
  EXPECT_EQ(b.down_sql.value_or(""), "DROP TABLE users;\r\n") << "files are read as they are";
}

TEST(MigrationBytes, ChecksumIsLowercaseSha256Hex) {
  EXPECT_EQ(checksum(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(checksum("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(checksum("a\r\nb\r\n"), checksum("a\nb\n"));
  EXPECT_NE(checksum("a\rb"), checksum("a\nb")) << "only CRLF is a line ending to normalise";
}

TEST(MigrationBytes, EveryMigrationCarriesTheChecksumOfItsUpSql) {
  for (const auto* name : {"pgkit", "golang_migrate", "goose", "split", "prisma", "flyway"}) {
    for (const auto& m : read_directory(fixture(name))) {
      EXPECT_EQ(m.checksum, checksum(m.up_sql)) << m.file;
      EXPECT_EQ(m.checksum.size(), 64u);
    }
  }
}

TEST(MigrationBytes, AByteOrderMarkIsStripped) {
  TempDir dir;
  dir.write("001_users.sql", "\xEF\xBB\xBF-- migrate:up\nCREATE TABLE users (id bigint);\n");
  auto m = read_directory(dir.path()).at(0);
  EXPECT_EQ(m.format, "pgkit") << "the marker on the first line is found behind the BOM";
  EXPECT_EQ(m.up_sql, "CREATE TABLE users (id bigint);\n");
}

TEST(MigrationBytes, AFileThatIsNotUtf8IsReportedWithByteOffsetAndLine) {
  TempDir dir;
  dir.write("001_users.sql", "-- migrate:up\nINSERT INTO t VALUES ('caf\xE9');\n");  // Latin-1 é
  dir.write("002_posts.sql", "-- migrate:up\nSELECT '\xC3\xA9 is fine';\n");
  dir.write("003_overlong.sql", "-- migrate:up\nSELECT '\xC0\xAF';\n");
  auto message = problems_of(dir.path());
  EXPECT_NE(message.find("001_users.sql: is not valid UTF-8 (byte offset 40, line 2)"), std::string::npos) << message;
  EXPECT_NE(message.find("003_overlong.sql: is not valid UTF-8"), std::string::npos) << message;
  EXPECT_EQ(message.find("002_posts.sql"), std::string::npos) << message;
}

TEST(MigrationBytes, AnUnreadableFileIsAProblem) {
  TempDir dir;
  dir.write("001_users.sql", "-- migrate:up\nSELECT 1;\n");
  fs::create_symlink(dir.path() / "nowhere.sql", dir.path() / "002_gone.sql");  // cannot be opened, even by root
  auto message = problems_of(dir.path());
  EXPECT_NE(message.find("002_gone.sql: cannot be read"), std::string::npos) << message;
}

// ---- problems -------------------------------------------------------------------------------------

TEST(MigrationProblems, AMissingDirectoryIsAnErrorThatSaysWhatToDo) {
  auto message = problems_of(fixture("does_not_exist"));
  EXPECT_NE(message.find("does_not_exist not found — create it or pass --dir"), std::string::npos) << message;
}

TEST(MigrationProblems, MixedFormatsNameEachFormatAndAnExample) {
  auto message = problems_of(fixture("bad_mixed"));
  EXPECT_NE(message.find("mixes migration formats"), std::string::npos) << message;
  EXPECT_NE(message.find("pgkit (e.g. 001_create_users.sql)"), std::string::npos) << message;
  EXPECT_NE(message.find("golang-migrate (e.g. 2_add_posts.up.sql)"), std::string::npos) << message;
  EXPECT_NE(message.find("bad_mixed: "), std::string::npos) << "the directory is named: " << message;
}

TEST(MigrationProblems, APgkitFileMissingItsMarkerAmongPgkitFilesIsNamed) {
  auto message = problems_of(fixture("bad_missing_marker"));
  EXPECT_NE(message.find("002_add_posts.sql: has no `-- migrate:up` line, but the other migrations here use pgkit's "
                         "format (e.g. 001_create_users.sql)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("1 problem"), std::string::npos) << message;
}

TEST(MigrationProblems, DuplicateVersionsNameBothFiles) {
  auto message = problems_of(fixture("bad_duplicate"));
  EXPECT_NE(message.find("1_create_posts.sql: has version 1, the same as 001_create_users.sql"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("2_create_tags.sql"), std::string::npos) << message;
}

TEST(MigrationProblems, MissingOrEmptyUpSectionsAreReported) {
  auto message = problems_of(fixture("bad_no_up"));
  EXPECT_NE(message.find("001_only_down.sql: has `-- migrate:down` but no `-- migrate:up`"), std::string::npos)
      << message;
  EXPECT_NE(message.find("002_empty_up.sql: the `-- migrate:up` section (from line 2) has no SQL"), std::string::npos)
      << message;
  EXPECT_NE(message.find("2 problems"), std::string::npos) << message;
  EXPECT_EQ(message.find("003_fine.sql"), std::string::npos) << message;

  message = problems_of(fixture("bad_goose_no_up"));
  EXPECT_NE(message.find("00001_only_down.sql: has no `-- +goose Up`"), std::string::npos) << message;
}

TEST(MigrationProblems, AnEmptyFileIsAnEmptyUpSection) {
  TempDir dir;
  dir.write("1_users.up.sql", "  \n-- to do\n");
  auto message = problems_of(dir.path());
  EXPECT_NE(message.find("1_users.up.sql: has no SQL"), std::string::npos) << message;
}

TEST(MigrationProblems, ANameThatMatchesNoFormatSaysWhichNamesAreAccepted) {
  auto message = problems_of(fixture("bad_unmatched_name"));
  EXPECT_NE(message.find("create_posts.sql: the name matches no migration format"), std::string::npos) << message;
  EXPECT_NE(message.find("<version>_<name>.up.sql"), std::string::npos) << message;
  EXPECT_NE(message.find("V<version>__<name>.sql"), std::string::npos) << message;
}

TEST(MigrationProblems, ADownFileWithoutItsUpFile) {
  auto message = problems_of(fixture("bad_down_without_up"));
  EXPECT_NE(message.find("002_create_posts-down.sql: is a down migration without its up file 002_create_posts.sql"),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("001_create_users"), std::string::npos) << message;

  TempDir dir;
  dir.write("1_users.up.sql", "SELECT 1;\n");
  dir.write("2_posts.down.sql", "SELECT 2;\n");
  message = problems_of(dir.path());
  EXPECT_NE(message.find("2_posts.down.sql: is a down migration without its up file 2_posts.up.sql"), std::string::npos)
      << message;
}

TEST(MigrationProblems, FlywayDottedVersionsAndRepeatablesAreNotSupported) {
  auto message = problems_of(fixture("bad_flyway"));
  EXPECT_NE(message.find("V2.1__add_posts.sql: Flyway version 2.1 is not a whole number"), std::string::npos)
      << message;
  EXPECT_NE(message.find("R__views.sql: Flyway repeatable migrations (R__) are not supported"), std::string::npos)
      << message;
}

TEST(MigrationProblems, EveryProblemInADirectoryIsReportedAtOnce) {
  auto message = problems_of(fixture("bad_several"));
  EXPECT_NE(message.find("3 problems"), std::string::npos) << message;
  EXPECT_NE(message.find("002_add_posts.sql: the `-- migrate:up` section (from line 2) has no SQL"), std::string::npos)
      << message;
  EXPECT_NE(message.find("003_add_tags-down.sql: is a down migration without its up file"), std::string::npos)
      << message;
  EXPECT_NE(message.find("seed.sql: the name matches no migration format"), std::string::npos) << message;
  // Each on a line of its own, sorted by file.
  EXPECT_LT(message.find("002_add_posts.sql"), message.find("003_add_tags-down.sql"));
  EXPECT_LT(message.find("003_add_tags-down.sql"), message.find("seed.sql"));
}

TEST(MigrationProblems, BadPgkitOptionsAndStraySqlAreReported) {
  TempDir dir;
  dir.write("001_a.sql", "CREATE TABLE lost (id int);\n-- migrate:up transaction:flase\nSELECT 1;\n");
  dir.write("002_b.sql", "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n");
  auto message = problems_of(dir.path());
  EXPECT_NE(message.find("001_a.sql: unknown option `transaction:flase` on line 2"), std::string::npos) << message;
  EXPECT_NE(message.find("001_a.sql: has SQL above `-- migrate:up` (line 2)"), std::string::npos) << message;
  EXPECT_NE(message.find("002_b.sql: has a second `-- migrate:up` on line 3 (the first is on line 1)"),
            std::string::npos)
      << message;
}

TEST(MigrationProblems, BadGooseAnnotationsAreReported) {
  TempDir dir;
  dir.write("1_a.sql", "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n");
  dir.write("2_b.sql", "-- +goose Up\nSELECT 1;\n-- +goose StatementEnd\n");
  dir.write("3_c.sql", "-- +goose ENVSUB ON\n-- +goose Up\nSELECT '${X}';\n");
  auto message = problems_of(dir.path());
  EXPECT_NE(message.find("1_a.sql: StatementBegin on line 2 has no StatementEnd"), std::string::npos) << message;
  EXPECT_NE(message.find("2_b.sql: StatementEnd on line 3 without a StatementBegin"), std::string::npos) << message;
  EXPECT_NE(message.find("3_c.sql: the annotation `-- +goose envsub on` on line 1 is not supported"), std::string::npos)
      << message;
}

TEST(MigrationProblems, ThePgkitFixtureDirectoryItselfIsClean) {
  // Guards the ignore rules: README.md, notes.txt, schema.sql, a hidden swap file, a subdirectory.
  EXPECT_EQ(problems_of(fixture("pgkit")), "");
  EXPECT_EQ(problems_of(fixture("prisma")), "");
}

// ---- versions ----------------------------------------------------------------------------------

TEST(CompareVersions, ComparesAsNumbers) {
  EXPECT_LT(compare_versions("9", "10"), 0);
  EXPECT_GT(compare_versions("10", "9"), 0);
  EXPECT_LT(compare_versions("10", "20250101120000"), 0);
  EXPECT_EQ(compare_versions("001", "1"), 0);
  EXPECT_EQ(compare_versions("0", "000"), 0);
  EXPECT_LT(compare_versions("0099", "100"), 0);
  EXPECT_LT(compare_versions("20240101120000", "20240101120001"), 0);
  EXPECT_LT(compare_versions("123456789012345678901234567890", "123456789012345678901234567891"), 0)
      << "no integer overflow";
}

// ---- split_statements ---------------------------------------------------------------------------

TEST(SplitStatements, SplitsAtTopLevelSemicolonsWithLines) {
  auto s = split_statements("CREATE TABLE a (id int);\nINSERT INTO a VALUES (1);\n\n  SELECT 1");
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(sqls(s), (Strings{"CREATE TABLE a (id int)", "INSERT INTO a VALUES (1)", "SELECT 1"}));
  EXPECT_EQ(s[0].line, 1);
  EXPECT_EQ(s[1].line, 2);
  EXPECT_EQ(s[2].line, 4);
}

TEST(SplitStatements, EmptyAndCommentOnlyStatementsAreDropped) {
  EXPECT_TRUE(split_statements("").empty());
  EXPECT_TRUE(split_statements(" ;; \n ; -- nothing\n/* at all */").empty());
  EXPECT_EQ(sqls(split_statements("SELECT 1;;;SELECT 2;\n-- the end\n")), (Strings{"SELECT 1", "SELECT 2"}));
}

TEST(SplitStatements, TheLineIsWhereTheFirstNonCommentCharacterIs) {
  auto s = split_statements("-- header\n\n/* a\n block */\n  SELECT 1; -- trailing\n-- before\nSELECT 2;");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].sql, "SELECT 1");
  EXPECT_EQ(s[0].line, 5);
  EXPECT_EQ(s[1].sql, "SELECT 2");
  EXPECT_EQ(s[1].line, 7);
}

TEST(SplitStatements, SingleQuotesWithDoubledQuotes) {
  EXPECT_EQ(sqls(split_statements("INSERT INTO t VALUES ('a;b', 'it''s; fine');SELECT 2")),
            (Strings{"INSERT INTO t VALUES ('a;b', 'it''s; fine')", "SELECT 2"}));
  // Standard strings: a backslash is an ordinary character, so 'C:\' ends at its quote.
  EXPECT_EQ(sqls(split_statements("SELECT 'C:\\';SELECT 2")), (Strings{"SELECT 'C:\\'", "SELECT 2"}));
}

TEST(SplitStatements, EscapeStringsHonourBackslashes) {
  EXPECT_EQ(sqls(split_statements("SELECT E'it\\'s; \\\\';SELECT 2")), (Strings{"SELECT E'it\\'s; \\\\'", "SELECT 2"}));
  EXPECT_EQ(sqls(split_statements("SELECT e'a\\';b';SELECT 2")), (Strings{"SELECT e'a\\';b'", "SELECT 2"}));
  // A word that merely ends in "e" does not make an escape string.
  EXPECT_EQ(sqls(split_statements("SELECT name'x\\';SELECT 2")), (Strings{"SELECT name'x\\'", "SELECT 2"}));
}

TEST(SplitStatements, DoubleQuotedIdentifiers) {
  EXPECT_EQ(sqls(split_statements("CREATE TABLE \"a;b\" (\"say \"\"hi\"\";\" int);SELECT 2")),
            (Strings{"CREATE TABLE \"a;b\" (\"say \"\"hi\"\";\" int)", "SELECT 2"}));
  EXPECT_EQ(sqls(split_statements("SELECT 1 AS \"it's\";SELECT 2")), (Strings{"SELECT 1 AS \"it's\"", "SELECT 2"}));
}

TEST(SplitStatements, DollarQuotes) {
  const std::string fn =
      "CREATE FUNCTION f() RETURNS int AS $$\nBEGIN\n  PERFORM 1;\n  RETURN 2;\nEND;\n$$ LANGUAGE plpgsql";
  EXPECT_EQ(sqls(split_statements(fn + ";\nSELECT f();")), (Strings{fn, "SELECT f()"}));

  const std::string tagged = "DO $body$ BEGIN RAISE NOTICE '$$;'; PERFORM $$x;$$; END $body$";
  EXPECT_EQ(sqls(split_statements(tagged + ";SELECT 2")), (Strings{tagged, "SELECT 2"}));

  // $1 is a parameter and foo$bar an identifier: neither opens a quote.
  EXPECT_EQ(sqls(split_statements("PREPARE p AS SELECT $1;SELECT foo$bar$ FROM t;SELECT 3")),
            (Strings{"PREPARE p AS SELECT $1", "SELECT foo$bar$ FROM t", "SELECT 3"}));
}

TEST(SplitStatements, LineCommentsHideSemicolonsAndQuotes) {
  auto s = split_statements("SELECT 1 -- not here; nor 'here\n, 2;\nSELECT 3");
  EXPECT_EQ(sqls(s), (Strings{"SELECT 1 -- not here; nor 'here\n, 2", "SELECT 3"}));
  EXPECT_EQ(s[1].line, 3);
}

TEST(SplitStatements, BlockCommentsNest) {
  auto s = split_statements("/* outer /* inner; */ still; comment */ SELECT 1;\nSELECT /* ; */ 2;");
  EXPECT_EQ(sqls(s), (Strings{"SELECT 1", "SELECT /* ; */ 2"}));
}

TEST(SplitStatements, BeginAtomicBodiesAreNotSplit) {
  const std::string fn =
      "CREATE FUNCTION add(a int, b int) RETURNS int LANGUAGE SQL\n"
      "BEGIN ATOMIC\n"
      "  SELECT CASE WHEN a > 0 THEN a ELSE 0 END + b;\n"
      "  SELECT (CASE WHEN b > 0 THEN 1 END);\n"
      "END";
  auto s = split_statements(fn + ";\nSELECT add(1, 2);");
  EXPECT_EQ(sqls(s), (Strings{fn, "SELECT add(1, 2)"}));
  EXPECT_EQ(s[1].line, 6);

  const std::string proc = "create procedure p() begin /* c */ atomic insert into t values (1); end";
  EXPECT_EQ(sqls(split_statements(proc + "; select 1")), (Strings{proc, "select 1"}));
}

TEST(SplitStatements, TransactionBeginIsNotAtomic) {
  EXPECT_EQ(sqls(split_statements("BEGIN;\nUPDATE t SET x = 1;\nEND;\nSELECT CASE WHEN true THEN 1 END;")),
            (Strings{"BEGIN", "UPDATE t SET x = 1", "END", "SELECT CASE WHEN true THEN 1 END"}));
}

TEST(SplitStatements, UnterminatedQuotesRunToTheEnd) {
  EXPECT_EQ(sqls(split_statements("SELECT 1; SELECT 'open; SELECT 2")),
            (Strings{"SELECT 1", "SELECT 'open; SELECT 2"}));
  EXPECT_EQ(sqls(split_statements("SELECT $$ open; ")), (Strings{"SELECT $$ open;"}));
}

TEST(SplitStatements, CrlfLineEndings) {
  auto s = split_statements("SELECT 1;\r\n\r\nSELECT 2;\r\n");
  EXPECT_EQ(sqls(s), (Strings{"SELECT 1", "SELECT 2"}));
  EXPECT_EQ(s[1].line, 3);
}

}  // namespace
}  // namespace pgkit::migrate
