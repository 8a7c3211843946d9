// The asynchronous API on Boost.Asio against a real server.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include <fmt/format.h>

#include "eventually.hpp"
#include "pg_config.hpp"
#include "pgkit/async.hpp"
#include "run_on.hpp"
#include "pgkit/error.hpp"
#include "test_server.hpp"

using namespace pgkit;
using test::run_on;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using test::eventually;

namespace {

asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  asio::steady_timer t(co_await asio::this_coro::executor, d);
  co_await t.async_wait(asio::use_awaitable);
}

// A TCP port that accepts connections into its backlog and never answers: the server side of a
// blackholed path, on loopback.
struct SilentListener {
  SilentListener() {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    port = LocalCluster::free_port();
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd, 16) != 0)
      throw std::runtime_error("cannot listen");
  }
  ~SilentListener() { ::close(fd); }
  int fd;
  int port;
};

}  // namespace

TEST(Async, ThousandCoroutinesOnTwoThreadsShareEightConnections) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "async-1000", {.min = 0, .max = 8});
  c.pool.acquire_timeout = 60s;
  Pool pool(c);
  AsyncPool db(pool);
  std::atomic<int> done{0}, failed{0}, peak{0};
  run_on(2, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < 1000; ++i) {
      asio::co_spawn(
          ex,
          [&, i]() -> asio::awaitable<void> {
            try {
              auto r = co_await db.query(
                  "SELECT $1::int, (SELECT count(*) FROM pg_stat_activity WHERE application_name = $2)", i,
                  "async-1000");
              EXPECT_EQ(r.one().get<int>(0), i);
              int seen = static_cast<int>(r.one().get<std::int64_t>(1)), p = peak.load();
              while (seen > p && !peak.compare_exchange_weak(p, seen)) {}
            } catch (const std::exception& e) {
              ++failed;
              ADD_FAILURE() << e.what();
            }
            ++done;
          },
          asio::detached);
    }
  });  // run_on returns once the io_context has no work left: every spawned coroutine has ended
  EXPECT_EQ(done.load(), 1000);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_LE(peak.load(), 8);
  EXPECT_LE(pool.stats().created, 8u);
  EXPECT_EQ(pool.stats().in_use, 0);
}

TEST(Async, TimedOutQueryIsCancelledOnTheServerAndTheConnectionServesTheNext) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "async-timeout", {.min = 0, .max = 1});
  Pool pool(c);
  AsyncPool db(pool);
  run_on(1, [&]() -> asio::awaitable<void> {
    auto conn = co_await db.acquire();
    int pid = conn.connection().backend_pid();
    bool timed_out = false;
    try {
      co_await conn.query({.timeout = 100ms}, "SELECT pg_sleep(10)");
    } catch (const Timeout&) {
      timed_out = true;
    }
    EXPECT_TRUE(timed_out);
    auto state = server.sql("SELECT state FROM pg_stat_activity WHERE pid = " + std::to_string(pid));
    EXPECT_EQ(state, std::vector<std::string>{"idle"});
    EXPECT_EQ((co_await conn.query("SELECT 7")).scalar<int>(), 7);
    EXPECT_EQ(conn.connection().backend_pid(), pid);
  });
}

TEST(Async, TheIoThreadIsNeverBlocked) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "async-blocking", {.min = 0, .max = 8});
  Pool pool(c);
  AsyncPool db(pool);
  SilentListener blackhole;
  auto hole = parse_url("postgresql://app:pw@127.0.0.1:" + std::to_string(blackhole.port) + "/app").config;
  hole.pool.min = 0;
  hole.pool.connect_timeout = 1500ms;
  hole.pool.acquire_timeout = 1500ms;
  Pool unreachable(hole, {}, RetryPolicy::none());
  AsyncPool nowhere(unreachable);
  std::chrono::milliseconds worst_lateness{0};
  int ticks = 0;
  bool connect_failed = false;
  std::atomic<int> slept{0};
  run_on(1, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    for (int i = 0; i < 8; ++i)
      asio::co_spawn(
          ex,
          [&]() -> asio::awaitable<void> {
            co_await db.query("SELECT pg_sleep(1)");
            ++slept;
          },
          asio::detached);
    asio::co_spawn(
        ex,
        [&]() -> asio::awaitable<void> {
          try {
            co_await nowhere.acquire();
          } catch (const CannotConnect&) {
            connect_failed = true;
          }
        },
        asio::detached);
    // A 10 ms ticker on the same (only) io thread: if anything blocked the thread, a tick
    // would come as late as the blocking call took (a second for pg_sleep, 1.5 s for connect).
    auto next = Clock::now() + 10ms;
    const auto end = Clock::now() + 1200ms;
    while (next < end) {
      asio::steady_timer t(ex, next);
      co_await t.async_wait(asio::use_awaitable);
      worst_lateness =
          std::max(worst_lateness, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - next));
      next += 10ms;
      ++ticks;
    }
  });  // and the spawned coroutines, which run_on waits for
  std::printf("[ figures  ] %d ticks, worst lateness %lld ms while 8 pg_sleep(1) and a blackholed connect ran\n", ticks,
              static_cast<long long>(worst_lateness.count()));
  EXPECT_TRUE(connect_failed);
  EXPECT_LT(worst_lateness, 500ms) << "the io thread was blocked";
}

TEST(Async, ServerRestartUnderReadLoadRecovers) {
  auto server = test::private_server();
  Config c = test::config_for(*server, "pgkit-test", {.min = 2, .max = 4});
  Pool pool(c);
  AsyncPool db(pool);
  std::atomic<bool> stop{false}, back{false};
  std::atomic<int> ok{0}, errors{0}, errors_after_back{0};
  asio::io_context io;
  for (int i = 0; i < 16; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          while (!stop) {
            try {
              co_await db.query(idempotent, "SELECT count(*) FROM pg_class");
              ++ok;
            } catch (const Error& e) {
              ++errors;
              if (back) ++errors_after_back;
            }
          }
        },
        asio::detached);
  }
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&] { io.run(); });
  EXPECT_TRUE(eventually([&] { return ok.load() >= 100; })) << "the load is running before the restart";
  server->restart();
  back = true;
  const int ok_when_back = ok.load();
  EXPECT_TRUE(eventually([&] { return ok.load() >= ok_when_back + 100; })) << "reads succeed after the restart";
  stop = true;
  for (auto& t : threads) t.join();
  std::printf("[ figures  ] async restart under 16 coroutines: %d ok, %d errors (%d after back)\n", ok.load(),
              errors.load(), errors_after_back.load());
  EXPECT_EQ(errors_after_back.load(), 0);
  EXPECT_EQ(errors.load(), 0);
}

TEST(Async, PipelineOfAHundredInsertsCommitsAtomically) {
  Pool pool(test::config_for(test::shared_server()));
  AsyncPool db(pool);
  pool.query("CREATE TABLE IF NOT EXISTS async_pipe(id int PRIMARY KEY, note text)");
  pool.query("TRUNCATE async_pipe");
  run_on(1, [&]() -> asio::awaitable<void> {
    Pipeline batch;
    for (int i = 0; i < 100; ++i) batch.add("INSERT INTO async_pipe VALUES ($1, $2)", i, "row " + std::to_string(i));
    auto results = co_await db.pipeline(batch);
    EXPECT_EQ(results.size(), 100u);
    EXPECT_EQ(results[99].affected_rows(), 1);

    Pipeline failing;
    for (int i = 100; i < 150; ++i) failing.add("INSERT INTO async_pipe VALUES ($1, $2)", i, "new");
    failing.add("INSERT INTO async_pipe VALUES ($1, $2)", 5, "duplicate");  // statement 51 fails
    for (int i = 150; i < 200; ++i) failing.add("INSERT INTO async_pipe VALUES ($1, $2)", i, "new");
    int index = -1;
    std::string message;
    try {
      co_await db.pipeline(failing);
    } catch (const UniqueViolation& e) {
      index = e.pipeline_index();
      message = e.what();
    }
    EXPECT_EQ(index, 50);
    EXPECT_NE(message.find("statement 51 of 101"), std::string::npos) << message;
  });
  EXPECT_EQ(pool.query("SELECT count(*) FROM async_pipe").scalar<std::int64_t>(), 100);  // none of the failed batch
}

TEST(Async, BlockingConnectionRunsPipelinesToo) {
  Connection conn(test::config_for(test::shared_server()));
  Pipeline batch;
  batch.add("SELECT $1::int", 1).add("SELECT $1::int + 1", 1).add("SELECT $1::int", 3);
  auto r = conn.pipeline(batch);
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].scalar<int>(), 2);
  EXPECT_EQ(conn.query("SELECT $1::int + 1", 41).scalar<int>(), 42);  // prepared by the pipeline, reused
}

TEST(Async, TransactionCommitsRollsBackAndRetries) {
  Pool pool(test::config_for(test::shared_server()));
  AsyncPool db(pool);
  pool.query("CREATE TABLE IF NOT EXISTS async_tx(doctor text PRIMARY KEY, on_call bool)");
  pool.query("DELETE FROM async_tx");
  pool.query("INSERT INTO async_tx VALUES ('alice', true), ('bob', true)");
  std::atomic<int> attempts{0};
  run_on(2, [&]() -> asio::awaitable<void> {
    // A failing function rolls back.
    bool threw = false;
    try {
      co_await db.transaction([&](AsyncTransaction& tx) -> asio::awaitable<void> {
        co_await tx.query("UPDATE async_tx SET on_call = false");
        co_await tx.query("SELECT 1/0");
      });
    } catch (const Error&) {
      threw = true;
    }
    EXPECT_TRUE(threw);
    EXPECT_EQ((co_await db.query("SELECT count(*) FROM async_tx WHERE on_call")).scalar<std::int64_t>(), 2);

    // Write skew under SERIALIZABLE: both commit, one after a retry.
    auto ex = co_await asio::this_coro::executor;
    std::atomic<int> read{0};
    auto take_off = [&](std::string who) -> asio::awaitable<int> {
      // Named, not a temporary inside co_await: g++ 12 destroys such closure temporaries wrongly.
      auto body = [&, who](AsyncTransaction& tx) -> asio::awaitable<int> {
        int attempt = ++attempts;
        auto on_call = (co_await tx.query("SELECT count(*) FROM async_tx WHERE on_call")).scalar<std::int64_t>();
        ++read;
        while (attempt <= 2 && read.load() < 2) co_await sleep_for(1ms);  // both read before either writes
        co_await tx.query("UPDATE async_tx SET on_call = $1 WHERE doctor = $2", on_call < 2, who);
        co_return attempt;
      };
      co_return co_await db.transaction(body, {.isolation = Isolation::serializable});
    };
    using namespace asio::experimental::awaitable_operators;
    auto alice = asio::co_spawn(ex, take_off("alice"), asio::use_awaitable);
    auto bob = asio::co_spawn(ex, take_off("bob"), asio::use_awaitable);
    co_await (std::move(alice) && std::move(bob));  // both, at once, to their end
  });
  EXPECT_GE(attempts.load(), 3);
  EXPECT_EQ(pool.query("SELECT count(*) FROM async_tx WHERE on_call").scalar<std::int64_t>(), 1);
}

TEST(Async, CoroutineCancelledByItsCallerGivesItsConnectionBack) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "async-cancelled", {.min = 0, .max = 1});
  Pool pool(c);
  AsyncPool db(pool);
  run_on(1, [&]() -> asio::awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    // The caller stops waiting after 100 ms (as an HTTP client that went away).
    auto which = co_await (db.query("SELECT pg_sleep(60)") || sleep_for(100ms));
    EXPECT_EQ(which.index(), 1u);
    // The connection came back (closed, as it was mid-statement), and the next caller gets one.
    EXPECT_EQ((co_await db.query("SELECT 1")).scalar<int>(), 1);
  });
  EXPECT_EQ(pool.stats().in_use, 0);
  // The abandoned statement was cancelled on the server, not left running (it would for a minute).
  EXPECT_TRUE(eventually([&] {
    return server.sql(
               "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(60)' AND state = 'active'")[0] ==
           "0";
  }));
}

namespace {
int open_descriptors() {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    (void)entry;
    ++n;
  }
  return n;
}
}  // namespace

// Asio's reactor is edge-triggered and the driver does not poll() before it waits: a reply
// the kernel already holds when the wait starts must still wake it. A 16 MB result is larger
// than what one read takes, so libpq asks to wait again with data left in the socket.
TEST(Async, ReplyAlreadyQueuedBeforeTheWaitIsRead) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "async-queued", {.min = 0, .max = 1});
  Pool pool(c);
  AsyncPool db(pool);
  run_on(1, [&]() -> asio::awaitable<void> {
    for (int i = 0; i < 5; ++i) {
      // A deadline turns a missed wake-up into a failure instead of a hang.
      auto r = co_await db.query({.timeout = 30s}, "SELECT repeat('x', $1)", 16 << 20);
      EXPECT_EQ(r.scalar<std::string>().size(), std::size_t{16} << 20);
      auto rows = co_await db.query({.timeout = 30s}, "SELECT g FROM generate_series(1, $1) g", 200000);
      EXPECT_EQ(rows.size(), 200000u);
    }
  });
}

// A connection keeps its socket watcher from lease to lease, and an io_context that ends
// closes the watchers it made, though the pool and its connections live on.
TEST(Async, SocketWatchersLastAsLongAsTheIoContext) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "async-watchers", {.min = 0, .max = 2});
  Pool pool(c);
  AsyncPool db(pool);
  pool.query("SELECT 1");  // the pool's connection is open before the count
  int before = open_descriptors();
  int inside = 0, during = 0;
  {
    asio::io_context io;
    auto done = asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          co_await sleep_for(1ms);  // the io_context's own descriptors (epoll, timerfd, eventfd) exist now
          inside = open_descriptors();
          for (int i = 0; i < 200; ++i) EXPECT_EQ((co_await db.query("SELECT $1::int", i)).scalar<int>(), i);
          during = open_descriptors();
        },
        asio::use_future);
    io.run();
    done.get();
  }
  EXPECT_EQ(during, inside + 1) << "one watcher (a dup of the socket) for the one connection, not one per lease";
  EXPECT_EQ(open_descriptors(), before) << "the io_context's end closes its watchers";
  EXPECT_EQ(pool.stats().created, 1u);
  // The same connection serves the next io_context, and blocking callers in between.
  EXPECT_EQ(pool.query("SELECT 2").scalar<int>(), 2);
  EXPECT_EQ(run_on(2, [&]() -> asio::awaitable<int> { co_return (co_await db.query("SELECT 3")).scalar<int>(); }), 3);
  EXPECT_EQ(pool.stats().created, 1u);
  EXPECT_EQ(open_descriptors(), before);
}

// Two io_contexts running at once share a pool: a connection moving between them gets a
// watcher on each, and the pool can close while both still exist.
TEST(Async, ConnectionsMoveBetweenLiveIoContexts) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "async-two-contexts", {.min = 0, .max = 2});
  c.pool.acquire_timeout = 60s;
  asio::io_context a, b;
  {
    Pool pool(c);
    AsyncPool db(pool);
    std::atomic<int> sum{0};
    auto work = [&](int base) -> asio::awaitable<void> {
      for (int i = 0; i < 300; ++i) sum += (co_await db.query("SELECT $1::int", base + i % 2)).scalar<int>();
    };
    for (int k = 0; k < 4; ++k) {
      asio::co_spawn(a, work(0), asio::detached);
      asio::co_spawn(b, work(1), asio::detached);
    }
    std::thread other([&] { b.run(); });
    a.run();
    other.join();
    EXPECT_EQ(sum.load(), 4 * 150 + 4 * 450);  // work(0) returns 0 or 1, work(1) returns 1 or 2
    EXPECT_LE(pool.stats().created, 2u);
    pool.close();
  }
  // The pool closed first; the io_contexts end afterwards without touching its connections.
}

// A caller that gives up is not a timeout, whichever timer the query or the line runs: nothing
// is counted as an acquire timeout or a connect error, and the caller sees its cancellation.
TEST(Async, CallerCancellationIsNotCountedAsATimeout) {
  auto& server = test::shared_server();
  Config c = test::config_for(server, "async-cancel-timers", {.min = 0, .max = 1});
  c.pool.acquire_timeout = 30s;
  Pool pool(c);
  AsyncPool db(pool);
  run_on(1, [&]() -> asio::awaitable<void> {
    using namespace asio::experimental::awaitable_operators;
    // A query with a deadline of its own, abandoned before it.
    auto slow = co_await (db.query({.timeout = 10s}, "SELECT pg_sleep(5)") || sleep_for(100ms));
    EXPECT_EQ(slow.index(), 1u);
    // A coroutine waiting in the pool's line (its one connection is held), abandoned.
    auto held = co_await db.acquire();
    auto waited = co_await (db.acquire() || sleep_for(100ms));
    EXPECT_EQ(waited.index(), 1u);
    held.release();
    EXPECT_EQ((co_await db.query("SELECT 1")).scalar<int>(), 1);
  });
  auto stats = pool.stats();
  EXPECT_EQ(stats.acquire_timeouts, 0u);
  EXPECT_EQ(stats.connect_errors, 0u);
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.waiting, 0);
}

// Waiting in line ends at the acquire timeout with PoolExhausted, on an io_context run by two
// threads (the deadline and the hand-over arrive through one channel); a connection given back
// in time is handed to the one waiting.
TEST(Async, WaitingInLineTimesOutOrIsHandedTheConnection) {
  Config c = test::config_for(test::shared_server(), "async-line", {.min = 0, .max = 1});
  c.pool.acquire_timeout = 200ms;
  Pool pool(c);
  AsyncPool db(pool);
  run_on(2, [&]() -> asio::awaitable<void> {
    auto held = co_await db.acquire();
    EXPECT_THROW(co_await db.acquire(), PoolExhausted);
    auto ex = co_await asio::this_coro::executor;
    // Given back from another coroutine once this one is in line.
    asio::co_spawn(
        ex,
        [&held, &pool]() -> asio::awaitable<void> {
          while (pool.stats().waiting == 0) co_await sleep_for(1ms);
          held.release();
        },
        asio::detached);
    auto next = co_await db.acquire();
    EXPECT_EQ((co_await next.query("SELECT 1")).scalar<int>(), 1);
  });
  auto stats = pool.stats();
  EXPECT_EQ(stats.acquire_timeouts, 1u);
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.waiting, 0);
}

// The failover rules of Pool hold for coroutines: a node that turned read-only is left, and
// idempotent statements and transactions move to the writable host of a multi-host URL.
TEST(Async, APoolLeavesANodeThatTurnedReadOnly) {
  auto a = test::private_server();
  auto b = test::private_server();
  for (auto* s : {a.get(), b.get()}) s->sql("CREATE TABLE kv (k int PRIMARY KEY, port int)");
  auto loaded =
      parse_url(fmt::format("postgresql://{}:{}@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write",
                            a->user(), a->password(), a->port(), b->port()));
  ASSERT_TRUE(loaded.ok()) << loaded.problems_text();
  Pool pool(loaded.config);
  AsyncPool db(pool);
  const std::string upsert =
      "INSERT INTO kv VALUES ($1, inet_server_port()) ON CONFLICT (k) DO UPDATE SET port = excluded.port RETURNING port";
  auto write = [&](int k) {
    return run_on(
        1, [&]() -> asio::awaitable<int> { co_return (co_await db.query(idempotent, upsert, k)).scalar<int>(); });
  };
  EXPECT_EQ(write(1), a->port());
  ASSERT_TRUE(test::make_read_only(*a));
  for (int k = 2; k < 6; ++k) EXPECT_EQ(write(k), b->port());
  auto in_tx = run_on(1, [&]() -> asio::awaitable<int> {
    co_return co_await db.transaction(
        [&](AsyncTransaction& tx) -> asio::awaitable<int> { co_return (co_await tx.query(upsert, 9)).scalar<int>(); });
  });
  EXPECT_EQ(in_tx, b->port());
  EXPECT_GE(pool.stats().read_only_discards, 1u);
}
