#pragma once
/// @file database.hpp
/// Optional database mode: a program that starts whether or not a database is configured or
/// reachable, and asks before it uses one. A facade over Cluster (the cluster layer): the
/// primary's Pool, and its replicas when DATABASE_REPLICA_URL names some.
///
/// @code
///   auto db = pgkit::Database::from_environment();     // never throws
///   if (!db.configured()) log("running without a database");
///   else if (!db.test_connection()) log("database configured but not reachable yet");
///   if (db.connected()) db.pool().query(…);
/// @endcode

#include <memory>

#include "pgkit/cluster.hpp"
#include "pgkit/config.hpp"
#include "pgkit/pool.hpp"

namespace pgkit {

/// A database that may be missing: configuration problems are kept, not thrown, until used.
class Database {
 public:
  /// Load the configuration (environment, .env) and, when one is configured and valid, start a
  /// pool. Problems are kept for problems(), not thrown.
  static Database from_environment(const ConfigOptions& options = {}, PoolHooks hooks = {});
  explicit Database(LoadedConfig loaded, PoolHooks hooks = {});

  /// A database is configured and its configuration is valid.
  bool configured() const noexcept { return cluster_ != nullptr; }
  /// The last use of the database succeeded (false when not configured).
  bool connected() const noexcept { return cluster_ && cluster_->primary().connected(); }
  /// A round trip to the primary now, within timeout (false when not configured).
  bool test_connection(Millis timeout = Millis{2000}) noexcept {
    return cluster_ && cluster_->primary().test_connection(timeout);
  }
  /// The primary's pool. @throws NotConfigured naming the variables to set, or the config problems.
  Pool& pool() { return cluster().primary(); }
  /// The primary and its replicas (DATABASE_REPLICA_URL), routing by intent.
  /// @throws NotConfigured, ConfigError as pool()
  Cluster& cluster();
  const LoadedConfig& config() const noexcept { return loaded_; }

 private:
  LoadedConfig loaded_;
  std::unique_ptr<Cluster> cluster_;
};

}  // namespace pgkit
