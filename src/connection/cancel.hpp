#pragma once
// Cancelling what a connection runs, on the server (PQcancel). PQcancel opens a connection of
// its own and waits for the server: io threads and deadlines must not wait for that, so it can
// run on a short-lived thread, with a process-wide cap on how many are in flight.
#include <libpq-fe.h>

#include "pgkit/connection.hpp"

namespace pgkit::detail {

/// How a cancel request reaches the server: inline (blocking drivers), or from a short-lived
/// thread (io threads must not wait for the TCP handshake PQcancel makes).
enum class CancelMode { inline_call, background_thread };

/// Ask the server to stop what pg runs, inline or from a short-lived thread.
bool send_cancel(PGconn* pg, CancelMode mode) noexcept;

/// Close conn now (it is unusable from here on) and cancel what it runs, from a short-lived
/// thread that closes libpq's connection only once the cancel request was delivered: a pooler
/// (PgBouncer) finds the server connection to cancel through our client connection, and drops
/// the request when that connection is already gone.
void cancel_then_close(Connection& conn) noexcept;

}  // namespace pgkit::detail
