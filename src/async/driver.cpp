// Waiting on libpq's socket through Asio. One translation unit holds the reactor plumbing;
// the protocol itself is in the operations shared with the blocking driver.
#include "async/driver.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

#include <cerrno>
#include <system_error>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>

namespace pgkit::detail {
namespace {

using boost::asio::use_awaitable;
namespace this_coro = boost::asio::this_coro;
using Descriptor = asio::posix::stream_descriptor;

// The watcher of one connection's socket while a coroutine holds it. Asio watches a dup() of
// libpq's descriptor: libpq closes its own when a connection breaks, and the number could be
// reused at once by another socket — the duplicate keeps ours distinct until we close it.
struct SocketWatcher {
  SocketWatcher(const asio::any_io_executor& ex, int fd) : descriptor(ex), fd(fd), inode(inode_of(fd)) {
    int copy = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) throw std::system_error(errno, std::generic_category(), "dup of the connection's socket");
    descriptor.assign(copy);
  }
  // libpq may close its socket (next host, SSL retry) and get the same number back for a new
  // one: the inode tells the sockets apart.
  static ino_t inode_of(int fd) {
    struct stat st {};
    return ::fstat(fd, &st) == 0 ? st.st_ino : 0;
  }
  Descriptor descriptor;  // closes the duplicate
  int fd;                 // libpq's
  ino_t inode;
};

// The watcher for conn's current socket on this executor (libpq may change sockets while
// connecting; a connection may move between io_contexts).
Descriptor& watcher(Connection& conn, const asio::any_io_executor& ex, bool connecting) {
  int fd = PQsocket(ConnectionAccess::pg(conn));
  auto& state = ConnectionAccess::driver_state(conn);
  auto* w = static_cast<SocketWatcher*>(state.get());
  // Only while connecting can libpq swap sockets under the same number (checking costs a syscall).
  bool swapped = connecting && w && w->inode != SocketWatcher::inode_of(fd);
  if (!w || w->fd != fd || swapped || w->descriptor.get_executor() != ex) {
    state.reset();
    auto fresh = std::make_shared<SocketWatcher>(ex, fd);
    w = fresh.get();
    state = std::move(fresh);
  }
  return w->descriptor;
}

// Asio's epoll reactor is edge-triggered: data libpq left unread in the kernel raises no new
// edge. So look first, without waiting, and only then wait.
bool readable_now(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) > 0;
}

// Waits until the socket is ready for `want`, or deadline passes (false).
asio::awaitable<bool> wait(Connection& conn, Want want, std::optional<Clock::time_point> deadline,
                           bool connecting = false) {
  auto ex = co_await this_coro::executor;
  Descriptor& d = watcher(conn, ex, connecting);
  if (want == Want::read && readable_now(PQsocket(ConnectionAccess::pg(conn)))) co_return true;
  using namespace boost::asio::experimental::awaitable_operators;
  if (want == Want::read_or_write) {  // rare: a send larger than the socket buffer
    asio::steady_timer timer(ex, deadline.value_or(Clock::time_point::max()));
    auto first = co_await (d.async_wait(Descriptor::wait_write, use_awaitable) ||
                           d.async_wait(Descriptor::wait_read, use_awaitable) || timer.async_wait(use_awaitable));
    co_return first.index() != 2;
  }
  auto kind = want == Want::write ? Descriptor::wait_write : Descriptor::wait_read;
  if (!deadline) {
    co_await d.async_wait(kind, use_awaitable);
    co_return true;
  }
  asio::steady_timer timer(ex, *deadline);
  auto first = co_await (d.async_wait(kind, use_awaitable) || timer.async_wait(use_awaitable));
  co_return first.index() == 0;
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
    send_cancel(ConnectionAccess::pg(conn), CancelMode::background_thread);
    conn.close();
    throw;
  }
}

}  // namespace

void forget_watcher(Connection& conn) noexcept { ConnectionAccess::driver_state(conn).reset(); }

asio::awaitable<Result> async_run(Connection& conn, QueryOptions options, Sql sql, const Params* params) {
  {
    QueryOp op(conn, sql, params, options.prepare);
    try {
      co_await drive(op, conn, options.timeout);
      co_return op.finish();
    } catch (const Error& e) {
      // As in Connection::run: a stale cached statement that did not run is prepared again, once.
      if (!params || !options.prepare || !QueryOp::is_stale_statement(e) || conn.broken()) throw;
      ConnectionAccess::statements(conn).erase(std::string(sql.text));
      if (conn.transaction_status() != TxStatus::idle) throw;
    }
  }
  QueryOp again(conn, sql, params, options.prepare);
  co_await drive(again, conn, options.timeout);
  co_return again.finish();
}

asio::awaitable<std::vector<Result>> async_pipeline(Connection& conn, const Pipeline& batch, QueryOptions options) {
  PipelineOp op(conn, batch);
  co_await drive(op, conn, options.timeout);
  co_return op.finish();
}

asio::awaitable<void> async_connect(Connection& conn, const Config& config, Clock::time_point deadline) {
  ConnectOp op(conn, config);
  for (Want w = op.start(); w != Want::done;) {
    if (!co_await wait(conn, w, deadline, true)) op.deadline_passed();
    w = op.resume();
  }
  if (op.needs_datestyle()) co_await async_run(conn, {}, "SET DateStyle TO ISO", nullptr);
}

asio::awaitable<bool> async_ping(Connection& conn, Millis timeout) {
  try {
    co_await async_run(conn, QueryOptions{.timeout = timeout}, "", nullptr);
    co_return true;
  } catch (const Error&) {
    co_return false;
  }
}

}  // namespace pgkit::detail
