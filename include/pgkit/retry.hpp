#pragma once
/// @file retry.hpp
/// When and how pgkit tries again: exponential backoff with full jitter, bounded in attempts
/// and in time, and a retry budget so that an outage does not become a retry storm.
///
/// Retried: connection failures (SQLSTATE class 08), a server shutting down, crashed or not
/// yet accepting (57P01, 57P02, 57P03), too many connections (53300); for whole transactions
/// also serialization failures (40001) and deadlocks (40P01). Nothing else — and never a
/// statement whose outcome is unknown unless the caller marked it idempotent.

#include <chrono>
#include <mutex>

#include "pgkit/config.hpp"

namespace pgkit {

class Error;

/// Backoff settings. Sleep before retry n (1-based) is uniform in [0, min(max_delay, base_delay·2^(n-1))].
struct RetryPolicy {
  int max_attempts = 10;       ///< attempts in all, the first included; default 10; 1 = no retry
  Millis base_delay{50};       ///< default 50 ms
  Millis max_delay{2'000};     ///< cap on one sleep; default 2 s
  Millis max_elapsed{15'000};  ///< give up when the next sleep would pass this; default 15 s

  /// The sleep before retry number `retry` (1 for the first retry), with full jitter.
  Millis delay(int retry) const;
  /// No retries at all.
  static RetryPolicy none() { return {.max_attempts = 1}; }
};

/// Caps retries at a fraction of recent requests: every request deposits `ratio`, every retry
/// withdraws 1, and the balance never exceeds `burst`. Thread-safe.
class RetryBudget {
 public:
  explicit RetryBudget(double ratio = 0.2, double burst = 20)
      : ratio_(static_cast<long>(ratio * kUnit + 0.5)), burst_(static_cast<long>(burst * kUnit)), balance_(burst_) {}
  /// Count a first attempt.
  void on_request();
  /// Take one retry from the budget; false when it is spent.
  bool try_spend();
  double balance() const;

 private:
  // Kept in thousandths of a retry, so that ten deposits of 0.1 make exactly one.
  static constexpr long kUnit = 1000;
  mutable std::mutex mu_;
  long ratio_;
  long burst_;
  long balance_;
};

/// The server or the link failed in a way a new attempt may not meet: class 08, 57P01-03, 53300.
bool is_transient(const Error& e);
/// A whole transaction may be retried after this: 40001, 40P01, a stale cached plan (0A000),
/// or a transient error before COMMIT was sent.
bool is_transaction_retryable(const Error& e);

}  // namespace pgkit
