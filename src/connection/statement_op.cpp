#include "connection/statement_op.hpp"

#include <cstdlib>

#include "connection/connection_access.hpp"

namespace pgkit::detail {

StatementOp::StatementOp(Connection& conn, const char* waiting)
    : conn_(conn), pg_(ConnectionAccess::pg(conn)), waiting_(waiting) {}

Want StatementOp::flush(const char* what) {
  int f = PQflush(pg_);
  if (f < 0) fail_lost(what);
  return f == 1 ? Want::read_or_write : Want::read;
}

Want StatementOp::resume() {
  if (!PQconsumeInput(pg_)) fail_lost(waiting_);
  if (flush(waiting_) == Want::read_or_write) return Want::read_or_write;
  // PQisBusy: a result is complete, so PQgetResult will not wait for the socket.
  while (!PQisBusy(pg_)) {
    PGresult* r = PQgetResult(pg_);
    if (!r) {
      if (auto next = results_end()) return *next;
      continue;
    }
    if (auto next = take(r)) return *next;
    if (PQstatus(pg_) == CONNECTION_BAD) return Want::done;
  }
  return Want::read;
}

Millis StatementOp::deadline_passed(CancelMode mode) {
  if (cancelled_) {
    // The server did not even answer the cancel: the link is gone or the server is stuck.
    conn_.close();
    throw timed_out();
  }
  cancelled_ = true;
  send_cancel(pg_, mode);
  return ConnectionAccess::cancel_grace(conn_);
}

void StatementOp::fail_lost(const char* what) {
  std::string reason = trimmed(PQerrorMessage(pg_));
  ConnectionAccess::broken(conn_) = true;
  throw lost(what, reason.empty() ? "the server closed it" : reason);
}

// A cancel request that did not end in 57014 may still be on its way to the backend (the
// statement finished first); it could cancel the next statement on this connection, so the
// connection is not reused.
void StatementOp::retire_if_cancel_pending() {
  if (cancelled_ && !(error_ && error_->sqlstate == "57014")) ConnectionAccess::broken(conn_) = true;
}

ErrorFields StatementOp::fields_of(const PGresult* r, Sql sql) {
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

}  // namespace pgkit::detail
