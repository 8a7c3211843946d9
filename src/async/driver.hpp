#pragma once
// The Asio driver: waits on libpq's socket for what an operation (src/connection/operation.hpp)
// wants, with a deadline, from a coroutine. Private to the library.
#include <boost/asio/awaitable.hpp>

#include "connection/connection_access.hpp"
#include "connection/operation.hpp"
#include "pgkit/async.hpp"

namespace pgkit::detail {

/// Run sql on conn (params == nullptr: the simple protocol, several statements allowed), with
/// Connection::run's rules: a deadline that cancels on the server, one rerun after a stale plan
/// or a pooler that drops named statements.
asio::awaitable<Result> async_run(Connection& conn, QueryOptions options, Sql sql, const Params* params);
/// Every statement of batch in one round trip, as Connection::pipeline.
asio::awaitable<std::vector<Result>> async_pipeline(Connection& conn, const Pipeline& batch, QueryOptions options);

/// Open conn (made with ConnectionAccess::make_unconnected) before deadline, on the current
/// coroutine's executor. @throws CannotConnect and its kin
asio::awaitable<void> async_connect(Connection& conn, const Config& config, Clock::time_point deadline);

/// A round trip within timeout; false when the connection is dead.
asio::awaitable<bool> async_ping(Connection& conn, Millis timeout);

}  // namespace pgkit::detail
