#pragma once
// libpq's side of connecting and of running one statement, without any waiting. A driver — the
// blocking one (poll) in connection.cpp, or the Asio one in src/async — waits for what an
// operation wants and calls resume(). The protocol rules (prepare once, collect every result,
// cancel on the server at the deadline, notice a lost connection) live here once for both.
#include <libpq-fe.h>

#include <memory>
#include <optional>

#include "pgkit/connection.hpp"
#include "pgkit/error.hpp"

namespace pgkit::detail {

/// What an operation waits for. read_or_write: libpq holds unsent bytes — wait for either, since
/// a server blocked on sending us results stops reading until we read (libpq's flush rule).
enum class Want { read, write, read_or_write, done };

/// How a cancel request reaches the server: inline (blocking drivers), or from a short-lived
/// thread (io threads must not wait for the TCP handshake PQcancel makes).
enum class CancelMode { inline_call, background_thread };

/// What QueryOp and PipelineOp share: flushing what libpq holds, reading what arrived.
class SendReceiveOp {
 protected:
  explicit SendReceiveOp(Connection& conn);
  virtual ~SendReceiveOp() = default;
  /// After sending: Want::read_or_write while libpq still holds unsent bytes, else Want::read.
  Want flush(const char* what);
  /// The socket is ready: read what arrived, flush the rest. Want::read_or_write while still
  /// flushing; nullopt when results may be collected.
  std::optional<Want> pump(const char* what);
  [[noreturn]] virtual void fail_lost(const char* what) = 0;

  Connection& conn_;
  PGconn* pg_;
};

class QueryOp : SendReceiveOp {
 public:
  /// params == nullptr: the simple protocol (several statements, no parameters).
  QueryOp(Connection& conn, Sql sql, const Params* params, bool prepare);

  /// Send what starts the operation.
  Want start();
  /// The socket is ready for what was wanted: move on.
  Want resume();
  /// The deadline passed. First time: ask the server to cancel and return how long to wait for
  /// its answer. Second time (no answer): close the connection and throw Timeout.
  Millis deadline_passed(CancelMode mode);
  /// The result, or the error the server or the link reported, as its pgkit type.
  Result finish();

  /// A cached plan gone stale (0A000 after DDL) that did not run: the caller may run the
  /// operation once more, from a fresh QueryOp. (26000, after DISCARD ALL or through a
  /// transaction pooler, is after_named_failure's.)
  static bool is_stale_statement(const Error& e);

 private:
  Want send_execute();
  Want collect();
  [[noreturn]] void fail_lost(const char* what) override;

  Sql sql_;
  const Params* params_;
  bool prepare_;
  std::string key_;          // SQL text: the statement cache's key
  std::string name_;         // statement name while preparing
  bool preparing_ = false;
  bool cancelled_ = false;
  Clock::time_point started_;
  Result last_;
  std::optional<ErrorFields> error_;
};

class PipelineOp : SendReceiveOp {
 public:
  /// named: statements through the connection's cache of named statements; else each unnamed.
  PipelineOp(Connection& conn, const Pipeline& batch, bool named);
  Want start();
  Want resume();
  Millis deadline_passed(CancelMode mode);
  std::vector<Result> finish();

 private:
  // What each group of results (ended by a NULL from PQgetResult) answers.
  struct Step {
    std::size_t item;
    bool prepare;  // the Parse of a statement not cached yet
    std::string key, name;
  };
  Want collect();
  [[noreturn]] void fail_lost(const char* what) override;

  const Pipeline& batch_;
  bool named_;
  std::vector<Step> steps_;
  std::size_t step_ = 0;
  bool synced_ = false;
  bool cancelled_ = false;
  Clock::time_point started_;
  std::vector<Result> results_;
  std::optional<ErrorFields> error_;
};

class ConnectOp {
 public:
  ConnectOp(Connection& conn, const Config& config);
  Want start();
  Want resume();
  /// The deadline passed: close and throw CannotConnect.
  [[noreturn]] void deadline_passed();
  /// Finish the session setup that needs no round trip; true when a DateStyle fix is needed.
  bool needs_datestyle() const;

 private:
  [[noreturn]] void fail(std::string message);
  Want want_of(PostgresPollingStatusType st);

  Connection& conn_;
  const Config& config_;
  Clock::time_point started_ = Clock::now();
};

/// Connection's private parts that operations and drivers use.
struct ConnectionAccess {
  static std::unique_ptr<Connection> make_unconnected(const Config& config) {
    return std::unique_ptr<Connection>(new Connection(config, Connection::Deferred{}));
  }
  static PGconn*& pg(Connection& c) { return c.conn_; }
  static bool& broken(Connection& c) { return c.broken_; }
  static std::unordered_map<std::string, std::string>& statements(Connection& c) { return c.statements_; }
  /// The next statement name, "pgkit_<connection's random part>_<n>".
  static std::string next_statement_name(Connection& c);
  /// The names' per-connection part (tests make two connections collide with it).
  static std::string& statement_prefix(Connection& c) { return c.statement_prefix_; }
  static Millis cancel_grace(const Connection& c) { return c.cancel_grace_; }
  static std::shared_ptr<void>& driver_state(Connection& c) { return c.driver_state_; }
  static void log_query(const Connection& c, Sql sql, Clock::time_point started) { c.log_query(sql, started); }
};

/// What to do after a statement run with named prepared statements failed (and did not run).
enum class Rerun { no, named, unnamed };

/// Decides, and updates conn. A pooler that does not keep named statements between transactions
/// (26000 or 42P05 about a pgkit statement, 08P01) turns them off on conn for good — logged once
/// per process — and the statement may run again unnamed. A cached plan gone stale (0A000 after
/// DDL) is forgotten and may be prepared again (cache_key: the statement's SQL; nullptr for a
/// pipeline). Never a rerun on a broken connection, nor inside a transaction, which the error has
/// aborted: the caller retries the whole transaction.
Rerun after_named_failure(Connection& conn, const Error& e, const std::string* cache_key);
/// Whether batch may run again after e: nothing before the failing statement commits by itself.
bool rerun_is_safe(const Pipeline& batch, const Error& e);

/// After a cancel that did not end in 57014, mark conn unusable (the cancel may still arrive).
void retire_if_cancel_pending(Connection& conn, bool cancelled, const std::optional<ErrorFields>& error);

/// Ask the server to stop what conn runs (PQcancel), inline or from a short-lived thread.
bool send_cancel(PGconn* pg, CancelMode mode) noexcept;

/// Close conn now (it is unusable from here on) and cancel what it runs, from a short-lived
/// thread that closes libpq's connection only once the cancel request was delivered: a pooler
/// (PgBouncer) finds the server connection to cancel through our client connection, and drops
/// the request when that connection is already gone.
void cancel_then_close(Connection& conn) noexcept;

}  // namespace pgkit::detail
