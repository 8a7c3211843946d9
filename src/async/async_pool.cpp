// AsyncPool: the pool's acquire, retry and transaction rules for coroutines. Waiting in line
// uses the same FIFO queue as blocking callers; a coroutine's place in it wakes by a post.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/deferred.hpp>
#include <boost/asio/experimental/concurrent_channel.hpp>
#include <boost/asio/experimental/parallel_group.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/system/system_error.hpp>

#include <functional>

#include "async/driver.hpp"
#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pool/pool_impl.hpp"

namespace pgkit {

using detail::PoolEntry;
using PoolImpl = PoolAccess::Impl;
using Core = detail::ResourcePool<PoolEntry>;
using boost::asio::use_awaitable;
namespace this_coro = boost::asio::this_coro;

namespace {

// A coroutine waiting in the pool's line. wake() runs under the pool lock on whichever
// thread released a connection; a concurrent channel (thread-safe, never blocks) carries the
// news to the coroutine on its own executor. The deadline's timer sends into the same channel
// (timed_out), so the coroutine waits for one thing: not a race of two operations (awaitable
// operator ||), whose branches may complete on two threads at once (race.hpp), and cheaper.
// Shared, as the timer's handler may run after the coroutine has gone.
using Wakeup = asio::experimental::concurrent_channel<void(boost::system::error_code)>;

using CloseEntry = std::function<void(PoolEntry*)>;

struct AsyncWaiter : Core::Waiter {
  AsyncWaiter(const asio::any_io_executor& ex, Core& core, CloseEntry close_entry)
      : channel(std::make_shared<Wakeup>(ex, 1)), core(core), close_entry(std::move(close_entry)) {}
  // A coroutine frame destroyed while waiting (its io_context went away) must leave the line
  // and give back anything handed to it, or the pool would write to freed memory later.
  ~AsyncWaiter() override {
    if (!settled && !core.cancel(this)) hand_back();
  }
  void wake() override { channel->try_send(boost::system::error_code{}); }
  // Gives back whatever the line handed to a waiter that no longer wants it.
  void hand_back() {
    if (granted && !core.release(granted)) close_entry(granted);  // closed meanwhile
    if (may_create) core.create_failed();
    granted = nullptr;
    may_create = false;
  }
  std::shared_ptr<Wakeup> channel;
  Core& core;
  CloseEntry close_entry;
  bool settled = false;  // the outcome was taken over by the coroutine
};

asio::awaitable<Core::Attempt> wait_in_line(Core& core, Clock::time_point deadline, CloseEntry close_entry) {
  auto ex = co_await this_coro::executor;
  AsyncWaiter w(ex, core, std::move(close_entry));
  Core::Attempt a = core.try_acquire(&w);
  if (a.got != Core::Got::wait) {
    w.settled = true;
    co_return a;
  }
  asio::steady_timer timer(ex, deadline);
  timer.async_wait([channel = w.channel](boost::system::error_code ec) {
    if (!ec) channel->try_send(asio::error::timed_out);
  });
  auto [ec] = co_await w.channel->async_receive(asio::as_tuple(use_awaitable));
  timer.cancel();
  // Anything but a hand-over's or the deadline's message: our caller gave up (cancelled).
  std::exception_ptr cancelled;
  if (ec && ec != asio::error::timed_out)
    cancelled = std::make_exception_ptr(boost::system::system_error(asio::error::operation_aborted));
  w.settled = true;
  if (core.cancel(&w)) {
    // Still in line, so nothing was handed over: our caller's cancel, or the deadline.
    if (cancelled) std::rethrow_exception(cancelled);
    co_return Core::Attempt{Core::Got::timeout};
  }
  // Handed over (cancel() took the lock after the hand-over wrote these fields).
  if (cancelled) {
    w.hand_back();
    std::rethrow_exception(cancelled);
  }
  if (w.granted) co_return Core::Attempt{Core::Got::resource, w.granted};
  if (w.may_create) co_return Core::Attempt{Core::Got::create};
  co_return Core::Attempt{Core::Got::closed};
}

// A dead idle connection's siblings quiet as long are pinged together, in one wait of at most
// the validation timeout, rather than each costing the next caller one of its own.
asio::awaitable<void> check_quiet_siblings(PoolImpl& p, const PoolEntry* dead) {
  std::vector<PoolEntry*> siblings = p.borrow_quiet_siblings(dead);
  if (siblings.empty()) co_return;
  auto executor = co_await this_coro::executor;
  using Ping = decltype(asio::co_spawn(executor, detail::async_ping(*siblings[0]->conn, Millis{}), asio::deferred));
  std::vector<Ping> pings;
  for (PoolEntry* e : siblings)
    pings.push_back(
        asio::co_spawn(executor, detail::async_ping(*e->conn, p.config.pool.validation_timeout), asio::deferred));
  auto [order, errors, alive] = co_await asio::experimental::make_parallel_group(std::move(pings))
                                    .async_wait(asio::experimental::wait_for_all(), use_awaitable);
  for (std::size_t i = 0; i < siblings.size(); ++i) p.settle_checked(siblings[i], !errors[i] && alive[i]);
}

}  // namespace

asio::awaitable<Result> AsyncConnection::run(QueryOptions options, Sql sql, std::shared_ptr<Params> params) {
  co_return co_await detail::async_run(*lease_, options, sql, params.get());
}

asio::awaitable<Result> AsyncConnection::execute(Sql sql, QueryOptions options) {
  return detail::async_run(*lease_, options, sql, nullptr);
}

asio::awaitable<std::vector<Result>> AsyncConnection::pipeline(const Pipeline& batch, QueryOptions options) {
  return detail::async_pipeline(*lease_, batch, options);
}

asio::awaitable<AsyncConnection> AsyncPool::acquire(std::source_location where) {
  PoolImpl& p = PoolAccess::impl(*pool_);
  Core& core = p.core;
  const PoolSettings& s = p.config.pool;
  std::optional<Clock::time_point> start;
  Clock::time_point deadline;
  int connect_failures = 0;
  for (;;) {
    Core::Attempt a =
        start ? co_await wait_in_line(core, deadline, [&p](PoolEntry* e) { p.close_entry(e); }) : core.try_acquire();
    if (!start && a.got != Core::Got::resource) {
      start = Clock::now();
      deadline = *start + s.acquire_timeout;
      if (a.got == Core::Got::wait) continue;
    }
    switch (a.got) {
      case Core::Got::resource: {
        PoolEntry* e = a.resource;
        detail::IdleCheck check = p.check_idle(e);
        if (check == detail::IdleCheck::ping) {
          bool alive = false;
          std::exception_ptr cancelled;
          try {
            // Bounded as the blocking pool's ping is (Pool::usable): a forgotten link must cost
            // the validation timeout, not the acquire's.
            Millis left = std::chrono::duration_cast<Millis>((start ? deadline : Clock::now() + s.acquire_timeout) -
                                                             Clock::now());
            alive = co_await detail::async_ping(*e->conn, std::min(s.validation_timeout, std::max(left, Millis{10})));
          } catch (...) {
            cancelled = std::current_exception();  // our caller gave up mid-ping
          }
          if (cancelled) {
            p.discard(e);  // closed mid-protocol by the driver: not reusable
            std::rethrow_exception(cancelled);
          }
          if (!alive) {
            p.validation_failed();
            co_await check_quiet_siblings(p, e);
            check = detail::IdleCheck::discard;
          } else if (p.turned_read_only(*e->conn)) {
            p.drain_read_only(e);  // its server became a standby or read-only: a failover
            check = detail::IdleCheck::discard;
          }
        }
        if (check == detail::IdleCheck::discard) {
          p.discard(e);
          continue;
        }
        co_return AsyncConnection(p.lease(e, where, start, true));
      }
      case Core::Got::create: {
        PoolEntry* e = nullptr;
        std::exception_ptr failure;
        try {
          auto conn = ConnectionAccess::make_unconnected(p.config);
          co_await detail::async_connect(*conn, p.config, std::min(deadline, Clock::now() + s.connect_timeout));
          QueryOptions setup{.timeout = s.connect_timeout, .prepare = false};
          for (const auto& setting : p.session_settings()) {
            Params params(setting.name, setting.value);
            co_await detail::async_run(*conn, setup, kSetConfig, &params);
          }
          e = p.adopt(std::move(conn));
        } catch (...) {
          failure = std::current_exception();
        }
        if (e) {
          core.created(e);
          co_return AsyncConnection(p.lease(e, where, start, true));
        }
        core.create_failed();
        Millis pause = p.retry.delay(++connect_failures);
        try {
          std::rethrow_exception(failure);
        } catch (const CannotConnect& err) {
          p.connect_failed();
          // A server restarting or starting up: try again until the acquire deadline.
          if (!is_transient(err) || Clock::now() + pause >= deadline) throw;
        }
        co_await sleep(pause);
        continue;
      }
      case Core::Got::closed: p.throw_closed(where);
      case Core::Got::timeout:
      case Core::Got::wait: p.throw_exhausted(*start, where);
    }
  }
}

asio::awaitable<Result> AsyncPool::run(bool idempotent, QueryOptions options, Sql sql, std::shared_ptr<Params> params) {
  PoolImpl& p = PoolAccess::impl(*pool_);
  auto started = Clock::now();
  if (idempotent) begin_request();
  for (int attempt = 1;; ++attempt) {
    std::exception_ptr failure;
    const std::uint64_t discards = read_only_discards();
    try {
      AsyncConnection conn = co_await acquire(sql.where);
      co_return co_await detail::async_run(conn.connection(), options, sql, params.get());
    } catch (const CannotConnect&) {
      throw;  // acquire already retried connecting up to its own deadline
    } catch (const Error& e) {
      if (!idempotent || (!is_transient(e) && !p.failed_over_since(discards, e))) throw;
      failure = std::current_exception();
    }
    Millis pause = p.retry.delay(attempt);
    if (!p.may_retry(attempt, started, pause)) std::rethrow_exception(failure);
    co_await sleep(pause);
  }
}

asio::awaitable<std::vector<Result>> AsyncPool::pipeline(const Pipeline& batch, QueryOptions options) {
  AsyncConnection conn = co_await acquire();
  co_return co_await conn.pipeline(batch, options);
}

void AsyncPool::begin_request() { PoolAccess::impl(*pool_).budget.on_request(); }

std::uint64_t AsyncPool::read_only_discards() const {
  return PoolAccess::impl(*pool_).read_only_discards.load(std::memory_order_relaxed);
}

Millis AsyncPool::retry_pause(std::exception_ptr failure, bool commit_sent, int attempt, Clock::time_point started,
                              const TransactionOptions& options, std::uint64_t discards) {
  PoolImpl& p = PoolAccess::impl(*pool_);
  try {
    std::rethrow_exception(failure);
  } catch (const CannotConnect&) {
    throw;
  } catch (const Error& e) {
    // The rules of Pool::run_in_transaction: never repeat a transaction whose COMMIT was sent
    // when the connection broke.
    bool retryable = options.retry && (is_transaction_retryable(e) || p.failed_over_since(discards, e)) &&
                     !(commit_sent && is_transient(e));
    Millis pause = p.retry.delay(attempt);
    if (!retryable || !p.may_retry(attempt, started, pause)) throw;
    log().debug("retrying transaction after {} (attempt {})", e.sqlstate(), attempt + 1);
    return pause;
  }
}

asio::awaitable<void> AsyncPool::rollback(AsyncConnection& conn) {
  Connection& c = conn.connection();
  if (c.broken() || c.transaction_status() == TxStatus::idle) co_return;
  try {
    co_await conn.execute("ROLLBACK");
  } catch (const Error&) {
    c.close();  // the server rolls back a transaction whose connection closes
  }
}

asio::awaitable<void> AsyncPool::commit(AsyncConnection& conn, bool& commit_sent) {
  Connection& c = conn.connection();
  if (c.transaction_status() == TxStatus::failed) {
    co_await conn.execute("ROLLBACK");
    throw UsageError({.message = "a statement failed inside the transaction and its error was caught; the "
                                 "transaction was rolled back",
                      .hint = "let the error propagate, or catch it outside the transaction"});
  }
  if (c.transaction_status() == TxStatus::idle) co_return;
  commit_sent = true;
  co_await conn.execute("COMMIT");
}

asio::awaitable<void> AsyncPool::sleep(Millis pause) {
  asio::steady_timer timer(co_await this_coro::executor, pause);
  co_await timer.async_wait(use_awaitable);
}

}  // namespace pgkit
