#pragma once
// Pool internals shared by pool.cpp (acquire/release), housekeeping.cpp and retry loops.
#include <time.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "pgkit/pool.hpp"
#include "pool/resource_pool.hpp"

namespace pgkit {

/// A session setting applied to every new connection, with set_config so that the value
/// travels as a parameter.
inline constexpr const char* kSetConfig = "SELECT set_config($1, $2, false)";

namespace detail {

struct PoolEntry {
  std::unique_ptr<Connection> conn;
  Clock::time_point created;  // steady, like coarse_now()
  Clock::time_point expires = Clock::time_point::max();
  Clock::time_point last_used;  // written by the holder before release; read under the pool lock
  // Leak detection reads these from the housekeeping thread while the holder runs.
  std::atomic<std::int64_t> acquired_ns{0};  // 0 while idle
  std::source_location acquired_where;       // published by the store to acquired_ns
  std::atomic<bool> leak_reported{false};
  bool no_io_on_release = false;  // leased to a coroutine: release must not block
};

// CLOCK_MONOTONIC_COARSE shares CLOCK_MONOTONIC's origin (steady_clock's) at a fraction of its
// cost; its few-millisecond resolution is plenty for idle and lifetime bookkeeping.
inline Clock::time_point coarse_now() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return Clock::time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
}

inline std::int64_t ns_of(Clock::time_point t) { return t.time_since_epoch().count(); }

}  // namespace detail

struct Pool::Impl {
  explicit Impl(int max) : core(max) {}

  detail::ResourcePool<detail::PoolEntry> core;
  RetryBudget budget;
  std::atomic<std::uint64_t> created{0}, closed{0}, acquired{0}, acquire_timeouts{0}, connect_errors{0},
      validation_failures{0}, leaks_reported{0}, acquire_waits{0};
  std::atomic<std::int64_t> wait_total_ns{0}, wait_max_ns{0};
  std::array<std::atomic<std::uint64_t>, PoolStats::kWaitBuckets.size() + 1> histogram{};
  // Idle connections last used before this (ns) are checked before use: set when one
  // connection is found broken, since its siblings likely broke with it (a server restart).
  std::atomic<std::int64_t> suspect_before_ns{0};
  // Idle connections opened before this (ns) are discarded unused: their server turned read-only
  // while the pool wants a writable one, so every sibling points at the wrong node.
  std::atomic<std::int64_t> drain_before_ns{0};
  std::atomic<std::uint64_t> read_only_discards{0};
  // A connection found that a pooler does not keep named statements: new ones start unnamed.
  std::atomic<bool> unnamed{false};

  std::thread housekeeper;
  std::mutex stop_mu;
  std::condition_variable stop_cv;
  bool stopping = false;     // guarded by stop_mu
  bool closed_once = false;  // guarded by stop_mu
};

}  // namespace pgkit
