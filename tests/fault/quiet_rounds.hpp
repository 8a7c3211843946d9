#pragma once
// The scenario of a NAT or load balancer that forgets connections quiet past its limit: rounds
// of silence, each followed by requests one after another, timed as a client with a time limit
// (`curl --max-time 3`) would see them.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "fault_clock.hpp"

namespace pgkit::test {

struct QuietRounds {
  long failed = 0;  ///< threw, answered wrongly, or took the client limit or more
  long long slowest_ms = 0;
  std::vector<long long> first_ms;  ///< the first request of each round: the one that meets the forgotten links
};

/// `rounds` times: `quiet` of silence, then `requests` calls of request(i) one after another.
/// request returns false for a wrong answer; a throw is a failure too, reported to GoogleTest.
inline QuietRounds after_quiet(const std::function<bool(int)>& request, long long client_limit_ms, int rounds = 3,
                               int requests = 20, std::chrono::milliseconds quiet = std::chrono::seconds(10)) {
  QuietRounds out;
  for (int round = 0; round < rounds; ++round) {
    std::this_thread::sleep_for(quiet);  // the quiet the scenario is about, not a synchronisation
    for (int i = 0; i < requests; ++i) {
      auto t = SteadyClock::now();
      bool ok = false;
      try {
        ok = request(i);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "round " << round << ", request " << i << ": " << e.what();
      }
      long long ms = ms_since(t);
      if (!ok || ms >= client_limit_ms) out.failed++;
      if (i == 0) out.first_ms.push_back(ms);
      out.slowest_ms = std::max(out.slowest_ms, ms);
    }
  }
  return out;
}

}  // namespace pgkit::test
