#pragma once
// Pool internals: the pool's record of a connection (PooledConnection::Entry) and Pool::Impl,
// which holds the pool's state and the PostgreSQL rules over the generic ResourcePool. Shared
// by pool.cpp (acquire, release), validation.cpp, housekeeping.cpp, pool_retry.cpp, and the
// layers above that reach into a pool: AsyncPool (async_pool.cpp) and Cluster, through
// PoolAccess. Internal; not installed.
#include <time.h>

#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <source_location>
#include <thread>
#include <vector>

#include "pgkit/pool.hpp"
#include "pool/resource_pool.hpp"

namespace pgkit {

/// A session setting applied to every new connection, with set_config so that the value
/// travels as a parameter.
inline constexpr const char* kSetConfig = "SELECT set_config($1, $2, false)";

struct PooledConnection::Entry {
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

/// The library's way into a Pool and a PooledConnection (both befriend it): the one door
/// through which the pool's own sources and the async and cluster layers reach internals.
struct PoolAccess {
  using Entry = PooledConnection::Entry;
  using Impl = Pool::Impl;
  static Impl& impl(Pool& pool) noexcept { return *pool.impl_; }
  static PooledConnection lease(Pool& pool, Entry* entry) noexcept { return PooledConnection(&pool, entry); }
};

namespace detail {

using PoolEntry = PoolAccess::Entry;

/// What an idle connection needs before it is handed out.
enum class IdleCheck { ok, ping, discard };

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
  using Entry = detail::PoolEntry;

  /// Validates config (@throws ConfigError), warns about settings a pooler ignores, and starts
  /// the housekeeping thread. self is the Pool that leases carry.
  Impl(Pool& self, Config config, PoolHooks hooks, RetryPolicy retry);

  // Acquire and release (pool.cpp).
  /// acquire() with its own bound on waiting and connecting (test_connection's timeout).
  /// retry_connect=false gives up at the first failed connection attempt (a replica that is
  /// down, whose reads should move on at once).
  PooledConnection acquire_within(Millis timeout, std::source_location where, bool retry_connect = true);
  void release(Entry* entry) noexcept;
  PooledConnection lease(Entry* entry, std::source_location where, std::optional<Clock::time_point> wait_start,
                         bool for_coroutine = false);
  Entry* open_entry(Clock::time_point deadline);
  std::vector<SessionSetting> session_settings() const;
  /// Takes a connection set up elsewhere (AsyncPool connects without blocking): hooks, lifetime.
  Entry* adopt(std::unique_ptr<Connection> conn);
  void connect_failed() noexcept;
  void close_entry(Entry* entry) noexcept;
  /// close_entry() for one the ResourcePool counts as in use: frees its slot first.
  void discard(Entry* entry) noexcept;
  [[noreturn]] void throw_exhausted(Clock::time_point start, std::source_location where);
  [[noreturn]] void throw_closed(std::source_location where);
  PoolStats stats() const;

  // Checking connections before use, and failover (validation.cpp).
  /// Decides without I/O; the caller pings when told to.
  detail::IdleCheck check_idle(Entry* entry) const;
  void validation_failed() noexcept;
  /// Checks an idle connection; a ping is bounded by DB_VALIDATION_TIMEOUT_MS and by deadline
  /// (the acquire's), else by timeout. A dead one's quiet siblings are checked at once.
  bool usable(Entry* entry, std::optional<Clock::time_point> deadline, Millis timeout);
  /// The idle connections quiet at least as long as dead, which the same NAT or load balancer
  /// will have forgotten too if it forgot dead: taken out of the idle list to be checked.
  std::vector<Entry*> borrow_quiet_siblings(const Entry* dead);
  /// A borrowed connection's verdict: alive, back to the idle list as just used; else closed.
  void settle_checked(Entry* entry, bool alive) noexcept;
  /// The pool wants a writable server but this connection's server is read-only now.
  bool turned_read_only(const Connection& conn) const noexcept;
  void drain_read_only(const Entry* entry) noexcept;
  /// A 25006 after the pool found its server read-only (read_only_discards moved on from
  /// discards_then): the next connection reaches the new primary.
  bool failed_over_since(std::uint64_t discards_then, const Error& e) const noexcept;

  /// The background thread's loop (housekeeping.cpp).
  void housekeeping();
  /// Whether a retry may run now: attempts, elapsed time and the budget (pool_retry.cpp).
  bool may_retry(int attempt, Clock::time_point started, Millis pause);

  Pool& self;
  const Config config;          // frozen when the pool starts
  bool needs_writable = false;  // target_session_attrs asks for a primary
  const PoolHooks hooks;
  const RetryPolicy retry;
  std::atomic<bool> connected{false};

  detail::ResourcePool<Entry> core;
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
