// Prisma's history table, `_prisma_migrations`, read and written exactly as Prisma Migrate
// does (schema-engine's postgres connector): a row is inserted when a migration starts, its
// script runs as one simple-protocol call (one implicit transaction unless the script has
// BEGIN/COMMIT of its own, as Prisma's enum migrations do), then finished_at and
// applied_steps_count are set; a failure leaves finished_at NULL and the error in logs, which
// blocks later runs until `migrate resolve`. Rows with rolled_back_at are history only.
#include <openssl/rand.h>

#include <fmt/format.h>

#include "migrate/engine_internal.hpp"
#include "pgkit/error.hpp"

namespace pgkit::migrate {
namespace {

// A random (version 4) UUID, as Prisma's ids are.
std::string uuid_v4() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw MigrationError({.message = "no random bytes for a migration id (OpenSSL)"});
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  return fmt::format(
      "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", b[0],
      b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

// The directory name Prisma records: "<version>_<name>".
std::string migration_name(const Migration& m) { return m.version + "_" + m.name; }

// Prisma's logs for a failed migration: what failed, and where.
std::string failure_log(const Error& e, const Migration& m) {
  return fmt::format("Migration name: {}\n\nDatabase error code: {}\n\nDatabase error:\n{}\n", migration_name(m),
                     e.sqlstate(), e.message());
}

}  // namespace

void Migrator::ensure_prisma_table() {
  // The DDL Prisma's engine runs, so a table pgkit creates is the one Prisma expects.
  auto existing = conn_->query(
      "SELECT count(*) FILTER (WHERE attname IN ('id', 'checksum', 'finished_at', 'migration_name', 'logs', "
      "'rolled_back_at', 'started_at', 'applied_steps_count')), count(*) "
      "FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
      table_);
  auto [ours, all] = existing.one().as<std::int64_t, std::int64_t>();
  if (all > 0 && ours == 8) return;
  if (all > 0)
    throw MigrationError({.message = fmt::format("the table {} exists but does not have Prisma's columns", table_),
                          .hint = "it is not Prisma's history table; rename it, or point pgkit at the right database"});
  conn_->execute(
      fmt::format("CREATE TABLE {} (\n"
                  "    \"id\"                    VARCHAR(36) PRIMARY KEY NOT NULL,\n"
                  "    \"checksum\"              VARCHAR(64) NOT NULL,\n"
                  "    \"finished_at\"           TIMESTAMPTZ,\n"
                  "    \"migration_name\"        VARCHAR(255) NOT NULL,\n"
                  "    \"logs\"                  TEXT,\n"
                  "    \"rolled_back_at\"        TIMESTAMPTZ,\n"
                  "    \"started_at\"            TIMESTAMPTZ NOT NULL DEFAULT now(),\n"
                  "    \"applied_steps_count\"   INTEGER NOT NULL DEFAULT 0\n"
                  ")",
                  table_));
}

std::vector<Migrator::Applied> Migrator::load_prisma_applied() {
  // Rolled-back rows are an audit trail: Prisma ignores them for every purpose.
  auto rows = conn_->query(
      fmt::format("SELECT migration_name, checksum, finished_at IS NOT NULL, coalesce(logs, ''), finished_at, "
                  "coalesce(extract(epoch FROM finished_at - started_at) * 1000, 0)::int "
                  "FROM {} WHERE rolled_back_at IS NULL ORDER BY started_at, migration_name",
                  table_));
  std::vector<Applied> out;
  for (auto row : rows) {
    Applied a;
    auto name = row.get<std::string>(0);
    auto underscore = name.find('_');
    a.version = underscore == std::string::npos ? name : name.substr(0, underscore);
    a.name = underscore == std::string::npos ? "" : name.substr(underscore + 1);
    a.checksum = row.get<std::string>(1);
    a.status = row.get<bool>(2) ? "applied" : "failed";
    a.error = row.get<std::string>(3);
    a.applied_at = row.get<std::optional<Timestamp>>(4);
    a.execution_ms = row.get<int>(5);
    out.push_back(std::move(a));
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Applied& x, const Applied& y) { return compare_versions(x.version, y.version) < 0; });
  return out;
}

void Migrator::apply_prisma(const Migration& m, RunReport& report) {
  say(fmt::format("Applying migration `{}`", migration_name(m)));
  if (options_.dry_run) {
    report.sql.push_back(fmt::format("-- {} ({})\n{}", migration_name(m), m.file.string(), m.up_sql));
    report.versions.push_back(m.version);
    return;
  }
  auto started = Clock::now();
  std::string id = uuid_v4();
  conn_->query(fmt::format("INSERT INTO {} (id, checksum, migration_name, started_at, applied_steps_count) "
                           "VALUES ($1, $2, $3, now(), 0)",
                           table_),
               id, m.checksum, migration_name(m));
  try {
    conn_->execute(m.up_sql);
  } catch (const Error& e) {
    try {
      if (!conn_->broken() && conn_->transaction_status() != TxStatus::idle) conn_->execute("ROLLBACK");
      conn_->query(fmt::format("UPDATE {} SET logs = $2 WHERE id = $1", table_), id, failure_log(e, m));
    } catch (...) {  // the migration's own error is what matters
    }
    ErrorFields f = e.fields();
    int line = e.position() > 0 ? line_of(m.up_sql, e.position(), m.up_first_line) : 0;
    f.message = fmt::format("migration {} failed at {}: {}{}", migration_name(m),
                            line > 0 ? fmt::format("{}:{}", m.file.string(), line) : m.file.string(), e.message(),
                            e.sqlstate().empty() ? "" : fmt::format(" (SQLSTATE {})", e.sqlstate()));
    f.hint = fmt::format(
        "it is recorded as failed in {}, as Prisma records it; fix the database or the file, then "
        "`pgkit migrate resolve {} --rolled-back` (nothing of it remains) or `--applied` (it was "
        "finished by hand)",
        table_, migration_name(m));
    throw MigrationError(std::move(f));
  }
  if (conn_->transaction_status() != TxStatus::idle) {
    // A script that opened a transaction and did not close it: nothing of it is kept.
    conn_->execute("ROLLBACK");
    throw MigrationError({.message = fmt::format("migration {} ({}) leaves a transaction open (BEGIN without COMMIT)",
                                                 migration_name(m), m.file.string()),
                          .hint = "close the transaction in the file; what it did was rolled back"});
  }
  conn_->query(fmt::format("UPDATE {} SET finished_at = now(), applied_steps_count = 1 WHERE id = $1", table_), id);
  report.versions.push_back(m.version);
  say(fmt::format("Applied migration `{}` in {} ms", migration_name(m),
                  std::chrono::duration_cast<Millis>(Clock::now() - started).count()));
}

void Migrator::resolve_prisma(const std::vector<Migration>& files, const std::string& name, bool applied) {
  ensure_prisma_table();
  // A migration is named by its directory ("20240101120000_init") or by its version alone.
  const Migration* m = nullptr;
  for (const auto& f : files)
    if (migration_name(f) == name || compare_versions(f.version, name) == 0) m = &f;
  std::string recorded = m ? migration_name(*m) : name;
  auto failed = conn_->query(fmt::format("SELECT id FROM {} WHERE migration_name = $1 AND finished_at IS NULL AND "
                                         "rolled_back_at IS NULL",
                                         table_),
                             recorded);
  if (!applied) {
    if (failed.empty())
      throw MigrationError({.message = fmt::format("migration `{}` cannot be rolled back because it is not in a failed "
                                                   "state",
                                                   recorded),
                            .hint = "only a failed migration can be marked rolled back (Prisma's P3012); see "
                                    "`pgkit migrate status`"});
    conn_->query(fmt::format("UPDATE {} SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL "
                             "AND rolled_back_at IS NULL",
                             table_),
                 recorded);
    say(fmt::format("Migration {} marked as rolled back.", recorded));
    return;
  }
  if (!m)
    throw MigrationError(
        {.message = fmt::format("migration `{}` could not be found in {}", name, options_.dir.string()),
         .hint = "name a directory of the migrations folder (Prisma's P3017); `pgkit migrate status` "
                 "lists them"});
  auto done = conn_->query(fmt::format("SELECT 1 FROM {} WHERE migration_name = $1 AND finished_at IS NOT NULL AND "
                                       "rolled_back_at IS NULL",
                                       table_),
                           recorded);
  if (!done.empty())
    throw MigrationError(
        {.message = fmt::format("migration `{}` is already recorded as applied in the database", recorded),
         .hint = "nothing to do (Prisma's P3008)"});
  // A failed attempt stays as history, marked rolled back; the new row says applied.
  conn_->query(fmt::format("UPDATE {} SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL "
                           "AND rolled_back_at IS NULL",
                           table_),
               recorded);
  conn_->query(
      fmt::format("INSERT INTO {} (id, checksum, migration_name, started_at, finished_at, applied_steps_count) "
                  "VALUES ($1, $2, $3, now(), now(), 0)",
                  table_),
      uuid_v4(), m->checksum, recorded);
  say(fmt::format("Migration {} marked as applied.", recorded));
}

}  // namespace pgkit::migrate
