#pragma once
/// @file eventually.hpp
/// Waiting for what another thread, process or server brings about: poll a condition until it
/// holds or a deadline passes, and say in the failure what was awaited and what was seen.
///
/// @code
///   EXPECT_TRUE(eventually([&] { return pool.stats().idle == 3; }));
///   ASSERT_TRUE(eventually([&] { return ready(); }, 30s, [&] { return "last health: " + last.body; }));
/// @endcode
/// Inside EXPECT_TRUE/ASSERT_TRUE, GoogleTest's message quotes the condition's source; the
/// result adds how long it waited, how often it asked, the last exception and state().

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <string>
#include <thread>

namespace pgkit::test {

/// How long eventually() waits when not told: ample for a loaded machine, and a condition that
/// comes true sooner never costs it.
inline constexpr std::chrono::milliseconds kEventuallyTimeout{10'000};

/// Asks condition() at once, then again with pauses from 1 ms doubling to a cap of 50 ms, until
/// it returns true or timeout has passed (it is asked once more at the deadline). A condition
/// that throws has not come true yet (a server still starting); its last message is reported.
/// state() describes what the test was looking at, for the failure message.
template <class Condition, class State>
::testing::AssertionResult eventually(Condition condition, std::chrono::milliseconds timeout, State state) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const auto deadline = started + timeout;
  std::chrono::milliseconds pause{1};
  int asked = 0;
  std::string last_error;
  for (;;) {
    ++asked;
    try {
      if (static_cast<bool>(condition())) return ::testing::AssertionSuccess();
      last_error.clear();
    } catch (const std::exception& e) {
      last_error = e.what();
    }
    const auto now = Clock::now();
    if (now >= deadline) break;
    std::this_thread::sleep_for(std::min<Clock::duration>(pause, deadline - now));
    pause = std::min(pause * 2, std::chrono::milliseconds{50});
  }
  auto failure = ::testing::AssertionFailure();
  failure << "not true within " << timeout.count() << " ms (asked " << asked << " times)";
  if (!last_error.empty()) failure << "; the last attempt threw: " << last_error;
  try {
    if (std::string seen = state(); !seen.empty()) failure << "; " << seen;
  } catch (const std::exception& e) {
    failure << "; describing the state threw: " << e.what();
  }
  return failure;
}

/// eventually() without a state to report.
template <class Condition>
::testing::AssertionResult eventually(Condition condition, std::chrono::milliseconds timeout = kEventuallyTimeout) {
  return eventually(std::move(condition), timeout, [] { return std::string(); });
}

}  // namespace pgkit::test
