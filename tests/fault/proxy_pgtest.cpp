// The fault proxy proves each of its modes against a real PostgreSQL, through pgkit::Connection:
// what a test elsewhere in tests/fault relies on when it says "the network blackholed".
// Timings are printed, and bounds are lower bounds or generous upper ones (a shared machine).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "fault_proxy.hpp"
#include "pg_config.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/error.hpp"
#include "test_server.hpp"

namespace pgkit::test {
namespace {

using namespace std::chrono_literals;

// A configuration that reaches the shared server through proxy.
Config through(const FaultProxy& proxy, const std::string& app, Millis connect_timeout = 2000ms,
               const LocalCluster& server = shared_server()) {
  LoadedConfig loaded = parse_url(proxy.url_through(server.url()) + "?application_name=" + app);
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  Config c = loaded.config;
  c.pool.connect_timeout = connect_timeout;
  c.pool.slow_query = Millis{0};
  return c;
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// How a call ended: the pgkit error type it threw, or "ok".
template <class F>
std::string outcome(F&& f) {
  try {
    f();
    return "ok";
  } catch (const Timeout&) {
    return "Timeout";
  } catch (const ConnectionLost&) {
    return "ConnectionLost";
  } catch (const CannotConnect&) {
    return "CannotConnect";
  } catch (const Error& e) {
    return std::string("Error: ") + e.what();
  }
}

bool is_one_of(const std::string& s, std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (s == n) return true;
  return false;
}

TEST(Proxy, PassForwardsQueries) {
  FaultProxy proxy(shared_server().port());
  EXPECT_LT(proxy.port(), 32768);
  Connection conn(through(proxy, "proxy-pass"));
  EXPECT_EQ(conn.query("SELECT 1").scalar<int>(), 1);
  EXPECT_EQ(conn.query("SELECT $1::int + 1", 41).scalar<int>(), 42);
  // 4 MB in one result: more than the proxy's per-direction buffer, so back-pressure is exercised.
  EXPECT_EQ(conn.query("SELECT length(repeat('x', 4000000))").scalar<int>(), 4000000);
  EXPECT_EQ(conn.query("SELECT repeat('x', 4000000)").scalar<std::string>().size(), 4000000u);
  auto s = proxy.stats();
  std::printf("[ figures  ] pass: accepted=%d open=%d bytes=%llu\n", s.accepted, s.open,
              static_cast<unsigned long long>(s.bytes));
  EXPECT_GE(s.accepted, 1);
  EXPECT_EQ(s.open, 1);
  EXPECT_GT(s.bytes, 4000000u);
}

TEST(Proxy, DelayAddsLatencyBothWays) {
  FaultProxy proxy(shared_server().port());
  Connection conn(through(proxy, "proxy-delay"));
  EXPECT_EQ(conn.query("SELECT $1::int", 7).scalar<int>(), 7);  // prepared now: one round trip from here on
  auto t0 = Clock::now();
  EXPECT_EQ(conn.query("SELECT $1::int", 8).scalar<int>(), 8);
  double direct = ms_since(t0);

  proxy.delay(200ms);
  t0 = Clock::now();
  EXPECT_EQ(conn.query("SELECT $1::int", 9).scalar<int>(), 9);
  double delayed = ms_since(t0);
  t0 = Clock::now();
  Connection second(through(proxy, "proxy-delay", 10'000ms));  // the handshake takes several round trips
  double handshake = ms_since(t0);
  EXPECT_EQ(second.query("SELECT 1").scalar<int>(), 1);
  std::printf("[ figures  ] delay 200 ms: round trip %.1f ms without, %.1f ms with; a new connection took %.1f ms\n",
              direct, delayed, handshake);
  // Each direction holds every chunk 200 ms: a round trip cannot take less than 400 ms.
  EXPECT_GE(delayed, 400.0);
  EXPECT_GE(handshake, 400.0);

  proxy.delay(0ms);
  t0 = Clock::now();
  EXPECT_EQ(conn.query("SELECT $1::int", 10).scalar<int>(), 10);
  std::printf("[ figures  ] delay 0 ms again: round trip %.1f ms\n", ms_since(t0));
}

TEST(Proxy, ResetAllBreaksOpenConnections) {
  FaultProxy proxy(shared_server().port());
  Connection conn(through(proxy, "proxy-reset"));
  EXPECT_EQ(conn.query("SELECT 1").scalar<int>(), 1);
  proxy.reset_all();
  auto t0 = Clock::now();
  // The timeout only guards the test against a hang; the reset must surface as ConnectionLost.
  std::string got = outcome([&] { conn.query({.timeout = 5000ms}, "SELECT 1"); });
  double took = ms_since(t0);
  auto s = proxy.stats();
  std::printf("[ figures  ] reset_all: next query -> %s after %.1f ms; stats reset=%d open=%d\n", got.c_str(), took,
              s.reset, s.open);
  EXPECT_EQ(got, "ConnectionLost");
  EXPECT_LT(took, 2000.0);
  EXPECT_TRUE(conn.broken());
  EXPECT_EQ(s.reset, 1);

  Connection fresh(through(proxy, "proxy-reset"));
  EXPECT_EQ(fresh.query("SELECT 2").scalar<int>(), 2);
}

TEST(Proxy, BlackholeStallsNewAndOpenConnections) {
  FaultProxy proxy(shared_server().port());
  Connection open(through(proxy, "proxy-blackhole", 1000ms));
  EXPECT_EQ(open.query("SELECT 1").scalar<int>(), 1);
  proxy.blackhole();

  // A new connection: TCP connects, the startup packet is never answered.
  auto t0 = Clock::now();
  std::string got = outcome([&] { Connection c(through(proxy, "proxy-blackhole", 1000ms)); });
  double connect_ms = ms_since(t0);
  std::printf("[ figures  ] blackhole: new connection -> %s after %.1f ms (connect_timeout 1000 ms)\n", got.c_str(),
              connect_ms);
  EXPECT_EQ(got, "CannotConnect");
  EXPECT_GE(connect_ms, 900.0);
  EXPECT_LT(connect_ms, 4000.0);

  // The open connection: the query vanishes. Run on a thread so a hang is reported, not waited out.
  std::promise<std::string> done;
  auto result = done.get_future();
  t0 = Clock::now();
  std::thread query([&] { done.set_value(outcome([&] { open.query({.timeout = 500ms}, "SELECT 1"); })); });
  bool finished = result.wait_for(8s) == std::future_status::ready;
  double query_ms = ms_since(t0);
  if (!finished) {
    // pgkit's timeout sends a cancel request on a new connection, which the blackhole also swallows.
    // Resetting everything releases it so the test can end.
    proxy.reset_all();
    query.join();
    ADD_FAILURE() << "a query with a 500 ms timeout on a blackholed connection still ran after " << query_ms
                  << " ms; it ended only when the proxy reset every connection, with " << result.get();
  } else {
    query.join();
    got = result.get();
    std::printf("[ figures  ] blackhole: open connection's 500 ms query -> %s after %.1f ms\n", got.c_str(), query_ms);
    EXPECT_TRUE(is_one_of(got, {"Timeout", "ConnectionLost"})) << got;
  }

  proxy.pass();
  t0 = Clock::now();
  Connection fresh(through(proxy, "proxy-blackhole", 1000ms));
  EXPECT_EQ(fresh.query("SELECT 3").scalar<int>(), 3);
  auto s = proxy.stats();
  std::printf("[ figures  ] blackhole then pass: new connection and query in %.1f ms; accepted=%d open=%d\n",
              ms_since(t0), s.accepted, s.open);
}

TEST(Proxy, DropIdleAbandonsQuietConnectionsOnly) {
  FaultProxy proxy(shared_server().port());
  Connection quiet(through(proxy, "proxy-idle", 1000ms));
  Connection talker(through(proxy, "proxy-idle", 1000ms));
  EXPECT_EQ(quiet.query("SELECT 1").scalar<int>(), 1);
  EXPECT_EQ(talker.query("SELECT 1").scalar<int>(), 1);
  proxy.drop_idle_after(300ms);

  // The talker speaks every 100 ms on a thread of its own, all through the test; the quiet one
  // says nothing for 800 ms, then asks.
  std::atomic<bool> stop{false};
  int talks = 0;
  std::string talker_failure;
  std::thread talking([&] {
    while (!stop && talker_failure.empty()) {
      std::string r = outcome([&] { talker.query({.timeout = 2000ms}, "SELECT 1"); });
      if (r == "ok")
        ++talks;
      else
        talker_failure = r;
      std::this_thread::sleep_for(100ms);  // the talker's pace: never quiet for the proxy's 300 ms
    }
  });
  std::this_thread::sleep_for(800ms);  // the quiet one's silence, past the proxy's limit: a cause
  int dropped_before_asking = proxy.stats().dropped_idle;

  auto t0 = Clock::now();
  std::string got = outcome([&] { quiet.query({.timeout = 1000ms}, "SELECT 1"); });
  double quiet_ms = ms_since(t0);
  stop = true;
  talking.join();
  auto s = proxy.stats();
  std::printf(
      "[ figures  ] drop_idle_after 300 ms: quiet one, idle 800 ms -> %s after %.1f ms; talker made %d queries%s%s; "
      "dropped_idle=%d\n",
      got.c_str(), quiet_ms, talks, talker_failure.empty() ? "" : ", then failed with ", talker_failure.c_str(),
      s.dropped_idle);
  EXPECT_EQ(dropped_before_asking, 1);
  EXPECT_TRUE(is_one_of(got, {"Timeout", "ConnectionLost"})) << got;
  EXPECT_GE(quiet_ms, 1000.0);  // no answer came before the deadline
  EXPECT_EQ(talker_failure, "");
  EXPECT_GE(talks, 10);
  EXPECT_EQ(s.dropped_idle, 1);  // the quiet one; its cancel request's connection lived only briefly
}

TEST(Proxy, RefuseFailsNewConnectionsFast) {
  FaultProxy proxy(shared_server().port());
  Connection before(through(proxy, "proxy-refuse"));
  proxy.refuse();
  auto t0 = Clock::now();
  std::string got = outcome([&] { Connection c(through(proxy, "proxy-refuse", 5000ms)); });
  double refused_ms = ms_since(t0);
  std::string still = outcome([&] { before.query({.timeout = 2000ms}, "SELECT 1"); });
  std::printf("[ figures  ] refuse: new connection -> %s after %.1f ms (connect_timeout 5000 ms); open one -> %s\n",
              got.c_str(), refused_ms, still.c_str());
  EXPECT_EQ(got, "CannotConnect");
  EXPECT_LT(refused_ms, 2000.0);  // refused, not timed out
  EXPECT_EQ(still, "ok");         // refusing new connections leaves open ones alone

  proxy.pass();
  Connection after(through(proxy, "proxy-refuse"));
  EXPECT_EQ(after.query("SELECT 4").scalar<int>(), 4);
}

TEST(Proxy, TargetDownThenRestarted) {
  auto server = private_server();
  FaultProxy proxy(server->port());
  Config config = through(proxy, "proxy-target", 2000ms, *server);
  { EXPECT_EQ(Connection(config).query("SELECT 1").scalar<int>(), 1); }
  server->stop();
  auto t0 = Clock::now();
  std::string got = outcome([&] { Connection c(config); });
  double down_ms = ms_since(t0);
  server->start();
  t0 = Clock::now();
  std::string again = outcome([&] { EXPECT_EQ(Connection(config).query("SELECT 5").scalar<int>(), 5); });
  std::printf("[ figures  ] target down: new connection -> %s after %.1f ms; restarted -> %s in %.1f ms\n", got.c_str(),
              down_ms, again.c_str(), ms_since(t0));
  EXPECT_EQ(got, "CannotConnect");
  EXPECT_LT(down_ms, 2000.0);  // the proxy closes the client as soon as the target refuses
  EXPECT_EQ(again, "ok");
}

}  // namespace
}  // namespace pgkit::test
