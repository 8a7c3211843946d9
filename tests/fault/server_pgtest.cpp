// pgkit-server, the real binary, through real faults: the database stopped and started under
// mixed load, and a replica that dies while health, metrics and `pgkit doctor` watch.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "eventually.hpp"
#include "fault_proxy.hpp"
#include "quiet_rounds.hpp"
#include "server_process.hpp"
#include "subprocess.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace pgkit::test;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

namespace {

long long ms_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(b - a).count();
}

// `pgkit doctor` with these DATABASE_URL and DATABASE_REPLICA_URL: its stdout and stderr.
std::string doctor(const std::string& url, const std::string& replica_url) {
  return run_process({PGKIT_CLI, "doctor"},
                     {.env = {{"DATABASE_URL", url}, {"DATABASE_REPLICA_URL", replica_url}}, .merge_stderr = true})
      .out;
}

}  // namespace

// Four clients mix health checks, the feed, the signed-in user and new posts while the database
// stops for 3 s and starts again; a monitor polls health. Every request gets an answer (503 while the database is away,
// never a 500, never a hang past the pool's bounds) and health recovers with no restart.
TEST(FaultServer, DatabaseRestartUnderMixedLoad) {
  auto pg = private_server();
  constexpr int kAcquireMs = 2000;
  ServerProcess server(
      {.database_url = pg->url(),
       .env = {{"DB_ACQUIRE_TIMEOUT_MS", std::to_string(kAcquireMs)}, {"DB_CONNECTION_TIMEOUT_MS", "2000"}}});
  HttpClient setup(server.port());
  std::string token = sign_in(server, setup, "load@example.com").field("accessToken");
  ASSERT_FALSE(token.empty());

  struct Outcome {
    std::string route;
    int status;
    long long ms;
    long long at_ms;  // since the start of the run
  };
  std::mutex mu;
  std::vector<Outcome> outcomes;
  std::atomic<bool> stop{false};
  std::atomic<long> transport_errors{0};
  const auto run_start = SteadyClock::now();
  auto client = [&](int id) {
    HttpClient http(server.port());
    for (int i = 0; !stop; ++i) {
      std::string route;
      auto t = SteadyClock::now();
      int status = 0;
      try {
        switch ((i + id) % 4) {
          case 0: route = "health", status = http.get("/api/health").status; break;
          case 1: route = "feed", status = http.get("/api/posts?limit=5").status; break;
          case 2: route = "me", status = http.get("/api/users/me", bearer(token)).status; break;
          default:
            route = "create";
            status =
                http.post("/api/posts", fmt::format(R"({{"title":"p{}-{}","published":true}})", id, i), bearer(token))
                    .status;
        }
      } catch (const std::exception&) {
        transport_errors++;
      }
      auto now = SteadyClock::now();
      std::lock_guard lk(mu);
      outcomes.push_back({route, status, ms_between(t, now), ms_between(run_start, now)});
    }
  };
  // And a monitor polling health on a connection of its own, as a load balancer would.
  auto monitor = [&] {
    HttpClient http(server.port());
    while (!stop) {
      auto t = SteadyClock::now();
      int status = 0;
      try {
        status = http.get("/api/health").status;
      } catch (const std::exception&) {
        transport_errors++;
      }
      auto now = SteadyClock::now();
      {
        std::lock_guard lk(mu);
        outcomes.push_back({"health", status, ms_between(t, now), ms_between(run_start, now)});
      }
      std::this_thread::sleep_for(100ms);  // a load balancer's pace
    }
  };
  std::vector<std::thread> clients;
  for (int i = 0; i < 4; ++i) clients.emplace_back(client, i);
  clients.emplace_back(monitor);
  auto answered = [&] {
    std::lock_guard lk(mu);
    return outcomes.size();
  };
  EXPECT_TRUE(eventually([&] { return answered() >= 50; })) << "the load did not start";
  const long long stop_at = ms_between(run_start, SteadyClock::now());
  pg->stop();
  std::this_thread::sleep_for(3s);  // the outage the scenario is about, not a synchronisation
  const long long start_at = ms_between(run_start, SteadyClock::now());
  pg->start();
  // Until health answers 200 again, then 50 more answers under load.
  long long healthy_at = -1;
  EXPECT_TRUE(eventually(
      [&] {
        std::lock_guard lk(mu);
        for (const auto& o : outcomes) {
          if (o.route == "health" && o.status == 200 && o.at_ms - o.ms > start_at) {
            healthy_at = o.at_ms;
            return true;
          }
        }
        return false;
      },
      30s));
  const std::size_t answered_when_healthy = answered();
  EXPECT_TRUE(eventually([&] { return answered() >= answered_when_healthy + 50; }));
  stop = true;
  for (auto& t : clients) t.join();

  std::map<int, long> by_status;
  long long slowest = 0, first_503 = -1;
  for (const auto& o : outcomes) {
    by_status[o.status]++;
    slowest = std::max(slowest, o.ms);
    if (o.route == "health" && o.status == 503 && first_503 < 0) first_503 = o.at_ms;
  }
  std::string statuses;
  for (auto [status, n] : by_status) statuses += fmt::format(" {}×{}", n, status);
  std::printf(
      "[ figures  ] database stopped at %lld ms and started at %lld ms under 4 clients and a health monitor: %zu requests,%s; %ld transport "
      "errors; health 503 first at %lld ms, 200 again at %lld ms (%lld ms after the start); slowest request "
      "%lld ms (acquire timeout %d ms)\n",
      stop_at, start_at, outcomes.size(), statuses.c_str(), transport_errors.load(), first_503, healthy_at,
      healthy_at - start_at, slowest, kAcquireMs);
  EXPECT_EQ(transport_errors, 0);
  for (const auto& [status, n] : by_status) {
    EXPECT_TRUE(status == 200 || status == 201 || status == 503) << n << " answers with status " << status;
  }
  EXPECT_GE(first_503, stop_at) << "health never turned 503";
  EXPECT_GT(healthy_at, start_at) << "health never turned 200 again";
  // Nothing waits without end: the pool's acquire bound, plus room for a loaded machine.
  EXPECT_LT(slowest, kAcquireMs + 3000);
  EXPECT_TRUE(server.running());
}

// The scenario of a user behind a NAT that forgets connections quiet for 5 s, with pgkit-server's
// default settings: 10 s of quiet, then 20 requests one after another (each with the 3 s a
// client like `curl --max-time 3` gives it), three rounds. The server's AsyncPool finds a
// forgotten connection within the validation timeout and its siblings together: no request
// fails, none waits a second.
TEST(FaultServer, ConnectionsANatForgotCostNoRequest) {
  auto& pg = shared_server();
  FaultProxy proxy(pg.port());
  ServerProcess server({.database_url = proxy.url_through(fresh_database_url("fault_nat"))});
  HttpClient http(server.port());
  {  // four requests at once: connections open beside the pool's two
    std::vector<std::thread> warm;
    for (int i = 0; i < 4; ++i) warm.emplace_back([&] { HttpClient(server.port()).get("/api/posts?limit=5"); });
    for (auto& t : warm) t.join();
  }
  proxy.drop_idle_after(5s);
  constexpr long long kClientLimitMs = 3000;
  QuietRounds r = after_quiet([&](int) { return http.get("/api/posts?limit=5").status == 200; }, kClientLimitMs);
  std::printf(
      "[ figures  ] pgkit-server behind a NAT forgetting connections quiet for 5 s, default settings: 60 requests "
      "in 3 rounds after 10 s of quiet, %ld failed or over %lld ms; first of each round %lld, %lld, %lld ms; "
      "slowest %lld ms; %d connections forgotten\n",
      r.failed, kClientLimitMs, r.first_ms[0], r.first_ms[1], r.first_ms[2], r.slowest_ms, proxy.stats().dropped_idle);
  EXPECT_EQ(r.failed, 0);
  EXPECT_LT(r.slowest_ms, 1000);
  EXPECT_GE(proxy.stats().dropped_idle, 2);
  EXPECT_TRUE(server.running());
}

// A replica killed under pgkit-server: health stays 200 and names the replica as unreachable and
// out of rotation, /metrics says so, `pgkit doctor` says so; back, it rejoins.
TEST(FaultServer, HealthMetricsAndDoctorReportEachNode) {
  auto primary = private_server();
  auto standby = standby_of(*primary);
  const std::string replica_url = fmt::format("postgresql://127.0.0.1:{}/postgres", standby->port());
  ServerProcess server(
      {.database_url = primary->url(), .env = {{"DATABASE_REPLICA_URL", replica_url}, {"DB_REPLICA_CHECK_MS", "200"}}});
  HttpClient http(server.port());
  auto replica_in = [&](bool want) {
    HttpReply h;
    EXPECT_TRUE(eventually(
        [&] { return (h = http.get("/api/health")).json().at("nodes").at(1).at("inRotation").as_bool() == want; }, 15s,
        [&] { return "the last health: " + h.body; }))
        << "the replica's inRotation did not turn " << want;
    return h;
  };
  auto up = replica_in(true);
  ASSERT_EQ(up.status, 200) << up.body;
  const boost::json::value up_json = up.json();
  const auto& node = up_json.at("nodes").at(1).as_object();
  EXPECT_EQ(node.at("role").as_string(), "replica");
  EXPECT_TRUE(node.at("inRecovery").as_bool());
  EXPECT_TRUE(node.at("reachable").as_bool());
  EXPECT_EQ(up.body.find(primary->password()), std::string::npos);
  EXPECT_NE(http.get("/metrics").body.find("pgkit_node_in_rotation{node=\"1\",role=\"replica\"} 1"), std::string::npos);

  std::string report = doctor(primary->url(), replica_url);
  EXPECT_NE(report.find("replica:"), std::string::npos) << report;
  EXPECT_NE(report.find("reachable, standby, in rotation, lag"), std::string::npos) << report;

  // The public feed is served by the replica: with its replay paused, a new post is not in it
  // yet; once replay resumes, it is.
  std::string token = sign_in(server, http, "replica-reader@example.com").field("accessToken");
  // Caught up first: a pause in the middle of a migration's replay would hold its locks on the
  // replica, and the feed would (rightly) time out there and be served by the primary.
  ASSERT_TRUE(standby_caught_up(*primary, *standby));
  standby->sql("SELECT pg_wal_replay_pause()");
  auto created = http.post("/api/posts", R"({"title":"fresh on the primary","published":true})", bearer(token));
  ASSERT_EQ(created.status, 201) << created.body;
  HttpReply stale;
  try {
    stale = http.get("/api/posts");
  } catch (const std::exception& e) {
    FAIL() << e.what() << "\n" << server.log();
  }
  EXPECT_EQ(stale.status, 200);
  EXPECT_EQ(stale.body.find("fresh on the primary"), std::string::npos) << "the feed was not read from the replica\n"
                                                                        << server.log();
  standby->sql("SELECT pg_wal_replay_resume()");
  EXPECT_TRUE(eventually([&] { return http.get("/api/posts").body.find("fresh on the primary") != std::string::npos; }))
      << "the replica's feed did not catch up";

  // Killed, the replica's feed requests go to the primary before the monitor even notices.
  standby->kill();
  int feed_ok = 0;
  for (int i = 0; i < 20; ++i) {
    try {
      feed_ok += http.get("/api/posts").status == 200;
    } catch (const std::exception& e) {
      ADD_FAILURE() << e.what() << "\n" << server.log();
      break;
    }
  }
  EXPECT_EQ(feed_ok, 20) << "a feed request failed with the replica down";
  auto down = replica_in(false);
  std::printf("[ figures  ] replica killed: health %d, %s\n", down.status, down.body.c_str());
  EXPECT_EQ(down.status, 200) << "a replica out of rotation must not fail the health check";
  const boost::json::value down_json = down.json();
  const auto& gone = down_json.at("nodes").at(1).as_object();
  EXPECT_FALSE(gone.at("inRotation").as_bool());
  EXPECT_FALSE(gone.at("reachable").as_bool());
  EXPECT_FALSE(gone.contains("reason")) << "the public health check must not show error text";
  EXPECT_EQ(down.body.find("127.0.0.1"), std::string::npos) << "the public health check must not show hosts";
  EXPECT_NE(http.get("/metrics").body.find("pgkit_node_up{node=\"1\",role=\"replica\"} 0"), std::string::npos);
  report = doctor(primary->url(), replica_url);
  EXPECT_NE(report.find("takes no reads"), std::string::npos) << report;

  standby->start();
  auto back = replica_in(true);
  EXPECT_TRUE(server.running()) << server.log();
  EXPECT_TRUE(back.json().at("nodes").at(1).at("inRotation").as_bool()) << back.body;
}
