// Real faults on a real streaming pair: a replica killed during reads, and a primary killed and
// its synchronous standby promoted during writes. Each test prints its figures.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "eventually.hpp"
#include "pgkit/cluster.hpp"
#include "pgkit/error.hpp"
#include "fault_clock.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace std::chrono_literals;
using test::ms_since;
using test::SteadyClock;

namespace {

Config config_of(const std::string& url) {
  LoadedConfig loaded = parse_url(url);
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  Config c = loaded.config;
  c.pool.slow_query = Millis{0};
  c.pool.connect_timeout = Millis{2000};
  return c;
}

}  // namespace

// A replica killed while two threads read in a loop: no read fails (they move to the primary);
// once the replica is back and healthy, reads return to it by themselves.
TEST(FaultReplica, KilledDuringReadsLosesNoReadAndRejoins) {
  auto primary = test::private_server();
  auto standby = test::standby_of(*primary);
  Config c = config_of(primary->url() + "?application_name=fault-replica");
  c.replicas.nodes.push_back(config_of(standby->url()).params);
  c.replicas.check_interval = Millis{100};
  Cluster db(c);
  db.write("CREATE TABLE items (id int)");
  db.write("INSERT INTO items SELECT generate_series(1, 100)");
  ASSERT_TRUE(test::eventually([&] { return db.check_now()[1].in_rotation; }));
  // Replication is asynchronous here: wait for the rows before reading them from the replica.
  ASSERT_TRUE(test::standby_caught_up(*primary, *standby));

  std::atomic<bool> stop{false};
  std::atomic<long> reads{0}, failed{0}, on_replica{0}, on_primary{0};
  std::mutex error_mu;
  std::string first_error;
  auto reader = [&] {
    while (!stop) {
      try {
        auto row = db.read("SELECT pg_is_in_recovery(), count(*) FROM items").one();
        (row.get<bool>(0) ? on_replica : on_primary)++;
        reads++;
      } catch (const std::exception& e) {
        failed++;
        std::lock_guard lk(error_mu);
        if (first_error.empty()) first_error = e.what();
      }
    }
  };
  std::thread r1(reader), r2(reader);
  EXPECT_TRUE(test::eventually([&] { return on_replica >= 100; })) << "reads did not go to the replica";
  const long replica_reads_before = on_replica;
  const long primary_reads_before = on_primary, reads_before = reads;
  standby->kill();
  const auto killed = SteadyClock::now();
  EXPECT_TRUE(test::eventually([&] { return on_primary >= primary_reads_before + 100; }))
      << "reads did not move to the primary";
  const long primary_reads_while_down = on_primary - primary_reads_before;
  const auto down_reads = reads - reads_before;

  standby->start();
  const auto restarted = SteadyClock::now();
  const long replica_reads_at_restart = on_replica;
  long long back_after_ms = -1;
  if (test::eventually([&] { return on_replica > replica_reads_at_restart; }, 30s)) {
    back_after_ms = ms_since(restarted);
    // And they stay there.
    EXPECT_TRUE(test::eventually([&] { return on_replica >= replica_reads_at_restart + 100; }));
  }
  stop = true;
  r1.join();
  r2.join();

  std::printf(
      "[ figures  ] replica killed during reads: %ld reads (%ld on the replica, %ld on the primary), %ld failed; "
      "%ld reads after the kill until 100 had gone to the primary; reads back on the replica %lld ms after its restart "
      "(down for %lld ms)\n",
      reads.load(), on_replica.load(), on_primary.load(), failed.load(), down_reads, back_after_ms,
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(restarted - killed).count()));
  EXPECT_EQ(failed, 0) << first_error;
  EXPECT_GT(replica_reads_before, 0);
  EXPECT_GE(primary_reads_while_down, 100) << "reads did not move to the primary";
  EXPECT_GE(back_after_ms, 0) << "reads did not return to the replica";
  auto nodes = db.nodes();
  EXPECT_TRUE(nodes[1].in_rotation) << nodes[1].reason;
}

// The primary killed during a loop of idempotent upserts, its synchronous standby promoted:
// writes resume on the new primary through the same pool (multi-host URL,
// target_session_attrs=read-write), and every write acknowledged is on it.
TEST(FaultFailover, PrimaryKilledAndStandbyPromotedLosesNoAcknowledgedWrite) {
  // Synchronous: a commit is acknowledged only once the standby has it. With asynchronous
  // replication a failover may lose the last acknowledged writes, and this test would show it.
  auto primary = test::private_server({{"synchronous_standby_names", "*"}, {"synchronous_commit", "on"}});
  auto standby = test::standby_of(*primary);
  primary->sql("CREATE TABLE kv (k bigint PRIMARY KEY, v bigint NOT NULL)");
  Config c =
      config_of(fmt::format("postgresql://{}:{}@127.0.0.1:{},127.0.0.1:{}/postgres?target_session_attrs=read-write"
                            "&application_name=fault-failover",
                            primary->user(), primary->password(), primary->port(), standby->port()));
  c.pool.acquire_timeout = Millis{10'000};
  Pool pool(c);

  std::atomic<bool> stop{false};
  std::set<long> acked;
  std::vector<SteadyClock::time_point> acked_at;  // written by the writer only, read after join
  std::atomic<long> errors{0}, acked_count{0};    // acked_count: what the test may watch while writing goes on
  std::string first_error;
  std::thread writer([&] {
    for (long k = 1; !stop; ++k) {
      try {
        pool.query(idempotent, "INSERT INTO kv VALUES ($1, $2) ON CONFLICT (k) DO UPDATE SET v = excluded.v", k,
                   k * 10);
        acked.insert(k);
        acked_at.push_back(SteadyClock::now());
        acked_count++;
      } catch (const std::exception& e) {
        if (errors++ == 0) first_error = e.what();
      }
    }
  });
  EXPECT_TRUE(test::eventually([&] { return acked_count >= 50; })) << "the writes did not start";
  const auto kill_at = SteadyClock::now();
  primary->kill();
  std::this_thread::sleep_for(500ms);  // the outage before a failover is decided: a cause, not a synchronisation
  const auto promote_at = SteadyClock::now();
  standby->promote();
  const auto promoted_at = SteadyClock::now();
  const long acked_at_promotion = acked_count;
  EXPECT_TRUE(test::eventually([&] { return acked_count >= acked_at_promotion + 50; }, 30s))
      << "writes did not resume on the new primary";
  stop = true;
  writer.join();

  auto ms = [](SteadyClock::duration d) {
    return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  };
  // The stall: the longest gap between two acknowledgements; the resumption: the first one
  // after the promotion was asked for.
  long long stall_ms = 0, resumed_after_promotion_ms = -1;
  for (std::size_t i = 1; i < acked_at.size(); ++i)
    stall_ms = std::max<long long>(stall_ms, ms(acked_at[i] - acked_at[i - 1]));
  for (auto t : acked_at) {
    if (t >= promote_at) {
      resumed_after_promotion_ms = ms(t - promote_at);  // the server may take writes before pg_ctl returns
      break;
    }
  }
  // Every acknowledged write must be on the new primary.
  Pool check(config_of(standby->url()));
  std::set<long> found;
  for (const auto& row : check.query("SELECT k FROM kv")) found.insert(row.get<std::int64_t>(0));
  long missing = 0;
  for (long k : acked) missing += found.count(k) == 0;
  auto st = pool.stats();
  std::printf(
      "[ figures  ] failover: %zu writes acknowledged, %zu found on the new primary, %ld missing; %ld errors reached the "
      "caller; the primary killed, pg_ctl promote %lld ms later took %lld ms; writes stalled %lld ms in all and "
      "resumed %lld ms after pg_ctl promote was run; pool: %llu opened, %llu connect errors\n",
      acked.size(), found.size(), missing, errors.load(), ms(promote_at - kill_at), ms(promoted_at - promote_at),
      stall_ms, resumed_after_promotion_ms, static_cast<unsigned long long>(st.created),
      static_cast<unsigned long long>(st.connect_errors));
  EXPECT_EQ(missing, 0);
  EXPECT_GE(resumed_after_promotion_ms, 0) << "writes did not resume after the promotion";
  EXPECT_EQ(errors, 0) << first_error;
  EXPECT_GT(acked.size(), 10u);
}
