// The network misbehaving between the pool and PostgreSQL, through the fault proxy: connections
// a NAT forgets while idle, a link that blackholes packets, and connections reset mid-load.
// Each test prints its figures.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "fault_proxy.hpp"
#include "pgkit/error.hpp"
#include "pgkit/pool.hpp"
#include "fault_clock.hpp"
#include "quiet_rounds.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono_literals;
using test::ms_since;
using test::SteadyClock;

namespace {

Config through(const test::FaultProxy& proxy, const LocalCluster& server) {
  LoadedConfig loaded = parse_url(proxy.url_through(server.url()) + "?application_name=fault-network");
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  Config c = loaded.config;
  c.pool.slow_query = Millis{0};
  return c;
}

struct IdleRun {
  long errors = 0;
  long long first_query_ms = 0;  // the first query after the idle period, acquire included
  long long slowest_ms = 0;
  int dropped_by_proxy = 0;
  PoolStats stats;
};

void print_figures(const char* run, const IdleRun& r) {
  std::printf(
      "[ figures  ] %s: %ld errors, %d connections dropped by the proxy, first query %lld ms, slowest %lld ms, "
      "%llu validation failures, %llu opened\n",
      run, r.errors, r.dropped_by_proxy, r.first_query_ms, r.slowest_ms,
      static_cast<unsigned long long>(r.stats.validation_failures), static_cast<unsigned long long>(r.stats.created));
}

// Two connections warmed, 10 s of silence while the proxy forgets connections quiet for 5 s,
// then 40 queries from two threads.
IdleRun idle_then_query(Millis idle_ping) {
  auto& server = test::shared_server();
  test::FaultProxy proxy(server.port());
  proxy.drop_idle_after(5s);
  Config c = through(proxy, server);
  c.pool.min = 2;
  c.pool.max = 4;
  c.pool.idle_ping = idle_ping;
  c.pool.connect_timeout = Millis{1000};
  Pool pool(c);
  if (!test::eventually([&] { return pool.stats().idle >= 2; })) ADD_FAILURE() << "the pool did not open its two";
  std::this_thread::sleep_for(10s);  // the silence the scenario is about, not a synchronisation

  IdleRun run;
  std::atomic<long> errors{0};
  std::atomic<long long> slowest{0};
  auto started = SteadyClock::now();
  run.first_query_ms = -1;
  try {
    pool.query("SELECT 1");
    run.first_query_ms = ms_since(started);
  } catch (const std::exception& e) {
    errors++;
    ADD_FAILURE() << e.what();
  }
  auto worker = [&] {
    for (int i = 0; i < 20; ++i) {
      auto t = SteadyClock::now();
      try {
        pool.query("SELECT $1::int", i);
      } catch (const std::exception& e) {
        errors++;
        ADD_FAILURE() << e.what();
      }
      long long ms = ms_since(t), seen = slowest;
      while (ms > seen && !slowest.compare_exchange_weak(seen, ms)) {}
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  run.errors = errors;
  run.slowest_ms = std::max(slowest.load(), run.first_query_ms);
  run.dropped_by_proxy = proxy.stats().dropped_idle;
  run.stats = pool.stats();
  return run;
}

}  // namespace

// A NAT or load balancer forgets connections idle past its limit without telling either side.
// The pool pings idle connections before that limit (DB_IDLE_PING_MS, below the provider's),
// so they are never forgotten; and without the ping, the validation of idle connections still
// keeps the loss from the caller.
TEST(FaultNetwork, ConnectionsTheNetworkForgetsWhileIdleNeverReachTheCaller) {
  IdleRun pinged = idle_then_query(Millis{2000});
  print_figures("idle 10 s behind a proxy that drops connections quiet for 5 s, idle ping every 2 s", pinged);
  EXPECT_EQ(pinged.errors, 0);
  EXPECT_EQ(pinged.dropped_by_proxy, 0) << "the idle ping should have kept the connections known to the proxy";

  IdleRun unpinged = idle_then_query(Millis{0});
  print_figures("the same without the idle ping (the first query finds its connection dead by validation)", unpinged);
  EXPECT_EQ(unpinged.errors, 0);
  EXPECT_GE(unpinged.dropped_by_proxy, 2);
  EXPECT_GE(unpinged.stats.validation_failures, 1u);
}

// With default settings (no idle ping before the NAT's limit), behind a link that forgets
// connections quiet for 5 s: 10 s of quiet, then 20 queries one after another, three rounds.
// The first query of a round finds its connection forgotten within the validation timeout
// (not the acquire timeout), its forgotten siblings are checked together in one more such wait,
// and it runs on a fresh connection: no query fails or waits the 3 s a client would give it.
TEST(FaultNetwork, AForgottenIdleConnectionCostsTheValidationTimeoutNotTheAcquireTimeout) {
  auto& server = test::shared_server();
  test::FaultProxy proxy(server.port());
  proxy.drop_idle_after(5s);
  Config c = through(proxy, server);
  c.pool.idle_ping = defaults::kIdlePing;  // 60 s: the link forgets first
  Pool pool(c);
  {  // four connections open, then idle: the siblings a forgotten link leaves behind
    std::vector<PooledConnection> held;
    for (int i = 0; i < 4; ++i) held.push_back(pool.acquire());
  }
  constexpr long long kClientLimitMs = 3000;
  test::QuietRounds r =
      test::after_quiet([&](int i) { return pool.query("SELECT $1::int", i).scalar<int>() == i; }, kClientLimitMs);
  auto st = pool.stats();
  std::printf(
      "[ figures  ] forgotten idle connections, default settings (validation timeout %lld ms): 60 queries in 3 "
      "rounds after 10 s of quiet, %ld failed or over %lld ms; first of each round %lld, %lld, %lld ms; slowest "
      "%lld ms; %d connections forgotten by the link, %llu validation failures, %llu opened\n",
      static_cast<long long>(c.pool.validation_timeout.count()), r.failed, kClientLimitMs, r.first_ms[0], r.first_ms[1],
      r.first_ms[2], r.slowest_ms, proxy.stats().dropped_idle, static_cast<unsigned long long>(st.validation_failures),
      static_cast<unsigned long long>(st.created));
  EXPECT_EQ(r.failed, 0);
  EXPECT_LT(r.slowest_ms, 1000) << "a forgotten connection cost more than the validation timeouts and a connect";
  EXPECT_GE(st.validation_failures, 4u) << "the forgotten siblings were found too";
}

// Packets vanish and nothing is reset: every wait ends at its configured bound, with the error
// that names it, and the pool works again once the path returns.
TEST(FaultNetwork, BlackholeFailsAtTheConfiguredBoundsAndRecovers) {
  auto& server = test::shared_server();
  test::FaultProxy proxy(server.port());
  Config c = through(proxy, server);
  c.pool.min = 1;
  c.pool.max = 2;
  c.pool.connect_timeout = Millis{1000};
  c.pool.acquire_timeout = Millis{2000};
  Pool pool(c);
  pool.query("SELECT 1");
  proxy.blackhole();

  // A query on an open connection: its own timeout, then the cancel's grace (connect_timeout).
  auto t = SteadyClock::now();
  EXPECT_THROW(pool.query(QueryOptions{.timeout = Millis{1000}}, "SELECT 1"), Timeout);
  const long long query_ms = ms_since(t);
  // A new connection: connect_timeout per attempt, retried until acquire_timeout.
  t = SteadyClock::now();
  std::string acquire_error;
  try {
    pool.query("SELECT 1");
    ADD_FAILURE() << "a query went through a blackhole";
  } catch (const Error& e) {
    acquire_error = e.what();
  }
  const long long acquire_ms = ms_since(t);
  t = SteadyClock::now();
  EXPECT_THROW(Connection{c}, CannotConnect);
  const long long connect_ms = ms_since(t);
  t = SteadyClock::now();
  EXPECT_FALSE(pool.test_connection(Millis{500}));
  const long long health_ms = ms_since(t);

  proxy.pass();
  t = SteadyClock::now();
  long long recovered_ms = -1;
  if (test::eventually([&] {
        pool.query("SELECT 1");  // throws until the pool has a working connection again
        return true;
      }))
    recovered_ms = ms_since(t);
  std::printf(
      "[ figures  ] blackhole: query with a 1000 ms timeout failed after %lld ms (bound: timeout + cancel grace 1000 ms); "
      "acquire failed after %lld ms (acquire_timeout 2000 ms); a connection failed after %lld ms "
      "(connect_timeout 1000 ms); a 500 ms health check answered false after %lld ms; recovered %lld ms after "
      "the path returned\n",
      query_ms, acquire_ms, connect_ms, health_ms, recovered_ms);
  // Bounds with room for a loaded machine: what matters is that nothing waits without end.
  EXPECT_LT(query_ms, 2000 + 3000);
  EXPECT_LT(acquire_ms, 2000 + 1000 + 3000) << acquire_error;
  EXPECT_LT(connect_ms, 1000 + 3000);
  EXPECT_LT(health_ms, 500 + 1000 + 3000);
  EXPECT_GE(recovered_ms, 0) << "the pool did not recover";
}

// Every connection reset during a loop of idempotent reads: the retries absorb it.
TEST(FaultNetwork, ConnectionsResetUnderLoadCostIdempotentWorkNothing) {
  auto& server = test::shared_server();
  test::FaultProxy proxy(server.port());
  Config c = through(proxy, server);
  c.pool.max = 4;
  Pool pool(c);
  std::atomic<bool> stop{false};
  std::atomic<long> reads{0}, errors{0};
  auto reader = [&] {
    while (!stop) {
      try {
        pool.query(idempotent, "SELECT count(*) FROM pg_class").scalar<std::int64_t>();
        reads++;
      } catch (const std::exception& e) {
        if (errors++ == 0) ADD_FAILURE() << e.what();
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(reader);
  // Each reset meets readers at work: some reads between resets, and after the last.
  auto some_reads = [&] {
    const long from = reads;
    EXPECT_TRUE(test::eventually([&] { return reads >= from + 50; })) << "the readers stalled";
  };
  for (int round = 0; round < 5; ++round) {
    some_reads();
    proxy.reset_all();
  }
  some_reads();
  stop = true;
  for (auto& t : threads) t.join();
  std::printf(
      "[ figures  ] 5 resets of every connection under 4 readers: %ld reads, %ld errors, %d connections reset, %llu "
      "opened\n",
      reads.load(), errors.load(), proxy.stats().reset, static_cast<unsigned long long>(pool.stats().created));
  EXPECT_EQ(errors, 0);
  EXPECT_GE(proxy.stats().reset, 5);
}
