// pgkit studio end to end: `pgkit studio` started as a user starts it, on a database of the
// test's own, then studio.mjs drives it in Debian's chromium (headless, playwright-core) and
// on the wire. The script's steps and the studio's log are in the failure message.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "eventually.hpp"
#include "pgkit/pool.hpp"
#include "subprocess.hpp"
#include "temp_dir.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono_literals;

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Tables of each kind the page shows: a key, a foreign key, NULL, a timestamptz, bytea, an
// enum, an array, JSON; and one without any key.
void fill(const std::string& url) {
  Pool pool(test::config_for(url));
  pool.acquire()->execute(R"(
    CREATE TYPE book_status AS ENUM ('draft', 'published');
    CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL);
    CREATE TABLE books (
      id bigint PRIMARY KEY,
      author_id int REFERENCES authors (id),
      title text NOT NULL,
      subtitle text,
      published_at timestamptz,
      cover bytea,
      status book_status NOT NULL DEFAULT 'draft',
      tags text[],
      meta jsonb);
    CREATE TABLE log_lines (line text);
    INSERT INTO authors (name) VALUES ('Ada'), ('Grace');
    INSERT INTO books (id, author_id, title, published_at, cover)
      SELECT i, 1 + i % 2, 'Book ' || i, timestamptz '2024-01-01 00:00:00+00' + (i - 1) * interval '1 day',
             CASE WHEN i % 2 = 1 THEN convert_to(repeat('x', 1024), 'UTF8') END
      FROM generate_series(1, 250) AS i;
    INSERT INTO log_lines VALUES ('one'), ('two'), ('two');
    ANALYZE;
  )");
}

}  // namespace

// `pgkit studio` with args on url's database, until the test's end: its sign-in link, and its log.
struct RunningStudio {
  // zone: the machine's time zone as the studio sees it (TZ), "" for the test's own.
  RunningStudio(const std::string& url, std::vector<std::string> args, const std::string& zone = "")
      : dir("studio"),
        log(dir.path() / "studio.log"),
        process(command(std::move(args)), log,
                {.env = environment(url, zone), .unset_env = {"PGHOST", "PGPORT", "PGDATABASE"}}) {}
  static std::map<std::string, std::string> environment(const std::string& url, const std::string& zone) {
    std::map<std::string, std::string> env{{"DATABASE_URL", url}};
    if (!zone.empty()) env["TZ"] = zone;
    return env;
  }
  static std::vector<std::string> command(std::vector<std::string> args) {
    std::vector<std::string> argv{PGKIT_CLI, "studio", "--port", "0", "--no-open"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }
  ::testing::AssertionResult started() {
    std::smatch found;
    std::string printed;
    const std::regex sign_in(R"(open (http://127\.0\.0\.1:[0-9]+/login\?token=[A-Za-z0-9_-]+))");
    auto result = test::eventually(
        [&] {
          printed = read_file(log);
          return std::regex_search(printed, found, sign_in);
        },
        30s, [&] { return "the studio printed: " + printed; });
    if (result) link = found[1];
    return result;
  }
  // studio.mjs with the link and mode; its output in the failure message.
  void drive(const std::string& mode) {
    auto run = test::run_process({"node", std::string(PGKIT_BROWSER_TESTS) + "/studio.mjs", link, mode},
                                 {.merge_stderr = true, .timeout = 180s});
    EXPECT_EQ(run.exit_code, 0) << run.describe() << "\nthe studio's log:\n" << read_file(log);
    EXPECT_NE(run.out.find("all steps passed"), std::string::npos) << run.out;
  }

  test::TempDir dir;
  std::filesystem::path log;
  test::ChildProcess process;
  std::string link;
};

TEST(StudioBrowser, BrowsePagesFiltersEditsAndRefusesWhatIsNotItsOwn) {
  const std::string url = test::fresh_database_url("studio_browser");
  fill(url);
  RunningStudio studio(url, {});
  ASSERT_TRUE(studio.started());
  studio.drive("write");
  // Ctrl-C stops it cleanly.
  EXPECT_EQ(studio.process.stop(SIGINT, 30s), 0) << read_file(studio.log);
  // The token is in the printed link only: never in the log of what was served; and the
  // database's password nowhere.
  const std::string token = studio.link.substr(studio.link.find("token=") + 6);
  const std::string logged = read_file(studio.log);
  EXPECT_EQ(logged.find(token), logged.rfind(token)) << "the token appears more than once:\n" << logged;
  const std::string password = test::config_for(url).params.at("password");
  ASSERT_FALSE(password.empty());
  EXPECT_EQ(logged.find(password), std::string::npos) << "the database's password is in the log:\n" << logged;
}

TEST(StudioBrowser, ReadOnlyIsTheDatabasesRefusalNotAHiddenButton) {
  const std::string url = test::fresh_database_url("studio_read_only");
  fill(url);
  RunningStudio studio(url, {"--read-only"});
  ASSERT_TRUE(studio.started());
  studio.drive("read-only");
  EXPECT_EQ(studio.process.stop(SIGINT, 30s), 0) << read_file(studio.log);
}

namespace {

// A Prisma project with relationMode = "prisma": its relation lives in the schema only (the
// database has no foreign key), and its models and fields are mapped to other names.
constexpr const char* kPrismaModeSchema = R"(datasource db {
  provider     = "postgresql"
  relationMode = "prisma"
}

model Author {
  id    Int    @id @default(autoincrement())
  name  String
  books Book[]

  @@map("authors")
}

model Book {
  id       BigInt  @id
  authorId Int?    @map("author_id")
  title    String
  author   Author? @relation(fields: [authorId], references: [id])

  @@index([authorId])
  @@map("books")
}

model Tag {
  id        String   @id @default(cuid())
  name      String
  updatedAt DateTime @updatedAt @map("updated_at")

  @@map("tags")
}
)";

void fill_prisma_mode(const std::string& url) {
  Pool pool(test::config_for(url));
  pool.acquire()->execute(R"(
    CREATE TABLE authors (id serial PRIMARY KEY, name text NOT NULL);
    CREATE TABLE books (id bigint PRIMARY KEY, author_id int, title text NOT NULL);
    CREATE INDEX books_author_id_idx ON books (author_id);
    CREATE TABLE tags (id text PRIMARY KEY, name text NOT NULL, updated_at timestamp(3) NOT NULL);
    INSERT INTO authors (name) VALUES ('Ada'), ('Grace');
    INSERT INTO books SELECT i, 1 + i % 2, 'Book ' || i FROM generate_series(1, 30) AS i;
  )");
}

}  // namespace

TEST(StudioBrowser, ASchemasNamesAndTheRelationsOfRelationModePrisma) {
  const std::string url = test::fresh_database_url("studio_schema");
  fill_prisma_mode(url);
  test::TempDir project("studio_project");
  std::ofstream(project.path() / "schema.prisma") << kPrismaModeSchema;
  // On a machine far from UTC: what the studio writes in UTC must not follow the machine.
  RunningStudio studio(url, {"--schema", (project.path() / "schema.prisma").string()}, "Asia/Tokyo");
  ASSERT_TRUE(studio.started());
  studio.drive("schema");
  EXPECT_EQ(studio.process.stop(SIGINT, 30s), 0) << read_file(studio.log);
}

TEST(StudioBrowser, ASchemaWithAnErrorStopsTheStudioNamingItsPlace) {
  const std::string url = test::fresh_database_url("studio_bad_schema");
  test::TempDir project("studio_bad_project");
  std::ofstream(project.path() / "schema.prisma") << "model Book {\n  id Int @id\n  title Strin\n}\n";
  auto run = test::run_process(
      {PGKIT_CLI, "studio", "--port", "0", "--no-open", "--schema", (project.path() / "schema.prisma").string()},
      {.env = {{"DATABASE_URL", url}}, .merge_stderr = true, .timeout = 60s});
  EXPECT_NE(run.exit_code, 0) << run.out;
  EXPECT_NE(run.out.find("schema.prisma:3:"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("Strin"), std::string::npos) << run.out;
}
