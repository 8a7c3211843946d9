// The cluster's monitor: every DB_REPLICA_CHECK_MS, each node is checked on a connection of its
// own (not the pool's, which may be saturated): reachable, standby or not, and how far a
// replica's replay is behind the primary.
#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "cluster/cluster_impl.hpp"
#include "pgkit/error.hpp"
#include "pgkit/log.hpp"

namespace pgkit {

using detail::ClusterNode;

namespace {

// The primary's WAL position (its replay position when it is itself a standby).
constexpr const char* kPrimarySql =
    "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
    "ELSE pg_current_wal_lsn() END, '0/0')::int8";

// A replica's replay position, whether it has replayed everything it received, and the age of
// the last transaction it replayed (NULL before the first one).
constexpr const char* kReplicaSql =
    "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::int8, "
    "pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn(), "
    "(extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::int8";

// A check may take this long: short enough that one node that blackholes does not stall the
// round for long, long enough for a loaded server to answer.
Millis check_bound(const Config& c) {
  return std::clamp(c.replicas.check_interval * 2, Millis{1000}, std::max(Millis{1000}, c.pool.connect_timeout));
}

// The node's probe connection, opened when missing or broken. Throws what connecting throws.
Connection& probe_of(ClusterNode& node, Millis bound) {
  if (!node.probe || node.probe->broken()) {
    node.probe.reset();
    node.probe = std::make_unique<Connection>(node.config, Clock::now() + bound);
  }
  return *node.probe;
}

}  // namespace

// Caught up: 0. Otherwise the time since the primary was last where this replica's replay is,
// from the positions seen at each check (at most one check interval too long). Not the age of
// the last replayed commit: a long transaction streams WAL for minutes without a commit, and a
// replica keeping up with it is not late.
Millis Cluster::Impl::lag_behind(std::int64_t replay) const {
  if (primary_positions.empty() || replay >= primary_positions.back().second) return Millis{0};
  auto since = primary_positions.front().first;  // older than all we keep: at least this late
  for (auto it = primary_positions.rbegin(); it != primary_positions.rend(); ++it) {
    if (it->second <= replay) {
      since = it->first;
      break;
    }
  }
  return std::chrono::duration_cast<Millis>(Clock::now() - since);
}

void Cluster::Impl::check_all() {
  std::lock_guard check_lock(check_mu);
  ClusterNode& p = primary();
  const Millis bound = check_bound(config);
  std::optional<std::int64_t> primary_lsn;
  try {
    auto row = probe_of(p, bound).query(QueryOptions{.timeout = bound, .prepare = false}, kPrimarySql).one();
    const bool standby = row.get<bool>(0);
    if (!standby) {
      primary_lsn = row.get<std::int64_t>(1);
      // Enough history to tell any lag up to twice the bound.
      const auto now = Clock::now();
      primary_positions.emplace_back(now, *primary_lsn);
      const auto keep = 2 * config.replicas.max_lag + 4 * config.replicas.check_interval;
      while (primary_positions.size() > 1 &&
             (now - primary_positions.front().first > keep || primary_positions.size() > 10'000))
        primary_positions.pop_front();
    }
    std::lock_guard lk(mu);
    p.status.reachable = true;
    p.status.in_recovery = standby;
    p.status.reason = standby ? "the primary's URL leads to a standby (read-only)" : "";
  } catch (const Error& e) {
    p.probe.reset();
    std::lock_guard lk(mu);
    p.status.reachable = false;
    p.status.reason = "unreachable: " + e.message();
  }

  for (std::size_t i = 1; i < nodes.size(); ++i) {
    ClusterNode& r = *nodes[i];
    bool standby = false;
    std::optional<Millis> lag;
    std::optional<std::int64_t> lag_bytes;
    std::string out_reason;
    try {
      auto row = probe_of(r, bound).query(QueryOptions{.timeout = bound, .prepare = false}, kReplicaSql).one();
      standby = row.get<bool>(0);
      auto replay = row.get<std::optional<std::int64_t>>(1);
      const bool replayed_all_received = row.get<std::optional<bool>>(2).value_or(false);
      auto replay_age = row.get<std::optional<std::int64_t>>(3);
      if (primary_lsn && replay) {
        lag_bytes = std::max<std::int64_t>(0, *primary_lsn - *replay);
        lag = lag_behind(*replay);
      } else if (replayed_all_received) {
        lag = Millis{0};  // the primary is unknown: caught up with all it received
      } else if (replay_age) {
        lag = Millis{std::max<std::int64_t>(0, *replay_age)};  // the age of its last replayed commit
      }
      const ReplicaSettings& s = config.replicas;
      if (!standby)
        out_reason = "it is not a standby any more (promoted?): its data may have diverged";
      else if (lag && *lag > s.max_lag)
        out_reason = fmt::format("replay lag {} ms > DB_REPLICA_MAX_LAG_MS={}", lag->count(), s.max_lag.count());
      else if (lag_bytes && s.max_lag_bytes > 0 && *lag_bytes > s.max_lag_bytes)
        out_reason = fmt::format("{} bytes of WAL behind > DB_REPLICA_MAX_LAG_BYTES={}", *lag_bytes, s.max_lag_bytes);
      {
        std::lock_guard lk(mu);
        r.status.reachable = true;
      }
    } catch (const Error& e) {
      r.probe.reset();
      out_reason = "unreachable: " + e.message();
      std::lock_guard lk(mu);
      r.status.reachable = false;
    }
    {
      std::lock_guard lk(mu);
      r.status.in_recovery = standby;
      r.status.lag = lag;
      r.status.lag_bytes = lag_bytes;
    }
    set_rotation(r, out_reason.empty(), out_reason);
  }
}

void Cluster::Impl::monitor_loop() {
  for (;;) {
    try {
      check_all();
    } catch (const std::exception& e) {  // a bug, not an outage: keep monitoring
      log().error("replica monitor: {}", e.what());
    }
    std::unique_lock lk(stop_mu);
    if (stop_cv.wait_for(lk, config.replicas.check_interval, [&] { return stopping; })) return;
  }
}

}  // namespace pgkit
