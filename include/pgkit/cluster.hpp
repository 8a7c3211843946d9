#pragma once
/// @file cluster.hpp
/// A primary and its read replicas (PostgreSQL streaming replication): work declares its intent,
/// read-only work goes to a healthy replica, everything else to the primary.
///
/// Replicas come from `DATABASE_REPLICA_URL` (comma-separated URLs; see config.hpp). Each node has
/// its own Pool with the primary's settings. A monitor thread checks every replica each
/// `DB_REPLICA_CHECK_MS` (1 s) on a connection of its own: reachable, still a standby, and
/// replay lag within `DB_REPLICA_MAX_LAG_MS` (10 s) / `DB_REPLICA_MAX_LAG_BYTES`. A replica that
/// fails a check, or a read, leaves the rotation with a logged warning; its reads go to another
/// replica, else to the primary, and no error reaches the caller. It rejoins when a check passes.
///
/// @code
///   pgkit::Cluster db(pgkit::load_config().config);
///   auto feed = db.read("SELECT id, title FROM posts WHERE published ORDER BY created_at DESC LIMIT 20");
///   db.write({.caller = user_id}, "UPDATE users SET name = $1 WHERE id = $2", name, user_id);
///   auto me = db.read({.caller = user_id}, "SELECT name FROM users WHERE id = $1", user_id);  // sees it
///   db.transaction([&](pgkit::Transaction& tx) { … });                    // primary
///   db.transaction([&](pgkit::Transaction& tx) { … }, {.read_only = true});  // a replica
/// @endcode
///
/// @warning A read may run again on another node when the first one fails: read-only work is
/// safe to repeat, but effects of your own inside a read transaction's function are yours to guard.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgkit/config.hpp"
#include "pgkit/pipeline.hpp"
#include "pgkit/pool.hpp"

namespace pgkit {

/// Where work may run.
enum class Target {
  by_intent,  ///< read-only work on a healthy replica (else the primary); the rest on the primary
  primary,    ///< always the primary (e.g. a read that must see the latest write)
  replica,    ///< a replica only when one is healthy (else the primary); read-write work is an error
};

/// How to route one piece of work.
struct Route {
  Target target = Target::by_intent;
  /// Who is asking (a user or session id), for read-your-writes: after this caller writes, its
  /// reads go to the primary for DB_READ_YOUR_WRITES_MS. Empty: nobody in particular.
  std::string_view caller;
};

/// One node as the cluster last saw it (health endpoints, `pgkit doctor`, metrics).
struct NodeStatus {
  enum class Role { primary, replica };
  Role role = Role::primary;              ///< as configured
  std::string url;                        ///< masked
  bool reachable = false;                 ///< the last check or use succeeded
  bool in_recovery = false;               ///< the server is a standby (pg_is_in_recovery)
  bool in_rotation = false;               ///< replicas: takes reads now; the primary: always true
  std::optional<Millis> lag;              ///< replicas: replay lag behind the primary; 0 when caught up
  std::optional<std::int64_t> lag_bytes;  ///< replicas: WAL not yet replayed
  std::string reason;                     ///< why a replica is out of rotation; "" when in
  PoolStats pool;
  static const char* role_name(Role r) { return r == Role::primary ? "primary" : "replica"; }
};

/// A primary Pool and a Pool per replica, with routing by intent. Thread-safe.
class Cluster {
 public:
  /// Start a pool per node and, with replicas, the monitor. Never blocks; never throws for an
  /// unreachable node. @throws ConfigError for invalid pool settings.
  explicit Cluster(Config config, PoolHooks hooks = {}, RetryPolicy retry = {});
  /// close() with the default deadline.
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  /// The primary's pool: writes, and anything the cluster does not route.
  Pool& primary();
  std::size_t replica_count() const;

  /// A read-only statement on a healthy replica (round-robin), else on the primary inside
  /// BEGIN READ ONLY, so that it behaves alike wherever it runs. Moved to the next node when a
  /// node fails; errors of the statement itself are thrown as they are.
  template <class... Args>
  Result read(Sql sql, const Args&... args) {
    return read(Route{}, sql, args...);
  }
  template <class... Args>
  Result read(const Route& route, Sql sql, const Args&... args) {
    Params p(args...);
    return run_read(route, [&](Connection& c, bool enforce_read_only) {
      if (!enforce_read_only) return c.run(QueryOptions{}, sql, p);
      Pipeline batch;
      batch.add("BEGIN READ ONLY").add(sql, args...).add("COMMIT");
      return std::move(c.pipeline(batch).at(1));
    });
  }

  /// A statement on the primary (not retried: it may have run). With a caller, starts that
  /// caller's read-your-writes window.
  template <class... Args>
  Result write(Sql sql, const Args&... args) {
    return write(Route{}, sql, args...);
  }
  template <class... Args>
  Result write(const Route& route, Sql sql, const Args&... args) {
    Pool& pool = writer(route, sql.where);
    WroteOnExit mark{*this, route.caller};
    Params p(args...);
    return pool.acquire(sql.where)->run(QueryOptions{}, sql, p);
  }
  /// An idempotent write on the primary, retried on transient failures and across a failover.
  template <class... Args>
  Result write(Idempotent, const Route& route, Sql sql, const Args&... args) {
    Pool& pool = writer(route, sql.where);
    WroteOnExit mark{*this, route.caller};
    return pool.query(idempotent, sql, args...);
  }

  /// fn(Transaction&) in a transaction: read-only options go to a replica (see read()),
  /// read-write ones to the primary. A read-write transaction with Target::replica is a
  /// UsageError, never a silent redirect.
  template <class F>
  auto transaction(F&& fn, TransactionOptions options = {}, const Route& route = {})
      -> std::invoke_result_t<F, Transaction&> {
    using R = std::invoke_result_t<F, Transaction&>;
    if constexpr (std::is_void_v<R>) {
      run_in_transaction([&](Transaction& tx) { fn(tx); }, options, route);
    } else {
      std::optional<R> out;
      run_in_transaction([&](Transaction& tx) { out.emplace(fn(tx)); }, options, route);
      return std::move(*out);
    }
  }

  /// The pool read-only work would use now: the next replica in rotation, else the primary.
  /// For callers that run queries of their own on it (an AsyncPool view); when the work fails
  /// there, they should run it on primary(), as read() does.
  Pool& reader(const Route& route = {});

  /// Start caller's read-your-writes window now (a write made some other way).
  void wrote(std::string_view caller);

  /// Every node: the primary first, then the replicas in configuration order.
  std::vector<NodeStatus> nodes() const;
  /// Check every node now (the monitor does this every DB_REPLICA_CHECK_MS), then nodes().
  std::vector<NodeStatus> check_now();

  /// Close the monitor and every pool (see Pool::close). Idempotent.
  void close(Millis deadline = Millis{30'000});

 private:
  struct Impl;
  /// Starts the caller's read-your-writes window when the write ends, committed or failed (an
  /// outcome may be unknown): a window started before a slow write could end before its commit.
  struct WroteOnExit {
    Cluster& cluster;
    std::string_view caller;
    ~WroteOnExit() { cluster.wrote(caller); }
  };
  using ReadFn = std::function<Result(Connection&, bool enforce_read_only)>;
  Result run_read(const Route& route, const ReadFn& fn);
  /// Runs work on a replica in rotation, the next in turn first, moving on when one fails;
  /// false when none is in rotation (or the route wants the primary).
  bool try_replicas(const Route& route, const std::function<void(Connection&)>& work, const char* what);
  Pool& writer(const Route& route, std::source_location where);
  void run_in_transaction(const std::function<void(Transaction&)>& fn, const TransactionOptions& options,
                          const Route& route);
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgkit
