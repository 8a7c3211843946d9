#pragma once
/// @file client/executor.hpp
/// Where a generated client's statements run: a Pool (each call borrows a connection; reads are
/// retried on transient failures, as Pool::query(idempotent, …) is) or an open Transaction
/// (every call on its connection, nothing retried on its own: the transaction's retry reruns
/// the whole function).

#include <source_location>
#include <string>

#include "pgkit/params.hpp"
#include "pgkit/pool.hpp"
#include "pgkit/result.hpp"
#include "pgkit/transaction.hpp"

namespace pgkit::client {

/// Whether a statement may run again after a transient failure.
enum class Repeat { safe, unsafe };

class Executor {
 public:
  Executor(Pool& pool) noexcept : pool_(&pool) {}   // NOLINT: a client is made from either
  Executor(Transaction& tx) noexcept : tx_(&tx) {}  // NOLINT

  /// The same, with errors naming where as the caller's line.
  Executor at(std::source_location where) const noexcept {
    Executor e = *this;
    e.where_ = where;
    return e;
  }

  /// prepare: through the connection's statement cache (false for text that varies with the
  /// data, such as a batch insert's).
  Result run(const std::string& sql, const Params& params, Repeat repeat, bool prepare = true) const;

  /// fn(Transaction&) in a transaction on the pool, or in a SAVEPOINT of the open one (a
  /// failure inside rolls back only fn's work; options apply to the outermost only).
  template <class F>
  auto transaction(F&& fn, const TransactionOptions& options) const -> std::invoke_result_t<F, Transaction&> {
    if (pool_) return pool_->transaction(std::forward<F>(fn), options);
    return tx_->savepoint(std::forward<F>(fn));
  }

 private:
  Pool* pool_ = nullptr;
  Transaction* tx_ = nullptr;
  std::source_location where_;
};

}  // namespace pgkit::client
