// AsyncExecutor and the awaitable writes: the awaitable client's statements on an AsyncPool or
// AsyncTransaction. The one translation unit of the client runtime that includes Asio.
#include <memory>

#include "pgkit/client/async_delegate.hpp"

namespace pgkit::client {

asio::awaitable<Result> AsyncExecutor::run(detail::Statement st, Repeat repeat) const {
  const std::string sql = std::move(st.sql);
  auto params = std::make_shared<Params>(std::move(st.params));
  const QueryOptions options{.prepare = st.prepare};
  if (tx_) co_return co_await tx_->connection().run(options, Sql(sql, where_), params);
  AsyncPool pool = *pool_;  // in this frame, whatever becomes of the executor
  co_return co_await pool.run(repeat == Repeat::safe, options, Sql(sql, where_), params);
}

namespace detail {

asio::awaitable<Result> run_write(AsyncExecutor on, Statement st, Target t) {
  try {
    co_return co_await on.run(std::move(st), Repeat::unsafe);
  } catch (...) {
    rethrow_write_error(t);
  }
}

asio::awaitable<Result> run_plan(AsyncExecutor on, const WritePlan& plan) {
  PlanRun run(plan);
  while (auto st = run.next()) {
    Target t = run.target();
    Result r = co_await run_write(on, std::move(*st), t);
    run.finish(std::move(r));
  }
  co_return std::move(run).result();
}

}  // namespace detail

}  // namespace pgkit::client
