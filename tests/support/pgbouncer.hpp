#pragma once
/// @file pgbouncer.hpp
/// A PgBouncer (Debian's /usr/sbin/pgbouncer) in front of a test server, for the tests that run
/// pgkit through a transaction pooler. It runs in the foreground as a child process (as the
/// `postgres` user when we are root: pgbouncer refuses root), with a generated ini and auth_file
/// in a directory next to the server's data directory; the destructor stops it, and the kernel
/// kills it (PR_SET_PDEATHSIG) if the test executable dies first.

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "pgkit/local_cluster.hpp"

namespace pgkit::test {

struct PgBouncerOptions {
  std::string pool_mode = "transaction";
  /// Server connections per database/user pair: small, so that clients share them.
  int default_pool_size = 5;
  int max_client_conn = 200;
};

class PgBouncer {
 public:
  /// Starts pgbouncer in front of server and waits until it accepts connections.
  /// @throws std::runtime_error with the tail of its log
  explicit PgBouncer(const LocalCluster& server, PgBouncerOptions options = {});
  ~PgBouncer();
  PgBouncer(const PgBouncer&) = delete;
  PgBouncer& operator=(const PgBouncer&) = delete;

  int port() const { return port_; }
  /// `postgresql://user:password@127.0.0.1:PORT/dbname`, through pgbouncer, with
  /// `?pgbouncer=true` when pgbouncer_setting (pgkit's own setting, not libpq's).
  std::string url(bool pgbouncer_setting = true, const std::string& dbname = "postgres") const;
  /// The last lines of pgbouncer's log file, for failure messages.
  std::string log_tail(int lines = 30) const;
  /// Stop it (SIGTERM, then SIGKILL) and wait. Idempotent.
  void stop() noexcept;

 private:
  const LocalCluster& server_;
  std::filesystem::path dir_;
  int port_ = 0;
  pid_t pid_ = 0;
  std::thread waiter_;                         // forked pgbouncer and reaps it: its parent, for PR_SET_PDEATHSIG
  std::shared_ptr<std::atomic<bool>> exited_;  // set by the waiter once reaped
};

/// True when PGKIT_TEST_THROUGH_PGBOUNCER=1: config_for() routes the shared server's clients
/// through shared_bouncer().
bool through_pgbouncer();

/// A pgbouncer in front of shared_server() (transaction mode, default_pool_size 5), started on
/// first use and kept for the whole executable.
PgBouncer& shared_bouncer();

}  // namespace pgkit::test
