// Applying and reverting one migration: in a transaction with its tracking row, or statement
// by statement with the row recorded first (transaction:false).
#include <fmt/format.h>

#include "migrate/engine_internal.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/error.hpp"

namespace pgkit::migrate {
namespace {

Millis since(Clock::time_point t) { return std::chrono::duration_cast<Millis>(Clock::now() - t); }

// The server's error, restated with the file and line it came from.
[[noreturn]] void fail(const Error& e, const std::filesystem::path& file, int line, const std::string& version,
                       const std::string& what_happened) {
  ErrorFields f = e.fields();
  std::string where = line > 0 ? fmt::format("{}:{}", file.string(), line) : file.string();
  f.message = fmt::format("migration {} failed at {}: {}{}", version, where, e.message(),
                          e.sqlstate().empty() ? "" : fmt::format(" (SQLSTATE {})", e.sqlstate()));
  if (f.hint.empty())
    f.hint = what_happened;
  else
    f.hint += "; " + what_happened;
  throw MigrationError(std::move(f));
}

// Statements as the file delimits them (goose's StatementBegin/End), else split here.
std::vector<Statement> statements_of(const std::vector<std::string>& delimited, const std::string& sql) {
  if (delimited.empty()) return split_statements(sql);
  std::vector<Statement> out;
  for (const auto& s : delimited) out.push_back({s, 1});
  return out;
}

// Roll back whatever transaction is open; the caller is already failing, so errors here are
// dropped (a connection that cannot roll back is closed with its session, which rolls back).
void rollback_quietly(Connection& conn) noexcept {
  try {
    if (!conn.broken() && conn.transaction_status() != TxStatus::idle) conn.execute("ROLLBACK");
  } catch (...) {}
}

int error_line(const Error& e, const std::string& sql, int first_line) {
  return e.position() > 0 ? line_of(sql, e.position(), first_line) : first_line;
}

}  // namespace

void Migrator::mark_failed(const std::string& version, const std::string& error) noexcept {
  // Best effort: the migration's own error is what the caller must see, even if this fails.
  try {
    conn_->query(fmt::format("UPDATE {} SET status = 'failed', error = $2 WHERE version = $1", table_), version, error);
  } catch (...) {}
}

void Migrator::apply(const Migration& m, RunReport& report) {
  say(fmt::format("applying {} {} …", m.version, m.name));
  if (options_.dry_run) {
    report.sql.push_back(fmt::format("-- {} ({})\n{}", m.version, m.file.string(), m.up_sql));
    report.versions.push_back(m.version);
    return;
  }
  auto started = Clock::now();
  const std::string insert = fmt::format(
      "INSERT INTO {} (version, name, checksum, execution_ms, status) VALUES ($1, $2, $3, $4, $5) "
      "ON CONFLICT (version) DO UPDATE SET status = EXCLUDED.status, execution_ms = EXCLUDED.execution_ms, error = NULL",
      table_);
  if (m.up_in_transaction) {
    conn_->execute("BEGIN");
    try {
      conn_->execute(m.up_sql);
    } catch (const Error& e) {
      rollback_quietly(*conn_);
      fail(e, m.file, error_line(e, m.up_sql, m.up_first_line), m.version,
           "nothing of it was applied and the tracking table is unchanged");
    }
    if (conn_->transaction_status() != TxStatus::in_transaction) {
      // A COMMIT or ROLLBACK inside the file ended our transaction: its changes and its
      // tracking row could no longer commit together.
      rollback_quietly(*conn_);
      throw MigrationError(
          {.message = fmt::format("migration {} ({}) ends the transaction pgkit runs it in (COMMIT or ROLLBACK in the "
                                  "file); it is not recorded as applied",
                                  m.version, m.file.string()),
           .hint = "remove BEGIN/COMMIT from the file, or mark it `-- migrate:up transaction:false`; check by hand "
                   "what it committed"});
    }
    try {
      conn_->query(insert, m.version, m.name, m.checksum, static_cast<int>(since(started).count()), "applied");
      conn_->execute("COMMIT");
    } catch (...) {
      rollback_quietly(*conn_);
      throw;
    }
  } else {
    // Recorded as running first: if this fails or the process dies, the row stays and blocks
    // later runs until someone looks (resolve), since part of it may have been applied.
    conn_->query(insert, m.version, m.name, m.checksum, 0, "running");
    for (const auto& s : statements_of(m.up_statements, m.up_sql)) {
      try {
        conn_->execute(s.sql);
      } catch (const Error& e) {
        mark_failed(m.version, e.message());
        fail(e, m.file, error_line(e, s.sql, m.up_first_line + s.line - 1), m.version,
             fmt::format("it ran outside a transaction, so statements before this one stay applied; it is recorded as "
                         "failed: fix by hand, then `pgkit migrate resolve {} --applied` or `--rolled-back`",
                         m.version));
      }
    }
    conn_->query(insert, m.version, m.name, m.checksum, static_cast<int>(since(started).count()), "applied");
  }
  report.versions.push_back(m.version);
  say(fmt::format("applied  {} {} in {} ms", m.version, m.name, since(started).count()));
}

void Migrator::revert(const Migration& m, RunReport& report) {
  if (!m.down_sql)
    throw MigrationError({.message = fmt::format("migration {} ({}) has no down section: it cannot be rolled back",
                                                 m.version, m.file.string()),
                          .hint = "add a `-- migrate:down` section (or a down file), or restore from a backup"});
  say(fmt::format("rolling back {} {} …", m.version, m.name));
  const auto& file = m.down_file.value_or(m.file);
  if (options_.dry_run) {
    report.sql.push_back(fmt::format("-- {} down ({})\n{}", m.version, file.string(), *m.down_sql));
    report.versions.push_back(m.version);
    return;
  }
  auto started = Clock::now();
  const std::string remove = fmt::format("DELETE FROM {} WHERE version = $1", table_);
  if (m.down_in_transaction) {
    conn_->execute("BEGIN");
    try {
      conn_->execute(*m.down_sql);
      if (conn_->transaction_status() != TxStatus::in_transaction)
        throw MigrationError(
            {.message = fmt::format("the down section of {} ends the transaction pgkit runs it in", m.version),
             .hint = "remove BEGIN/COMMIT, or mark it `-- migrate:down transaction:false`"});
      conn_->query(remove, m.version);
      conn_->execute("COMMIT");
    } catch (const MigrationError&) {
      rollback_quietly(*conn_);
      throw;
    } catch (const Error& e) {
      rollback_quietly(*conn_);
      fail(e, file, error_line(e, *m.down_sql, m.down_first_line), m.version,
           "nothing of the rollback was applied; the migration stays applied");
    }
  } else {
    // As for up: recorded as running first, so a half-done rollback blocks later runs.
    conn_->query(fmt::format("UPDATE {} SET status = 'running', error = NULL WHERE version = $1", table_), m.version);
    for (const auto& s : statements_of(m.down_statements, *m.down_sql)) {
      try {
        conn_->execute(s.sql);
      } catch (const Error& e) {
        mark_failed(m.version, "rollback: " + e.message());
        fail(e, file, error_line(e, s.sql, m.down_first_line + s.line - 1), m.version,
             fmt::format("it ran outside a transaction: statements before this one stay rolled back; it is recorded "
                         "as failed: fix by hand, then `pgkit migrate resolve {} --applied` or `--rolled-back`",
                         m.version));
      }
    }
    conn_->query(remove, m.version);
  }
  report.versions.push_back(m.version);
  say(fmt::format("rolled back {} {} in {} ms", m.version, m.name, since(started).count()));
}

}  // namespace pgkit::migrate
