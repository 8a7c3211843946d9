// Connections, parameters, typed rows, errors and cancellation against a real server.
#include <gtest/gtest.h>

#include "pg_config.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/database.hpp"
#include "pgkit/error.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono;
using namespace std::chrono_literals;

TEST(Query, TypedValuesRoundTripThroughTheServer) {
  Connection conn(test::config_for(test::shared_server()));
  auto ts = time_point_cast<microseconds>(sys_days(2025y / 10 / 10) + 15h + 10min + 19s + 487123us);
  auto uuid = Uuid::random();
  auto row = conn.query(
                     "SELECT $1::bool, $2::int2, $3::int4, $4::int8, $5::float8, $6::numeric, $7::text, "
                     "$8::bytea, $9::uuid, $10::timestamptz, $11::date, $12::jsonb, $13::int4[], $14::text[], "
                     "$15::int8",
                     true, std::int16_t{-7}, 42, std::int64_t{1} << 40, 2.5, Numeric{"12345.678901234567890"},
                     "héllo, 'quoted' \"world\"", Bytes{0, 1, 254, 255}, uuid, ts, Date(2024y / 2 / 29),
                     Json{R"({"a": [1, 2]})"}, std::vector<std::int32_t>{1, 2, 3},
                     std::vector<std::string>{"a b", "NULL", "x,y"}, std::optional<std::int64_t>{})
                 .one();
  EXPECT_TRUE(row.get<bool>(0));
  EXPECT_EQ(row.get<std::int16_t>(1), -7);
  EXPECT_EQ(row.get<std::int32_t>(2), 42);
  EXPECT_EQ(row.get<std::int64_t>(3), std::int64_t{1} << 40);
  EXPECT_EQ(row.get<double>(4), 2.5);
  EXPECT_EQ(row.get<Numeric>(5).text, "12345.678901234567890");
  EXPECT_EQ(row.get<std::string>(6), "héllo, 'quoted' \"world\"");
  EXPECT_EQ(row.get<Bytes>(7), (Bytes{0, 1, 254, 255}));
  EXPECT_EQ(row.get<Uuid>(8), uuid);
  EXPECT_EQ(row.get<Timestamp>(9), ts);
  EXPECT_EQ(row.get<Date>(10), Date(2024y / 2 / 29));
  EXPECT_EQ(row.get<Json>(11).text, R"({"a": [1, 2]})");
  EXPECT_EQ(row.get<std::vector<std::int32_t>>(12), (std::vector<std::int32_t>{1, 2, 3}));
  EXPECT_EQ(row.get<std::vector<std::string>>(13), (std::vector<std::string>{"a b", "NULL", "x,y"}));
  EXPECT_FALSE(row.get<std::optional<std::int64_t>>(14).has_value());
  EXPECT_THROW(row.get<std::int64_t>(14), ConversionError);
}

TEST(Query, TimestampsAreReadInAnySessionTimeZone) {
  Connection conn(test::config_for(test::shared_server()));
  conn.execute("SET TimeZone = 'Asia/Kolkata'");
  auto t = conn.query("SELECT '2025-01-01 00:00:00+00'::timestamptz").scalar<Timestamp>();
  EXPECT_EQ(t, Timestamp(sys_days(2025y / 1 / 1)));
}

TEST(Query, ParametersAreNeverSplicedIntoSql) {
  Connection conn(test::config_for(test::shared_server()));
  conn.execute("CREATE TEMP TABLE victims(name text)");
  std::string hostile = "x'); DROP TABLE victims; --";
  conn.query("INSERT INTO victims(name) VALUES ($1)", hostile);
  EXPECT_EQ(conn.query("SELECT name FROM victims").scalar<std::string>(), hostile);
}

TEST(Query, ConstraintViolationsHaveTheirOwnTypes) {
  Connection conn(test::config_for(test::shared_server()));
  conn.execute(
      "CREATE TEMP TABLE parent(id int PRIMARY KEY, email text UNIQUE NOT NULL CHECK (email <> ''));"
      "CREATE TEMP TABLE child(parent_id int REFERENCES parent(id))");
  conn.query("INSERT INTO parent VALUES ($1, $2)", 1, "a@example.com");
  try {
    conn.query("INSERT INTO parent VALUES ($1, $2)", 2, "a@example.com");
    FAIL();
  } catch (const UniqueViolation& e) {
    EXPECT_EQ(e.sqlstate(), "23505");
    EXPECT_EQ(e.constraint(), "parent_email_key");
    EXPECT_NE(e.detail().find("already exists"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("query_pgtest.cpp"), std::string::npos) << "where the call was made";
  }
  EXPECT_THROW(conn.query("INSERT INTO parent VALUES ($1, $2)", 3, std::nullopt), NotNullViolation);
  EXPECT_THROW(conn.query("INSERT INTO parent VALUES ($1, $2)", 4, ""), CheckViolation);
  EXPECT_THROW(conn.query("INSERT INTO child VALUES ($1)", 99), ForeignKeyViolation);
  EXPECT_THROW(conn.query("SELEC 1"), SyntaxError);
  EXPECT_EQ(conn.query("SELECT 1").scalar<int>(), 1);  // the connection stays usable
}

TEST(Query, StatementTimeoutCancelsTheQueryOnTheServer) {
  auto& server = test::shared_server();
  Connection conn(test::config_for(server));
  int pid = conn.backend_pid();
  auto started = Clock::now();
  EXPECT_THROW(conn.query({.timeout = 100ms}, "SELECT pg_sleep(10)"), Timeout);
  EXPECT_LT(Clock::now() - started, 5s);
  // The server stopped it: its backend is idle, not still sleeping.
  auto state = server.sql("SELECT state FROM pg_stat_activity WHERE pid = " + std::to_string(pid));
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0], "idle");
  EXPECT_EQ(conn.query("SELECT 2").scalar<int>(), 2);
  EXPECT_EQ(conn.backend_pid(), pid);
}

TEST(Query, CachedStatementSurvivesASchemaChange) {
  Connection conn(test::config_for(test::shared_server()));
  conn.execute("CREATE TEMP TABLE reshaped(a int); INSERT INTO reshaped VALUES (1)");
  EXPECT_EQ(conn.query("SELECT * FROM reshaped").columns(), 1);
  conn.execute("ALTER TABLE reshaped ADD COLUMN b int");
  auto r = conn.query("SELECT * FROM reshaped");  // 0A000 cached plan… handled by re-preparing
  EXPECT_EQ(r.columns(), 2);
  EXPECT_EQ(conn.cached_statements(), 1u);
}

TEST(Query, DiscardAllIsSurvivedByRepreparing) {
  Connection conn(test::config_for(test::shared_server()));
  EXPECT_EQ(conn.query("SELECT $1::int + 1", 1).scalar<int>(), 2);
  conn.execute("DISCARD ALL");
  EXPECT_EQ(conn.query("SELECT $1::int + 1", 2).scalar<int>(), 3);
}

TEST(Query, ResultReportsAffectedRowsAndColumns) {
  Connection conn(test::config_for(test::shared_server()));
  conn.execute("CREATE TEMP TABLE counted(x int)");
  EXPECT_EQ(conn.query("INSERT INTO counted SELECT generate_series(1, $1::int)", 5).affected_rows(), 5);
  auto r = conn.query("SELECT x, x * 2 AS doubled FROM counted ORDER BY x");
  EXPECT_EQ(r.size(), 5);
  EXPECT_EQ(r.column("doubled"), 1);
  int sum = 0;
  for (auto row : r) sum += row.get<int>("doubled");
  EXPECT_EQ(sum, 30);
  auto [x, d] = r[4].as<int, int>();
  EXPECT_EQ(x * 2, d);
}

TEST(Connect, WrongPasswordIsAuthenticationFailedWithoutThePassword) {
  auto& server = test::shared_server();
  std::string url = "postgresql://pgkit:Wr0ngPa55word@127.0.0.1:" + std::to_string(server.port()) + "/postgres";
  try {
    Connection conn(parse_url(url).config);
    FAIL();
  } catch (const AuthenticationFailed& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find("Wr0ngPa55word"), std::string::npos) << m;
    EXPECT_NE(m.find("password"), std::string::npos) << m;
    EXPECT_NE(m.find("***"), std::string::npos) << m;
  }
}

TEST(Connect, NothingListeningIsCannotConnectWithAdvice) {
  auto c = parse_url("postgresql://app:S3cret@127.0.0.1:" + std::to_string(LocalCluster::free_port()) + "/app").config;
  try {
    Connection conn(c);
    FAIL();
  } catch (const CannotConnect& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find("S3cret"), std::string::npos);
    EXPECT_NE(m.find("pg_isready"), std::string::npos) << m;
  }
}

TEST(Database, OptionalModeNeverThrowsAtStart) {
  Database none(LoadedConfig{});
  EXPECT_FALSE(none.configured());
  EXPECT_FALSE(none.connected());
  EXPECT_FALSE(none.test_connection());
  EXPECT_THROW(none.pool(), NotConfigured);

  auto unreachable = parse_url("postgresql://app:pw@127.0.0.1:" + std::to_string(LocalCluster::free_port()) + "/app");
  unreachable.config.pool.connect_timeout = 500ms;
  unreachable.config.pool.acquire_timeout = 500ms;
  Database down(unreachable);
  EXPECT_TRUE(down.configured());
  EXPECT_FALSE(down.test_connection());

  Database up(parse_url(test::shared_server().url()));
  EXPECT_TRUE(up.test_connection());
  EXPECT_TRUE(up.connected());
}

// ping_all: one verdict a connection, in one wait; a connection the server ended is dead, and
// its neighbours' answers are not lost.
TEST(Query, PingAllGivesEachConnectionItsVerdict) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "ping-all");
  Connection a(c), b(c), d(c);
  const int pid = b.query("SELECT pg_backend_pid()").scalar<int>();
  server.sql("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
  auto alive = Connection::ping_all({&a, &b, &d}, 2000ms);
  EXPECT_EQ(alive, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(a.query("SELECT 1").scalar<int>(), 1);
  EXPECT_EQ(d.query("SELECT 2").scalar<int>(), 2);
  EXPECT_TRUE(Connection::ping_all({}, 10ms).empty());
}
