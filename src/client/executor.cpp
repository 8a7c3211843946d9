#include "pgkit/client/executor.hpp"

namespace pgkit::client {

Result Executor::run(const std::string& sql, const Params& params, Repeat repeat, bool prepare) const {
  Sql statement(sql, where_);
  QueryOptions options{.prepare = prepare};
  if (tx_) return tx_->connection().run(options, statement, params);
  if (repeat == Repeat::safe)
    return pool_->with_retry([&] { return pool_->acquire(where_)->run(options, statement, params); });
  return pool_->acquire(where_)->run(options, statement, params);
}

}  // namespace pgkit::client
