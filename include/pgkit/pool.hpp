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

/// A snapshot of the pool: its size, what waits, and counters since it started.
struct PoolStats {
  int total = 0;  ///< open connections, plus ones being opened
  int idle = 0;
  int in_use = 0;
  int waiting = 0;  ///< callers waiting for a connection
  int max = 0;
  int min = 0;
  std::uint64_t created = 0;              ///< connections opened since start
  std::uint64_t closed = 0;               ///< connections closed since start
  std::uint64_t acquired = 0;             ///< successful acquires
  std::uint64_t acquire_timeouts = 0;     ///< acquires that gave up (PoolExhausted)
  std::uint64_t connect_errors = 0;       ///< failed connection attempts
  std::uint64_t validation_failures = 0;  ///< idle connections found dead before use
  std::uint64_t leaks_reported = 0;       ///< connections held past leak_threshold
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
  PooledConnection(PooledConnection&& o) noexcept : pool_(o.pool_), entry_(o.entry_) { o.entry_ = nullptr; }
  PooledConnection& operator=(PooledConnection&& o) noexcept;
  ~PooledConnection() { release(); }

  Connection& operator*() const;
  Connection* operator->() const { return &**this; }
  explicit operator bool() const { return entry_ != nullptr; }
  /// Give the connection back now (rolled back if a transaction was left open).
  void release() noexcept;

 private:
  friend struct PoolAccess;  // the pool itself, inside the library (src/pool/pool_impl.hpp)
  struct Entry;              // the pool's record of one connection
  PooledConnection(Pool* pool, Entry* entry) : pool_(pool), entry_(entry) {}

  Pool* pool_ = nullptr;
  Entry* entry_ = nullptr;
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

  /// Borrow a connection and make a round trip within timeout; false when either fails.
  bool test_connection(Millis timeout = Millis{2000}) noexcept;
  /// Whether the last attempt to use or open a connection succeeded.
  bool connected() const noexcept;

  /// The pool's size, waiters and counters now.
  PoolStats stats() const;
  /// The configuration the pool was started with (frozen).
  const Config& config() const;
  /// How with_retry(), query(idempotent, …) and transaction() retry.
  const RetryPolicy& retry_policy() const;

  /// Stop handing out connections, wait up to deadline for those in use, close everything.
  /// Idempotent.
  void close(Millis deadline = Millis{30'000});

 private:
  friend struct PoolAccess;  // the library's async and cluster layers (src/pool/pool_impl.hpp)
  struct Impl;

  // The loops behind with_retry() and transaction(), out of line (pool_retry.cpp).
  void retry_loop(const std::function<void()>& fn);
  void run_in_transaction(const std::function<void(Transaction&)>& fn, const TransactionOptions& options);

  std::unique_ptr<Impl> impl_;
};

}  // namespace pgkit
