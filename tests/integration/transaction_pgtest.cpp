// Transactions: commit, rollback, savepoints and retries of whole transactions.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <thread>

#include "pg_config.hpp"
#include "pgkit/error.hpp"
#include "pgkit/pool.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono_literals;

namespace {

Pool& shared_pool() {
  static Pool pool([] {
    Config c = test::config_for(test::shared_server(), "pgkit-tx");
    c.pool.max = 4;
    return c;
  }());
  return pool;
}

}  // namespace

TEST(Transaction, CommitsWhenTheFunctionReturns) {
  auto& pool = shared_pool();
  pool.query("CREATE TABLE IF NOT EXISTS tx_commit(x int)");
  int n = pool.transaction([](Transaction& tx) {
    tx.query("INSERT INTO tx_commit VALUES ($1)", 1);
    tx.query("INSERT INTO tx_commit VALUES ($1)", 2);
    return 2;
  });
  EXPECT_EQ(n, 2);
  EXPECT_EQ(pool.query("SELECT count(*) FROM tx_commit").scalar<std::int64_t>(), 2);
}

TEST(Transaction, FailingStatementRollsBackAndTheConnectionComesBackHealthy) {
  Config c = test::config_for(test::shared_server(), "pgkit-test", {.min = 0, .max = 1});
  Pool pool(c);
  pool.query("CREATE TABLE IF NOT EXISTS tx_rollback(x int PRIMARY KEY)");
  int pid = pool.query("SELECT pg_backend_pid()").scalar<int>();
  EXPECT_THROW(pool.transaction([](Transaction& tx) {
    tx.query("INSERT INTO tx_rollback VALUES ($1)", 1);
    tx.query("INSERT INTO tx_rollback VALUES ($1)", 1);  // unique violation
  }),
               UniqueViolation);
  EXPECT_EQ(pool.query("SELECT count(*) FROM tx_rollback").scalar<std::int64_t>(), 0);
  auto conn = pool.acquire();
  EXPECT_EQ(conn->transaction_status(), TxStatus::idle);
  EXPECT_EQ(conn->backend_pid(), pid);  // the same connection, reused: healthy, not discarded
}

TEST(Transaction, ACaughtFailureInsideIsNotReportedAsCommitted) {
  auto& pool = shared_pool();
  EXPECT_THROW(pool.transaction([](Transaction& tx) {
    try {
      tx.query("SELECT 1/0");
    } catch (const Error&) {}
  }),
               UsageError);
}

TEST(Transaction, SavepointRollsBackOnlyItsPart) {
  auto& pool = shared_pool();
  pool.query("CREATE TABLE IF NOT EXISTS tx_savepoint(x int PRIMARY KEY)");
  pool.transaction([](Transaction& tx) {
    tx.query("INSERT INTO tx_savepoint VALUES ($1)", 1);
    EXPECT_THROW(tx.savepoint([](Transaction& inner) {
      inner.query("INSERT INTO tx_savepoint VALUES ($1)", 2);
      inner.query("INSERT INTO tx_savepoint VALUES ($1)", 1);  // conflicts
    }),
                 UniqueViolation);
    tx.query("INSERT INTO tx_savepoint VALUES ($1)", 3);
  });
  auto r = pool.query("SELECT array_agg(x ORDER BY x) FROM tx_savepoint").scalar<std::vector<std::int32_t>>();
  EXPECT_EQ(r, (std::vector<std::int32_t>{1, 3}));
}

TEST(Transaction, ReadOnlyTransactionRefusesWrites) {
  auto& pool = shared_pool();
  pool.query("CREATE TABLE IF NOT EXISTS tx_readonly(x int)");
  EXPECT_THROW(
      pool.transaction([](Transaction& tx) { tx.query("INSERT INTO tx_readonly VALUES (1)"); }, {.read_only = true}),
      ReadOnlyTransaction);
}

TEST(Transaction, TwoConflictingSerializableTransactionsBothCommitThroughRetry) {
  auto& pool = shared_pool();
  pool.query("CREATE TABLE IF NOT EXISTS tx_oncall(doctor text PRIMARY KEY, on_call bool)");
  pool.query("DELETE FROM tx_oncall");
  pool.query("INSERT INTO tx_oncall VALUES ('alice', true), ('bob', true)");
  // Write skew: each reads both rows, then changes a different one. Serializable lets only one
  // commit per round; the other gets 40001 and must be retried as a whole.
  std::barrier both_read(2);
  std::atomic<int> attempts{0};
  std::atomic<bool> first_round{true};
  auto take_off = [&](const std::string& who) {
    pool.transaction(
        [&](Transaction& tx) {
          ++attempts;
          auto on_call = tx.query("SELECT count(*) FROM tx_oncall WHERE on_call").scalar<std::int64_t>();
          if (first_round) both_read.arrive_and_wait();
          tx.query("UPDATE tx_oncall SET on_call = $1 WHERE doctor = $2", on_call < 2, who);
        },
        {.isolation = Isolation::serializable});
    first_round = false;
  };
  std::thread a(take_off, "alice"), b(take_off, "bob");
  a.join();
  b.join();
  EXPECT_GE(attempts.load(), 3);  // one of them ran twice
  // Serial order: the first took one doctor off call; the retry saw one on call and kept it.
  EXPECT_EQ(pool.query("SELECT count(*) FROM tx_oncall WHERE on_call").scalar<std::int64_t>(), 1);
}

TEST(Transaction, NonRetryableErrorsAreNotRetried) {
  auto& pool = shared_pool();
  std::atomic<int> attempts{0};
  EXPECT_THROW(pool.transaction([&](Transaction& tx) {
    ++attempts;
    tx.query("SELECT * FROM no_such_table");
  }),
               SyntaxError);
  EXPECT_EQ(attempts.load(), 1);
}
