#pragma once
// A fixed-window rate limit per key (an email, a client address), in memory: one process's
// view, which is what a single pgkit-server needs; several replicas each keep their own.
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace pgkit::server {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(int limit, std::chrono::seconds window) : limit_(limit), window_(window) {}
  /// Counts one use of key; 0 when allowed, otherwise the seconds until the window reopens.
  long hit(const std::string& key);

 private:
  struct Window {
    Clock::time_point start;
    int count = 0;
  };
  int limit_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
  Clock::time_point last_sweep_ = Clock::now();
};

}  // namespace pgkit::server
