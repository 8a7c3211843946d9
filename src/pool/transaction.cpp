// Transactions on one connection: BEGIN with its options, savepoints, COMMIT or ROLLBACK.
// Pool's retry loops around them are pool_retry.cpp's.
#include "pgkit/transaction.hpp"

#include <fmt/format.h>

#include "pgkit/error.hpp"

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
void Transaction::release_savepoint(const std::string& name) {
  conn_.execute(fmt::format("RELEASE SAVEPOINT {}", name));
}
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

}  // namespace pgkit
