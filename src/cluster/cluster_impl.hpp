#pragma once
// Cluster internals shared by cluster.cpp (routing) and replica_monitor.cpp (health checks).
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "pgkit/cluster.hpp"
#include "pgkit/connection.hpp"

namespace pgkit {

namespace detail {

struct ClusterNode {
  NodeStatus::Role role;
  Config config;
  std::unique_ptr<Pool> pool;
  /// Replicas: takes reads now. Read without a lock on every routed read.
  std::atomic<bool> in_rotation{false};
  NodeStatus status;                  // guarded by Cluster::Impl::mu (pool stats filled on read)
  std::unique_ptr<Connection> probe;  // the monitor's own connection; guarded by check_mu
};

}  // namespace detail

struct Cluster::Impl {
  Config config;
  std::vector<std::unique_ptr<detail::ClusterNode>> nodes;  // [0] is the primary
  std::atomic<std::size_t> next_replica{0};

  mutable std::mutex mu;                                            // statuses, pinned callers, warnings
  std::unordered_map<std::string, Clock::time_point> pinned_until;  // read-your-writes
  Clock::time_point last_fallback_warning{};

  std::mutex check_mu;  // one health round at a time (monitor thread or check_now)
  /// The primary's WAL position at each check, oldest first (guarded by check_mu): a replica's
  /// lag is how long ago the primary was where the replica's replay is now.
  std::deque<std::pair<Clock::time_point, std::int64_t>> primary_positions;
  std::thread monitor;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;     // guarded by stop_mu
  bool closed_once = false;  // guarded by stop_mu

  detail::ClusterNode& primary() { return *nodes[0]; }
  std::size_t replicas() const { return nodes.size() - 1; }

  /// One health round: the primary's position, then each replica against it.
  void check_all();
  /// A replica's lag from its replay position (caller holds check_mu).
  Millis lag_behind(std::int64_t replay) const;
  void monitor_loop();
  /// Move a replica in or out of the read rotation, logging the change once.
  void set_rotation(detail::ClusterNode& node, bool in, const std::string& reason);
  /// A replica that failed a read or could not connect: unreachable, out of the rotation.
  void take_out(detail::ClusterNode& node, const std::string& reason);
  /// Whether caller wrote within the read-your-writes window.
  bool pinned(std::string_view caller);
};

}  // namespace pgkit
