// The pool's background thread: keeps min connections open, closes idle and aged ones, pings
// quiet ones, and reports connections held past the leak threshold.
#include <algorithm>
#include <source_location>
#include <vector>

#include <fmt/format.h>

#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pool/pool_impl.hpp"

namespace pgkit {

using detail::PoolEntry;

namespace {

// How often housekeeping runs: often enough to honour the idle timeout and leak threshold
// within a fraction of themselves, never busier than every 50 ms.
Millis tick_of(const PoolSettings& s) {
  Millis t{1000};
  if (s.idle_timeout.count() > 0) t = std::min(t, s.idle_timeout / 4);
  if (s.leak_threshold.count() > 0) t = std::min(t, s.leak_threshold / 4);
  if (s.idle_ping.count() > 0) t = std::min(t, s.idle_ping / 4);
  return std::max(t, Millis{50});
}

}  // namespace

void Pool::Impl::housekeeping() {
  const PoolSettings& s = config.pool;
  const Millis tick = tick_of(s);
  int refill_failures = 0;
  Clock::time_point next_refill{};
  Clock::time_point last_warning{};
  for (;;) {
    auto now = Clock::now();

    // Retire: aged connections whatever the count (refilled below), idle ones above min.
    auto aged = core.evict_idle([&](PoolEntry* e) { return now >= e->expires; }, 0);
    auto idle = core.evict_idle(
        [&](PoolEntry* e) { return s.idle_timeout.count() > 0 && now - e->last_used >= s.idle_timeout; }, s.min);
    // Drained: opened before their server turned read-only under a pool that wants a primary.
    const auto drain_before = drain_before_ns.load(std::memory_order_relaxed);
    auto drained = core.evict_idle([&](PoolEntry* e) { return detail::ns_of(e->created) < drain_before; }, 0);
    for (PoolEntry* e : drained) close_entry(e);
    for (PoolEntry* e : aged) close_entry(e);
    for (PoolEntry* e : idle) close_entry(e);

    // Idle pings: a quiet connection is one a NAT or load balancer may forget without telling
    // either side; a round trip keeps it known. One that fails the ping is closed here, where no
    // caller waits for it. Bounded, so a dead link costs this thread, never a caller, the time.
    // One at a time, so callers always find the rest; at the first dead one the siblings become
    // suspects (checked by acquire within its own deadline) instead of each costing a ping here.
    if (s.idle_ping.count() > 0) {
      for (;;) {
        auto quiet = core.borrow_idle([&, taken = false](PoolEntry* e) mutable {
          return !taken && now - e->last_used >= s.idle_ping && (taken = true);
        });
        if (quiet.empty()) break;
        PoolEntry* e = quiet.front();
        if (e->conn->ping(std::min(s.connect_timeout, s.idle_ping))) {
          e->last_used = detail::coarse_now();
          if (!core.release(e)) close_entry(e);
          continue;
        }
        validation_failed();
        suspect_before_ns.store(detail::ns_of(detail::coarse_now()), std::memory_order_relaxed);
        discard(e);
        break;
      }
    }

    // Keep min open, backing off while the server is unreachable.
    if (now >= next_refill) {
      int slots = core.reserve_to(s.min);
      for (int i = 0; i < slots; ++i) {
        try {
          PoolEntry* e = open_entry(Clock::now() + s.connect_timeout);
          if (!core.created_idle(e)) close_entry(e);
          if (refill_failures > 0) log().info("database reachable again: {}", config.masked());
          refill_failures = 0;
        } catch (const Error& err) {
          for (int j = i; j < slots; ++j) core.create_failed();
          auto pause = std::min<Millis>(Millis{5000}, Millis{100L << std::min(refill_failures++, 6)});
          next_refill = Clock::now() + pause;
          // One warning now, then one every 30 s: an outage should not flood the log.
          if (Clock::now() - last_warning > std::chrono::seconds(30)) {
            log().warn("cannot open connections to keep DB_POOL_MIN={} ready (retrying): {}", s.min, err.what());
            last_warning = Clock::now();
          }
          break;
        } catch (const std::exception& err) {  // a throwing after_connect hook
          for (int j = i; j < slots; ++j) core.create_failed();
          next_refill = Clock::now() + Millis{1000};
          log().warn("after_connect hook failed: {}", err.what());
          break;
        }
      }
    }

    // Leaks: a connection held past the threshold is reported once, with where it was taken.
    if (s.leak_threshold.count() > 0) {
      auto limit = detail::ns_of(detail::coarse_now()) - std::chrono::nanoseconds(s.leak_threshold).count();
      std::vector<std::source_location> leaks;  // logged after the pool lock is released
      core.for_each([&](PoolEntry* e, bool is_idle) {
        auto at = e->acquired_ns.load(std::memory_order_acquire);
        if (is_idle || at == 0 || at > limit || e->leak_reported.exchange(true)) return;
        leaks_reported.fetch_add(1, std::memory_order_relaxed);
        leaks.push_back(e->acquired_where);
      });
      for (const auto& where : leaks)
        log().warn("possible connection leak: held for more than {} ms (DB_LEAK_THRESHOLD_MS), acquired at {}:{} ({})",
                   s.leak_threshold.count(), where.file_name(), where.line(), where.function_name());
    }

    std::unique_lock lk(stop_mu);
    if (stop_cv.wait_for(lk, tick, [&] { return stopping; })) return;
  }
}

}  // namespace pgkit
