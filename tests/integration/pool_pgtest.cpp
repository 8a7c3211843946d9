// The pool's size, timeouts, housekeeping and statistics against a real server.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "eventually.hpp"
#include "pg_config.hpp"
#include "pgkit/error.hpp"
#include "pgkit/pool.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono_literals;

using test::eventually;

TEST(Pool, FiftyThreadsOnMaxFiveNeverOpenMoreThanFive) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "pool-max5", {.min = 2, .max = 5});
  c.pool.acquire_timeout = 30s;
  Pool pool(c);
  std::atomic<int> peak_seen_by_server{0}, failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 50; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) {
        try {
          auto n = pool.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = $1", "pool-max5")
                       .scalar<std::int64_t>();
          int seen = static_cast<int>(n), p = peak_seen_by_server.load();
          while (seen > p && !peak_seen_by_server.compare_exchange_weak(p, seen)) {}
          EXPECT_LE(pool.stats().total, 5);
        } catch (const std::exception& e) {
          ++failures;
          ADD_FAILURE() << e.what();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(peak_seen_by_server.load(), 5);
  EXPECT_GE(peak_seen_by_server.load(), 2);
  auto st = pool.stats();
  EXPECT_EQ(st.acquired, 500u);
  EXPECT_LE(st.created, 5u);
  EXPECT_GT(st.acquire_waits, 0u);  // 50 threads on 5 connections must have queued
  EXPECT_TRUE(eventually([&] { return pool.stats().idle >= 2; }));
}

TEST(Pool, MinConnectionsAreOpenedInTheBackground) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "pool-min3");
  c.pool.min = 3;
  Pool pool(c);
  EXPECT_TRUE(eventually([&] { return test::server_connections(server, "pool-min3") == 3; }));
  EXPECT_EQ(pool.stats().idle, 3);
}

TEST(Pool, AcquireTimeoutFiresAndStatesThePoolsState) {
  Config c = test::config_for(test::shared_server(), "pgkit-test", {.min = 1, .max = 1});
  c.pool.acquire_timeout = 200ms;
  Pool pool(c);
  // Opened in the background with the connect timeout, so a busy machine cannot make the
  // first acquire itself time out.
  ASSERT_TRUE(eventually([&] { return pool.stats().idle == 1; }));
  auto held = pool.acquire();
  try {
    pool.acquire();
    FAIL() << "acquire should have timed out";
  } catch (const PoolExhausted& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("within 200 ms"), std::string::npos) << m;
    EXPECT_NE(m.find("total=1, in use=1, idle=0"), std::string::npos) << m;
    EXPECT_NE(m.find("max=1"), std::string::npos) << m;
    EXPECT_NE(m.find("elapsed="), std::string::npos) << m;
    EXPECT_NE(m.find("DB_POOL_MAX"), std::string::npos) << m;
  }
  EXPECT_EQ(pool.stats().acquire_timeouts, 1u);
  held.release();
  EXPECT_NO_THROW(pool.acquire());
}

TEST(Pool, IdleConnectionsAboveMinAreClosedAfterTheIdleTimeout) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "pool-idle", {.min = 1, .max = 4});
  c.pool.idle_timeout = 300ms;
  Pool pool(c);
  {
    std::vector<PooledConnection> held;
    for (int i = 0; i < 4; ++i) held.push_back(pool.acquire());
    EXPECT_EQ(test::server_connections(server, "pool-idle"), 4);
  }
  EXPECT_TRUE(eventually([&] { return test::server_connections(server, "pool-idle") == 1; }));
  EXPECT_EQ(pool.stats().total, 1);
  EXPECT_GE(pool.stats().closed, 3u);
}

TEST(Pool, ConnectionsRetireAfterTheirLifetime) {
  Config c = test::config_for(test::shared_server(), "pgkit-test", {.min = 1, .max = 1});
  c.pool.max_lifetime = 300ms;
  c.pool.lifetime_jitter = 0;
  Pool pool(c);
  int first = pool.query("SELECT pg_backend_pid()").scalar<int>();
  std::this_thread::sleep_for(600ms);  // the connection's lifetime must pass: a cause, not a synchronisation
  int second = pool.query("SELECT pg_backend_pid()").scalar<int>();
  EXPECT_NE(first, second);
  EXPECT_GE(pool.stats().closed, 1u);
}

TEST(Pool, IdleConnectionKilledByTheServerIsReplacedUnseen) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "pool-killed", {.min = 1, .max = 1});
  Pool pool(c);
  int pid = pool.query("SELECT pg_backend_pid()").scalar<int>();
  server.sql("SELECT pg_terminate_backend(" + std::to_string(pid) + ")");
  ASSERT_TRUE(eventually([&] { return test::server_connections(server, "pool-killed") == 0; }));
  std::this_thread::sleep_for(c.pool.validation_window + 100ms);  // idle past the validation window
  int replacement = 0;
  EXPECT_NO_THROW(replacement = pool.query("SELECT pg_backend_pid()").scalar<int>());
  EXPECT_NE(replacement, pid);
  EXPECT_EQ(pool.stats().validation_failures, 1u);
}

TEST(Pool, LeakedConnectionIsReportedOnce) {
  Config c = test::config_for(test::shared_server());
  c.pool.leak_threshold = 100ms;
  Pool pool(c);
  auto held = pool.acquire();
  EXPECT_TRUE(eventually([&] { return pool.stats().leaks_reported == 1; }, 3s));
  std::this_thread::sleep_for(300ms);  // three more leak thresholds held: time for a second report that must not come
  EXPECT_EQ(pool.stats().leaks_reported, 1u);
}

TEST(Pool, ConnectionLeftInATransactionIsRolledBackOnRelease) {
  Config c = test::config_for(test::shared_server(), "pgkit-test", {.min = 0, .max = 1});
  Pool pool(c);
  {
    auto conn = pool.acquire();
    conn->execute("BEGIN");
    conn->execute("CREATE TEMP TABLE left_open(x int)");
  }
  auto conn = pool.acquire();
  EXPECT_EQ(conn->transaction_status(), TxStatus::idle);
  EXPECT_EQ(conn->query("SELECT count(*) FROM pg_class WHERE relname = 'left_open'").scalar<std::int64_t>(), 0);
}

TEST(Pool, OnConnectSetsSearchPathStatementTimeoutAndHook) {
  auto& server = test::shared_server();
  server.sql("CREATE SCHEMA IF NOT EXISTS app_schema");
  Config c = test::config_for(server);
  c.search_path = "app_schema";
  c.pool.statement_timeout = 150ms;
  std::atomic<int> hooked{0};
  Pool pool(c, {.after_connect = [&](Connection& conn) {
              ++hooked;
              conn.execute("SET application_name = 'hooked'");
            }});
  auto conn = pool.acquire();
  EXPECT_EQ(conn->query("SELECT current_schema()").scalar<std::string>(), "app_schema");
  EXPECT_EQ(conn->query("SELECT current_setting('application_name')").scalar<std::string>(), "hooked");
  EXPECT_THROW(conn->query("SELECT pg_sleep(2)"), Timeout);  // the server's statement_timeout
  EXPECT_EQ(conn->query("SELECT 1").scalar<int>(), 1);
  EXPECT_GE(hooked.load(), 1);
}

TEST(Pool, CloseWaitsForConnectionsInUseThenRefusesNewOnes) {
  Config c = test::config_for(test::shared_server());
  Pool pool(c);
  std::promise<void> acquired, closing;
  std::atomic<bool> returned{false};
  std::thread user([&] {
    auto conn = pool.acquire();
    acquired.set_value();
    closing.get_future().wait();
    conn->query("SELECT 1");  // still usable while the pool is closing
    returned = true;
  });
  acquired.get_future().wait();
  auto closed = std::async(std::launch::async, [&] { pool.close(30s); });
  // close() has begun once it refuses new connections; the user still holds its own.
  EXPECT_TRUE(eventually([&] {
    try {
      pool.acquire();
      return false;
    } catch (const PoolClosed&) {
      return true;
    }
  }));
  EXPECT_EQ(closed.wait_for(0s), std::future_status::timeout) << "close() returned with a connection in use";
  closing.set_value();
  closed.get();
  EXPECT_TRUE(returned.load());
  user.join();
  EXPECT_THROW(pool.acquire(), PoolClosed);
  EXPECT_EQ(pool.stats().total, 0);
}
