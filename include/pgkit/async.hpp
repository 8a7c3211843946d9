#pragma once
/// @file async.hpp
/// pgkit for C++20 coroutines on Boost.Asio: the same pool, configuration, errors, retry rules
/// and transactions as the blocking API, without ever blocking an io thread on the database.
///
/// libpq runs in non-blocking mode and pgkit waits on its socket through Asio: no thread per
/// query, no hidden thread pool, no busy polling. Safe from several io_context threads at once.
///
/// @code
///   pgkit::Pool pool(config);
///   pgkit::AsyncPool db(pool);                               // a view: shares pool's connections
///   asio::co_spawn(io, [&]() -> asio::awaitable<void> {
///     auto n = (co_await db.query("SELECT count(*) FROM users")).scalar<std::int64_t>();
///     co_await db.transaction([&](pgkit::AsyncTransaction& tx) -> asio::awaitable<void> {
///       co_await tx.query("UPDATE accounts SET balance = balance - $1 WHERE id = $2", 10, 1);
///     });
///   }, asio::detached);
/// @endcode
///
/// @warning g++ 12 mis-destroys a lambda temporary that captures non-trivial values (a
/// std::string by copy) when it is created inside a co_await expression. Name such a lambda
/// first — `auto body = [s](AsyncTransaction& tx) -> asio::awaitable<void> {…};
/// co_await db.transaction(body);` — or capture by reference.
///
/// A coroutine cancelled by its caller (an Asio cancellation slot, `||` with a timer, a client
/// that went away) gives its connection back; a statement it was running is cancelled on the
/// server and the connection closed rather than reused mid-protocol.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <exception>
#include <optional>
#include <type_traits>

#include "pgkit/pool.hpp"

namespace pgkit {

namespace asio = boost::asio;

/// A connection borrowed from a pool by a coroutine. Goes back when destroyed. Move-only.
class AsyncConnection {
 public:
  explicit AsyncConnection(PooledConnection lease) : lease_(std::move(lease)) {}
  AsyncConnection(AsyncConnection&&) noexcept = default;
  AsyncConnection& operator=(AsyncConnection&& other) noexcept {
    if (this != &other) {
      release();
      lease_ = std::move(other.lease_);
    }
    return *this;
  }
  ~AsyncConnection() { release(); }

  /// Run a statement with parameters $1…$n (prepared once per connection, like Connection::query).
  template <class... Args>
  asio::awaitable<Result> query(Sql sql, const Args&... args) {
    return run(QueryOptions{}, sql, std::make_shared<Params>(args...));
  }
  template <class... Args>
  asio::awaitable<Result> query(const QueryOptions& options, Sql sql, const Args&... args) {
    return run(options, sql, std::make_shared<Params>(args...));
  }
  /// SQL text without parameters, several statements allowed (simple protocol).
  asio::awaitable<Result> execute(Sql sql, QueryOptions options = {});
  /// Every statement of batch in one round trip; all or nothing (see pipeline.hpp).
  asio::awaitable<std::vector<Result>> pipeline(const Pipeline& batch, QueryOptions options = {});
  /// The underlying connection (its blocking calls block the io thread: use them sparingly).
  Connection& connection() { return *lease_; }
  /// Give the connection back now.
  void release() noexcept {
    if (lease_) lease_.release();
  }
  /// Run a statement whose parameters are already encoded (what query() does after encoding).
  asio::awaitable<Result> run(QueryOptions options, Sql sql, std::shared_ptr<Params> params);

 private:
  PooledConnection lease_;
};

/// A transaction opened by AsyncPool::transaction; valid inside its function only.
class AsyncTransaction {
 public:
  explicit AsyncTransaction(AsyncConnection& conn) : conn_(conn) {}
  template <class... Args>
  asio::awaitable<Result> query(Sql sql, const Args&... args) {
    return conn_.query(sql, args...);
  }
  template <class... Args>
  asio::awaitable<Result> query(const QueryOptions& options, Sql sql, const Args&... args) {
    return conn_.query(options, sql, args...);
  }
  asio::awaitable<Result> execute(Sql sql) { return conn_.execute(sql); }
  asio::awaitable<std::vector<Result>> pipeline(const Pipeline& batch) { return conn_.pipeline(batch); }
  AsyncConnection& connection() { return conn_; }

 private:
  AsyncConnection& conn_;
};

/// The asynchronous face of a Pool. Cheap to copy; the Pool must outlive it.
class AsyncPool {
 public:
  explicit AsyncPool(Pool& pool) : pool_(&pool) {}

  /// Borrow a connection: same rules as Pool::acquire (validation, FIFO waiting, timeout,
  /// PoolExhausted stating the pool's state), but connecting and waiting suspend the coroutine.
  asio::awaitable<AsyncConnection> acquire(std::source_location where = std::source_location::current());

  /// Run one statement on a borrowed connection. Not retried: it may have run.
  template <class... Args>
  asio::awaitable<Result> query(Sql sql, const Args&... args) {
    return run(false, QueryOptions{}, sql, std::make_shared<Params>(args...));
  }
  template <class... Args>
  asio::awaitable<Result> query(const QueryOptions& options, Sql sql, const Args&... args) {
    return run(false, options, sql, std::make_shared<Params>(args...));
  }
  /// A statement safe to repeat: retried on transient failures, as Pool::query(idempotent, …).
  template <class... Args>
  asio::awaitable<Result> query(Idempotent, Sql sql, const Args&... args) {
    return run(true, QueryOptions{}, sql, std::make_shared<Params>(args...));
  }
  /// A batch in one round trip on a borrowed connection.
  asio::awaitable<std::vector<Result>> pipeline(const Pipeline& batch, QueryOptions options = {});

  /// fn(AsyncTransaction&) -> asio::awaitable<R> in a transaction: COMMIT when it returns,
  /// ROLLBACK when it throws, retried as a whole exactly as Pool::transaction.
  template <class F>
  auto transaction(F fn, TransactionOptions options = {}) -> std::invoke_result_t<F, AsyncTransaction&> {
    using R = typename std::invoke_result_t<F, AsyncTransaction&>::value_type;
    auto started = Clock::now();
    begin_request();
    for (int attempt = 1;; ++attempt) {
      bool commit_sent = false;
      std::exception_ptr failure;
      const std::uint64_t discards = read_only_discards();
      try {
        AsyncConnection conn = co_await acquire();
        co_await conn.execute(begin_statement(options));
        AsyncTransaction tx(conn);
        std::exception_ptr inner;
        std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> out;
        try {
          if constexpr (std::is_void_v<R>) {
            co_await fn(tx);
            out.emplace(true);
          } else {
            out.emplace(co_await fn(tx));
          }
        } catch (...) {
          inner = std::current_exception();
        }
        if (inner) {
          co_await rollback(conn);
          std::rethrow_exception(inner);
        }
        co_await commit(conn, commit_sent);
        if constexpr (std::is_void_v<R>)
          co_return;
        else
          co_return std::move(*out);
      } catch (...) {
        failure = std::current_exception();
      }
      Millis pause = retry_pause(failure, commit_sent, attempt, started, options, discards);  // rethrows when final
      co_await sleep(pause);
    }
  }

  Pool& pool() { return *pool_; }

  /// Run a statement whose parameters are already encoded (what query() does after encoding);
  /// idempotent: retried as query(idempotent, …) is.
  asio::awaitable<Result> run(bool idempotent, QueryOptions options, Sql sql, std::shared_ptr<Params> params);

 private:
  void begin_request();
  /// discards: the pool's read-only discards when the attempt began (a failover since then
  /// makes a 25006 worth a retry, as in Pool).
  Millis retry_pause(std::exception_ptr failure, bool commit_sent, int attempt, Clock::time_point started,
                     const TransactionOptions& options, std::uint64_t discards);
  std::uint64_t read_only_discards() const;
  static asio::awaitable<void> rollback(AsyncConnection& conn);
  static asio::awaitable<void> commit(AsyncConnection& conn, bool& commit_sent);
  static asio::awaitable<void> sleep(Millis pause);

  Pool* pool_;
};

}  // namespace pgkit
