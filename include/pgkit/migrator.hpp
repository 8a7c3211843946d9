#pragma once
/// @file migrator.hpp
/// The migration engine: applies, rolls back and reports migrations (migrate.hpp reads them)
/// against one database, safe under concurrency and failure.
///
/// - A session-level advisory lock is held for a whole run. Waiters poll a try-lock outside
///   any transaction — a backend blocked inside pg_advisory_lock holds a snapshot that
///   CREATE INDEX CONCURRENTLY would wait for (golang-migrate #960, Flyway #1654).
/// - Each migration and its tracking row commit together or not at all.
/// - A migration marked `transaction:false` is recorded as running first; if it fails (or the
///   migrator dies) it stays recorded as failed and blocks further runs until `resolve`.
/// - Drift (an applied migration edited since) blocks `up` unless allow_drift; a pending
///   migration older than the newest applied one needs allow_out_of_order.
///
/// @code
///   pgkit::migrate::Migrator m(config, {.dir = "migrations"});
///   auto report = m.up();          // apply everything pending
/// @endcode

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgkit/config.hpp"
#include "pgkit/migrate.hpp"
#include "pgkit/types.hpp"

namespace pgkit {
class Connection;
}

namespace pgkit::migrate {

inline constexpr const char* kDefaultTable = "pgkit_migrations";
/// Prisma Migrate's history table. A Migrator given it reads and writes it exactly as Prisma
/// does (uuid ids, checksums, started/finished times, logs of failures, rolled-back rows, the
/// same advisory lock), so `prisma migrate deploy` and `pgkit migrate deploy` can take turns.
inline constexpr const char* kPrismaTable = "_prisma_migrations";

struct Options {
  std::filesystem::path dir = "migrations";  ///< default ./migrations
  std::string table = kDefaultTable;         ///< tracking table, optionally schema-qualified; kPrismaTable for Prisma's
  Millis lock_timeout{60'000};               ///< waiting for another migrator; default 60 s
  bool allow_drift = false;                  ///< apply even when applied files changed; off
  bool allow_out_of_order = false;           ///< apply pending versions older than applied ones; off
  bool dry_run = false;                      ///< report the SQL that would run; change nothing
  /// One line per event (a migration started, finished, the summary). Default: none.
  std::function<void(const std::string&)> progress;
};

/// Validates a (schema-qualified) table name and returns it double-quoted per part, ready to
/// stand in SQL (an identifier cannot be a parameter). @throws MigrationError otherwise
std::string quoted_table(const std::string& name);

enum class State { applied, pending, missing_file, changed, out_of_order, failed, running };
const char* to_string(State s);

/// One row of `migrate status`.
struct StatusEntry {
  std::string version;
  std::string name;
  State state = State::pending;
  std::string file;  ///< "" when the file is gone
  std::optional<Timestamp> applied_at;
  int execution_ms = 0;
  std::string applied_by;
  std::string error;  ///< for failed / running rows
};

/// What a run did.
struct RunReport {
  std::vector<std::string> versions;  ///< applied or rolled back, in order
  Millis elapsed{0};
  std::vector<std::string> sql;  ///< with dry_run: the SQL that would run
};

class Migrator {
 public:
  /// Opens its own connection (a session lock needs one session). @throws CannotConnect…
  Migrator(const Config& config, Options options);
  ~Migrator();
  Migrator(const Migrator&) = delete;
  Migrator& operator=(const Migrator&) = delete;

  /// Apply pending migrations (all, or the first count). @throws MigrationError
  RunReport up(std::optional<int> count = {});
  /// Roll back the newest count applied migrations.
  RunReport down(int count = 1);
  /// Roll back the newest migration and apply it again.
  RunReport redo();
  /// Roll back everything, then apply everything. Destroys data: the CLI asks for --force.
  RunReport reset();
  /// Every migration on disk or in the table, with its state.
  std::vector<StatusEntry> status();
  /// What the tracking table records, without reading the migrations directory (for reports
  /// where it may be absent): applied, failed or interrupted; nothing is pending or changed.
  std::vector<StatusEntry> recorded();
  /// Whether the tracking table exists yet (the first up() creates it).
  bool tracking_table_exists();
  /// Mark version applied (its changes are in place) or rolled back (they are not), after a
  /// failed transaction:false migration or to adopt an existing database.
  void resolve(const std::string& version, bool applied);
  /// Findings that should stop a deploy: drift, missing files, pending or failed migrations,
  /// and differences from the committed schema snapshot (when schema_file exists).
  std::vector<std::string> verify(const std::optional<std::filesystem::path>& schema_file);
  /// The live schema as dump_schema() writes it, without the tracking table.
  std::string dump_schema();
  /// Tracking tables of other tools found in the database ("dbmate's schema_migrations", …).
  std::vector<std::string> foreign_tables();

  Connection& connection() { return *conn_; }
  /// True when this Migrator keeps Prisma's history (Options::table is kPrismaTable).
  bool prisma() const { return prisma_; }

 private:
  class Lock;
  void ensure_table();
  void refuse_foreign_table();
  void check_blocked(const std::vector<StatusEntry>& rows);
  struct Applied;
  std::vector<Applied> load_applied(bool table_must_exist);
  static std::vector<StatusEntry> entries(const std::vector<Migration>& files, const std::vector<Applied>& applied);
  void apply(const Migration& m, RunReport& report);
  void revert(const Migration& m, RunReport& report);
  void mark_failed(const std::string& version, const std::string& error) noexcept;
  void say(const std::string& line) const;
  // Prisma's history table (prisma_history.cpp).
  void ensure_prisma_table();
  std::vector<Applied> load_prisma_applied();
  void apply_prisma(const Migration& m, RunReport& report);
  void resolve_prisma(const std::vector<Migration>& files, const std::string& name, bool applied);

  Options options_;
  bool prisma_ = false;
  std::optional<std::string> search_path_;  // Prisma's ?schema=: where the history table and migrations go
  std::string table_;                       // quoted, validated identifier
  std::unique_ptr<Connection> conn_;
};

}  // namespace pgkit::migrate
