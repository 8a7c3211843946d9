#pragma once
// The log's format, one line per request, and the mapping from a handler's exception to the client's answer.
#include <chrono>
#include <exception>
#include <string>

#include "http/http.hpp"
#include "server/metrics.hpp"

namespace pgkit::server {

/// Logs as text (development) or one JSON object per line (production), request lines
/// included. LOG_LEVEL sets the level.
void configure_logging(bool json, const std::string& level);

/// method, route, status, duration and request id; never the query string, body or headers
/// (they may hold tokens).
void log_request(const http::Request& req, const std::string& route, int status, std::chrono::nanoseconds took);

/// The response for what a handler threw: HttpError as it says; the database unavailable or
/// not configured 503; a conflict 409; invalid input caught by PostgreSQL 400; anything else
/// 500, logged with the request id (the client sees only that id). Counts database errors.
http::Response error_for(std::exception_ptr failure, const http::Request& req, Metrics& metrics);

}  // namespace pgkit::server
