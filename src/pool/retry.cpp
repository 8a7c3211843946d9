#include "pgkit/retry.hpp"

#include <algorithm>
#include <random>

#include "pgkit/error.hpp"

namespace pgkit {

Millis RetryPolicy::delay(int retry) const {
  thread_local std::minstd_rand rng{std::random_device{}()};
  int shift = std::clamp(retry - 1, 0, 30);
  long long cap = std::min<long long>(max_delay.count(), base_delay.count() << shift);
  if (cap <= 0) return Millis{0};
  return Millis{std::uniform_int_distribution<long long>(0, cap)(rng)};
}

void RetryBudget::on_request() {
  std::lock_guard lk(mu_);
  balance_ = std::min(burst_, balance_ + ratio_);
}

bool RetryBudget::try_spend() {
  std::lock_guard lk(mu_);
  if (balance_ < kUnit) return false;
  balance_ -= kUnit;
  return true;
}

double RetryBudget::balance() const {
  std::lock_guard lk(mu_);
  return static_cast<double>(balance_) / kUnit;
}

bool is_transient(const Error& e) {
  const auto& s = e.sqlstate();
  return s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" || s == "57P03" || s == "53300";
}

bool is_transaction_retryable(const Error& e) {
  const auto& s = e.sqlstate();
  // 26000 / 42P05 on one of pgkit's own statements: a transaction pooler lost it, the
  // connection has switched to unnamed statements, and the transaction will succeed again.
  const bool pooler_lost_statement = (s == "26000" || s == "42P05") && e.message().find("pgkit_") != std::string::npos;
  return s == "40001" || s == "40P01" || (s == "0A000" && e.message().find("cached plan") != std::string::npos) ||
         pooler_lost_statement || is_transient(e);
}

}  // namespace pgkit
