// A libpq connection driven through PQsend*/poll so that every wait has a deadline and a
// timed-out query is cancelled on the server rather than abandoned.
#include "pgkit/connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "connection/result_data.hpp"
#include "pgkit/error.hpp"
#include "pgkit/log.hpp"

namespace pgkit {
namespace {

// Cached statements per connection; past this the cache is dropped whole (DEALLOCATE ALL),
// which bounds server memory for programs that build SQL dynamically.
constexpr std::size_t kStatementCacheMax = 1024;

std::string trimmed(const char* s) {
  std::string out = s ? s : "";
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

bool contains(const std::string& s, const char* needle) { return s.find(needle) != std::string::npos; }

// libpq gives no SQLSTATE for a failed connection attempt, only text: map the cases callers
// act on (credentials, capacity, a server not ready) so retry rules can see them.
std::string connect_sqlstate(const std::string& msg) {
  if (contains(msg, "password authentication failed") || contains(msg, "no password supplied") ||
      contains(msg, "authentication failed"))
    return "28P01";
  if (contains(msg, "role \"") && contains(msg, "does not exist")) return "28000";
  if (contains(msg, "database \"") && contains(msg, "does not exist")) return "3D000";
  if (contains(msg, "too many clients") || contains(msg, "remaining connection slots")) return "53300";
  if (contains(msg, "starting up") || contains(msg, "shutting down") || contains(msg, "in recovery mode") ||
      contains(msg, "not yet accepting"))
    return "57P03";
  return "08001";
}

std::string connect_hint(const std::string& sqlstate) {
  if (sqlstate == "28P01" || sqlstate == "28000")
    return "check the user name and password in DATABASE_URL (or DB_USER/DB_PASSWORD); passwords with special "
           "characters must be percent-encoded in a URL";
  if (sqlstate == "3D000") return "create the database, or fix the database name at the end of DATABASE_URL";
  if (sqlstate == "53300")
    return "the server's max_connections is used up: lower DB_POOL_MAX, count instances × pool max, or put "
           "PgBouncer in front";
  if (sqlstate == "57P03") return "the server is starting or shutting down; pgkit retries connecting";
  return "check that PostgreSQL is running (pg_isready -h HOST -p PORT), that host and port in DATABASE_URL are "
         "right, and firewall rules; raise DB_CONNECTION_TIMEOUT_MS for a slow network";
}

// Waits for the socket; false when the deadline passed first.
bool wait_socket(int fd, bool for_write, std::optional<Clock::time_point> deadline) {
  pollfd p{fd, static_cast<short>(for_write ? POLLOUT : POLLIN), 0};
  for (;;) {
    int ms = -1;
    if (deadline) {
      auto left = std::chrono::ceil<Millis>(*deadline - Clock::now()).count();
      if (left <= 0) return false;
      ms = static_cast<int>(std::min<long long>(left, 1 << 30));
    }
    int rc = ::poll(&p, 1, ms);
    if (rc > 0) return true;
    if (rc == 0) return false;
    if (errno != EINTR) return true;  // let libpq report the socket's error
  }
}

ErrorFields fields_of(const PGresult* r, Sql sql) {
  auto f = [r](int code) { const char* v = PQresultErrorField(r, code); return std::string(v ? v : ""); };
  ErrorFields e{.sqlstate = f(PG_DIAG_SQLSTATE),
                .message = f(PG_DIAG_MESSAGE_PRIMARY),
                .detail = f(PG_DIAG_MESSAGE_DETAIL),
                .hint = f(PG_DIAG_MESSAGE_HINT),
                .statement = std::string(sql.text),
                .constraint = f(PG_DIAG_CONSTRAINT_NAME)};
  if (e.message.empty()) e.message = trimmed(PQresultErrorMessage(r));
  auto pos = f(PG_DIAG_STATEMENT_POSITION);
  if (!pos.empty()) e.position = std::atoi(pos.c_str());
  return e;
}

}  // namespace

Connection::Connection(const Config& config)
    : Connection(config, Clock::now() + config.pool.connect_timeout) {}

Connection::Connection(const Config& config, Clock::time_point deadline)
    : display_url_(config.masked()),
      slow_query_(config.pool.slow_query),
      log_queries_(config.pool.log_queries),
      cancel_grace_(std::max<Millis>(config.pool.connect_timeout, Millis{1000})) {
  connect(config, deadline);
}

Connection::~Connection() { close(); }

void Connection::connect(const Config& config, Clock::time_point deadline) {
  auto fail = [&](std::string msg) {
    std::string state = connect_sqlstate(msg);
    close();
    ErrorFields f{.sqlstate = state,
                  .message = fmt::format("cannot connect to {}: {}", display_url_, msg),
                  .hint = connect_hint(state)};
    if (state == "28P01" || state == "28000") throw AuthenticationFailed(std::move(f), {});
    if (state == "53300") throw TooManyConnections(std::move(f), {});
    throw CannotConnect(std::move(f), {});
  };
  conn_ = PQconnectStart(config.conninfo().c_str());
  if (!conn_) throw CannotConnect({.sqlstate = "08001", .message = "libpq could not allocate a connection"}, {});
  if (PQstatus(conn_) == CONNECTION_BAD) fail(trimmed(PQerrorMessage(conn_)));
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK) {
    if (st == PGRES_POLLING_FAILED) fail(trimmed(PQerrorMessage(conn_)));
    // libpq may move to another socket (next host, SSL retry): ask for it every round.
    if (!wait_socket(PQsocket(conn_), st == PGRES_POLLING_WRITING, deadline)) {
      auto ms = std::chrono::duration_cast<Millis>(config.pool.connect_timeout).count();
      fail(fmt::format("timed out after {} ms (DB_CONNECTION_TIMEOUT_MS)", ms));
    }
    st = PQconnectPoll(conn_);
  }
  // Timestamps are parsed from DateStyle ISO output; a server configured otherwise is told.
  if (parameter_status("DateStyle").rfind("ISO", 0) != 0) execute("SET DateStyle TO ISO");
}

void Connection::close() noexcept {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  broken_ = true;
  statements_.clear();
}

bool Connection::broken() const noexcept { return broken_ || !conn_ || PQstatus(conn_) != CONNECTION_OK; }

TxStatus Connection::transaction_status() const noexcept {
  if (!conn_) return TxStatus::unknown;
  switch (PQtransactionStatus(conn_)) {
    case PQTRANS_IDLE: return TxStatus::idle;
    case PQTRANS_ACTIVE: return TxStatus::active;
    case PQTRANS_INTRANS: return TxStatus::in_transaction;
    case PQTRANS_INERROR: return TxStatus::failed;
    default: return TxStatus::unknown;
  }
}

int Connection::backend_pid() const noexcept { return conn_ ? PQbackendPID(conn_) : 0; }
int Connection::server_version() const noexcept { return conn_ ? PQserverVersion(conn_) : 0; }
std::string Connection::parameter_status(const char* name) const {
  const char* v = conn_ ? PQparameterStatus(conn_, name) : nullptr;
  return v ? v : "";
}
bool Connection::ssl_in_use() const noexcept { return conn_ && PQsslInUse(conn_); }
std::string Connection::ssl_attribute(const char* name) const {
  const char* v = conn_ ? PQsslAttribute(conn_, name) : nullptr;
  return v ? v : "";
}

void Connection::clear_statement_cache() noexcept { statements_.clear(); }

bool Connection::cancel() noexcept {
  if (!conn_) return false;
  PGcancel* c = PQgetCancel(conn_);
  if (!c) return false;
  char err[256];
  bool ok = PQcancel(c, err, sizeof err) == 1;
  PQfreeCancel(c);
  return ok;
}

bool Connection::ping(Millis timeout) noexcept {
  try {
    execute("", QueryOptions{.timeout = timeout});
    return true;
  } catch (...) {
    return false;
  }
}

void Connection::fail_lost(Sql sql, const char* what) {
  std::string msg = trimmed(PQerrorMessage(conn_));
  broken_ = true;
  throw ConnectionLost({.sqlstate = "08006",
                        .message = fmt::format("connection to {} lost while {}: {}", display_url_, what,
                                               msg.empty() ? "the server closed it" : msg),
                        .hint = "the server restarted, a proxy or the provider dropped an idle connection, or the "
                                "network failed; the statement's outcome is unknown",
                        .statement = std::string(sql.text)},
                       sql.where);
}

Result Connection::run(const QueryOptions& options, Sql sql, const Params& params) {
  try {
    return run_once(options, sql, params);
  } catch (const Error& e) {
    // After DDL a cached plan can change its result type (0A000), or a DISCARD ALL may have
    // dropped our statements (26000): the statement did not run, so prepare again once.
    // Inside a transaction the error has already aborted it; the caller must retry the whole.
    bool stale = e.sqlstate() == "26000" ||
                 (e.sqlstate() == "0A000" && e.message().find("cached plan") != std::string::npos);
    if (!stale || !options.prepare || broken()) throw;
    statements_.erase(std::string(sql.text));
    if (transaction_status() != TxStatus::idle) throw;
    return run_once(options, sql, params);
  }
}

Result Connection::run_once(const QueryOptions& options, Sql sql, const Params& params) {
  if (broken()) throw ConnectionLost({.sqlstate = "08003", .message = "the connection is closed or broken",
                                      .statement = std::string(sql.text)}, sql.where);
  auto started = Clock::now();
  std::optional<Clock::time_point> deadline;
  if (options.timeout) deadline = started + *options.timeout;
  int ok;
  if (options.prepare) {
    const std::string& name = prepared_name(sql, params, deadline);
    ok = PQsendQueryPrepared(conn_, name.c_str(), params.size(), params.values(), params.lengths(),
                             params.formats(), 0);
  } else {
    ok = PQsendQueryParams(conn_, std::string(sql.text).c_str(), params.size(), params.types(), params.values(),
                           params.lengths(), params.formats(), 0);
  }
  if (!ok) fail_lost(sql, "sending a query");
  Result r = collect(sql, deadline);
  log_query(sql, started);
  return r;
}

Result Connection::execute(Sql sql, const QueryOptions& options) {
  if (broken()) throw ConnectionLost({.sqlstate = "08003", .message = "the connection is closed or broken",
                                      .statement = std::string(sql.text)}, sql.where);
  auto started = Clock::now();
  std::optional<Clock::time_point> deadline;
  if (options.timeout) deadline = started + *options.timeout;
  if (!PQsendQuery(conn_, std::string(sql.text).c_str())) fail_lost(sql, "sending a query");
  Result r = collect(sql, deadline);
  log_query(sql, started);
  return r;
}

const std::string& Connection::prepared_name(Sql sql, const Params& params,
                                             std::optional<Clock::time_point> deadline) {
  std::string key(sql.text);
  if (auto it = statements_.find(key); it != statements_.end()) return it->second;
  if (statements_.size() >= kStatementCacheMax) {
    execute("DEALLOCATE ALL");
    statements_.clear();
  }
  std::string name = fmt::format("pgkit_{}", next_statement_++);
  if (!PQsendPrepare(conn_, name.c_str(), key.c_str(), params.size(), params.types())) fail_lost(sql, "preparing");
  collect(sql, deadline);
  return statements_.emplace(std::move(key), std::move(name)).first->second;
}

void Connection::wait_readable(Sql sql, std::optional<Clock::time_point>& deadline, bool& cancelled) {
  while (PQisBusy(conn_)) {
    if (!wait_socket(PQsocket(conn_), false, deadline)) {
      if (cancelled) {
        // The server did not even answer the cancel: the link is gone or the server is stuck.
        close();
        throw Timeout({.sqlstate = "57014",
                       .message = fmt::format("query still running {} ms after its deadline and the cancel; the "
                                              "connection was closed", cancel_grace_.count()),
                       .statement = std::string(sql.text)},
                      sql.where);
      }
      cancelled = true;
      cancel();
      deadline = Clock::now() + cancel_grace_;
    }
    if (!PQconsumeInput(conn_)) fail_lost(sql, "waiting for a result");
  }
}

Result Connection::collect(Sql sql, std::optional<Clock::time_point> deadline) {
  auto started = Clock::now();
  bool cancelled = false;
  Result last;
  std::optional<ErrorFields> error;
  for (;;) {
    wait_readable(sql, deadline, cancelled);
    PGresult* r = PQgetResult(conn_);
    if (!r) break;
    switch (PQresultStatus(r)) {
      case PGRES_FATAL_ERROR:
        if (!error) error = fields_of(r, sql);
        PQclear(r);
        break;
      case PGRES_COPY_IN:
      case PGRES_COPY_OUT:
      case PGRES_COPY_BOTH:
        PQclear(r);
        close();
        throw UsageError({.message = "COPY is not supported through query(); the connection was closed",
                          .statement = std::string(sql.text)}, sql.where);
      default:
        last = detail::make_result(r);
    }
    if (PQstatus(conn_) == CONNECTION_BAD) break;
  }
  if (PQstatus(conn_) == CONNECTION_BAD) {
    broken_ = true;
    if (error && !error->sqlstate.empty() && is_connection_error(error->sqlstate)) throw_error(*error, sql.where);
    fail_lost(sql, "waiting for a result");
  }
  if (error) {
    if (cancelled && error->sqlstate == "57014") {
      error->message = fmt::format("query cancelled on the server after its {} ms deadline",
                                   std::chrono::duration_cast<Millis>(Clock::now() - started).count());
    }
    throw_error(std::move(*error), sql.where);
  }
  return last;
}

void Connection::log_query(Sql sql, Clock::time_point started) const {
  if (!log_queries_ && slow_query_.count() <= 0) return;
  auto ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  // Only the statement text is logged: parameters may hold personal data or secrets.
  if (slow_query_.count() > 0 && ms >= static_cast<double>(slow_query_.count()))
    log().warn("slow query ({:.1f} ms, over DB_SLOW_QUERY_MS={}): {}", ms, slow_query_.count(), sql.text);
  else if (log_queries_)
    log().info("query ({:.3f} ms): {}", ms, sql.text);
}

}  // namespace pgkit
