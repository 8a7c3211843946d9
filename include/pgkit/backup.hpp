#pragma once
/// @file backup.hpp
/// Seeding a database from SQL files, backups (pg_dump, keeping the newest N) and restores.
///
/// @code
///   pgkit::seed(conn, "seeds");                                  // every .sql file, one transaction
///   auto file = pgkit::backup(config, {.out = "backups", .keep = 14});
///   pgkit::restore(config, file, {.clean = true});
/// @endcode

#include <filesystem>
#include <string>
#include <vector>

#include "pgkit/config.hpp"

namespace pgkit {

class Connection;

/// Run a seed SQL file, or every .sql file of a directory in name order, in ONE transaction:
/// all of it or none. Returns the files run. @throws migrate::MigrationError naming the file and line
std::vector<std::filesystem::path> seed(Connection& conn, const std::filesystem::path& file_or_dir);

struct BackupOptions {
  std::filesystem::path out = "backups";  ///< directory; default ./backups
  int keep = 0;                           ///< keep the newest N backups of this database; 0 = all
};

/// pg_dump in custom format to out/<dbname>-<UTC time>.dump, then prune to the newest keep.
/// The password reaches pg_dump through its environment, never its command line.
/// @throws Error with pg_dump's message
std::filesystem::path backup(const Config& config, const BackupOptions& options = {});

struct RestoreOptions {
  bool clean = false;  ///< drop existing objects first; without it a non-empty database is refused
};

/// pg_restore a custom-format backup into config's database.
void restore(const Config& config, const std::filesystem::path& file, const RestoreOptions& options = {});

}  // namespace pgkit
