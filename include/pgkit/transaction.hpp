#pragma once
/// @file transaction.hpp
/// A transaction on one connection: BEGIN with the requested isolation, COMMIT when the
/// caller's function returns, ROLLBACK when it throws; savepoints for nesting.
///
/// @code
///   pool.transaction([&](pgkit::Transaction& tx) {
///     tx.query("UPDATE accounts SET balance = balance - $1 WHERE id = $2", amount, from);
///     tx.query("UPDATE accounts SET balance = balance + $1 WHERE id = $2", amount, to);
///   }, {.isolation = pgkit::Isolation::serializable});   // retried as a whole on 40001 / 40P01
/// @endcode

#include <functional>
#include <source_location>
#include <type_traits>

#include "pgkit/connection.hpp"

namespace pgkit {

enum class Isolation { server_default, read_committed, repeatable_read, serializable };

struct TransactionOptions {
  Isolation isolation = Isolation::server_default;  ///< default: the server's (read committed)
  bool read_only = false;                           ///< READ ONLY; default off
  bool deferrable = false;                          ///< DEFERRABLE (with serializable read only); default off
  /// Run the function again on a serialization failure, deadlock or a connection lost before
  /// COMMIT was sent, with the pool's RetryPolicy. The function must be safe to repeat (its
  /// effects outside the database are yours to guard). Default on.
  bool retry = true;
};

/// The BEGIN statement for these options ("BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY").
std::string begin_statement(const TransactionOptions& options);

/// An open transaction. Only valid inside the function given to transaction().
class Transaction {
 public:
  explicit Transaction(Connection& conn) : conn_(conn) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  template <class... Args>
  Result query(Sql sql, const Args&... args) {
    return conn_.query(sql, args...);
  }
  template <class... Args>
  Result query(const QueryOptions& options, Sql sql, const Args&... args) {
    return conn_.query(options, sql, args...);
  }
  Result execute(Sql sql) { return conn_.execute(sql); }

  /// Run fn inside SAVEPOINT: released when fn returns, rolled back to when it throws (and
  /// the exception passes on; the outer transaction stays usable).
  template <class F>
  auto savepoint(F&& fn) -> std::invoke_result_t<F, Transaction&> {
    std::string name = open_savepoint();
    try {
      if constexpr (std::is_void_v<std::invoke_result_t<F, Transaction&>>) {
        fn(*this);
        release_savepoint(name);
      } else {
        auto out = fn(*this);
        release_savepoint(name);
        return out;
      }
    } catch (...) {
      rollback_to_savepoint(name);
      throw;
    }
  }

  Connection& connection() { return conn_; }

 private:
  std::string open_savepoint();
  void release_savepoint(const std::string& name);
  void rollback_to_savepoint(const std::string& name);

  Connection& conn_;
  int savepoints_ = 0;
};

/// Run fn in one transaction on conn, once (no retry): COMMIT on return, ROLLBACK on throw.
/// Pool::transaction adds the retries.
void run_transaction(Connection& conn, const std::function<void(Transaction&)>& fn, const TransactionOptions& options,
                     bool* commit_sent = nullptr);

}  // namespace pgkit
