// Recovery from a server that restarts, or is not there when the pool starts.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "eventually.hpp"
#include "pg_config.hpp"
#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pgkit/pool.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono_literals;

TEST(Recovery, ReadLoopSeesNoErrorOnceTheServerIsBackAfterARestart) {
  auto server = test::private_server();
  Config c = test::config_for(*server, "pgkit-test", {.min = 2, .max = 4});
  Pool pool(c);
  std::atomic<bool> stop{false};
  std::atomic<bool> back{false};
  std::atomic<int> ok{0}, errors{0}, errors_after_back{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        try {
          pool.query(idempotent, "SELECT count(*) FROM pg_class").scalar<std::int64_t>();
          ++ok;
        } catch (const Error& e) {
          ++errors;
          if (back) {
            ++errors_after_back;
            ADD_FAILURE() << "error after the server was back: " << e.what();
          }
        }
      }
    });
  }
  EXPECT_TRUE(test::eventually([&] { return ok.load() >= 100; })) << "the readers are running before the restart";
  int before = ok.load();
  server->restart();  // pg_ctl restart -m fast: every connection is terminated
  back = true;
  const int ok_when_back = ok.load();
  EXPECT_TRUE(test::eventually([&] { return ok.load() >= ok_when_back + 100; })) << "reads succeed after the restart";
  stop = true;
  for (auto& t : readers) t.join();
  std::printf("[ figures  ] restart under 4 readers: %d ok before, %d ok in all, %d errors (%d after back)\n", before,
              ok.load(), errors.load(), errors_after_back.load());
  EXPECT_EQ(errors_after_back.load(), 0);
  EXPECT_EQ(errors.load(), 0) << "idempotent reads are retried through the restart";
  EXPECT_GT(ok.load(), before);
}

TEST(Recovery, PoolStartedWhileTheServerIsDownConnectsWhenItComesUp) {
  auto server = test::private_server();
  server->stop();
  Config c = test::config_for(*server);
  c.pool.min = 1;
  c.pool.connect_timeout = 2s;
  c.pool.acquire_timeout = 2s;
  Pool pool(c);  // must not throw or block
  EXPECT_FALSE(pool.test_connection(200ms));
  EXPECT_THROW(pool.query("SELECT 1"), CannotConnect);
  EXPECT_GT(pool.stats().connect_errors, 0u);
  server->start();
  EXPECT_EQ(pool.query(idempotent, "SELECT 1").scalar<int>(), 1);
  EXPECT_TRUE(pool.connected());
}

TEST(Recovery, QueryOnAConnectionWhoseServerDiedIsConnectionLost) {
  auto server = test::private_server();
  Connection conn(test::config_for(*server));
  server->kill();
  EXPECT_THROW(conn.query("SELECT 1"), ConnectionLost);
  EXPECT_TRUE(conn.broken());
}
