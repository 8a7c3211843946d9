#include "connection/query_op.hpp"

#include <fmt/format.h>

#include "connection/connection_access.hpp"
#include "connection/result_data.hpp"

namespace pgkit::detail {
namespace {

// Cached statements per connection; past this the cache is dropped whole (DEALLOCATE ALL),
// which bounds server memory for programs that build SQL dynamically.
constexpr std::size_t kStatementCacheMax = 1024;

}  // namespace

QueryOp::QueryOp(Connection& conn, Sql sql, const Params* params, bool prepare)
    : StatementOp(conn, "waiting for a result"), sql_(sql), params_(params), prepare_(prepare && params) {}

Want QueryOp::start() {
  if (conn_.broken())
    throw ConnectionLost(
        {.sqlstate = "08003", .message = "the connection is closed or broken", .statement = std::string(sql_.text)},
        sql_.where);
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

std::optional<Want> QueryOp::results_end() {
  // The Parse was answered: now Bind and Execute under the new name.
  if (preparing_ && !error_ && PQstatus(pg_) == CONNECTION_OK) {
    preparing_ = false;
    ConnectionAccess::statements(conn_).emplace(key_, name_);
    return send_execute();
  }
  return Want::done;
}

std::optional<Want> QueryOp::take(PGresult* r) {
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
                        .statement = std::string(sql_.text)},
                       sql_.where);
    default:
      if (preparing_)
        PQclear(r);
      else
        last_ = ResultAccess::make(r);
  }
  return std::nullopt;
}

ConnectionLost QueryOp::lost(const char* what, const std::string& reason) const {
  return ConnectionLost(
      {.sqlstate = "08006",
       .message = fmt::format("connection to {} lost while {}: {}", conn_.display_url(), what, reason),
       .hint = "the server restarted, a proxy or the provider dropped an idle connection, or the "
               "network failed; the statement's outcome is unknown",
       .statement = std::string(sql_.text)},
      sql_.where);
}

Timeout QueryOp::timed_out() const {
  return Timeout({.sqlstate = "57014",
                  .message = fmt::format("query still running {} ms after its deadline and the cancel; the "
                                         "connection was closed",
                                         ConnectionAccess::cancel_grace(conn_).count()),
                  .statement = std::string(sql_.text)},
                 sql_.where);
}

Result QueryOp::finish() {
  retire_if_cancel_pending();
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

}  // namespace pgkit::detail
