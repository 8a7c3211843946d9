#include "server/services.hpp"

#include <fmt/chrono.h>

#include "pgkit/error.hpp"
#include "server/http.hpp"

namespace pgkit::server {

AsyncPool Services::db() {
  if (!database.configured())
    throw HttpError(503, "database_not_configured",
                    "this route needs the database, and none is configured: set DATABASE_URL (or DB_*/POSTGRES_*) "
                    "and restart");
  return AsyncPool(database.pool());
}

std::string iso_now() {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now - seconds).count();
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, millis);
}

Timestamp now() { return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()); }

}  // namespace pgkit::server
