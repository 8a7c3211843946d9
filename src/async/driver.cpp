// Waiting on libpq's socket through Asio. One translation unit holds the reactor plumbing;
// the protocol itself is in the operations shared with the blocking driver.
#include "async/driver.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>
#include <tuple>

#include "async/race.hpp"
#include "async/socket_watcher.hpp"
#include "connection/cancel.hpp"
#include "connection/connect_op.hpp"
#include "connection/pipeline_op.hpp"
#include "connection/query_op.hpp"
#include "connection/rerun.hpp"

namespace pgkit::detail {
namespace {

using boost::asio::use_awaitable;
namespace this_coro = boost::asio::this_coro;
using Descriptor = asio::posix::stream_descriptor;
// The losing timer of a race completes with operation_aborted: as a value, not an exception
// (an exception per query with a deadline cost ~9 % of a server's CPU in unwinding).
constexpr auto use_tuple = asio::as_tuple(use_awaitable);

// No poll() before waiting for data libpq may have left unread in the kernel: Asio's epoll
// reactor is edge-triggered, but an async_wait on a descriptor never starts speculatively —
// it re-arms with EPOLL_CTL_MOD (epoll_reactor::start_op, Boost 1.81), and the kernel reports
// readiness that already exists when an event is modified. tests/integration/async_pgtest.cpp
// ("ReplyAlreadyQueued…") checks this.
//
// The timer's outcome when it won a race: its deadline passed (true), or it was cancelled with
// the whole race because our caller gave up, which must stay an error (it is not a timeout).
bool deadline_passed(const std::tuple<boost::system::error_code>& timer) {
  if (std::get<0>(timer) == asio::error::operation_aborted)
    throw boost::system::system_error(asio::error::operation_aborted);
  return true;
}

// Waits until the socket is ready for `want`, or deadline passes (false).
asio::awaitable<bool> wait(Connection& conn, Want want, std::optional<Clock::time_point> deadline,
                           bool connecting = false) {
  auto ex = co_await this_coro::executor;
  Descriptor& d = socket_watcher(conn, ex, connecting);
  using namespace boost::asio::experimental::awaitable_operators;
  if (want == Want::read_or_write) {  // rare: a send larger than the socket buffer
    asio::steady_timer timer(ex, deadline.value_or(Clock::time_point::max()));
    auto first = co_await on_strand([&] {
      return d.async_wait(Descriptor::wait_write, use_awaitable) ||
             d.async_wait(Descriptor::wait_read, use_awaitable) || timer.async_wait(use_tuple);
    });
    co_return first.index() != 2 || !deadline_passed(std::get<2>(first));
  }
  auto kind = want == Want::write ? Descriptor::wait_write : Descriptor::wait_read;
  if (!deadline) {
    co_await d.async_wait(kind, use_awaitable);
    co_return true;
  }
  asio::steady_timer timer(ex, *deadline);
  auto first = co_await on_strand([&] { return d.async_wait(kind, use_awaitable) || timer.async_wait(use_tuple); });
  co_return first.index() == 0 || !deadline_passed(std::get<1>(first));
}

// Runs an operation to its end. A caller's cancellation mid-statement cancels it on the server
// and closes the connection: it cannot be reused in the middle of the protocol.
template <class Op>
asio::awaitable<void> drive(Op& op, Connection& conn, std::optional<Millis> timeout) {
  std::optional<Clock::time_point> deadline;
  if (timeout) deadline = Clock::now() + *timeout;
  Want w = op.start();
  try {
    while (w != Want::done) {
      if (co_await wait(conn, w, deadline)) {
        w = op.resume();
      } else {
        deadline = Clock::now() + op.deadline_passed(CancelMode::background_thread);
      }
    }
  } catch (const boost::system::system_error&) {
    cancel_then_close(conn);
    throw;
  }
}

}  // namespace

asio::awaitable<Result> async_run(Connection& conn, QueryOptions options, Sql sql, const Params* params) {
  const bool named = params && options.prepare && conn.named_statements();
  Rerun rerun = Rerun::no;
  {
    QueryOp op(conn, sql, params, named);
    try {
      co_await drive(op, conn, options.timeout);
      co_return op.finish();
    } catch (const Error& e) {
      // As in Connection::run: a named statement that did not run because its plan went stale
      // is prepared again, or because a pooler does not keep it, runs unnamed; once.
      if (!named) throw;
      const std::string key(sql.text);
      rerun = after_named_failure(conn, e, &key);
      if (rerun == Rerun::no) throw;
    }
  }
  QueryOp again(conn, sql, params, rerun == Rerun::named);
  co_await drive(again, conn, options.timeout);
  co_return again.finish();
}

asio::awaitable<std::vector<Result>> async_pipeline(Connection& conn, const Pipeline& batch, QueryOptions options) {
  const bool named = options.prepare && conn.named_statements();
  {
    PipelineOp op(conn, batch, named);
    try {
      co_await drive(op, conn, options.timeout);
      co_return op.finish();
    } catch (const Error& e) {
      // As in Connection::pipeline: the failed batch left nothing behind.
      if (!named || after_named_failure(conn, e, nullptr) != Rerun::unnamed || !rerun_is_safe(batch, e)) throw;
    }
  }
  PipelineOp again(conn, batch, false);
  co_await drive(again, conn, options.timeout);
  co_return again.finish();
}

asio::awaitable<void> async_connect(Connection& conn, const Config& config, Clock::time_point deadline) {
  ConnectOp op(conn, config);
  for (Want w = op.start(); w != Want::done;) {
    if (!co_await wait(conn, w, deadline, true)) op.deadline_passed();
    w = op.resume();
  }
  if (op.needs_datestyle()) co_await async_run(conn, {}, "SET DateStyle TO ISO", nullptr);
}

// As Connection::ping: no answer within timeout and the connection is closed at once. A query's
// timeout would send a cancel and wait for it, which on a link that swallows everything is a
// wait as long again for nothing.
asio::awaitable<bool> async_ping(Connection& conn, Millis timeout) {
  const auto deadline = Clock::now() + timeout;
  try {
    QueryOp op(conn, "", nullptr, false);
    for (Want w = op.start(); w != Want::done; w = op.resume()) {
      if (!co_await wait(conn, w, deadline)) {
        conn.close();
        co_return false;
      }
    }
    op.finish();
    co_return true;
  } catch (const Error&) {
    co_return false;
  } catch (const boost::system::system_error&) {  // our caller gave up: mid-protocol, not reusable
    conn.close();
    throw;
  }
}

}  // namespace pgkit::detail
