// pgkit through Debian's PgBouncer (1.18) in transaction mode: with pgbouncer=true every
// statement is unnamed and no session state is assumed; without it, pgkit notices that named
// statements are not kept (26000, 42P05, 08P01) and switches to unnamed statements by itself.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <spdlog/sinks/base_sink.h>

#include "connection/connection_access.hpp"
#include "connection/rerun.hpp"
#include "eventually.hpp"
#include "pg_config.hpp"
#include "pgbouncer.hpp"
#include "pgkit/async.hpp"
#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pgkit/pool.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// pgkit's warnings, kept to be counted. Installed before main, while no thread logs.
class WarningCapture : public spdlog::sinks::base_sink<std::mutex> {
 public:
  int count(const std::string& needle) {
    std::lock_guard lock(mutex_);
    int n = 0;
    for (const auto& line : lines_) n += line.find(needle) != std::string::npos;
    return n;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    if (msg.level >= spdlog::level::warn) lines_.emplace_back(msg.payload.data(), msg.payload.size());
  }
  void flush_() override {}

 private:
  std::vector<std::string> lines_;
};

WarningCapture& warnings() {
  static auto capture = [] {
    auto c = std::make_shared<WarningCapture>();
    pgkit::log().sinks().push_back(c);
    return c;
  }();
  return *capture;
}
[[maybe_unused]] const bool capture_installed = (warnings(), true);

constexpr const char* kSwitchWarning = "named prepared statements are not kept by a pooler between transactions";

Config through(const test::PgBouncer& bouncer, bool pgbouncer_setting, const std::string& application_name) {
  LoadedConfig loaded = parse_url(bouncer.url(pgbouncer_setting) + (pgbouncer_setting ? "&" : "?") +
                                  "application_name=" + application_name);
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  Config c = loaded.config;
  c.pool.slow_query = Millis{0};
  return c;
}

// 8 threads × 25 statements (three different texts, with parameters) through pool.
int run_workload(Pool& pool) {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        try {
          int n = t * 100 + i;
          switch ((t + i) % 3) {
            case 0: EXPECT_EQ(pool.query("SELECT $1::int * 2", n).scalar<int>(), 2 * n); break;
            case 1:
              EXPECT_EQ(pool.query("SELECT $1::text || '-' || $2::int", "t", n).scalar<std::string>(),
                        "t-" + std::to_string(n));
              break;
            default:
              EXPECT_EQ(pool.query("SELECT count(*) FROM generate_series(1, $1::int)", n + 1).scalar<std::int64_t>(),
                        n + 1);
          }
        } catch (const std::exception& e) {
          ++failures;
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  return failures.load();
}

// Eight connections over pgbouncer's two server connections, so that they share them.
Config workload_config(const test::PgBouncer& bouncer, bool pgbouncer, const std::string& name) {
  Config c = through(bouncer, pgbouncer, name);
  EXPECT_EQ(c.pool.pgbouncer, pgbouncer);
  c.pool.min = 0;
  c.pool.max = 8;
  c.pool.acquire_timeout = 30s;
  return c;
}

// Every connection the pool holds, at once (all idle after a workload).
std::vector<PooledConnection> hold_all(Pool& pool) {
  std::vector<PooledConnection> held;
  for (int n = pool.stats().total; n > 0; --n) held.push_back(pool.acquire());
  return held;
}

template <class F>
auto run_on_io(F coroutine) {
  asio::io_context io;
  auto future = asio::co_spawn(io, coroutine(), asio::use_future);
  io.run();
  return future.get();
}

}  // namespace

TEST(PgBouncer, WithTheSettingTwoHundredQueriesFromEightThreadsAreAllUnnamed) {
  test::PgBouncer bouncer(test::shared_server(), {.default_pool_size = 2});
  Pool pool(workload_config(bouncer, true, "bouncer-on"));
  EXPECT_EQ(run_workload(pool), 0);  // no 26000, 42P05 or anything else
  EXPECT_EQ(pool.stats().acquired, 200u);
  auto held = hold_all(pool);
  ASSERT_FALSE(held.empty());
  for (auto& conn : held) {
    EXPECT_FALSE(conn->named_statements());
    EXPECT_EQ(conn->cached_statements(), 0u);
  }
  std::printf("[ figures  ] pgbouncer=true: 200 queries, %d pgkit connections over default_pool_size=2\n",
              static_cast<int>(held.size()));
}

TEST(PgBouncer, WithoutTheSettingTheSameWorkloadSucceedsThroughTheAutomaticSwitch) {
  test::PgBouncer bouncer(test::shared_server(), {.default_pool_size = 2});
  Pool pool(workload_config(bouncer, false, "bouncer-off"));
  EXPECT_EQ(run_workload(pool), 0);
  auto held = hold_all(pool);
  int switched = 0;
  for (auto& conn : held) {
    if (!conn->named_statements()) {
      ++switched;
      EXPECT_EQ(conn->cached_statements(), 0u);
    }
  }
  std::printf("[ figures  ] without pgbouncer=true: %d of %d connections switched to unnamed statements\n", switched,
              static_cast<int>(held.size()));
  // Whether a Bind lands on another server connection here depends on pgbouncer's scheduling
  // (the next test forces it). What must hold: every query succeeded, and a switch is logged,
  // once per process.
  if (switched > 0) {
    EXPECT_EQ(warnings().count(kSwitchWarning), 1) << "one warning per process";
  }
  EXPECT_LE(warnings().count(kSwitchWarning), 1);
}

// Deterministic: the Bind of a cached statement reaches a server connection that never saw its
// Parse, because another client holds the first one in a transaction.
TEST(PgBouncer, ABindOnAnotherServerConnectionSwitchesAndTheQuerySucceeds) {
  test::PgBouncer bouncer(test::shared_server(), {.default_pool_size = 2});
  Connection a(through(bouncer, false, "bouncer-a"));
  Connection b(through(bouncer, false, "bouncer-b"));
  EXPECT_EQ(a.query("SELECT $1::int + 1", 1).scalar<int>(), 2);  // prepared on the only server connection
  ASSERT_EQ(a.cached_statements(), 1u);
  b.execute("BEGIN");
  b.query("SELECT 1");                                           // b holds that server connection now
  EXPECT_EQ(a.query("SELECT $1::int + 1", 2).scalar<int>(), 3);  // 26000 on the second one, then unnamed
  EXPECT_FALSE(a.named_statements());
  EXPECT_EQ(a.cached_statements(), 0u);
  EXPECT_EQ(a.query("SELECT $1::int + 1", 3).scalar<int>(), 4);
  b.execute("COMMIT");
  EXPECT_EQ(b.transaction_status(), TxStatus::idle);
  EXPECT_GE(warnings().count(kSwitchWarning), 1);
  EXPECT_LE(warnings().count(kSwitchWarning), 1);
}

// The same for a pipeline, whose cached statements were prepared by an earlier pipeline.
TEST(PgBouncer, APipelineSwitchesToo) {
  test::PgBouncer bouncer(test::shared_server(), {.default_pool_size = 2});
  Connection a(through(bouncer, false, "bouncer-pipe"));
  Connection b(through(bouncer, false, "bouncer-pipe-b"));
  Pipeline batch;
  batch.add("SELECT $1::int", 1).add("SELECT $1::int * 10", 2).add("SELECT $1::text", "three");
  EXPECT_EQ(a.pipeline(batch)[1].scalar<int>(), 20);
  EXPECT_EQ(a.cached_statements(), 3u);
  b.execute("BEGIN");
  b.query("SELECT 1");
  auto r = a.pipeline(batch);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[2].scalar<std::string>(), "three");
  EXPECT_FALSE(a.named_statements());
  b.execute("COMMIT");
}

// Two clients whose statement names collide (forced: pgkit's names are unique per connection;
// older pgkit numbered them pgkit_0, pgkit_1… on every connection): the second Parse of the same
// name on the one server connection fails with 42P05, and that client switches.
TEST(PgBouncer, AForcedStatementNameCollisionSwitchesAndBothClientsSucceed) {
  test::PgBouncer bouncer(test::shared_server(), {.default_pool_size = 1});
  Connection a(through(bouncer, false, "bouncer-42p05-a"));
  Connection b(through(bouncer, false, "bouncer-42p05-b"));
  ConnectionAccess::statement_prefix(a) = "pgkit_";
  ConnectionAccess::statement_prefix(b) = "pgkit_";
  EXPECT_EQ(a.query("SELECT $1::int + 1", 1).scalar<int>(), 2);                   // pgkit_0 on the server connection
  EXPECT_EQ(b.query("SELECT $1::text || 'x'", "a").scalar<std::string>(), "ax");  // pgkit_0 again: 42P05
  EXPECT_FALSE(b.named_statements());
  EXPECT_TRUE(a.named_statements());
  EXPECT_EQ(a.query("SELECT $1::int + 1", 5).scalar<int>(), 6);  // a's statement is still the one there
  EXPECT_EQ(b.query("SELECT $1::text || 'x'", "b").scalar<std::string>(), "bx");
  EXPECT_EQ(warnings().count(kSwitchWarning), 1);
}

// Unforced, names never collide: with one server connection, named statements even work.
TEST(PgBouncer, StatementNamesAreUniquePerConnection) {
  test::PgBouncer bouncer(test::shared_server(), {.default_pool_size = 1});
  Connection a(through(bouncer, false, "bouncer-unique-a"));
  Connection b(through(bouncer, false, "bouncer-unique-b"));
  EXPECT_NE(ConnectionAccess::statement_prefix(a), ConnectionAccess::statement_prefix(b));
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(a.query("SELECT $1::int + 1", i).scalar<int>(), i + 1);
    EXPECT_EQ(b.query("SELECT $1::text || 'x'", std::to_string(i)).scalar<std::string>(), std::to_string(i) + "x");
  }
  EXPECT_TRUE(a.named_statements());
  EXPECT_TRUE(b.named_statements());
}

TEST(PgBouncer, TransactionsCommitAndRollBack) {
  test::PgBouncer bouncer(test::shared_server(), {.default_pool_size = 2});
  Config c = through(bouncer, true, "bouncer-tx");
  c.pool.min = 0;
  c.pool.max = 4;
  c.pool.acquire_timeout = 30s;
  Pool pool(c);
  pool.query("CREATE TABLE IF NOT EXISTS bouncer_tx(id int PRIMARY KEY, n int)");
  pool.query("DELETE FROM bouncer_tx");
  pool.transaction([](Transaction& tx) {
    tx.query("INSERT INTO bouncer_tx VALUES ($1, $2)", 1, 0);
    tx.query("INSERT INTO bouncer_tx VALUES ($1, $2)", 2, 0);
  });
  EXPECT_THROW(pool.transaction([](Transaction& tx) {
    tx.query("INSERT INTO bouncer_tx VALUES ($1, $2)", 3, 0);
    tx.query("INSERT INTO bouncer_tx VALUES ($1, $2)", 1, 0);  // unique violation: all of it rolls back
  }),
               UniqueViolation);
  EXPECT_EQ(pool.query("SELECT count(*) FROM bouncer_tx").scalar<std::int64_t>(), 2);
  // Transaction-local state is what a transaction pooler keeps: SET LOCAL / set_config(…, true).
  pool.transaction([](Transaction& tx) {
    tx.query("SELECT set_config('statement_timeout', $1, true)", "1234");
    EXPECT_EQ(tx.query("SHOW statement_timeout").scalar<std::string>(), "1234ms");
  });
  // Four threads, 25 increments each, on two server connections.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        try {
          pool.transaction([](Transaction& tx) {
            int n = tx.query("SELECT n FROM bouncer_tx WHERE id = $1 FOR UPDATE", 1).scalar<int>();
            tx.query("UPDATE bouncer_tx SET n = $1 WHERE id = $2", n + 1, 1);
          });
        } catch (const std::exception& e) {
          ++failures;
          ADD_FAILURE() << e.what();
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(pool.query("SELECT n FROM bouncer_tx WHERE id = $1", 1).scalar<int>(), 100);
}

TEST(PgBouncer, AsyncQueriesAndPipelinesWithAndWithoutTheSetting) {
  test::PgBouncer bouncer(test::shared_server(), {.default_pool_size = 2});
  for (bool setting : {true, false}) {
    Pool pool(workload_config(bouncer, setting, "bouncer-async"));
    AsyncPool db(pool);
    std::atomic<int> done{0}, failed{0};
    run_on_io([&]() -> asio::awaitable<void> {
      auto ex = co_await asio::this_coro::executor;
      for (int i = 0; i < 200; ++i) {
        asio::co_spawn(
            ex,
            [&, i]() -> asio::awaitable<void> {
              try {
                if (i % 10 == 0) {
                  Pipeline batch;
                  batch.add("SELECT $1::int", i).add("SELECT $1::int * 2", i);
                  auto r = co_await db.pipeline(batch);
                  EXPECT_EQ(r[1].scalar<int>(), 2 * i);
                } else {
                  EXPECT_EQ((co_await db.query("SELECT $1::int + 1", i)).scalar<int>(), i + 1);
                }
              } catch (const std::exception& e) {
                ++failed;
                ADD_FAILURE() << e.what();
              }
              ++done;
            },
            asio::detached);
      }
    });  // run_on_io returns once every spawned coroutine has ended
    EXPECT_EQ(done.load(), 200);
    EXPECT_EQ(failed.load(), 0) << "pgbouncer=" << setting;
    auto held = hold_all(pool);
    int unnamed = 0;
    for (auto& conn : held) unnamed += !conn->named_statements();
    if (setting) {
      EXPECT_EQ(unnamed, static_cast<int>(held.size()));
    }
    std::printf("[ figures  ] async, pgbouncer=%s: %d of %d connections unnamed\n", setting ? "true" : "false", unnamed,
                static_cast<int>(held.size()));
  }
}

// pgkit's cancel request goes to pgbouncer, which passes it to the server connection that runs
// the statement: the server stops it, and the client connection serves the next statement.
TEST(PgBouncer, AQueryTimeoutIsCancelledOnTheServer) {
  auto& server = test::shared_server();
  test::PgBouncer bouncer(server, {.default_pool_size = 2});
  Connection conn(through(bouncer, true, "bouncer-cancel"));
  auto started = Clock::now();
  EXPECT_THROW(conn.query({.timeout = 100ms}, "SELECT pg_sleep(60) -- bouncer-cancel"), Timeout);
  EXPECT_LT(Clock::now() - started, 5s);
  auto sleeping = [&] {
    return server.sql(
        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60) -- bouncer-cancel%' "
        "AND state = 'active'")[0];
  };
  EXPECT_TRUE(test::eventually([&] { return sleeping() == "0"; })) << "pg_sleep(60) was left running";
  EXPECT_FALSE(conn.broken());
  EXPECT_EQ(conn.query("SELECT $1::int", 2).scalar<int>(), 2);
}

TEST(PgBouncer, SessionSettingsAreNotAppliedAndTheStartWarns) {
  test::PgBouncer bouncer(test::shared_server(), {.default_pool_size = 1});
  Config c = through(bouncer, true, "bouncer-settings");
  c.search_path = "bouncer_schema";
  c.pool.statement_timeout = 150ms;
  c.pool.min = 0;
  int before = warnings().count("pgbouncer=true: not setting search_path = 'bouncer_schema', statement_timeout = 150");
  Pool pool(c);
  EXPECT_EQ(warnings().count("pgbouncer=true: not setting search_path = 'bouncer_schema', statement_timeout = 150"),
            before + 1);
  // Not applied: the server connection has its own defaults, and a 300 ms sleep is not cut short.
  EXPECT_EQ(pool.query("SHOW statement_timeout").scalar<std::string>(), "0");
  EXPECT_NO_THROW(pool.query("SELECT pg_sleep(0.3)"));
}

// 08P01 from a pooler (some refuse named statements outright) switches too, unless it is the
// caller's own parameter count.
TEST(PgBouncer, ProtocolViolationSwitchesButAWrongParameterCountDoesNot) {
  Connection conn(test::config_for(test::shared_server()));
  conn.use_named_statements(true);
  const std::string key = "SELECT 1";
  ConnectionLost wrong_count({.sqlstate = "08P01",
                              .message = "bind message supplies 1 parameters, but prepared statement \"pgkit_x_0\" "
                                         "requires 2"});
  EXPECT_EQ(detail::after_named_failure(conn, wrong_count, &key), detail::Rerun::no);
  EXPECT_TRUE(conn.named_statements());
  ConnectionLost refused({.sqlstate = "08P01", .message = "unsupported pkt type: 80"});
  EXPECT_EQ(detail::after_named_failure(conn, refused, &key), detail::Rerun::unnamed);
  EXPECT_FALSE(conn.named_statements());
  conn.use_named_statements(true);
  // A caller's own EXECUTE of a statement that does not exist is not about pgkit's statements.
  EXPECT_THROW(conn.query("EXECUTE no_such_statement"), Error);
  EXPECT_TRUE(conn.named_statements());
}

TEST(PgBouncer, TheSettingComesFromTheUrlOrDbPgbouncer) {
  auto on = parse_url("postgresql://app:pw@h/db?pgbouncer=true");
  ASSERT_TRUE(on.ok()) << on.problems_text();
  EXPECT_TRUE(on.config.pool.pgbouncer);
  EXPECT_TRUE(on.warnings.empty());
  EXPECT_EQ(on.config.params.count("pgbouncer"), 0u);
  EXPECT_FALSE(parse_url("postgresql://app:pw@h/db?pgbouncer=false").config.pool.pgbouncer);
  EXPECT_FALSE(parse_url("postgresql://app:pw@h/db").config.pool.pgbouncer);

  auto bad = parse_url("postgresql://app:S3cret@h/db?pgbouncer=maybe");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.problems_text().find("(pgbouncer)"), std::string::npos) << bad.problems_text();
  EXPECT_NE(bad.problems_text().find("true or false"), std::string::npos) << bad.problems_text();
  EXPECT_EQ(bad.problems_text().find("S3cret"), std::string::npos);

  auto env = [](std::map<std::string, std::string> vars) {
    ConfigOptions o;
    o.read_dotenv = false;
    o.getenv = [vars](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      return it == vars.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return load_config(o);
  };
  auto from_env = env({{"DATABASE_URL", "postgresql://app:pw@h/db"}, {"DB_PGBOUNCER", "true"}});
  ASSERT_TRUE(from_env.ok()) << from_env.problems_text();
  EXPECT_TRUE(from_env.config.pool.pgbouncer);
  auto env_off = env({{"DATABASE_URL", "postgresql://app:pw@h/db?pgbouncer=true"}, {"DB_PGBOUNCER", "false"}});
  EXPECT_FALSE(env_off.config.pool.pgbouncer);
  auto env_bad = env({{"DATABASE_URL", "postgresql://app:pw@h/db"}, {"DB_PGBOUNCER", "maybe"}});
  ASSERT_FALSE(env_bad.ok());
  EXPECT_NE(env_bad.problems_text().find("DB_PGBOUNCER"), std::string::npos) << env_bad.problems_text();

  // A connection made with the setting starts without named statements.
  Config c = test::config_for(test::shared_server());
  c.pool.pgbouncer = true;
  Connection conn(c);
  EXPECT_FALSE(conn.named_statements());
  EXPECT_EQ(conn.query("SELECT $1::int", 7).scalar<int>(), 7);
  EXPECT_EQ(conn.cached_statements(), 0u);
}
