#pragma once
// Opening a connection without blocking (PQconnectStart / PQconnectPoll).
#include <libpq-fe.h>

#include "connection/operation.hpp"
#include "pgkit/connection.hpp"

namespace pgkit::detail {

class ConnectOp {
 public:
  ConnectOp(Connection& conn, const Config& config);
  Want start();
  Want resume();
  /// The deadline passed: close and throw CannotConnect.
  [[noreturn]] void deadline_passed();
  /// Whether the session needs `SET DateStyle TO ISO` before pgkit can read its timestamps.
  bool needs_datestyle() const;

 private:
  [[noreturn]] void fail(std::string message);
  Want want_of(PostgresPollingStatusType st);

  Connection& conn_;
  const Config& config_;
  Clock::time_point started_ = Clock::now();
};

}  // namespace pgkit::detail
