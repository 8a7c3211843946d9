// Transactions and the retry loops: what is retried, how often, and never after an outcome
// became unknown.
#include "pgkit/transaction.hpp"

#include <thread>

#include <fmt/format.h>

#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pool/pool_impl.hpp"

namespace pgkit {

std::string begin_statement(const TransactionOptions& o) {
  // Built from constants only: no part of a statement comes from caller text.
  std::string s = "BEGIN";
  switch (o.isolation) {
    case Isolation::server_default: break;
    case Isolation::read_committed: s += " ISOLATION LEVEL READ COMMITTED"; break;
    case Isolation::repeatable_read: s += " ISOLATION LEVEL REPEATABLE READ"; break;
    case Isolation::serializable: s += " ISOLATION LEVEL SERIALIZABLE"; break;
  }
  if (o.read_only) s += " READ ONLY";
  if (o.read_only && o.deferrable) s += " DEFERRABLE";  // meaningful only when read only
  return s;
}

std::string Transaction::open_savepoint() {
  std::string name = fmt::format("pgkit_sp_{}", ++savepoints_);
  conn_.execute(fmt::format("SAVEPOINT {}", name));
  return name;
}
void Transaction::release_savepoint(const std::string& name) { conn_.execute(fmt::format("RELEASE SAVEPOINT {}", name)); }
void Transaction::rollback_to_savepoint(const std::string& name) {
  if (!conn_.broken()) conn_.execute(fmt::format("ROLLBACK TO SAVEPOINT {}", name));
}

void run_transaction(Connection& conn, const std::function<void(Transaction&)>& fn, const TransactionOptions& options,
                     bool* commit_sent) {
  conn.execute(begin_statement(options));
  Transaction tx(conn);
  try {
    fn(tx);
  } catch (...) {
    if (!conn.broken() && conn.transaction_status() != TxStatus::idle) {
      try {
        conn.execute("ROLLBACK");
      } catch (...) {  // the lease will close a connection that cannot roll back
      }
    }
    throw;
  }
  if (conn.transaction_status() == TxStatus::failed) {
    // COMMIT would silently roll back: say so instead of pretending it committed.
    conn.execute("ROLLBACK");
    throw UsageError({.message = "a statement failed inside the transaction and its error was caught; the "
                                 "transaction was rolled back",
                      .hint = "let the error propagate, or use tx.savepoint() around statements that may fail"});
  }
  if (conn.transaction_status() == TxStatus::idle) return;  // the function ended it itself
  if (commit_sent) *commit_sent = true;
  conn.execute("COMMIT");
}

bool Pool::may_retry(int attempt, Clock::time_point started, Millis pause) {
  if (attempt >= retry_.max_attempts) return false;
  if (Clock::now() + pause - started > retry_.max_elapsed) return false;
  if (!impl_->budget.try_spend()) {
    log().warn("retry budget spent (retries are capped at a fraction of requests): not retrying");
    return false;
  }
  return true;
}

void Pool::retry_loop(const std::function<void()>& fn) {
  impl_->budget.on_request();
  auto started = Clock::now();
  for (int attempt = 1;; ++attempt) {
    const auto discards = impl_->read_only_discards.load(std::memory_order_relaxed);
    try {
      fn();
      return;
    } catch (const CannotConnect&) {
      throw;  // acquire already retried connecting up to its own deadline
    } catch (const Error& e) {
      if (!is_transient(e) && !failed_over_since(discards, e)) throw;
      auto pause = retry_.delay(attempt);
      if (!may_retry(attempt, started, pause)) throw;
      log().debug("retrying after {} (attempt {}): {}", e.sqlstate(), attempt + 1, e.message());
      std::this_thread::sleep_for(pause);
    }
  }
}

void Pool::run_in_transaction(const std::function<void(Transaction&)>& fn, const TransactionOptions& options) {
  impl_->budget.on_request();
  auto started = Clock::now();
  for (int attempt = 1;; ++attempt) {
    bool commit_sent = false;
    const auto discards = impl_->read_only_discards.load(std::memory_order_relaxed);
    try {
      auto conn = acquire();
      run_transaction(*conn, fn, options, &commit_sent);
      return;
    } catch (const CannotConnect&) {
      throw;
    } catch (const Error& e) {
      // A connection lost after COMMIT was sent leaves the outcome unknown: never repeat that.
      bool retryable = options.retry && (is_transaction_retryable(e) || failed_over_since(discards, e)) &&
                       !(commit_sent && is_transient(e));
      auto pause = retry_.delay(attempt);
      if (!retryable || !may_retry(attempt, started, pause)) throw;
      log().debug("retrying transaction after {} (attempt {})", e.sqlstate(), attempt + 1);
      std::this_thread::sleep_for(pause);
    }
  }
}

}  // namespace pgkit
