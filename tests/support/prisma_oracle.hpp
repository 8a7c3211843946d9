#pragma once
/// @file prisma_oracle.hpp
/// Prisma's own schema engine as a test oracle: tests/oracle/prisma.mjs, which runs Prisma's
/// schema engine and schema validator (WebAssembly, offline) under Node.js, one child process
/// per question. Correctness for pgkit's Prisma Migrate replacement is what this says.
///
/// Installed by scripts/test (install_oracle in scripts/lib/setup.sh: `npm ci` in tests/oracle).
/// A test that needs it and finds it missing fails, saying how to install it; it never skips.
///
/// @code
///   pgkit::test::PrismaOracle prisma({.database_url = server.url("scratch")});
///   std::string sql = prisma.diff(DiffSource::empty(), DiffSource::schema("schema.prisma"));
///   auto applied = prisma.apply_migrations("prisma/migrations");   // as `prisma migrate deploy`
/// @endcode

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace pgkit::test {

/// The oracle cannot run here: Node.js or tests/oracle/node_modules is missing. The message
/// says what is missing and how to install it.
class PrismaOracleNotInstalled : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Prisma answered with an error (exit 1), or the command was malformed (exit 2), timed out
/// or died. what() holds the command and Prisma's error text.
class PrismaOracleError : public std::runtime_error {
 public:
  PrismaOracleError(const std::string& command, int exit_code, std::string prisma_error);
  /// The oracle's exit code: 1 Prisma refused, 2 bad usage, -1 timed out or killed by a signal.
  int exit_code() const { return exit_code_; }
  /// Prisma's own error text (the oracle's stderr).
  const std::string& prisma_error() const { return prisma_error_; }

 private:
  int exit_code_;
  std::string prisma_error_;
};

/// One side of a diff: a schema, nothing, a live database, or a migrations directory.
struct DiffSource {
  /// A .prisma file, or a folder of them (a multi-file schema).
  static DiffSource schema(const std::filesystem::path& file_or_folder) { return {"", file_or_folder.string()}; }
  /// An empty database.
  static DiffSource empty() { return {"-empty", ""}; }
  /// The live database at url (the engine reaches one database per diff).
  static DiffSource url(const std::string& database_url) { return {"-url", database_url}; }
  /// A Prisma migrations directory, replayed on a shadow database.
  static DiffSource migrations(const std::filesystem::path& dir) { return {"-migrations", dir.string()}; }

  std::string flag_suffix;  ///< appended to --from / --to
  std::string value;        ///< the flag's argument; empty for empty()
};

/// Where the oracle's engine commands go. Every field has a default.
struct PrismaOracleOptions {
  /// The live database (the oracle's DATABASE_URL). Every command but format and validate
  /// needs one: the engine asks the server its version even to diff two schema files.
  /// Default: none.
  std::string database_url;
  /// An empty database on which migrations replay (--shadow-url); the engine does not reset it.
  /// Default: none, so a throwaway database is created next to database_url and dropped.
  std::string shadow_url;
  /// One command's limit; past it the oracle is killed and PrismaOracleError thrown. Default 120 s.
  std::chrono::seconds timeout{120};
};

/// Asks Prisma. Each call runs `node --experimental-wasm-modules prisma.mjs SUBCOMMAND …`,
/// returns its stdout and throws PrismaOracleError with Prisma's stderr when it fails.
class PrismaOracle {
 public:
  /// @throws PrismaOracleNotInstalled
  explicit PrismaOracle(PrismaOracleOptions options = {});

  /// Throws PrismaOracleNotInstalled, saying what is missing and how to install it, unless
  /// Node.js and the oracle's node_modules are there.
  static void require_installed();
  /// tests/oracle/prisma.mjs (the PGKIT_PRISMA_ORACLE compile definition).
  static std::filesystem::path script();
  /// What Prisma prints for a diff with nothing to do.
  static constexpr const char* kEmptyMigration = "-- This is an empty migration.";
  /// True when sql is Prisma's script for no change (kEmptyMigration, or nothing at all).
  static bool is_empty_migration(const std::string& sql);

  /// `prisma migrate diff --script`: the SQL taking from to to.
  std::string diff(const DiffSource& from, const DiffSource& to) const;
  /// `prisma migrate deploy`: apply dir's pending migrations; returns the names applied.
  std::vector<std::string> apply_migrations(const std::filesystem::path& dir) const;
  /// `prisma migrate dev --create-only --name name`: writes dir/<UTC timestamp>_name/migration.sql
  /// (and dir/migration_lock.toml); returns the directory's name.
  std::string create_migration(const std::filesystem::path& schema, const std::filesystem::path& dir,
                               const std::string& name) const;
  /// `prisma db pull`: the live database as schema.prisma text (schema's datasource and
  /// generators kept when given).
  std::string introspect(const std::filesystem::path& schema = {}) const;
  /// `prisma migrate status` as JSON: migrations, editedMigrationNames, failedMigrationNames,
  /// hasMigrationsTable, history.
  std::string status(const std::filesystem::path& dir) const;
  /// `prisma migrate resolve --applied name`.
  void mark_applied(const std::filesystem::path& dir, const std::string& name) const;
  /// `prisma migrate resolve --rolled-back name`.
  void mark_rolled_back(const std::string& name) const;
  /// `prisma format`: the formatted schema text.
  std::string format(const std::filesystem::path& schema) const;
  /// `prisma validate`: the diagnostics (warnings) as JSON, `[]` when clean.
  /// @throws PrismaOracleError with Prisma's errors when it rejects the schema
  std::string validate(const std::filesystem::path& schema) const;

  /// Any subcommand with its arguments; returns stdout.
  std::string run(const std::vector<std::string>& args) const;

 private:
  PrismaOracleOptions options_;
  std::filesystem::path node_;
};

}  // namespace pgkit::test
