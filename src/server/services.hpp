#pragma once
// What route handlers share: the database, the mailer, rate limits, metrics and settings.
// Owned by the App; handlers get a reference.
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "pgkit/async.hpp"
#include "pgkit/database.hpp"
#include "server/mailer.hpp"
#include "server/metrics.hpp"
#include "server/rate_limit.hpp"

namespace pgkit::server {

struct Settings {
  std::string app_url = "http://localhost:3000";     ///< APP_URL: where sign-in links point
  std::chrono::seconds magic_link_ttl{15 * 60};      ///< single-use, 15 minutes
  std::chrono::seconds access_ttl{15 * 60};          ///< ACCESS_TOKEN_TTL seconds
  std::chrono::seconds refresh_ttl{30 * 24 * 3600};  ///< REFRESH_TOKEN_TTL seconds
  int magic_links_per_email = 5;                     ///< MAGIC_LINK_LIMIT_EMAIL per window
  int magic_links_per_address = 20;                  ///< MAGIC_LINK_LIMIT_ADDRESS per window
  std::chrono::seconds rate_window{15 * 60};         ///< MAGIC_LINK_LIMIT_WINDOW seconds
  std::chrono::milliseconds health_deadline{2000};   ///< a health check's round trip
  /// A read on a replica that takes longer (a replica just gone, still in rotation) runs on the
  /// primary instead.
  std::chrono::milliseconds replica_read_deadline{1000};
};

struct Services {
  Services(Database& database, std::unique_ptr<Mailer> mailer, Settings settings)
      : database(database),
        mailer(std::move(mailer)),
        settings(settings),
        email_limiter(settings.magic_links_per_email, settings.rate_window),
        address_limiter(settings.magic_links_per_address, settings.rate_window) {}

  /// The async pool. @throws HttpError 503 "database_not_configured" when there is none.
  AsyncPool db();

  Database& database;
  std::unique_ptr<Mailer> mailer;
  Settings settings;
  Metrics metrics;
  RateLimiter email_limiter;
  RateLimiter address_limiter;
  /// Migrations on disk not yet applied; -1 while unknown (database not reached yet).
  std::atomic<int> pending_migrations{-1};
};

/// The current time as the API writes it (ISO 8601, UTC, milliseconds).
std::string iso_now();
/// The current time as the client writes it, microseconds (revoked_at, expires_at…).
Timestamp now();

}  // namespace pgkit::server
