#pragma once
// What QueryOp and PipelineOp share: the one loop that flushes what libpq holds, reads what
// arrived and hands each complete result to the operation; the deadline's cancel; and how a
// lost connection is noticed.
#include <libpq-fe.h>

#include <optional>

#include "connection/cancel.hpp"
#include "connection/operation.hpp"
#include "pgkit/error.hpp"

namespace pgkit::detail {

class StatementOp {
 public:
  StatementOp(const StatementOp&) = delete;
  StatementOp& operator=(const StatementOp&) = delete;

  /// The socket is ready for what was wanted: move on.
  Want resume();
  /// The deadline passed. First time: ask the server to cancel and return how long to wait for
  /// its answer. Second time (no answer): close the connection and throw Timeout.
  Millis deadline_passed(CancelMode mode);

 protected:
  /// waiting: what resume() is doing, as a ConnectionLost message says it.
  StatementOp(Connection& conn, const char* waiting);
  virtual ~StatementOp() = default;

  /// After sending: Want::read_or_write while libpq still holds unsent bytes, else Want::read.
  Want flush(const char* what);
  /// A result arrived (the operation owns it now). A Want ends resume(); nullopt reads on.
  virtual std::optional<Want> take(PGresult* r) = 0;
  /// One statement's results are complete (PQgetResult returned NULL). As take().
  virtual std::optional<Want> results_end() = 0;
  /// Mark the connection broken and throw ConnectionLost, saying what was going on.
  [[noreturn]] void fail_lost(const char* what);
  /// The ConnectionLost this operation reports; reason: libpq's words.
  virtual ConnectionLost lost(const char* what, const std::string& reason) const = 0;
  /// The Timeout this operation reports when the server did not answer the cancel.
  virtual Timeout timed_out() const = 0;
  /// After a cancel that did not end in 57014, mark the connection unusable.
  void retire_if_cancel_pending();
  /// The error a failed result of sql reports.
  static ErrorFields fields_of(const PGresult* r, Sql sql);

  Connection& conn_;
  PGconn* pg_;
  Clock::time_point started_;
  bool cancelled_ = false;
  std::optional<ErrorFields> error_;  // the first error: the one that aborted the rest

 private:
  const char* waiting_;
};

}  // namespace pgkit::detail
