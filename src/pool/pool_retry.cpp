// Pool's retry loops: what is retried, how often, within which budget, and never after an
// outcome became unknown (a connection lost after COMMIT was sent).
#include <thread>

#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pgkit/transaction.hpp"
#include "pool/pool_impl.hpp"

namespace pgkit {

bool Pool::Impl::may_retry(int attempt, Clock::time_point started, Millis pause) {
  if (attempt >= retry.max_attempts) return false;
  if (Clock::now() + pause - started > retry.max_elapsed) return false;
  if (!budget.try_spend()) {
    log().warn("retry budget spent (retries are capped at a fraction of requests): not retrying");
    return false;
  }
  return true;
}

void Pool::retry_loop(const std::function<void()>& fn) {
  impl_->budget.on_request();
  auto started = Clock::now();
  for (int attempt = 1;; ++attempt) {
    const auto discards = impl_->read_only_discards.load(std::memory_order_relaxed);
    try {
      fn();
      return;
    } catch (const CannotConnect&) {
      throw;  // acquire already retried connecting up to its own deadline
    } catch (const Error& e) {
      if (!is_transient(e) && !impl_->failed_over_since(discards, e)) throw;
      auto pause = impl_->retry.delay(attempt);
      if (!impl_->may_retry(attempt, started, pause)) throw;
      log().debug("retrying after {} (attempt {}): {}", e.sqlstate(), attempt + 1, e.message());
      std::this_thread::sleep_for(pause);
    }
  }
}

void Pool::run_in_transaction(const std::function<void(Transaction&)>& fn, const TransactionOptions& options) {
  impl_->budget.on_request();
  auto started = Clock::now();
  for (int attempt = 1;; ++attempt) {
    bool commit_sent = false;
    const auto discards = impl_->read_only_discards.load(std::memory_order_relaxed);
    try {
      auto conn = acquire();
      run_transaction(*conn, fn, options, &commit_sent);
      return;
    } catch (const CannotConnect&) {
      throw;
    } catch (const Error& e) {
      // A connection lost after COMMIT was sent leaves the outcome unknown: never repeat that.
      bool retryable = options.retry && (is_transaction_retryable(e) || impl_->failed_over_since(discards, e)) &&
                       !(commit_sent && is_transient(e));
      auto pause = impl_->retry.delay(attempt);
      if (!retryable || !impl_->may_retry(attempt, started, pause)) throw;
      log().debug("retrying transaction after {} (attempt {})", e.sqlstate(), attempt + 1);
      std::this_thread::sleep_for(pause);
    }
  }
}

}  // namespace pgkit
