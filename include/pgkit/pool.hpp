#pragma once
/// @file pool.hpp
/// pgkit's connection pool: bounded in size and in every wait, safe against connections that
/// died silently while idle, with statistics and a graceful close.
///
/// @code
///   pgkit::Pool pool(pgkit::load_config().config);        // never blocks, never throws for a down server
///   auto users = pool.query("SELECT id, email FROM users WHERE is_active = $1", true);
///   auto n = pool.query(pgkit::idempotent, "SELECT count(*) FROM posts").scalar<std::int64_t>();  // retried
///   pool.transaction([&](pgkit::Transaction& tx) { … });
///   auto conn = pool.acquire();  conn->query(…);          // returned when conn goes out of scope
/// @endcode
///
/// @warning Every lease (PooledConnection) must be returned before the Pool is destroyed.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "pgkit/config.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/retry.hpp"
#include "pgkit/transaction.hpp"

namespace pgkit {

class Pool;
class AsyncPool;
class Cluster;
namespace detail { struct PoolEntry; }

/// A setting applied to each new session (search_path, statement_timeout).
struct SessionSetting {
  std::string name;
  std::string value;
};

/// Marks work as safe to repeat, so pgkit may retry it after a transient failure.
struct Idempotent {};
inline constexpr Idempotent idempotent{};

/// Session setup and checks, named for when they run.
struct PoolHooks {
  /// After a new connection is set up (search_path, statement_timeout applied). Throwing
  /// discards the connection.
  std::function<void(Connection&)> after_connect;
  /// Before a connection goes back to the pool; return false to close it instead.
  std::function<bool(Connection&)> after_release;
};

/// A snapshot of the pool (seed 004's getPoolStats, and more).
struct PoolStats {
  int total = 0;    ///< open connections, plus ones being opened
  int idle = 0;
  int in_use = 0;
  int waiting = 0;  ///< callers waiting for a connection
  int max = 0;
  int min = 0;
  std::uint64_t created = 0;           ///< connections opened since start
  std::uint64_t closed = 0;            ///< connections closed since start
  std::uint64_t acquired = 0;          ///< successful acquires
  std::uint64_t acquire_timeouts = 0;  ///< acquires that gave up (PoolExhausted)
  std::uint64_t connect_errors = 0;    ///< failed connection attempts
  std::uint64_t validation_failures = 0;  ///< idle connections found dead before use
  std::uint64_t leaks_reported = 0;    ///< connections held past leak_threshold
  /// Connections discarded because their server turned read-only or became a standby while the
  /// pool asks for a writable one (target_session_attrs=read-write): a failover.
  std::uint64_t read_only_discards = 0;
  /// Acquire wait time: acquires that did not find an idle connection at once are measured.
  std::uint64_t acquire_waits = 0;
  std::chrono::nanoseconds acquire_wait_total{0};
  std::chrono::nanoseconds acquire_wait_max{0};
  /// Histogram of those waits: ≤ 1 ms, 10 ms, 100 ms, 1 s, 10 s, more.
  static constexpr std::array<Millis, 5> kWaitBuckets{Millis{1}, Millis{10}, Millis{100}, Millis{1000}, Millis{10000}};
  std::array<std::uint64_t, kWaitBuckets.size() + 1> acquire_wait_histogram{};
  /// One line: "total=10 idle=3 in_use=7 waiting=0 max=10".
  std::string summary() const;
};

/// A connection borrowed from a Pool; goes back when destroyed. Move-only.
class PooledConnection {
 public:
  PooledConnection() = default;
  PooledConnection(Pool* pool, detail::PoolEntry* entry) : pool_(pool), entry_(entry) {}
  PooledConnection(PooledConnection&& o) noexcept : pool_(o.pool_), entry_(o.entry_) { o.entry_ = nullptr; }
  PooledConnection& operator=(PooledConnection&& o) noexcept;
  ~PooledConnection() { release(); }

  Connection& operator*() const;
  Connection* operator->() const { return &**this; }
  explicit operator bool() const { return entry_ != nullptr; }
  /// Give the connection back now (rolled back if a transaction was left open).
  void release() noexcept;

 private:
  Pool* pool_ = nullptr;
  detail::PoolEntry* entry_ = nullptr;
};

/// A thread-safe pool of connections to one server (or one multi-host URL).
///
/// Failover: with a multi-host URL and `target_session_attrs=read-write` (or `primary`), a
/// connection whose server is gone, became a standby or turned read-only (SQLSTATE 25006,
/// `default_transaction_read_only`) is discarded, every idle sibling opened before it is
/// discarded too, and new connections find the writable host. Idempotent work retries across it.
class Pool {
 public:
  /// Start the pool: copies config (frozen from here on), starts warming min connections in the
  /// background. Never blocks and never throws for an unreachable server.
  /// @throws ConfigError when config is invalid (min > max, max < 1).
  explicit Pool(Config config, PoolHooks hooks = {}, RetryPolicy retry = {});
  /// close() with the default deadline (30 s).
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// Borrow a connection: an idle one (checked first if idle past the validation window),
  /// else a new one, else wait in line up to acquire_timeout.
  /// @throws PoolExhausted (stating the pool's state), CannotConnect, PoolClosed
  PooledConnection acquire(std::source_location where = std::source_location::current());

  /// Run one statement on a borrowed connection. Not retried: it may have run.
  template <class... Args>
  Result query(Sql sql, const Args&... args) {
    Params p(args...);
    return acquire(sql.where)->run(QueryOptions{}, sql, p);
  }
  template <class... Args>
  Result query(const QueryOptions& options, Sql sql, const Args&... args) {
    Params p(args...);
    return acquire(sql.where)->run(options, sql, p);
  }
  /// Run a statement that is safe to repeat (a read, an idempotent upsert), retried on
  /// transient failures within the retry policy and budget.
  template <class... Args>
  Result query(Idempotent, Sql sql, const Args&... args) {
    Params p(args...);
    return with_retry([&] { return acquire(sql.where)->run(QueryOptions{}, sql, p); });
  }

  /// Run fn(Connection&) again on transient failures (fn must be safe to repeat).
  template <class F>
  auto with_retry(F&& fn) -> std::invoke_result_t<F> {
    using R = std::invoke_result_t<F>;
    if constexpr (std::is_void_v<R>) {
      retry_loop([&] { fn(); });
    } else {
      std::optional<R> out;
      retry_loop([&] { out.emplace(fn()); });
      return std::move(*out);
    }
  }

  /// Run fn(Transaction&) in a transaction: COMMIT on return, ROLLBACK on throw, and the whole
  /// retried on 40001 / 40P01 / a connection lost before COMMIT when options.retry is set.
  template <class F>
  auto transaction(F&& fn, TransactionOptions options = {}) -> std::invoke_result_t<F, Transaction&> {
    using R = std::invoke_result_t<F, Transaction&>;
    if constexpr (std::is_void_v<R>) {
      run_in_transaction([&](Transaction& tx) { fn(tx); }, options);
    } else {
      std::optional<R> out;
      run_in_transaction([&](Transaction& tx) { out.emplace(fn(tx)); }, options);
      return std::move(*out);
    }
  }

  /// Borrow a connection and make a round trip within timeout (seed 004's testConnection).
  bool test_connection(Millis timeout = Millis{2000}) noexcept;
  /// Whether the last attempt to use or open a connection succeeded (seed 004's isDbConnected).
  bool connected() const noexcept { return connected_.load(std::memory_order_relaxed); }

  PoolStats stats() const;
  const Config& config() const { return config_; }
  const RetryPolicy& retry_policy() const { return retry_; }

  /// Stop handing out connections, wait up to deadline for those in use, close everything.
  /// Idempotent.
  void close(Millis deadline = Millis{30'000});

 private:
  friend class PooledConnection;
  friend class AsyncPool;
  friend class Cluster;
  struct Impl;
  enum class IdleCheck { ok, ping, discard };

  void release(detail::PoolEntry* entry) noexcept;
  detail::PoolEntry* open_entry(Clock::time_point deadline);
  std::vector<SessionSetting> session_settings() const;
  detail::PoolEntry* adopt(std::unique_ptr<Connection> conn);
  void connect_failed() noexcept;
  IdleCheck check_idle(detail::PoolEntry* entry) const;
  void validation_failed() noexcept;
  [[noreturn]] void throw_exhausted(Clock::time_point start, std::source_location where);
  /// acquire() with its own bound on waiting and connecting (test_connection's timeout).
  /// retry_connect=false gives up at the first failed connection attempt (a replica that is
  /// down, whose reads should move on at once).
  PooledConnection acquire_within(Millis timeout, std::source_location where, bool retry_connect = true);
  [[noreturn]] void throw_closed(std::source_location where);
  void close_entry(detail::PoolEntry* entry) noexcept;
  void discard(detail::PoolEntry* entry) noexcept;
  /// Checks an idle connection; a ping is bounded by DB_VALIDATION_TIMEOUT_MS and by deadline
  /// (the acquire's), else by timeout. A dead one's quiet siblings are checked at once.
  bool usable(detail::PoolEntry* entry, std::optional<Clock::time_point> deadline, Millis timeout);
  /// The idle connections quiet at least as long as dead, which the same NAT or load balancer
  /// will have forgotten too if it forgot dead: taken out of the idle list to be checked.
  std::vector<detail::PoolEntry*> borrow_quiet_siblings(const detail::PoolEntry* dead);
  /// A borrowed connection's verdict: alive, back to the idle list as just used; else closed.
  void settle_checked(detail::PoolEntry* entry, bool alive) noexcept;
  /// The pool wants a writable server but this connection's server is read-only now.
  bool turned_read_only(const Connection& conn) const noexcept;
  void drain_read_only(const detail::PoolEntry* entry) noexcept;
  /// A 25006 after the pool found its server read-only: the next connection reaches the new primary.
  bool failed_over_since(std::uint64_t read_only_discards, const Error& e) const noexcept;
  PooledConnection lease(detail::PoolEntry* entry, std::source_location where,
                         std::optional<Clock::time_point> wait_start, bool for_coroutine = false);
  void housekeeping();
  bool may_retry(int attempt, Clock::time_point started, Millis pause);
  void retry_loop(const std::function<void()>& fn);
  void run_in_transaction(const std::function<void(Transaction&)>& fn, const TransactionOptions& options);

  Config config_;
  bool needs_writable_ = false;  // target_session_attrs asks for a primary
  PoolHooks hooks_;
  RetryPolicy retry_;
  std::atomic<bool> connected_{false};
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgkit
