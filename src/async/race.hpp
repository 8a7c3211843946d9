#pragma once
// Races (Asio's awaitable operator ||) run where their branches cannot complete on two threads
// at once. The operator starts each branch on the caller's executor; on an io_context that
// several threads run, two branches may then complete together, and their group's cancellation
// state is not safe for that (ThreadSanitizer caught it in parallel_group_launch). AsyncPool is
// safe from several io threads, so the driver's timed socket waits run on a strand of the
// caller's executor — once per race, and only when the caller is not on a strand already.
// (Waiting in line for a connection races nothing: its deadline and its wake-up come through one
// channel, async_pool.cpp.) Private to the library.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace pgkit::detail {

/// co_await race() on a strand. race: a callable returning an awaitable; what it refers to must
/// live until this returns (the caller's frame waits for it).
template <class Race>
auto on_strand(Race race) -> decltype(race()) {
  namespace asio = boost::asio;
  auto ex = co_await asio::this_coro::executor;
  if (ex.template target<asio::strand<asio::io_context::executor_type>>() ||
      ex.template target<asio::strand<asio::any_io_executor>>())
    co_return co_await race();
  // (Named first: no temporaries in a co_await expression with g++ 12.)
  auto strand = asio::make_strand(ex);
  auto raced = asio::co_spawn(strand, race(), asio::use_awaitable);
  co_return co_await std::move(raced);
}

}  // namespace pgkit::detail
