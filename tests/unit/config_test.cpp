// Configuration loading: sources and precedence, .env, URLs, pool settings, masking, validation.
// No database and no real environment: every test passes its variables as a map.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "pgkit/config.hpp"

namespace pgkit {
namespace {

using Vars = std::map<std::string, std::string>;

ConfigOptions options_for(const Vars& vars) {
  ConfigOptions options;
  options.read_dotenv = false;
  options.getenv = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
  return options;
}

LoadedConfig load(const Vars& vars) { return load_config(options_for(vars)); }

std::string all_warnings(const LoadedConfig& loaded) {
  std::string out;
  for (const auto& w : loaded.warnings) out += w + "\n";
  return out;
}

// A temporary file, removed when the test ends.
class TempFile {
 public:
  explicit TempFile(const std::string& text, const std::string& name = "") {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            (name.empty() ? "pgkit-config-test-" + std::to_string(getpid()) + "-" + std::to_string(++counter) + ".env"
                          : name);
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

// ---- sources and precedence ---------------------------------------------------------------

TEST(ConfigSources, NothingConfiguredIsOkButNotConfigured) {
  auto loaded = load({});
  EXPECT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_FALSE(loaded.config.configured());
  EXPECT_EQ(loaded.config.source, "");
  EXPECT_TRUE(loaded.config.params.empty());
  EXPECT_EQ(loaded.config.masked(), "");
}

TEST(ConfigSources, EachSourceWinsOverTheOnesBelowIt) {
  Vars vars = {{"DATABASE_URL", "postgresql://h-url/db"},
               {"DB_CONNECTION_STRING", "postgresql://h-connstr/db"},
               {"DB_HOST", "h-db"},
               {"POSTGRES_HOST", "h-postgres"},
               {"PGHOST", "h-pg"}};
  auto options = options_for(vars);
  options.url = "postgresql://h-explicit/db";
  auto loaded = load_config(options);
  EXPECT_EQ(loaded.config.source, "explicit");
  EXPECT_EQ(loaded.config.params.at("host"), "h-explicit");

  const std::vector<std::pair<std::string, std::string>> order = {{"DATABASE_URL", "h-url"},
                                                                  {"DB_CONNECTION_STRING", "h-connstr"},
                                                                  {"DB_HOST", "h-db"},
                                                                  {"POSTGRES_HOST", "h-postgres"},
                                                                  {"PGHOST", "h-pg"}};
  for (const auto& [source, host] : order) {
    auto result = load(vars);
    EXPECT_TRUE(result.ok()) << result.problems_text();
    EXPECT_EQ(result.config.source, source);
    EXPECT_EQ(result.config.params.at("host"), host);
    vars.erase(source);
  }
  EXPECT_FALSE(load(vars).config.configured());
}

TEST(ConfigSources, AnIgnoredLowerSourceIsAWarning) {
  auto loaded = load({{"DATABASE_URL", "postgresql://h/db"}, {"POSTGRES_HOST", "other"}});
  EXPECT_TRUE(loaded.ok());
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_NE(loaded.warnings[0].find("POSTGRES_HOST is set but ignored: DATABASE_URL"), std::string::npos);
}

TEST(ConfigSources, AnEmptyVariableSelectsNothing) {
  auto loaded = load({{"DATABASE_URL", ""}, {"DB_HOST", "db"}});
  EXPECT_EQ(loaded.config.source, "DB_HOST");
}

TEST(ConfigSources, DiscreteDbVariables) {
  auto loaded = load({{"DB_HOST", "db.internal"},
                      {"DB_PORT", "6432"},
                      {"DB_NAME", "pronghorn"},
                      {"DB_USER", "postgres"},
                      {"DB_PASSWORD", "pw"},
                      {"DB_SSL", "true"}});
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  std::map<std::string, std::string> want = {{"host", "db.internal"}, {"port", "6432"},   {"dbname", "pronghorn"},
                                             {"user", "postgres"},    {"password", "pw"}, {"sslmode", "require"}};
  EXPECT_EQ(loaded.config.params, want);
  EXPECT_EQ(load({{"DB_HOST", "h"}, {"DB_SSL", "false"}}).config.params.at("sslmode"), "disable");
  EXPECT_EQ(load({{"DB_HOST", "h"}, {"DB_SSL", "off"}}).config.params.at("sslmode"), "disable");
  EXPECT_EQ(load({{"DB_HOST", "h"}}).config.params.count("sslmode"), 0u);
}

TEST(ConfigSources, PostgresVariablesSelectedByHostOrDb) {
  auto loaded = load(
      {{"POSTGRES_DB", "berthcare"}, {"POSTGRES_USER", "u"}, {"POSTGRES_PASSWORD", "pw"}, {"POSTGRES_PORT", "5433"}});
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.source, "POSTGRES_DB");
  EXPECT_EQ(loaded.config.params.at("dbname"), "berthcare");
  EXPECT_EQ(loaded.config.params.at("port"), "5433");
  EXPECT_EQ(loaded.config.params.count("host"), 0u);
  EXPECT_EQ(load({{"POSTGRES_HOST", "localhost"}}).config.source, "POSTGRES_HOST");
}

TEST(ConfigSources, LibpqVariablesBecomeExplicitParams) {
  auto loaded = load({{"PGHOST", "pg.internal"},
                      {"PGHOSTADDR", "10.0.0.5"},
                      {"PGPORT", "5434"},
                      {"PGDATABASE", "d"},
                      {"PGUSER", "u"},
                      {"PGPASSWORD", "pw"},
                      {"PGSSLMODE", "verify-full"},
                      {"PGAPPNAME", "api"},
                      {"PGCONNECT_TIMEOUT", "7"},
                      {"PGOPTIONS", "-c work_mem=64MB"},
                      {"PGSSLROOTCERT", "/etc/ca.pem"}});
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.source, "PGHOST");
  std::map<std::string, std::string> want = {{"host", "pg.internal"},
                                             {"hostaddr", "10.0.0.5"},
                                             {"port", "5434"},
                                             {"dbname", "d"},
                                             {"user", "u"},
                                             {"password", "pw"},
                                             {"sslmode", "verify-full"},
                                             {"application_name", "api"},
                                             {"connect_timeout", "7"},
                                             {"options", "-c work_mem=64MB"},
                                             {"sslrootcert", "/etc/ca.pem"}};
  EXPECT_EQ(loaded.config.params, want);
  EXPECT_EQ(loaded.config.pool.connect_timeout, Millis(7000));
  EXPECT_EQ(load({{"PGDATABASE", "d"}}).config.source, "PGDATABASE");
}

TEST(ConfigSources, HalfAConfigurationIsAWarning) {
  auto loaded = load({{"DB_NAME", "app"}});
  EXPECT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded.config.configured());
  EXPECT_NE(all_warnings(loaded).find("DB_NAME is set but no database is configured"), std::string::npos);
}

// ---- .env -----------------------------------------------------------------------------------

TEST(Dotenv, ParsesTheCommonFormat) {
  auto values = parse_dotenv(
      "\xEF\xBB\xBF# a comment\n"
      "\n"
      "PLAIN=value\n"
      "export EXPORTED=yes\n"
      "  SPACED  =  around equals  \n"
      "SINGLE='a b # not a comment \\n'\n"
      "DOUBLE=\"line1\\nline2 \\\"q\\\" back\\\\slash\"\n"
      "COMMENTED=value # trailing comment\n"
      "HASH=val#ue\n"
      "LEADING_HASH=#value\n"
      "BLANK_HASH= #only a comment\n"
      "EMPTY=\n"
      "CRLF=dos\r\n"
      "QUOTED_COMMENT=\"x\" # fine\n"
      "DUP=first\n"
      "DUP=second\n"
      "URL=postgresql://u:p@h/db?sslmode=require\n");
  std::map<std::string, std::string> want = {{"PLAIN", "value"},
                                             {"EXPORTED", "yes"},
                                             {"SPACED", "around equals"},
                                             {"SINGLE", "a b # not a comment \\n"},
                                             {"DOUBLE", "line1\nline2 \"q\" back\\slash"},
                                             {"COMMENTED", "value"},
                                             {"HASH", "val#ue"},
                                             {"LEADING_HASH", "#value"},
                                             {"BLANK_HASH", ""},
                                             {"EMPTY", ""},
                                             {"CRLF", "dos"},
                                             {"QUOTED_COMMENT", "x"},
                                             {"DUP", "second"},
                                             {"URL", "postgresql://u:p@h/db?sslmode=require"}};
  EXPECT_EQ(values, want);
}

TEST(Dotenv, NeverOverridesTheEnvironment) {
  TempFile env_file("DATABASE_URL=postgresql://from-dotenv/db\nDB_POOL_MAX=7\n");
  auto options = options_for({{"DATABASE_URL", "postgresql://from-env/db"}});
  options.read_dotenv = true;
  options.dotenv_path = env_file.path();
  auto loaded = load_config(options);
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.params.at("host"), "from-env");
  EXPECT_EQ(loaded.config.pool.max, 7);  // not in the environment, so .env supplies it
}

TEST(Dotenv, LibpqVariablesFromDotenvAreUsed) {
  TempFile env_file("PGHOST=from-dotenv\nPGPASSWORD='pw'\n");
  auto options = options_for({});
  options.read_dotenv = true;
  options.dotenv_path = env_file.path();
  auto loaded = load_config(options);
  EXPECT_EQ(loaded.config.source, "PGHOST");
  EXPECT_EQ(loaded.config.params.at("password"), "pw");
}

TEST(Dotenv, MalformedLinesNameFileAndLineButNeverTheValue) {
  TempFile env_file(
      "OK=1\n"
      "NOEQUALS S3cr3t-Pa55\n"
      "BAD KEY=S3cr3t-Pa55\n"
      "DQ=\"S3cr3t-Pa55\n"
      "SQ='S3cr3t-Pa55\n"
      "AFTER=\"S3cr3t\"-Pa55\n");
  auto options = options_for({});
  options.read_dotenv = true;
  options.dotenv_path = env_file.path();
  auto loaded = load_config(options);
  ASSERT_EQ(loaded.problems.size(), 5u) << loaded.problems_text();
  for (int line = 2; line <= 6; ++line) {
    EXPECT_NE(loaded.problems_text().find(env_file.path() + " line " + std::to_string(line)), std::string::npos);
  }
  EXPECT_EQ(loaded.problems_text().find("S3cr3t"), std::string::npos);
  EXPECT_EQ(loaded.problems_text().find("Pa55"), std::string::npos);
}

TEST(Dotenv, MissingExplicitFileIsAProblem) {
  auto options = options_for({});
  options.read_dotenv = true;
  options.dotenv_path = "/nonexistent/pgkit/.env";
  auto loaded = load_config(options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.problems_text().find("does not exist"), std::string::npos);
}

TEST(Dotenv, DefaultFileIsReadFromTheWorkingDirectory) {
  auto dir = std::filesystem::temp_directory_path() / ("pgkit-config-cwd-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto old = std::filesystem::current_path();
  std::filesystem::current_path(dir);
  auto options = options_for({});
  options.read_dotenv = true;
  auto without = load_config(options);  // no ./.env yet: fine
  { std::ofstream(".env") << "DB_HOST=from-cwd\n"; }
  auto with = load_config(options);
  std::filesystem::current_path(old);
  std::filesystem::remove_all(dir);
  EXPECT_TRUE(without.ok());
  EXPECT_FALSE(without.config.configured());
  EXPECT_EQ(with.config.source, "DB_HOST");
  EXPECT_EQ(with.config.params.at("host"), "from-cwd");
}

// ---- URLs -----------------------------------------------------------------------------------

TEST(Url, SeedRecommendedShapeParses) {
  auto loaded = parse_url(
      "postgresql://app:secret@db.example.com:5432/app?schema=public&connection_limit=10&pool_timeout=30"
      "&connect_timeout=10",
      "DATABASE_URL");
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  std::map<std::string, std::string> want = {{"user", "app"},  {"password", "secret"}, {"host", "db.example.com"},
                                             {"port", "5432"}, {"dbname", "app"},      {"connect_timeout", "10"}};
  EXPECT_EQ(loaded.config.params, want);
  EXPECT_EQ(loaded.config.search_path, "public");
  EXPECT_EQ(loaded.config.pool.max, 10);
  EXPECT_EQ(loaded.config.pool.acquire_timeout, Millis(30'000));
  EXPECT_EQ(loaded.config.pool.connect_timeout, Millis(10'000));
  EXPECT_EQ(loaded.config.source, "DATABASE_URL");
  EXPECT_TRUE(loaded.warnings.empty());
  EXPECT_EQ(loaded.config.masked(), "postgresql://app:***@db.example.com:5432/app?connect_timeout=10");
}

TEST(Url, BothSchemesAndAnyCase) {
  for (const char* url : {"postgres://h/db", "postgresql://h/db", "PostgreSQL://h/db"}) {
    auto loaded = parse_url(url);
    EXPECT_TRUE(loaded.ok()) << url << ": " << loaded.problems_text();
    EXPECT_EQ(loaded.config.params.at("host"), "h") << url;
  }
}

TEST(Url, PercentEncodedUserAndPassword) {
  auto loaded = parse_url("postgresql://us%40er:p%40ss%3Aw%2Fd@h/db");
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.params.at("user"), "us@er");
  EXPECT_EQ(loaded.config.params.at("password"), "p@ss:w/d");
  EXPECT_EQ(loaded.config.masked(), "postgresql://us%40er:***@h/db");
}

TEST(Url, Ipv6HostAndSeveralHosts) {
  auto v6 = parse_url("postgresql://[::1]:5433/db");
  ASSERT_TRUE(v6.ok()) << v6.problems_text();
  EXPECT_EQ(v6.config.params.at("host"), "::1");
  EXPECT_EQ(v6.config.masked(), "postgresql://[::1]:5433/db");

  auto several = parse_url("postgresql://u:pw@h1:5432,h2:5433,[2001:db8::2]/db?target_session_attrs=read-write");
  ASSERT_TRUE(several.ok()) << several.problems_text();
  EXPECT_EQ(several.config.params.at("host"), "h1,h2,2001:db8::2");
  EXPECT_EQ(several.config.params.at("port"), "5432,5433,");
  EXPECT_EQ(several.config.params.at("target_session_attrs"), "read-write");
  EXPECT_EQ(several.config.masked(),
            "postgresql://u:***@h1:5432,h2:5433,[2001:db8::2]/db?target_session_attrs=read-write");
}

TEST(Url, UnixSocketHosts) {
  auto encoded = parse_url("postgresql://app@%2Fvar%2Frun%2Fpostgresql/db");
  ASSERT_TRUE(encoded.ok()) << encoded.problems_text();
  EXPECT_EQ(encoded.config.params.at("host"), "/var/run/postgresql");
  EXPECT_EQ(encoded.config.masked(), "postgresql://app@%2Fvar%2Frun%2Fpostgresql/db");

  auto query = parse_url("postgresql:///db?host=/tmp");
  ASSERT_TRUE(query.ok()) << query.problems_text();
  EXPECT_EQ(query.config.params.at("host"), "/tmp");
  EXPECT_EQ(query.config.masked(), "postgresql://%2Ftmp/db");
}

TEST(Url, EverySslmodeAndTheSslFiles) {
  for (const char* mode : {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}) {
    auto loaded = parse_url(std::string("postgresql://h/db?sslmode=") + mode);
    EXPECT_TRUE(loaded.ok()) << mode << ": " << loaded.problems_text();
    EXPECT_EQ(loaded.config.params.at("sslmode"), mode);
  }
  auto loaded = parse_url("postgresql://h/db?sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem");
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.params.at("sslrootcert"), "/ca.pem");
  EXPECT_EQ(loaded.config.params.at("sslcert"), "/c.pem");
  EXPECT_EQ(loaded.config.params.at("sslkey"), "/k.pem");
}

TEST(Url, LibpqParameters) {
  auto loaded = parse_url(
      "postgresql://h/db?connect_timeout=3&application_name=my%20api&options=-c%20statement_timeout%3D5s"
      "&target_session_attrs=primary");
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.params.at("application_name"), "my api");
  EXPECT_EQ(loaded.config.params.at("options"), "-c statement_timeout=5s");
  EXPECT_EQ(loaded.config.params.at("target_session_attrs"), "primary");
  EXPECT_EQ(loaded.config.pool.connect_timeout, Millis(3000));
}

TEST(Url, PrismaExtras) {
  auto loaded = parse_url("postgresql://h/db?schema=tenant%5F1&pgbouncer=true&socket_timeout=10");
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.search_path, "tenant_1");
  EXPECT_EQ(loaded.config.params.count("schema"), 0u);
  EXPECT_EQ(loaded.config.params.count("pgbouncer"), 0u);
  EXPECT_TRUE(loaded.config.pool.pgbouncer);
  EXPECT_FALSE(parse_url("postgresql://h/db?pgbouncer=false").config.pool.pgbouncer);
  EXPECT_NE(all_warnings(loaded).find("socket_timeout): Prisma-only setting, ignored"), std::string::npos);
  EXPECT_TRUE(parse_url("postgresql://h/db?pgbouncer=false").warnings.empty());
}

TEST(Url, KeywordValueConninfoIsAccepted) {
  auto loaded = parse_url("host=db port=5432 dbname=app user=app password='p w' sslmode=require");
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.params.at("password"), "p w");
  EXPECT_EQ(loaded.config.masked(), "postgresql://app:***@db:5432/app?sslmode=require");
}

TEST(Url, ConnectionLimitAboveTheCeilingIsClampedWithAWarning) {
  auto loaded = parse_url("postgresql://h/db?connection_limit=500", "DATABASE_URL");
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.config.pool.max, defaults::kPoolMaxCeiling);
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_NE(loaded.warnings[0].find("connection_limit)=500 is above the ceiling of 100"), std::string::npos);
}

TEST(Url, SmallConnectionLimitLowersTheDefaultMinimum) {
  auto loaded = parse_url("postgresql://h/db?connection_limit=1");
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.pool.max, 1);
  EXPECT_EQ(loaded.config.pool.min, 1);
}

// ---- pool settings from the environment ---------------------------------------------------

TEST(PoolSettingsFromEnv, EveryVariable) {
  auto loaded = load({{"DB_HOST", "h"},
                      {"DB_POOL_MIN", "1"},
                      {"DB_POOL_MAX", "20"},
                      {"DB_IDLE_TIMEOUT_MS", "1000"},
                      {"DB_CONNECTION_TIMEOUT_MS", "2000"},
                      {"DB_ACQUIRE_TIMEOUT_MS", "3000"},
                      {"DB_MAX_LIFETIME_MS", "0"},
                      {"DB_STATEMENT_TIMEOUT_MS", "4000"},
                      {"DB_SLOW_QUERY_MS", "500"},
                      {"DB_LEAK_THRESHOLD_MS", "60000"},
                      {"DB_VALIDATION_WINDOW_MS", "250"},
                      {"DB_VALIDATION_TIMEOUT_MS", "120"},
                      {"DB_KEEPALIVE", "no"},
                      {"DB_KEEPALIVE_IDLE_MS", "15000"},
                      {"DB_TCP_USER_TIMEOUT_MS", "9000"},
                      {"DB_LOG_QUERIES", "1"}});
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  const auto& p = loaded.config.pool;
  EXPECT_EQ(p.min, 1);
  EXPECT_EQ(p.max, 20);
  EXPECT_EQ(p.idle_timeout, Millis(1000));
  EXPECT_EQ(p.connect_timeout, Millis(2000));
  EXPECT_EQ(p.acquire_timeout, Millis(3000));
  EXPECT_EQ(p.max_lifetime, Millis(0));
  EXPECT_EQ(p.statement_timeout, Millis(4000));
  EXPECT_EQ(p.slow_query, Millis(500));
  EXPECT_EQ(p.leak_threshold, Millis(60000));
  EXPECT_EQ(p.validation_window, Millis(250));
  EXPECT_EQ(p.validation_timeout, Millis(120));
  EXPECT_FALSE(p.keepalive);
  EXPECT_EQ(p.keepalive_idle, Millis(15000));
  EXPECT_EQ(p.tcp_user_timeout, Millis(9000));
  EXPECT_TRUE(p.log_queries);
}

TEST(PoolSettingsFromEnv, DefaultsWhenUnset) {
  auto p = load({{"DB_HOST", "h"}}).config.pool;
  EXPECT_EQ(p.min, defaults::kPoolMin);
  EXPECT_EQ(p.max, defaults::kPoolMax);
  EXPECT_EQ(p.idle_timeout, defaults::kIdleTimeout);
  EXPECT_EQ(p.connect_timeout, defaults::kConnectTimeout);
  EXPECT_EQ(p.acquire_timeout, defaults::kAcquireTimeout);
  EXPECT_TRUE(p.keepalive);
  EXPECT_FALSE(p.log_queries);
}

TEST(PoolSettingsFromEnv, Seed004AliasesAndConnectionTimeoutSetsBoth) {
  auto loaded = load({{"DB_HOST", "h"}, {"DB_POOL_IDLE_TIMEOUT", "12000"}, {"DB_POOL_CONNECTION_TIMEOUT", "4000"}});
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.pool.idle_timeout, Millis(12000));
  EXPECT_EQ(loaded.config.pool.connect_timeout, Millis(4000));
  EXPECT_EQ(loaded.config.pool.acquire_timeout, Millis(4000));
}

TEST(PoolSettingsFromEnv, BooleansAcceptTheUsualSpellings) {
  for (const char* yes : {"true", "TRUE", "1", "yes", "on"}) {
    EXPECT_TRUE(load({{"DB_LOG_QUERIES", yes}}).config.pool.log_queries) << yes;
  }
  for (const char* no : {"false", "0", "No", "off"}) {
    EXPECT_FALSE(load({{"DB_KEEPALIVE", no}}).config.pool.keepalive) << no;
  }
}

TEST(PoolSettingsFromEnv, PoolMaxAboveTheCeilingIsClampedWithAWarning) {
  auto loaded = load({{"DB_POOL_MAX", "250"}});
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(loaded.config.pool.max, defaults::kPoolMaxCeiling);
  ASSERT_EQ(loaded.warnings.size(), 1u);
  EXPECT_EQ(loaded.warnings[0], "DB_POOL_MAX=250 is above the ceiling of 100; using 100");
}

TEST(PoolSettingsFromEnv, EnvironmentWinsOverTheUrl) {
  auto loaded = load({{"DATABASE_URL", "postgresql://h/db?connection_limit=5&pool_timeout=9&connect_timeout=10"},
                      {"DB_POOL_MAX", "8"},
                      {"DB_CONNECTION_TIMEOUT_MS", "3000"}});
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.pool.max, 8);
  EXPECT_EQ(loaded.config.pool.connect_timeout, Millis(3000));
  EXPECT_EQ(loaded.config.pool.acquire_timeout, Millis(3000));
  EXPECT_EQ(loaded.config.params.count("connect_timeout"), 0u);  // conninfo() now derives it from pool
  EXPECT_NE(loaded.config.conninfo().find("connect_timeout='3'"), std::string::npos);
}

TEST(PoolSettingsFromEnv, ExplicitMinAboveMaxIsAProblem) {
  auto loaded = load({{"DATABASE_URL", "postgresql://h/db?connection_limit=1"}, {"DB_POOL_MIN", "3"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.problems_text().find("DB_POOL_MIN / DB_POOL_MAX"), std::string::npos);
}

// ---- masked() and conninfo() ---------------------------------------------------------------

TEST(Masked, NeverShowsAPassword) {
  Config config;
  config.params = {{"user", "app"},
                   {"password", "S3cr3t-Pa55"},
                   {"host", "db"},
                   {"dbname", "my db"},
                   {"sslpassword", "S3cr3t-Pa55"},
                   {"sslmode", "require"},
                   {"options", "-c password=S3cr3t-Pa55"}};
  std::string masked = config.masked();
  EXPECT_EQ(masked.find("S3cr3t"), std::string::npos) << masked;
  EXPECT_EQ(masked, "postgresql://app:***@db/my%20db?options=-c%20password%3D%2A%2A%2A&sslmode=require");
}

TEST(Masked, WithoutPasswordOrUser) {
  Config config;
  config.params = {{"host", "db"}, {"port", "5432"}};
  EXPECT_EQ(config.masked(), "postgresql://db:5432/");
  config.params = {{"user", "app"}, {"host", "h1,h2"}, {"port", "6432"}, {"dbname", "d"}};
  EXPECT_EQ(config.masked(), "postgresql://app@h1:6432,h2:6432/d");
}

TEST(Masked, DbnameHoldingAUrlIsMaskedBeforeEncoding) {
  auto loaded = parse_url("dbname=postgresql://u:S3cr3t-Pa55@h/db host=h");
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  EXPECT_EQ(loaded.config.masked().find("S3cr3t"), std::string::npos) << loaded.config.masked();
}

std::map<std::string, std::string> parse_conninfo(const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &err);
  std::map<std::string, std::string> out;
  if (!options) {
    ADD_FAILURE() << (err ? err : "parse failed");
    PQfreemem(err);
    return out;
  }
  for (auto* o = options; o->keyword; ++o) {
    if (o->val) out[o->keyword] = o->val;
  }
  PQconninfoFree(options);
  return out;
}

TEST(Conninfo, RoundTripsThroughLibpqWithKeepalives) {
  auto loaded = parse_url("postgresql://app:it's%5Ca%20p%27w@db.example.com:5432/app?sslmode=require");
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  auto parsed = parse_conninfo(loaded.config.conninfo());
  std::map<std::string, std::string> want = {{"user", "app"},
                                             {"password", "it's\\a p'w"},
                                             {"host", "db.example.com"},
                                             {"port", "5432"},
                                             {"dbname", "app"},
                                             {"sslmode", "require"},
                                             {"keepalives", "1"},
                                             {"keepalives_idle", "10"},
                                             {"keepalives_interval", "5"},
                                             {"keepalives_count", "3"},
                                             {"tcp_user_timeout", "30000"},
                                             {"connect_timeout", "5"}};
  EXPECT_EQ(parsed, want);
  EXPECT_EQ(loaded.config.conninfo().find("search_path"), std::string::npos);
}

TEST(Conninfo, ParamsWinAndTimeoutsRoundUp) {
  Config config;
  config.params = {{"host", "h"}, {"keepalives_idle", "60"}};
  config.pool.keepalive_idle = Millis(1500);
  config.pool.connect_timeout = Millis(1500);
  auto parsed = parse_conninfo(config.conninfo());
  EXPECT_EQ(parsed.at("keepalives_idle"), "60");
  EXPECT_EQ(parsed.at("connect_timeout"), "2");
  config.pool.connect_timeout = Millis(10'001);
  EXPECT_EQ(parse_conninfo(config.conninfo()).at("connect_timeout"), "11");

  config.pool.keepalive = false;
  parsed = parse_conninfo(config.conninfo());
  EXPECT_EQ(parsed.at("keepalives"), "0");
  EXPECT_EQ(parsed.count("keepalives_interval"), 0u);
}

// ---- mask_secrets ----------------------------------------------------------------------------

TEST(MaskSecrets, UrlsConninfoAndQueries) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"postgresql://app:S3cr3t@h:5432/db", "postgresql://app:***@h:5432/db"},
      {"failed: postgres://app:S3c@r3t@h/db now", "failed: postgres://app:***@h/db now"},
      {"postgresql://app:S3cr3t with space@h/db", "postgresql://app:***@h/db"},
      {"postgresql://h:5432/db", "postgresql://h:5432/db"},
      {"postgresql://app@h/db", "postgresql://app@h/db"},
      {"host=h password=S3cr3t user=u", "host=h password=*** user=u"},
      {"host=h password = 'S3 \\'cr3t' user=u", "host=h password = '***' user=u"},
      {"sslpassword=S3cr3t", "sslpassword=***"},
      {"postgresql://h/db?password=S3cr3t&sslmode=require", "postgresql://h/db?password=***&sslmode=require"},
      {"DB_PASSWORD=S3cr3t", "DB_PASSWORD=***"},
      {"nothing secret here", "nothing secret here"},
  };
  for (const auto& [in, want] : cases) EXPECT_EQ(mask_secrets(in), want) << in;
}

// ---- validation -----------------------------------------------------------------------------

struct BadCase {
  const char* name;
  Vars vars;
  std::string setting;  // a problem's setting contains this
  std::string keyword;  // and its message or fix contains this
  std::string secret = "S3cr3t-Pa55";
};

std::ostream& operator<<(std::ostream& os, const BadCase& c) { return os << c.name; }

class MalformedConfig : public testing::TestWithParam<BadCase> {};

// Cases where the password has no natural place carry it in a variable the source ignores.
const Vars kStray = {{"PGPASSWORD", "S3cr3t-Pa55"}};
Vars with_stray(Vars vars) {
  vars.insert(kStray.begin(), kStray.end());
  return vars;
}

const BadCase kBadCases[] = {
    {"mysql_scheme", {{"DATABASE_URL", "mysql://app:S3cr3t-Pa55@h/db"}}, "DATABASE_URL (scheme)", "unknown scheme"},
    {"http_scheme", {{"DATABASE_URL", "http://app:S3cr3t-Pa55@h/db"}}, "DATABASE_URL (scheme)", "unknown scheme"},
    {"missing_scheme",
     {{"DATABASE_URL", "app:S3cr3t-Pa55@db.example.com:5432/app"}},
     "DATABASE_URL",
     "no postgresql://"},
    {"half_scheme", {{"DATABASE_URL", "postgresql:app:S3cr3t-Pa55@h/db"}}, "DATABASE_URL", "'//'"},
    {"jdbc", {{"DATABASE_URL", "jdbc:postgresql://h/db?user=app&password=S3cr3t-Pa55"}}, "(scheme)", "JDBC"},
    {"quoted", {{"DATABASE_URL", "\"postgresql://app:S3cr3t-Pa55@h/db\""}}, "DATABASE_URL", "quotes"},
    {"port_text", {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h:abc/db"}}, "DATABASE_URL (port)", "not a number"},
    {"port_zero", {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h:0/db"}}, "DATABASE_URL (port)", "out of range"},
    {"port_big",
     {{"DB_CONNECTION_STRING", "postgresql://app:S3cr3t-Pa55@h:70000/db"}},
     "DB_CONNECTION_STRING (port)",
     "out of range"},
    {"port_second_host",
     {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h1:5432,h2:99999/db"}},
     "(port)",
     "entry 2 of 2"},
    {"forgot_at_host", {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55/db"}}, "(port)", "not a number"},
    {"sslmode", {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h/db?sslmode=required"}}, "(sslmode)", "sslmode"},
    {"session_attrs",
     {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h/db?target_session_attrs=writable"}},
     "(target_session_attrs)",
     "read-write"},
    {"your_user", {{"DATABASE_URL", "postgresql://your_user:S3cr3t-Pa55@h/db"}}, "(user)", "placeholder"},
    {"your_password",
     {{"DATABASE_URL", "postgresql://app:Your_Password_S3cr3t-Pa55@h/db"}},
     "(password)",
     "placeholder"},
    {"seed001_template",
     {{"DATABASE_URL", "postgresql://USERNAME:S3cr3t-Pa55@HOST:PORT/DATABASE"}},
     "(host)",
     "template word HOST"},
    {"seed001_port",
     {{"DATABASE_URL", "postgresql://USERNAME:S3cr3t-Pa55@HOST:PORT/DATABASE"}},
     "(port)",
     "placeholder"},
    {"literal_PASSWORD", with_stray({{"DB_CONNECTION_STRING", "host=h user=app password=PASSWORD"}}), "(password)",
     "placeholder"},
    {"angle_brackets", {{"DATABASE_URL", "postgresql://app:<S3cr3t-Pa55>@h/db"}}, "(password)", "<…>"},
    {"changeme", {{"DATABASE_URL", "postgresql://app:changeme-S3cr3t-Pa55@h/db"}}, "(password)", "changeme"},
    {"empty_url_password", with_stray({{"DATABASE_URL", "postgresql://app:@h/db"}}), "(password)", "empty"},
    {"empty_db_password", with_stray({{"DB_HOST", "h"}, {"DB_PASSWORD", ""}}), "DB_PASSWORD", "empty"},
    {"db_port", {{"DB_HOST", "h"}, {"DB_PORT", "abc"}, {"DB_PASSWORD", "S3cr3t-Pa55"}}, "DB_PORT", "not a number"},
    {"db_ssl", {{"DB_HOST", "h"}, {"DB_SSL", "maybe"}, {"DB_PASSWORD", "S3cr3t-Pa55"}}, "DB_SSL", "true or false"},
    {"db_host_placeholder", {{"DB_HOST", "your_host"}, {"DB_PASSWORD", "S3cr3t-Pa55"}}, "DB_HOST", "placeholder"},
    {"postgres_port",
     {{"POSTGRES_HOST", "h"}, {"POSTGRES_PORT", "99999"}, {"POSTGRES_PASSWORD", "S3cr3t-Pa55"}},
     "POSTGRES_PORT",
     "out of range"},
    {"postgres_db_placeholder",
     {{"POSTGRES_DB", "<database>"}, {"POSTGRES_PASSWORD", "S3cr3t-Pa55"}},
     "POSTGRES_DB",
     "placeholder"},
    {"pg_port", {{"PGHOST", "h"}, {"PGPORT", "x"}, {"PGPASSWORD", "S3cr3t-Pa55"}}, "PGPORT", "not a number"},
    {"pg_sslmode", {{"PGHOST", "h"}, {"PGSSLMODE", "strict"}, {"PGPASSWORD", "S3cr3t-Pa55"}}, "PGSSLMODE", "sslmode"},
    {"pool_max_text", with_stray({{"DB_HOST", "h"}, {"DB_POOL_MAX", "lots"}}), "DB_POOL_MAX", "whole number"},
    {"pool_max_zero", with_stray({{"DB_HOST", "h"}, {"DB_POOL_MAX", "0"}}), "DB_POOL_MAX", "at least 1"},
    {"pool_min_negative", with_stray({{"DB_HOST", "h"}, {"DB_POOL_MIN", "-1"}}), "DB_POOL_MIN", "negative"},
    {"pool_min_above_max", with_stray({{"DB_HOST", "h"}, {"DB_POOL_MIN", "20"}, {"DB_POOL_MAX", "5"}}),
     "DB_POOL_MIN / DB_POOL_MAX", "greater than"},
    {"idle_unit", with_stray({{"DB_HOST", "h"}, {"DB_IDLE_TIMEOUT_MS", "30s"}}), "DB_IDLE_TIMEOUT_MS", "milliseconds"},
    {"connect_negative", with_stray({{"DB_HOST", "h"}, {"DB_CONNECTION_TIMEOUT_MS", "-5"}}), "DB_CONNECTION_TIMEOUT_MS",
     "negative"},
    {"connect_alias", with_stray({{"DB_HOST", "h"}, {"DB_POOL_CONNECTION_TIMEOUT", "abc"}}),
     "DB_POOL_CONNECTION_TIMEOUT", "whole number"},
    {"acquire_zero", with_stray({{"DB_HOST", "h"}, {"DB_ACQUIRE_TIMEOUT_MS", "0"}}), "DB_ACQUIRE_TIMEOUT_MS",
     "greater than 0"},
    {"statement_negative", with_stray({{"DB_HOST", "h"}, {"DB_STATEMENT_TIMEOUT_MS", "-1"}}), "DB_STATEMENT_TIMEOUT_MS",
     "negative"},
    {"keepalive_bool", with_stray({{"DB_HOST", "h"}, {"DB_KEEPALIVE", "sometimes"}}), "DB_KEEPALIVE", "true or false"},
    {"log_queries_bool", with_stray({{"DB_HOST", "h"}, {"DB_LOG_QUERIES", "verbose"}}), "DB_LOG_QUERIES",
     "true or false"},
    {"url_connect_negative",
     {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h/db?connect_timeout=-3"}},
     "(connect_timeout)",
     "negative"},
    {"url_connect_text",
     {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h/db?connect_timeout=ten"}},
     "(connect_timeout)",
     "whole number"},
    {"connection_limit_text",
     {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h/db?connection_limit=abc"}},
     "(connection_limit)",
     "whole number"},
    {"connection_limit_zero",
     {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h/db?connection_limit=0"}},
     "(connection_limit)",
     "at least 1"},
    {"pool_timeout_negative",
     {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h/db?pool_timeout=-1"}},
     "(pool_timeout)",
     "at least 1"},
    {"pgbouncer_bool",
     {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h/db?pgbouncer=maybe"}},
     "(pgbouncer)",
     "true or false"},
    {"schema_empty", {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h/db?schema="}}, "(schema)", "empty"},
    {"unknown_param", {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@h/db?foo=1"}}, "(foo)", "not a known"},
    {"bad_percent", {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55%zz@h/db"}}, "DATABASE_URL", "malformed"},
    {"open_ipv6", {{"DATABASE_URL", "postgresql://app:S3cr3t-Pa55@[::1/db"}}, "DATABASE_URL", "malformed"},
    {"unencoded_at", {{"DATABASE_URL", "postgresql://app:S3cr3t@Pa55@h/db"}}, "(host)", "'@'", "S3cr3t@Pa55"},
    {"space_in_password",
     {{"DATABASE_URL", "postgresql://app:S3cr3t Pa55@h:abc/db"}},
     "(port)",
     "not a number",
     "S3cr3t Pa55"},
    {"conninfo_no_equals", {{"DATABASE_URL", "host=h password=S3cr3t-Pa55 sslmode"}}, "DATABASE_URL", "malformed"},
    {"conninfo_forgot_keyword", {{"DATABASE_URL", "host=h S3cr3t-Pa55"}}, "DATABASE_URL", "malformed"},
    {"conninfo_unterminated", {{"DATABASE_URL", "host=h password='S3cr3t-Pa55"}}, "DATABASE_URL", "malformed"},
    {"conninfo_bad_option",
     {{"DATABASE_URL", "host=h password=S3cr3t-Pa55 S3cr3t-Pa55=1"}},
     "DATABASE_URL",
     "malformed"},
    {"not_a_url", {{"DATABASE_URL", "S3cr3t-Pa55"}}, "DATABASE_URL", "neither a URL"},
};

TEST_P(MalformedConfig, IsReportedWithoutLeakingThePassword) {
  const BadCase& c = GetParam();
  auto loaded = load(c.vars);
  ASSERT_FALSE(loaded.ok()) << c.name;
  bool found = false;
  for (const auto& p : loaded.problems) {
    if (p.setting.find(c.setting) != std::string::npos &&
        (p.message + " " + p.fix).find(c.keyword) != std::string::npos) {
      found = true;
    }
    EXPECT_EQ(p.text().find(c.secret), std::string::npos) << p.text();
  }
  EXPECT_TRUE(found) << "expected " << c.setting << " / " << c.keyword << " in:\n" << loaded.problems_text();
  std::string text = loaded.problems_text() + "\n" + all_warnings(loaded) + "\n" + loaded.config.masked();
  EXPECT_EQ(text.find(c.secret), std::string::npos) << text;
  // Part of a password is as bad as all of it.
  EXPECT_EQ(text.find("S3cr3t"), std::string::npos) << text;
  EXPECT_EQ(text.find("Pa55"), std::string::npos) << text;
}

INSTANTIATE_TEST_SUITE_P(Table, MalformedConfig, testing::ValuesIn(kBadCases),
                         [](const testing::TestParamInfo<BadCase>& info) { return std::string(info.param.name); });

TEST(ExplicitUrl, ProblemsNameTheOption) {
  auto options = options_for({});
  options.url = "http://app:S3cr3t-Pa55@h/db";
  auto loaded = load_config(options);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.config.source, "explicit");
  EXPECT_NE(loaded.problems_text().find("ConfigOptions::url (scheme)"), std::string::npos);
  EXPECT_EQ(loaded.problems_text().find("S3cr3t"), std::string::npos);
}

TEST(Validation, ReportsEveryProblemAtOnce) {
  auto loaded = load({{"DATABASE_URL", "postgresql://your_user:S3cr3t-Pa55@h:99999/<db>?sslmode=on"},
                      {"DB_POOL_MAX", "abc"},
                      {"DB_IDLE_TIMEOUT_MS", "-1"},
                      {"DB_KEEPALIVE", "maybe"}});
  std::vector<std::string> settings;
  for (const auto& p : loaded.problems) settings.push_back(p.setting);
  std::vector<std::string> want = {
      "DATABASE_URL (user)", "DATABASE_URL (dbname)", "DATABASE_URL (port)", "DATABASE_URL (sslmode)",
      "DB_POOL_MAX",         "DB_IDLE_TIMEOUT_MS",    "DB_KEEPALIVE"};
  for (const auto& s : want) {
    EXPECT_NE(std::find(settings.begin(), settings.end(), s), settings.end()) << s << "\n" << loaded.problems_text();
  }
  EXPECT_EQ(loaded.problems.size(), want.size()) << loaded.problems_text();
  std::string text = loaded.problems_text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 6);  // one line per problem
}

TEST(Validation, ProblemTextHasSettingMessageAndFix) {
  Problem p{"DB_PORT", "is not a number", "use 5432"};
  EXPECT_EQ(p.text(), "DB_PORT: is not a number — fix: use 5432");
}

}  // namespace
}  // namespace pgkit
