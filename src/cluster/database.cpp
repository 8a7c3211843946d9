// Database: optional database mode over a Cluster, which starts only when one is configured.
#include "pgkit/database.hpp"

#include "pgkit/error.hpp"

namespace pgkit {

Database Database::from_environment(const ConfigOptions& options, PoolHooks hooks) {
  return Database(load_config(options), std::move(hooks));
}

Database::Database(LoadedConfig loaded, PoolHooks hooks) : loaded_(std::move(loaded)) {
  if (loaded_.ok() && loaded_.config.configured())
    cluster_ = std::make_unique<Cluster>(loaded_.config, std::move(hooks));
}

Cluster& Database::cluster() {
  if (cluster_) return *cluster_;
  if (!loaded_.ok())
    throw ConfigError({.message = "the database configuration is invalid:\n" + loaded_.problems_text(),
                       .hint = "fix the settings named above (pgkit config shows them)"});
  throw NotConfigured({.message = "no database is configured",
                       .hint = "set DATABASE_URL (or DB_CONNECTION_STRING, DB_HOST…, POSTGRES_HOST…), e.g. in .env"});
}

}  // namespace pgkit
