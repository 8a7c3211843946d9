#pragma once
/// @file migrate.hpp
/// SQL-first migrations: files on disk, a tracking table, and an engine that applies them
/// exactly once under concurrency and failure. The `pgkit migrate` commands are a thin layer
/// over this; a server can call Migrator::up() at start-up.
///
/// Files, read as they are: pgkit's own (`<version>_<name>.sql` with `-- migrate:up` and
/// `-- migrate:down`, dbmate's format), golang-migrate pairs (`N_name.up.sql`/`.down.sql`),
/// goose (`-- +goose Up`/`Down`), split pairs (`001_name.sql` + `001_name-down.sql`), Prisma
/// (`<timestamp>_<name>/migration.sql`, up only) and Flyway (`V<n>__<name>.sql`, up only).

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pgkit/config.hpp"
#include "pgkit/error.hpp"

namespace pgkit {
class Connection;
}

namespace pgkit::migrate {

/// A migration problem: bad files, a failed statement, drift, a lock not obtained. what()
/// names the file (and line) and what to do.
class MigrationError : public Error {
  using Error::Error;
};

/// One migration as read from disk.
struct Migration {
  std::string version;                             ///< "20250101120000", "001", "3": compared as numbers
  std::string name;                                ///< "create_users"
  std::string format;                              ///< "pgkit", "golang-migrate", "goose", "split", "prisma", "flyway"
  std::filesystem::path file;                      ///< the file holding the up section
  std::optional<std::filesystem::path> down_file;  ///< when down lives in a file of its own
  std::string up_sql;
  std::optional<std::string> down_sql;  ///< none: the migration cannot be rolled back
  bool up_in_transaction = true;        ///< false: `transaction:false` / `NO TRANSACTION`
  bool down_in_transaction = true;
  int up_first_line = 1;    ///< line of `file` where up_sql begins
  int down_first_line = 1;  ///< line of the down file (or `file`) where down_sql begins
  /// Statements as the file delimits them (goose's StatementBegin/End), when it does; empty
  /// means "split up_sql with split_statements()".
  std::vector<std::string> up_statements;
  std::vector<std::string> down_statements;
  std::string checksum;  ///< SHA-256 (hex) of up_sql with CRLF → LF
};

/// Read every migration in dir, ordered by version. Two formats mixed, duplicate versions, a
/// file with no up section, an unreadable or non-UTF-8 file: each is a problem naming the
/// file, and all of them are reported together. @throws MigrationError
std::vector<Migration> read_directory(const std::filesystem::path& dir);

/// Compare two versions as numbers ("9" < "10" < "20250101120000"). Returns <0, 0, >0.
int compare_versions(const std::string& a, const std::string& b);

/// SHA-256 hex of text, line endings normalised (CRLF → LF).
std::string checksum(const std::string& text);

/// One SQL statement of a script, with the line it starts on (1-based, within the script).
struct Statement {
  std::string sql;
  int line = 1;
};
/// Split a script into statements at top-level semicolons, respecting quotes, dollar quotes,
/// comments and BEGIN ATOMIC bodies. Empty statements are dropped.
std::vector<Statement> split_statements(const std::string& script);

/// A deterministic schema snapshot from the catalog: schemas, tables, columns, constraints,
/// foreign keys, indexes, triggers, enums, domains, sequences, views, functions. The same
/// bytes for the same schema, every time. The tracking table itself is left out.
std::string dump_schema(Connection& conn, const std::string& tracking_table = "pgkit_migrations");

/// What differs between two snapshots from dump_schema, one line per object:
/// "table public.users: column email differs", "index public.users_email_idx: missing"…
std::vector<std::string> diff_schema(const std::string& expected, const std::string& actual);

}  // namespace pgkit::migrate
