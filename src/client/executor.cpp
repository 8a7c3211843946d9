#include "pgkit/client/executor.hpp"

namespace pgkit::client {

Result Executor::run(const std::string& sql, const Params& params, Repeat repeat, std::source_location where) const {
  Sql statement(sql, where);
  if (tx_) return tx_->connection().run(QueryOptions{}, statement, params);
  if (repeat == Repeat::safe)
    return pool_->with_retry([&] { return pool_->acquire(where)->run(QueryOptions{}, statement, params); });
  return pool_->acquire(where)->run(QueryOptions{}, statement, params);
}

}  // namespace pgkit::client
