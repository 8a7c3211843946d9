#include "connection/operation.hpp"

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "connection/result_data.hpp"
#include "pgkit/log.hpp"

namespace pgkit::detail {
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

ErrorFields fields_of(const PGresult* r, Sql sql) {
  auto f = [r](int code) {
    const char* v = PQresultErrorField(r, code);
    return std::string(v ? v : "");
  };
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

// libpq gives no SQLSTATE for a failed connection attempt, only text: map the cases callers
// act on (credentials, capacity, a server not ready) so retry rules can see them.
std::string connect_sqlstate(const std::string& msg) {
  if (contains(msg, "password authentication failed") || contains(msg, "no password supplied") ||
      contains(msg, "authentication failed"))
    return "28P01";
  if (contains(msg, "role \"") && contains(msg, "does not exist")) return "28000";
  // TLS refusals will not go away by trying again: the server failed to prove who it is (or
  // cannot speak TLS at all). Not class 08, so the pool does not retry them to its deadline.
  if (contains(msg, "certificate verify failed") || contains(msg, "does not match host name") ||
      contains(msg, "root certificate file") || contains(msg, "server does not support SSL") ||
      contains(msg, "certificate present, but not private key"))
    return "28000";
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

// The file name libpq quotes after `what` (`root certificate file "/x" does not exist`), or "".
std::string quoted_after(const std::string& msg, const std::string& what) {
  auto start = msg.find(what + " \"");
  if (start == std::string::npos) return "";
  start += what.size() + 2;
  auto end = msg.find('"', start);
  return end == std::string::npos ? "" : msg.substr(start, end - start);
}

// TLS refusals: libpq names the symptom; say what to change. "" when msg is not one of them.
std::string tls_hint(const std::string& msg, const Config& config) {
  auto param = [&](const char* keyword) {
    auto it = config.params.find(keyword);
    return it == config.params.end() ? std::string() : it->second;
  };
  if (contains(msg, "certificate verify failed")) {
    std::string root = param("sslrootcert");
    if (root.empty()) {
      const char* env = std::getenv("PGSSLROOTCERT");
      root = env && *env ? env : "not set, so libpq's default ~/.postgresql/root.crt";
    }
    return fmt::format("the server's certificate is not signed by the CA in sslrootcert ({}): point sslrootcert "
                       "at the CA that signed it (for a managed database, the provider's CA bundle); an expired "
                       "certificate is refused the same way",
                       root);
  }
  if (std::string host = quoted_after(msg, "does not match host name"); !host.empty()) {
    bool address = host.find_first_not_of("0123456789.") == std::string::npos || contains(host, ":");
    return fmt::format("connect with a host name the certificate names, or reissue the certificate with this name "
                       "in subjectAltName ({}:{})",
                       address ? "IP" : "DNS", host);
  }
  if (std::string file = quoted_after(msg, "root certificate file"); !file.empty())
    return fmt::format("sslmode={} checks the server's certificate against a CA certificate, and {} {}: set "
                       "sslrootcert to the PEM file of the CA that signed the server's certificate",
                       param("sslmode").empty() ? "verify-ca/verify-full" : param("sslmode"), file,
                       contains(msg, "does not exist") ? "does not exist" : "could not be read");
  if (contains(msg, "server does not support SSL"))
    return "the server has TLS off: turn it on (ssl = on with ssl_cert_file and ssl_key_file), or lower sslmode "
           "only on a network you trust";
  if (contains(msg, "certificate present, but not private key"))
    return "sslcert is the client certificate and needs its key in sslkey; a CA file (Prisma's sslcert) belongs "
           "in sslrootcert";
  return "";
}

}  // namespace

namespace {
// Cancel requests in flight on threads of their own, across the process.
struct CancelThreads {
  static constexpr int kMax = 64;
  static inline std::atomic<int> live{0};
  static bool enter() noexcept {
    if (live.fetch_add(1, std::memory_order_relaxed) < kMax) return true;
    live.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  static void leave() noexcept { live.fetch_sub(1, std::memory_order_relaxed); }
};
}  // namespace

bool send_cancel(PGconn* pg, CancelMode mode) noexcept {
  if (!pg) return false;
  PGcancel* c = PQgetCancel(pg);
  if (!c) return false;
  auto run = [c] {
    char err[256];
    bool ok = PQcancel(c, err, sizeof err) == 1;
    PQfreeCancel(c);
    return ok;
  };
  if (mode == CancelMode::inline_call) return run();
  // On a link that drops packets each thread waits out the kernel's TCP timeout: cap them, and
  // past the cap leave the query to its grace period (the caller then closes the connection).
  if (!CancelThreads::enter()) {
    PQfreeCancel(c);
    return false;
  }
  try {
    std::thread([run] {
      run();
      CancelThreads::leave();
    }).detach();  // PQcancel connects and waits: never on an io thread
    return true;
  } catch (...) {
    CancelThreads::leave();
    PQfreeCancel(c);
    return false;
  }
}

void cancel_then_close(Connection& conn) noexcept {
  PGconn* pg = ConnectionAccess::pg(conn);
  ConnectionAccess::driver_state(conn).reset();  // the Asio watcher lets go of its copy of the socket
  ConnectionAccess::pg(conn) = nullptr;          // libpq's connection is the thread's now
  conn.close();                                  // broken, statements forgotten
  if (!pg) return;
  PGcancel* c = PQgetCancel(pg);
  auto run = [pg, c] {
    if (c) {
      char err[256];
      PQcancel(c, err, sizeof err);  // returns once the server (or pooler) has the request
      PQfreeCancel(c);
    }
    PQfinish(pg);
  };
  if (CancelThreads::enter()) {
    try {
      std::thread([run] {
        run();
        CancelThreads::leave();
      }).detach();  // PQcancel connects and waits: never on an io thread
      return;
    } catch (...) {
      CancelThreads::leave();
    }
  }
  if (c) PQfreeCancel(c);
  PQfinish(pg);  // no thread to spare: close without the cancel rather than block
}

// --- SendReceiveOp ---

SendReceiveOp::SendReceiveOp(Connection& conn) : conn_(conn), pg_(ConnectionAccess::pg(conn)) {}

Want SendReceiveOp::flush(const char* what) {
  int f = PQflush(pg_);
  if (f < 0) fail_lost(what);
  return f == 1 ? Want::read_or_write : Want::read;
}

std::optional<Want> SendReceiveOp::pump(const char* what) {
  if (!PQconsumeInput(pg_)) fail_lost(what);
  if (flush(what) == Want::read_or_write) return Want::read_or_write;
  return std::nullopt;
}

// --- QueryOp ---

QueryOp::QueryOp(Connection& conn, Sql sql, const Params* params, bool prepare)
    : SendReceiveOp(conn), sql_(sql), params_(params), prepare_(prepare && params) {}

bool QueryOp::is_stale_statement(const Error& e) {
  return e.sqlstate() == "0A000" && e.message().find("cached plan") != std::string::npos;
}

namespace {

// A named statement failed in the way a pooler in transaction mode makes it fail: the Bind
// reached a server connection that never saw the Parse (26000), another client's Parse of the
// same name came first (42P05), or the pooler refused the protocol (08P01).
bool is_pooler_statement_error(const Error& e) {
  const std::string& state = e.sqlstate();
  // About one of our statements, not a PREPARE/EXECUTE/DEALLOCATE of the caller's own SQL.
  if (state == "26000" || state == "42P05") return e.message().find("pgkit_") != std::string::npos;
  // "bind message supplies 1 parameters, but prepared statement … requires 2" is the caller's
  // parameter count, which an unnamed statement would not fix.
  if (state == "08P01") return e.message().find("bind message supplies") == std::string::npos;
  return false;
}

}  // namespace

bool rerun_is_safe(const Pipeline& batch, const Error& e) {
  // The batch is one implicit transaction, unless it commits inside itself: then what came
  // before the failing statement may have committed, and must not run twice.
  const int failed = e.pipeline_index();
  if (failed < 0) return false;
  for (int i = 0; i < failed && i < static_cast<int>(batch.items().size()); ++i) {
    std::string head;
    for (char ch : batch.items()[i].sql) {
      if (std::isspace(static_cast<unsigned char>(ch)) && head.empty()) continue;
      if (!std::isalpha(static_cast<unsigned char>(ch))) break;
      head += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    for (const char* control : {"BEGIN", "START", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE", "PREPARE"})
      if (head == control) return false;
  }
  return true;
}

Rerun after_named_failure(Connection& conn, const Error& e, const std::string* cache_key) {
  // A protocol violation on a connection that broke is the link failing, not a pooler's.
  if (is_pooler_statement_error(e) && !(e.sqlstate() == "08P01" && conn.broken())) {
    bool first = conn.named_statements();
    conn.use_named_statements(false);
    static std::atomic<bool> warned{false};
    if (first && !warned.exchange(true))
      log().warn("named prepared statements are not kept by a pooler between transactions (SQLSTATE {}): "
                 "switched to unnamed statements; set pgbouncer=true in DATABASE_URL to start that way",
                 e.sqlstate());
    else if (first)
      log().debug("{}: named prepared statements off after SQLSTATE {}", conn.display_url(), e.sqlstate());
    return conn.broken() || conn.transaction_status() != TxStatus::idle ? Rerun::no : Rerun::unnamed;
  }
  if (cache_key && QueryOp::is_stale_statement(e) && !conn.broken()) {
    ConnectionAccess::statements(conn).erase(*cache_key);
    return conn.transaction_status() == TxStatus::idle ? Rerun::named : Rerun::no;
  }
  return Rerun::no;
}

std::string ConnectionAccess::next_statement_name(Connection& c) {
  return fmt::format("{}{}", c.statement_prefix_, c.next_statement_++);
}

void QueryOp::fail_lost(const char* what) {
  std::string msg = trimmed(PQerrorMessage(pg_));
  ConnectionAccess::broken(conn_) = true;
  throw ConnectionLost({.sqlstate = "08006",
                        .message = fmt::format("connection to {} lost while {}: {}", conn_.display_url(), what,
                                               msg.empty() ? "the server closed it" : msg),
                        .hint = "the server restarted, a proxy or the provider dropped an idle connection, or the "
                                "network failed; the statement's outcome is unknown",
                        .statement = std::string(sql_.text)},
                       sql_.where);
}

Want QueryOp::start() {
  if (conn_.broken())
    throw ConnectionLost({.sqlstate = "08003", .message = "the connection is closed or broken",
                          .statement = std::string(sql_.text)}, sql_.where);
  started_ = Clock::now();
  if (!params_) {
    if (!PQsendQuery(pg_, std::string(sql_.text).c_str())) fail_lost("sending a query");
    return flush("sending a query");
  }
  if (prepare_) {
    auto& cache = ConnectionAccess::statements(conn_);
    key_.assign(sql_.text);
    if (cache.find(key_) == cache.end()) {
      // Over the bound, forget every statement: both sides, in one message before the Parse.
      std::string sql = cache.size() >= kStatementCacheMax ? "DEALLOCATE ALL" : "";
      if (!sql.empty()) {
        cache.clear();
        PGresult* r = PQexec(pg_, sql.c_str());  // rare: once per 1024 distinct statements
        PQclear(r);
      }
      name_ = ConnectionAccess::next_statement_name(conn_);
      if (!PQsendPrepare(pg_, name_.c_str(), key_.c_str(), params_->size(), params_->types()))
        fail_lost("preparing a statement");
      preparing_ = true;
      return flush("preparing a statement");
    }
  }
  return send_execute();
}

Want QueryOp::send_execute() {
  int ok;
  if (prepare_) {
    const std::string& name = ConnectionAccess::statements(conn_).at(key_);
    ok = PQsendQueryPrepared(pg_, name.c_str(), params_->size(), params_->values(), params_->lengths(),
                             params_->formats(), 0);
  } else {
    ok = PQsendQueryParams(pg_, std::string(sql_.text).c_str(), params_->size(), params_->types(), params_->values(),
                           params_->lengths(), params_->formats(), 0);
  }
  if (!ok) fail_lost("sending a query");
  return flush("sending a query");
}

Want QueryOp::resume() {
  if (auto w = pump("waiting for a result")) return *w;
  return collect();
}

Want QueryOp::collect() {
  while (!PQisBusy(pg_)) {
    PGresult* r = PQgetResult(pg_);
    if (!r) {
      if (preparing_ && !error_ && PQstatus(pg_) == CONNECTION_OK) {
        preparing_ = false;
        ConnectionAccess::statements(conn_).emplace(key_, name_);
        return send_execute();
      }
      return Want::done;
    }
    switch (PQresultStatus(r)) {
      case PGRES_FATAL_ERROR:
        if (!error_) error_ = fields_of(r, sql_);
        PQclear(r);
        break;
      case PGRES_COPY_IN:
      case PGRES_COPY_OUT:
      case PGRES_COPY_BOTH:
        PQclear(r);
        conn_.close();
        throw UsageError({.message = "COPY is not supported through query(); the connection was closed",
                          .statement = std::string(sql_.text)}, sql_.where);
      default:
        if (preparing_) PQclear(r);
        else last_ = make_result(r);
    }
    if (PQstatus(pg_) == CONNECTION_BAD) return Want::done;
  }
  return Want::read;
}

Millis QueryOp::deadline_passed(CancelMode mode) {
  if (cancelled_) {
    // The server did not even answer the cancel: the link is gone or the server is stuck.
    conn_.close();
    throw Timeout({.sqlstate = "57014",
                   .message = fmt::format("query still running {} ms after its deadline and the cancel; the "
                                          "connection was closed",
                                          ConnectionAccess::cancel_grace(conn_).count()),
                   .statement = std::string(sql_.text)},
                  sql_.where);
  }
  cancelled_ = true;
  send_cancel(pg_, mode);
  return ConnectionAccess::cancel_grace(conn_);
}

// A cancel request that did not end in 57014 may still be on its way to the backend (the
// query finished first); it could cancel the next statement on this connection, so the
// connection is not reused.
void retire_if_cancel_pending(Connection& conn, bool cancelled, const std::optional<ErrorFields>& error) {
  if (cancelled && !(error && error->sqlstate == "57014")) ConnectionAccess::broken(conn) = true;
}

Result QueryOp::finish() {
  retire_if_cancel_pending(conn_, cancelled_, error_);
  if (PQstatus(pg_) == CONNECTION_BAD) {
    ConnectionAccess::broken(conn_) = true;
    if (error_ && is_connection_error(error_->sqlstate)) throw_error(std::move(*error_), sql_.where);
    fail_lost("waiting for a result");
  }
  ConnectionAccess::log_query(conn_, sql_, started_);
  if (error_) {
    if (cancelled_ && error_->sqlstate == "57014")
      error_->message = fmt::format("query cancelled on the server after its deadline ({} ms)",
                                    std::chrono::duration_cast<Millis>(Clock::now() - started_).count());
    throw_error(std::move(*error_), sql_.where);
  }
  return std::move(last_);
}

// --- ConnectOp ---

ConnectOp::ConnectOp(Connection& conn, const Config& config) : conn_(conn), config_(config) {}

void ConnectOp::fail(std::string msg) {
  std::string state = connect_sqlstate(msg);
  conn_.close();
  ErrorFields f{.sqlstate = state,
                .message = fmt::format("cannot connect to {}: {}", conn_.display_url(), msg),
                .hint = tls_hint(msg, config_)};
  if (!f.hint.empty()) throw TlsRefused(std::move(f), {});
  f.hint = connect_hint(state);
  if (state == "28P01" || state == "28000") throw AuthenticationFailed(std::move(f), {});
  if (state == "53300") throw TooManyConnections(std::move(f), {});
  throw CannotConnect(std::move(f), {});
}

void ConnectOp::deadline_passed() {
  // The deadline may be the caller's acquire deadline, shorter than the connect timeout.
  auto waited = std::chrono::duration_cast<Millis>(Clock::now() - started_).count();
  fail(fmt::format("timed out after {} ms (DB_CONNECTION_TIMEOUT_MS is {} ms; an acquire deadline can be shorter)",
                   waited, config_.pool.connect_timeout.count()));
}

Want ConnectOp::want_of(PostgresPollingStatusType st) {
  PGconn* pg = ConnectionAccess::pg(conn_);
  switch (st) {
    case PGRES_POLLING_OK:
      ConnectionAccess::broken(conn_) = false;
      // Server notices go to pgkit's log, not straight to stderr.
      PQsetNoticeProcessor(
          pg, [](void*, const char* message) { log().info("server: {}", mask_secrets(trimmed(message))); }, nullptr);
      // Sends go through PQflush in every driver, so libpq never blocks on a full socket.
      PQsetnonblocking(pg, 1);
      return Want::done;
    case PGRES_POLLING_READING: return Want::read;
    case PGRES_POLLING_WRITING: return Want::write;
    default: fail(trimmed(PQerrorMessage(pg)));
  }
}

Want ConnectOp::start() {
  PGconn*& pg = ConnectionAccess::pg(conn_);
  pg = PQconnectStart(config_.conninfo().c_str());
  if (!pg) throw CannotConnect({.sqlstate = "08001", .message = "libpq could not allocate a connection"}, {});
  if (PQstatus(pg) == CONNECTION_BAD) fail(trimmed(PQerrorMessage(pg)));
  return Want::write;  // libpq's documented first step: wait until the socket is writable
}

Want ConnectOp::resume() { return want_of(PQconnectPoll(ConnectionAccess::pg(conn_))); }

bool ConnectOp::needs_datestyle() const { return conn_.parameter_status("DateStyle").rfind("ISO", 0) != 0; }

}  // namespace pgkit::detail

// --- PipelineOp ---

namespace pgkit::detail {

PipelineOp::PipelineOp(Connection& conn, const Pipeline& batch, bool named)
    : SendReceiveOp(conn), batch_(batch), named_(named), results_(batch.size()) {}

void PipelineOp::fail_lost(const char* what) {
  std::string msg = trimmed(PQerrorMessage(pg_));
  ConnectionAccess::broken(conn_) = true;
  throw ConnectionLost({.sqlstate = "08006",
                        .message = fmt::format("connection to {} lost while {} a pipeline of {} statements: {}",
                                               conn_.display_url(), what, batch_.size(),
                                               msg.empty() ? "the server closed it" : msg),
                        .hint = "the batch ran in one implicit transaction: it committed only if its Sync was "
                                "answered; check before sending it again"});
}

Want PipelineOp::start() {
  if (conn_.broken()) throw ConnectionLost({.sqlstate = "08003", .message = "the connection is closed or broken"});
  if (batch_.empty()) throw UsageError({.message = "the pipeline has no statements"});
  started_ = Clock::now();
  if (!PQenterPipelineMode(pg_)) fail_lost("starting");
  auto& cache = ConnectionAccess::statements(conn_);
  std::unordered_map<std::string, std::string> pending;  // prepared earlier in this same batch
  for (std::size_t i = 0; i < batch_.size(); ++i) {
    const auto& item = batch_.items()[i];
    const Params& p = *item.params;
    if (!named_) {
      if (!PQsendQueryParams(pg_, item.sql.c_str(), p.size(), p.types(), p.values(), p.lengths(), p.formats(), 0))
        fail_lost("sending");
      steps_.push_back({i, false, {}, {}});
      continue;
    }
    const std::string* name = nullptr;
    if (auto it = cache.find(item.sql); it != cache.end()) name = &it->second;
    else if (auto pt = pending.find(item.sql); pt != pending.end()) name = &pt->second;
    if (!name) {
      // Parse and Bind/Execute travel together: in pipeline mode nothing waits for the Parse.
      std::string fresh = ConnectionAccess::next_statement_name(conn_);
      if (!PQsendPrepare(pg_, fresh.c_str(), item.sql.c_str(), p.size(), p.types())) fail_lost("sending");
      steps_.push_back({i, true, item.sql, fresh});
      name = &pending.emplace(item.sql, fresh).first->second;
    }
    if (!PQsendQueryPrepared(pg_, name->c_str(), p.size(), p.values(), p.lengths(), p.formats(), 0))
      fail_lost("sending");
    steps_.push_back({i, false, {}, {}});
  }
  if (!PQpipelineSync(pg_)) fail_lost("sending");
  return flush("sending");
}

Want PipelineOp::resume() {
  if (auto w = pump("reading")) return *w;
  return collect();
}

Want PipelineOp::collect() {
  while (!PQisBusy(pg_)) {
    PGresult* r = PQgetResult(pg_);
    if (!r) {  // the end of one statement's results
      if (step_ < steps_.size()) ++step_;
      continue;
    }
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      synced_ = true;
      return Want::done;
    }
    const Step& step = steps_.at(step_);
    if (st == PGRES_FATAL_ERROR) {
      if (!error_) {
        const auto& item = batch_.items()[step.item];
        error_ = fields_of(r, Sql(item.sql, item.where));
        error_->pipeline_index = static_cast<int>(step.item);
      }
      PQclear(r);
    } else if (st == PGRES_PIPELINE_ABORTED) {
      PQclear(r);
    } else if (step.prepare) {
      ConnectionAccess::statements(conn_).emplace(step.key, step.name);
      PQclear(r);
    } else {
      results_[step.item] = make_result(r);
    }
    if (PQstatus(pg_) == CONNECTION_BAD) return Want::done;
  }
  return Want::read;
}

Millis PipelineOp::deadline_passed(CancelMode mode) {
  if (cancelled_) {
    conn_.close();
    throw Timeout({.sqlstate = "57014", .message = "pipeline still running after its deadline and the cancel; the "
                                                   "connection was closed"});
  }
  cancelled_ = true;
  send_cancel(pg_, mode);
  return ConnectionAccess::cancel_grace(conn_);
}

std::vector<Result> PipelineOp::finish() {
  if (!synced_ || PQstatus(pg_) == CONNECTION_BAD) fail_lost("reading");
  retire_if_cancel_pending(conn_, cancelled_, error_);
  PQexitPipelineMode(pg_);
  if (error_) {
    // Names the statement by position, so the caller can find it in the batch.
    error_->message = fmt::format("statement {} of {} in the pipeline failed (the whole batch was rolled back): {}",
                                  error_->pipeline_index + 1, batch_.size(), error_->message);
    throw_error(std::move(*error_), batch_.items()[error_->pipeline_index].where);
  }
  ConnectionAccess::log_query(conn_, Sql(batch_.items().front().sql), started_);
  return std::move(results_);
}

}  // namespace pgkit::detail
