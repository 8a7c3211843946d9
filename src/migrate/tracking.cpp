// The tracking table, the advisory lock, and other tools' tables.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <thread>

#include <fmt/format.h>

#include "migrate/engine_internal.hpp"
#include "pgkit/catalog.hpp"
#include "pgkit/error.hpp"

namespace pgkit::migrate {

std::string quoted_table(const std::string& name) {
  static const std::regex kName(R"(^([A-Za-z_][A-Za-z0-9_]*)(\.([A-Za-z_][A-Za-z0-9_]*))?$)");
  std::smatch m;
  if (name.size() > 120 || !std::regex_match(name, m, kName))
    throw MigrationError({.message = fmt::format("\"{}\" is not a usable tracking table name", name),
                          .hint = "use letters, digits and underscores, optionally schema-qualified (app.migrations)"});
  return m[3].matched ? fmt::format("\"{}\".\"{}\"", m[1].str(), m[3].str()) : fmt::format("\"{}\"", m[1].str());
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw MigrationError({.message = fmt::format("cannot read {}", file.string())});
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int line_of(const std::string& sql, int position, int first_line) {
  int chars = 0, line = first_line;
  for (std::size_t i = 0; i < sql.size() && chars < position - 1; ++i) {
    auto c = static_cast<unsigned char>(sql[i]);
    if ((c & 0xC0) != 0x80) ++chars;  // count code points, as the server does
    if (c == '\n') ++line;
  }
  return line;
}

Migrator::Lock::Lock(Connection& conn, const std::string& table, Millis timeout) : conn_(conn) {
  key_ = conn_.query("SELECT hashtextextended($1, 0)", "pgkit_migrate:" + table).scalar<std::int64_t>();
  acquire(timeout);
}

Migrator::Lock::Lock(Connection& conn, std::int64_t key, Millis timeout) : conn_(conn), key_(key) { acquire(timeout); }

void Migrator::Lock::acquire(Millis timeout) {
  auto until = Clock::now() + timeout;
  Millis pause{25};
  for (;;) {
    if (conn_.query("SELECT pg_try_advisory_lock($1)", key_).scalar<bool>()) return;
    if (Clock::now() + pause > until)
      throw MigrationError(
          {.message = fmt::format("another migrator held the migration lock for longer than {} ms", timeout.count()),
           .hint = "wait for it to finish, or raise --lock-timeout; pg_locks shows the holder (locktype advisory)"});
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, Millis{500});
  }
}

Migrator::Lock::~Lock() {
  try {
    if (!conn_.broken()) conn_.query("SELECT pg_advisory_unlock($1)", key_);
  } catch (...) {  // the lock goes with the session anyway
  }
}

std::vector<std::string> Migrator::foreign_tables() {
  // Layouts other tools leave: named so a team pointing pgkit at its database knows.
  auto r = conn_->query(
      "SELECT c.relname, n.nspname, "
      "  EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'dirty' AND NOT a.attisdropped) "
      "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
      "WHERE c.relkind = 'r' AND c.relname IN ('schema_migrations', 'goose_db_version', '_prisma_migrations', "
      "'flyway_schema_history') AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 2, 1");
  std::vector<std::string> out;
  for (auto row : r) {
    auto [rel, nsp, dirty] = row.as<std::string, std::string, bool>();
    std::string tool = rel == "goose_db_version"        ? "goose"
                       : rel == "_prisma_migrations"    ? "Prisma"
                       : rel == "flyway_schema_history" ? "Flyway"
                       : dirty                          ? "golang-migrate"
                                                        : "dbmate";
    out.push_back(fmt::format("{}'s tracking table {}.{}", tool, nsp, rel));
  }
  return out;
}

void Migrator::refuse_foreign_table() {
  // Our table must be ours: never write into another tool's history.
  auto r = conn_->query(
      "SELECT count(*) FILTER (WHERE attname IN ('version', 'name', 'checksum', 'status')), count(*) "
      "FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped",
      table_);
  auto [ours, all] = r.one().as<std::int64_t, std::int64_t>();
  if (all > 0 && ours < 4)
    throw MigrationError(
        {.message =
             fmt::format("the table {} exists but is not a pgkit tracking table (another tool's history?)", table_),
         .hint =
             "pgkit never writes into another tool's table: choose another with --table (default pgkit_migrations), "
             "then adopt what is applied with `pgkit migrate resolve VERSION --applied`"});
}

void Migrator::ensure_table() {
  // A URL's ?schema= names a schema that may not exist yet: Prisma creates it, and so do we,
  // before the first table goes into it.
  if (search_path_ && !search_path_->empty()) {
    std::string first = search_path_->substr(0, search_path_->find(','));
    first.erase(0, first.find_first_not_of(" \""));
    first.erase(first.find_last_not_of(" \"") + 1);
    if (!first.empty() && first != "$user")
      conn_->execute("CREATE SCHEMA IF NOT EXISTS " + catalog::quote_ident(first));
  }
  if (prisma_) return ensure_prisma_table();
  refuse_foreign_table();
  if (tracking_table_exists()) return;
  conn_->execute(
      fmt::format("CREATE TABLE IF NOT EXISTS {} ("
                  " version text PRIMARY KEY,"
                  " name text NOT NULL,"
                  " checksum text NOT NULL,"
                  " applied_at timestamptz NOT NULL DEFAULT now(),"
                  " execution_ms integer NOT NULL DEFAULT 0,"
                  " applied_by text NOT NULL DEFAULT current_user,"
                  " status text NOT NULL DEFAULT 'applied' CHECK (status IN ('applied', 'running', 'failed')),"
                  " error text)",
                  table_));
}

std::vector<Migrator::Applied> Migrator::load_applied(bool table_must_exist) {
  if (!table_must_exist && !tracking_table_exists()) return {};
  if (prisma_) return load_prisma_applied();
  auto r =
      conn_->query(fmt::format("SELECT version, name, checksum, status, applied_by, coalesce(error, ''), "
                               "applied_at, execution_ms FROM {}",
                               table_));
  std::vector<Applied> out;
  for (auto row : r) {
    Applied a;
    std::tie(a.version, a.name, a.checksum, a.status, a.applied_by, a.error) =
        row.as<std::string, std::string, std::string, std::string, std::string, std::string>();
    a.applied_at = row.get<std::optional<Timestamp>>(6);
    a.execution_ms = row.get<int>(7);
    out.push_back(std::move(a));
  }
  std::sort(out.begin(), out.end(),
            [](const Applied& x, const Applied& y) { return compare_versions(x.version, y.version) < 0; });
  return out;
}

}  // namespace pgkit::migrate
