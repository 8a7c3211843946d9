#pragma once
// Connection's private parts that operations and drivers use.
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "pgkit/connection.hpp"

namespace pgkit::detail {

struct ConnectionAccess {
  static std::unique_ptr<Connection> make_unconnected(const Config& config) {
    return std::unique_ptr<Connection>(new Connection(config, Connection::Deferred{}));
  }
  static PGconn*& pg(Connection& c) { return c.conn_; }
  static bool& broken(Connection& c) { return c.broken_; }
  static std::unordered_map<std::string, std::string>& statements(Connection& c) { return c.statements_; }
  /// The next statement name, "pgkit_<connection's random part>_<n>".
  static std::string next_statement_name(Connection& c);
  /// The names' per-connection part (tests make two connections collide with it).
  static std::string& statement_prefix(Connection& c) { return c.statement_prefix_; }
  static Millis cancel_grace(const Connection& c) { return c.cancel_grace_; }
  static std::shared_ptr<void>& driver_state(Connection& c) { return c.driver_state_; }
  static void log_query(const Connection& c, Sql sql, Clock::time_point started) { c.log_query(sql, started); }
};

}  // namespace pgkit::detail
