#include "connection/pipeline_op.hpp"

#include <unordered_map>

#include <fmt/format.h>

#include "connection/connection_access.hpp"
#include "connection/result_data.hpp"

namespace pgkit::detail {

PipelineOp::PipelineOp(Connection& conn, const Pipeline& batch, bool named)
    : StatementOp(conn, "reading"), batch_(batch), named_(named), results_(batch.size()) {}

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
    if (auto it = cache.find(item.sql); it != cache.end())
      name = &it->second;
    else if (auto pt = pending.find(item.sql); pt != pending.end())
      name = &pt->second;
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

std::optional<Want> PipelineOp::results_end() {
  if (step_ < steps_.size()) ++step_;
  return std::nullopt;
}

std::optional<Want> PipelineOp::take(PGresult* r) {
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
    results_[step.item] = ResultAccess::make(r);
  }
  return std::nullopt;
}

ConnectionLost PipelineOp::lost(const char* what, const std::string& reason) const {
  return ConnectionLost({.sqlstate = "08006",
                         .message = fmt::format("connection to {} lost while {} a pipeline of {} statements: {}",
                                                conn_.display_url(), what, batch_.size(), reason),
                         .hint = "the batch ran in one implicit transaction: it committed only if its Sync was "
                                 "answered; check before sending it again"});
}

Timeout PipelineOp::timed_out() const {
  return Timeout({.sqlstate = "57014",
                  .message = "pipeline still running after its deadline and the cancel; the "
                             "connection was closed"});
}

std::vector<Result> PipelineOp::finish() {
  if (!synced_ || PQstatus(pg_) == CONNECTION_BAD) fail_lost("reading");
  retire_if_cancel_pending();
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
