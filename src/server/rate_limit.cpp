#include "server/rate_limit.hpp"

namespace pgkit::server {

long RateLimiter::hit(const std::string& key) {
  auto now = Clock::now();
  std::lock_guard lock(mutex_);
  // Old windows go once per window, so the map stays as large as one window's keys.
  if (now - last_sweep_ > window_) {
    std::erase_if(windows_, [&](const auto& kv) { return now - kv.second.start >= window_; });
    last_sweep_ = now;
  }
  Window& w = windows_[key];
  if (w.count == 0 || now - w.start >= window_) w = Window{now, 0};
  if (w.count >= limit_) {
    auto left = std::chrono::duration_cast<std::chrono::seconds>(w.start + window_ - now).count();
    return left < 1 ? 1 : left;
  }
  ++w.count;
  return 0;
}

}  // namespace pgkit::server
