#include "server/services.hpp"

#include "pgkit/error.hpp"
#include "http/http.hpp"
#include "server/json_text.hpp"

namespace pgkit::server {

AsyncPool Services::db() {
  if (!database.configured())
    throw http::HttpError(
        503, "database_not_configured",
        "this route needs the database, and none is configured: set DATABASE_URL (or DB_*/POSTGRES_*) "
        "and restart");
  return AsyncPool(database.pool());
}

std::string iso_now() { return iso_time(now()); }

Timestamp now() { return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()); }

}  // namespace pgkit::server
