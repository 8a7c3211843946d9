#include "connection/connect_op.hpp"

#include <fmt/format.h>

#include "connection/connect_error.hpp"
#include "connection/connection_access.hpp"
#include "pgkit/error.hpp"
#include "pgkit/log.hpp"

namespace pgkit::detail {

ConnectOp::ConnectOp(Connection& conn, const Config& config) : conn_(conn), config_(config) {}

void ConnectOp::fail(std::string msg) {
  conn_.close();
  throw_connect_error(conn_.display_url(), msg, config_);
}

void ConnectOp::deadline_passed() {
  // The deadline may be the caller's acquire deadline, shorter than the connect timeout.
  auto waited = std::chrono::duration_cast<Millis>(Clock::now() - started_).count();
  fail(fmt::format("timed out after {} ms (DB_CONNECTION_TIMEOUT_MS is {} ms; an acquire deadline can be shorter)",
                   waited, config_.pool.connect_timeout.count()));
}

Want ConnectOp::want_of(PostgresPollingStatusType st) {
  PGconn* pg = ConnectionAccess::pg(conn_);
  switch (st) {
    case PGRES_POLLING_OK:
      ConnectionAccess::broken(conn_) = false;
      // Server notices go to pgkit's log, not straight to stderr.
      PQsetNoticeProcessor(
          pg, [](void*, const char* message) { log().info("server: {}", mask_secrets(trimmed(message))); }, nullptr);
      // Sends go through PQflush in every driver, so libpq never blocks on a full socket.
      PQsetnonblocking(pg, 1);
      return Want::done;
    case PGRES_POLLING_READING: return Want::read;
    case PGRES_POLLING_WRITING: return Want::write;
    default: fail(trimmed(PQerrorMessage(pg)));
  }
}

Want ConnectOp::start() {
  PGconn*& pg = ConnectionAccess::pg(conn_);
  pg = PQconnectStart(config_.conninfo().c_str());
  if (!pg) throw CannotConnect({.sqlstate = "08001", .message = "libpq could not allocate a connection"}, {});
  if (PQstatus(pg) == CONNECTION_BAD) fail(trimmed(PQerrorMessage(pg)));
  return Want::write;  // libpq's documented first step: wait until the socket is writable
}

Want ConnectOp::resume() { return want_of(PQconnectPoll(ConnectionAccess::pg(conn_))); }

bool ConnectOp::needs_datestyle() const { return conn_.parameter_status("DateStyle").rfind("ISO", 0) != 0; }

}  // namespace pgkit::detail
