#pragma once
/// @file shutdown.hpp
/// SIGINT and SIGTERM as ordinary events a program waits for, so that it can close its pool
/// gracefully and exit 0 — what a Node.js program does with `process.on("SIGINT", …)`.
///
/// @code
///   int main() {
///     pgkit::ShutdownSignals signals;             // first, before any thread starts
///     pgkit::Pool pool(config);
///     while (!signals.wait_for(std::chrono::seconds(1))) do_periodic_work(pool);
///     pool.close();                                // finish in-flight work, close connections
///   }
/// @endcode

#include "pgkit/config.hpp"

namespace pgkit {

class ShutdownSignals {
 public:
  /// Block SIGINT and SIGTERM in this thread; threads started afterwards inherit the mask, so
  /// the signals stay pending until wait_for() takes them.
  ShutdownSignals();
  /// Restore the previous signal mask.
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  /// Wait up to timeout for SIGINT or SIGTERM. Returns the signal number, or 0 on timeout.
  int wait_for(Millis timeout);

 private:
  unsigned long long previous_mask_[16];  // a sigset_t, without <signal.h> in the header
};

}  // namespace pgkit
