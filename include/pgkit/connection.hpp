#pragma once
/// @file connection.hpp
/// One PostgreSQL connection: parameterized queries through a per-connection cache of named
/// prepared statements, bounded waits, and real server-side cancellation on timeout.
///
/// Most programs take connections from a Pool rather than making their own.
///
/// @code
///   pgkit::Connection conn(config);
///   auto n = conn.query("SELECT count(*) FROM users WHERE role = $1", "ADMIN").scalar<std::int64_t>();
///   conn.query({.timeout = 100ms}, "SELECT pg_sleep(10)");   // throws pgkit::Timeout; the server stops it
/// @endcode

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgkit/config.hpp"
#include "pgkit/params.hpp"
#include "pgkit/pipeline.hpp"
#include "pgkit/result.hpp"

struct pg_conn;  // libpq's PGconn, kept out of pgkit's public headers

namespace pgkit {

using Clock = std::chrono::steady_clock;

/// Per-call options.
struct QueryOptions {
  /// Give up after this long: the query is cancelled on the server (not just abandoned) and
  /// Timeout is thrown; the connection stays usable. Default: no client-side deadline.
  std::optional<Millis> timeout;
  /// Use the per-connection cache of named prepared statements (one Parse per connection and
  /// SQL text). Off: an unnamed statement each call. Default on. Has no effect while the
  /// connection has named statements off (Connection::named_statements()).
  bool prepare = true;
};

/// PostgreSQL's view of the connection's transaction (PQtransactionStatus).
enum class TxStatus { idle, active, in_transaction, failed, unknown };

/// An open connection. Not thread-safe: one thread (or a pool lease) at a time.
class Connection {
 public:
  /// Connect within config.pool.connect_timeout, then make the session readable by pgkit
  /// (DateStyle ISO). @throws CannotConnect, AuthenticationFailed, TooManyConnections
  explicit Connection(const Config& config);
  /// Connect with an explicit deadline (the pool passes min(connect, acquire) deadlines).
  Connection(const Config& config, Clock::time_point deadline);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Run a statement with parameters $1…$n. @throws a pgkit::Error subtype by SQLSTATE
  template <class... Args>
  Result query(Sql sql, const Args&... args) {
    Params p(args...);
    return run(QueryOptions{}, sql, p);
  }
  template <class... Args>
  Result query(const QueryOptions& options, Sql sql, const Args&... args) {
    Params p(args...);
    return run(options, sql, p);
  }
  /// Run a statement with an already-built parameter list.
  Result run(const QueryOptions& options, Sql sql, const Params& params);
  /// Run SQL text without parameters through the simple protocol: several statements allowed
  /// (DDL, scripts, BEGIN/COMMIT). Returns the last statement's result.
  Result execute(Sql sql, const QueryOptions& options = {});

  /// Send every statement of batch in one round trip and return their results in order.
  /// All or nothing: see pipeline.hpp. @throws the failing statement's error, with pipeline_index()
  std::vector<Result> pipeline(const Pipeline& batch, const QueryOptions& options = {});

  /// A round trip (an empty query) within timeout. False when the connection is dead; one that
  /// does not answer in time is closed (no cancel: its verdict comes within timeout).
  bool ping(Millis timeout) noexcept;
  /// ping() on every connection at once: one wait of at most timeout for all of them, however
  /// many are dead. alive[i] is connections[i]'s verdict; those that did not answer are closed.
  static std::vector<bool> ping_all(const std::vector<Connection*>& connections, Millis timeout) noexcept;
  /// Ask the server to cancel whatever this connection is running. Thread-safe.
  bool cancel() noexcept;

  TxStatus transaction_status() const noexcept;
  /// True once the connection has failed or was closed: never reuse it.
  bool broken() const noexcept;
  /// Close now (sends Terminate). Idempotent.
  void close() noexcept;
  /// Forget cached prepared statements (after DISCARD ALL, or through a transaction pooler).
  void clear_statement_cache() noexcept;
  /// How many prepared statements the cache holds.
  std::size_t cached_statements() const noexcept;
  /// Whether statements may be named prepared statements (QueryOptions::prepare is obeyed).
  /// False from the start with pgbouncer=true (DATABASE_URL) or DB_PGBOUNCER=true, and for good
  /// once a pooler showed that it does not keep them between transactions (26000 or 42P05 on a
  /// pgkit statement, 08P01): every statement is unnamed then (Parse, Bind, Execute and Sync in
  /// one round trip), which any pooler in transaction mode passes through. See docs/pgbouncer.md.
  bool named_statements() const noexcept;
  /// Turn named prepared statements on or off; off forgets the cache. A pool can start its new
  /// connections unnamed once one of them switched.
  void use_named_statements(bool on) noexcept;

  int backend_pid() const noexcept;
  /// e.g. 150018 for 15.18.
  int server_version() const noexcept;
  /// A parameter the server reports (server_version, TimeZone, DateStyle, …); "" if unknown.
  std::string parameter_status(const char* name) const;
  /// TLS in use, its protocol version and cipher ("" without TLS).
  bool ssl_in_use() const noexcept;
  std::string ssl_attribute(const char* name) const;
  /// The masked URL this connection was made from.
  const std::string& display_url() const noexcept;
  /// libpq's PGconn, for features pgkit does not wrap. Do not close it.
  pg_conn* native_handle() const noexcept;

 private:
  struct Impl;                     // libpq's connection, the statement cache, settings
  friend struct ConnectionAccess;  // how the library reaches Impl; not installed
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgkit
