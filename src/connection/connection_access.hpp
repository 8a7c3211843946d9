#pragma once
// What a Connection holds, and the library's way to it: operations, drivers and the pool reach
// libpq's connection and the statement cache here, never through the installed header.
#include <libpq-fe.h>

#include <memory>
#include <string>
#include <unordered_map>

#include "pgkit/connection.hpp"

namespace pgkit {
namespace detail {
struct SocketWatcher;
}

struct Connection::Impl {
  /// Settings only, not connected.
  explicit Impl(const Config& config);

  PGconn* pg = nullptr;
  bool broken = false;
  std::string display_url;
  Millis slow_query;
  bool log_queries = false;
  Millis cancel_grace;  // how long a statement may take to stop after the server was asked to cancel it
  std::unordered_map<std::string, std::string> statements;  // SQL text → statement name
  unsigned next_statement = 0;
  bool named_statements = true;
  // "pgkit_<random>_": names unique to this connection, so that through a pooler a statement
  // reaching another server connection fails (26000) instead of running another client's
  // statement of the same name, and two clients' Parses never collide (42P05).
  std::string statement_prefix;
  // The Asio driver's watcher of the socket (src/async/socket_watcher.cpp): kept across leases,
  // let go of before libpq closes the socket.
  std::shared_ptr<detail::SocketWatcher> socket_watcher;
};

struct ConnectionAccess {
  /// Settings only, not connected: the asynchronous driver connects it.
  static std::unique_ptr<Connection> make_unconnected(const Config& config) {
    return std::unique_ptr<Connection>(new Connection(std::make_unique<Connection::Impl>(config)));
  }
  static PGconn*& pg(Connection& c) { return c.impl_->pg; }
  static bool& broken(Connection& c) { return c.impl_->broken; }
  static std::unordered_map<std::string, std::string>& statements(Connection& c) { return c.impl_->statements; }
  /// The next statement name, "pgkit_<connection's random part>_<n>".
  static std::string next_statement_name(Connection& c);
  /// The names' per-connection part (tests make two connections collide with it).
  static std::string& statement_prefix(Connection& c) { return c.impl_->statement_prefix; }
  static Millis cancel_grace(const Connection& c) { return c.impl_->cancel_grace; }
  static std::shared_ptr<detail::SocketWatcher>& socket_watcher(Connection& c) { return c.impl_->socket_watcher; }
  /// Log a statement that ran: every one with DB_LOG_QUERIES, slow ones (DB_SLOW_QUERY_MS) as warnings.
  static void log_query(const Connection& c, Sql sql, Clock::time_point started);
};

}  // namespace pgkit
