#pragma once
/// @file run_on.hpp
/// Runs a coroutine to its end on an io_context of the test's own, with `threads` threads, and
/// returns its result (or throws what it threw). For the tests of pgkit's async API.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>
#include <vector>

namespace pgkit::test {

template <class F>
auto run_on(int threads, F coroutine) {
  boost::asio::io_context io;
  auto future = boost::asio::co_spawn(io, coroutine(), boost::asio::use_future);
  std::vector<std::thread> more;
  for (int i = 1; i < threads; ++i) more.emplace_back([&] { io.run(); });
  io.run();
  for (auto& t : more) t.join();
  return future.get();
}

}  // namespace pgkit::test
