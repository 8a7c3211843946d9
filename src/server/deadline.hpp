#pragma once
// with_deadline: a database read raced against a timer, for reads that have somewhere else to
// go when slow (a replica just gone but still in rotation, a health probe). Asio's awaitable
// operators stay in the few files that include this.
#include <chrono>
#include <optional>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "pgkit/error.hpp"

namespace pgkit::server {

namespace detail {

inline boost::asio::awaitable<void> sleep_for(std::chrono::milliseconds d) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, d);
  co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));  // cancelled: a value, not a throw
}

// work's result, or nullopt when it failed: a race's branch must not fail, or the race would
// wait for the timer (which never fails) and lose the error.
template <class T>
boost::asio::awaitable<std::optional<T>> settled(boost::asio::awaitable<T> work) {
  try {
    co_return co_await std::move(work);
  } catch (const Error&) {
    co_return std::nullopt;
  }
}

}  // namespace detail

/// work's result; nullopt if it fails with a pgkit::Error or deadline passes first (work is then
/// cancelled, its connection given back).
template <class T>
boost::asio::awaitable<std::optional<T>> with_deadline(boost::asio::awaitable<T> work,
                                                       std::chrono::milliseconds deadline) {
  using namespace boost::asio::experimental::awaitable_operators;
  auto first = co_await (detail::settled(std::move(work)) || detail::sleep_for(deadline));
  if (first.index() == 0) co_return std::move(std::get<0>(first));
  co_return std::nullopt;
}

}  // namespace pgkit::server
