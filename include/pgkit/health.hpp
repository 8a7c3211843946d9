#pragma once
/// @file health.hpp
/// A database's health, as `pgkit doctor` prints it: can the primary be reached, what is it,
/// how close is it to its limits, where do the migrations stand, how are the replicas — and
/// findings, each with its severity and what to fix. For health endpoints, start-up checks and
/// monitoring: everything the command shows, a program gets as values.
///
/// @code
///   pgkit::Cluster db(pgkit::load_config().config);
///   pgkit::HealthReport r = pgkit::check_health(db, {.migrations_dir = "migrations"});
///   for (const auto& f : r.findings) log(pgkit::to_string(f.severity), f.text());
/// @endcode
///
/// Above the migrate layer: the migrations' part comes from migrate::Migrator::status().

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "pgkit/cluster.hpp"
#include "pgkit/migrator.hpp"
#include "pgkit/pool.hpp"

namespace pgkit {

/// How much a finding matters.
enum class Severity {
  info,     ///< worth knowing; nothing to change in the configuration
  warning,  ///< likely to fail under load, over time or in transit
  error,    ///< fails as soon as the pools fill up
};
/// "info", "warning", "error".
const char* to_string(Severity s);

/// One thing that is wrong, or likely to go wrong, and what to do about it.
struct Finding {
  Severity severity = Severity::warning;
  /// A stable name for programs: "pool_exceeds_server", "idle_timeout_too_long", "no_tls",
  /// "idle_in_transaction", "long_running_statements", "replica_out_of_rotation".
  std::string code;
  std::string problem;  ///< what is wrong, with the numbers that show it
  std::string fix;      ///< what to change; "" when the problem says all there is
  /// One line: the problem, then the fix ("no TLS to a non-local host: add sslmode=…").
  std::string text() const;
};

/// Where the migrations stand, from migrate::Migrator::status().
struct MigrationSummary {
  std::string error;          ///< why the rest is unknown (a bad table name, a broken directory…); "" when known
  std::string table;          ///< the tracking table, as given
  bool table_exists = false;  ///< false until the first `migrate up` creates it
  std::size_t applied = 0;    ///< recorded as applied
  std::string newest;         ///< the newest applied version; "" when none
  std::size_t failed = 0;     ///< failed or interrupted transaction:false migrations; they block `up`
  std::filesystem::path dir;  ///< the migrations directory looked at
  std::optional<std::size_t> pending;  ///< files not applied yet; none when dir does not exist
  /// "12 applied (newest 20250101120000), 1 pending in migrations", or why not known.
  std::string text() const;
};

/// What check_health() looks at. Every field has a default.
struct HealthOptions {
  /// Instances of the program sharing the server, each with a pool of DB_POOL_MAX; default 1.
  int instances = 1;
  /// The DB_POOL_MAX each instance runs with, when the pool checked with is smaller (`pgkit
  /// doctor` checks with two connections); default: the checked pool's own.
  std::optional<int> pool_max;
  /// The migrations directory, for the pending count; default ./migrations (absent: no count).
  std::filesystem::path migrations_dir = "migrations";
  /// The migration tracking table; default pgkit_migrations.
  std::string migrations_table = migrate::kDefaultTable;
};

/// What one round of checks found.
struct HealthReport {
  std::string url;             ///< the primary's, masked
  double connect_ms = 0;       ///< getting a connection from the pool (opening one when none was idle)
  std::string server_version;  ///< version()
  int server_version_num = 0;  ///< 150004 for 15.4
  std::string database;        ///< current_database()
  std::string user;            ///< current_user
  bool ssl = false;            ///< TLS in use on the connection
  std::string tls;             ///< protocol and cipher when ssl ("TLSv1.3 TLS_AES_256_GCM_SHA384")
  int max_connections = 0;
  int superuser_reserved_connections = 0;
  std::int64_t connections = 0;                ///< client sessions on the server
  std::int64_t connections_this_database = 0;  ///< of which to this database
  std::string database_size;                   ///< pg_size_pretty of pg_database_size
  std::int64_t idle_in_transaction = 0;        ///< sessions idle inside a transaction
  double longest_idle_in_transaction_s = 0;
  std::int64_t long_running = 0;  ///< statements running for over a minute
  MigrationSummary migrations;
  PoolStats pool;                 ///< the primary's pool after the checks
  std::vector<NodeStatus> nodes;  ///< with a Cluster: every node, primary first (Cluster::check_now)
  std::vector<Finding> findings;  ///< empty when all is well
};

/// One round of checks on the primary: a connection from its pool, a few queries of the
/// server's settings and pg_stat_activity, the migrations' status (on a connection of the
/// Migrator's own), findings about the pool's settings against the server's limits.
/// @throws Error (CannotConnect, PoolExhausted…) when no connection can be had: its hint says
/// what to check. A problem with the migrations only fills MigrationSummary::error.
HealthReport check_health(Pool& pool, const HealthOptions& options = {});

/// check_health(cluster.primary()), then every node checked now (Cluster::check_now), with a
/// finding for each replica out of the read rotation.
HealthReport check_health(Cluster& cluster, const HealthOptions& options = {});

}  // namespace pgkit
