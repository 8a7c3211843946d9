#pragma once
// Time as the fault tests measure it: milliseconds on the steady clock.
#include <chrono>

namespace pgkit::test {

using SteadyClock = std::chrono::steady_clock;

inline long long ms_since(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - t).count();
}

}  // namespace pgkit::test
