#pragma once
// Databases made by pgkit-server before its schema moved to prisma/schema.prisma: the four
// SQL-first migrations (20261122000001-04, tracked in pgkit_migrations) built what
// prisma/migrations/20261206000000_init builds, in a few other spellings (UNIQUE constraints
// where Prisma writes unique indexes, an identity column where it writes BIGSERIAL, now() where
// it writes CURRENT_TIMESTAMP). upgrade_sql_first_database() respells those in place — catalog
// changes and three index builds, no row rewritten — records the init migration as applied in
// _prisma_migrations (`pgkit migrate resolve --applied`), and renames pgkit_migrations to
// pgkit_migrations_sql_first (its history kept). A database upgraded so dumps (pg_dump -s) the
// same as one built by prisma/migrations: tests/e2e/schema_upgrade_pgtest.cpp proves it with
// data in it. docs/server-schema.md says how to do the same by hand.

#include <filesystem>
#include <functional>
#include <string>

#include "pgkit/config.hpp"
#include "pgkit/migrator.hpp"

namespace pgkit::server {

/// The first migration of prisma/migrations: the schema the SQL-first migrations built.
inline constexpr const char* kInitMigration = "20261206000000_init";

/// Upgrades a database made by the SQL-first migrations, once, safe when several servers start
/// together (an advisory lock) and when interrupted (each step is checked before it is done
/// again). Returns false when there was nothing to upgrade. @throws MigrationError when the
/// database has only some of the SQL-first migrations, or others of its own.
bool upgrade_sql_first_database(const Config& config, const std::filesystem::path& migrations);

/// What `--migrate` does: upgrade_sql_first_database(), then every pending migration of
/// migrations, each event a line to progress. @throws MigrationError
migrate::RunReport migrate_server_database(const Config& config, const std::filesystem::path& migrations,
                                           const std::function<void(const std::string&)>& progress);

}  // namespace pgkit::server
