#include "server/schema_upgrade.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "pgkit/connection.hpp"
#include "pgkit/migrator.hpp"
#include "pgkit/schema_migrate.hpp"

namespace pgkit::server {
namespace {

// The versions the SQL-first migrations had; a database with all of them has the init schema.
const std::set<std::string> kSqlFirstVersions{"20261122000001", "20261122000002", "20261122000003", "20261122000004"};

// Respells the SQL-first schema as prisma/migrations writes it. Each step is a catalog change
// but the three unique indexes, which are built again under the name their constraint had.
constexpr const char* kRespell = R"sql(
ALTER TABLE magic_links DROP CONSTRAINT magic_links_token_hash_key;
CREATE UNIQUE INDEX magic_links_token_hash_key ON magic_links (token_hash);
ALTER TABLE sessions DROP CONSTRAINT sessions_access_token_hash_key;
CREATE UNIQUE INDEX sessions_access_token_hash_key ON sessions (access_token_hash);
ALTER TABLE sessions DROP CONSTRAINT sessions_refresh_token_hash_key;
CREATE UNIQUE INDEX sessions_refresh_token_hash_key ON sessions (refresh_token_hash);
ALTER TABLE audit_log ALTER COLUMN id DROP IDENTITY;
CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id;
SELECT setval('audit_log_id_seq', coalesce(max(id), 0) + 1, false) FROM audit_log;
ALTER TABLE audit_log ALTER COLUMN id SET DEFAULT nextval('audit_log_id_seq');
ALTER TABLE users ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP,
                  ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE magic_links ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE sessions ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP,
                     ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE posts ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP,
                  ALTER COLUMN updated_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE audit_log ALTER COLUMN created_at SET DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE pgkit_migrations RENAME TO pgkit_migrations_sql_first;
)sql";

// One key for every server of a database, apart from the migrator's own.
constexpr std::int64_t kUpgradeLockKey = 0x70676b697475706eLL;  // "pgkitupn"

std::vector<std::string> recorded_versions(Connection& conn) {
  std::vector<std::string> versions;
  for (const auto& row : conn.query("SELECT version FROM pgkit_migrations WHERE status = 'applied' ORDER BY version"))
    versions.push_back(row.get<std::string>(0));
  return versions;
}

void require_sql_first_history(const std::vector<std::string>& versions) {
  std::vector<std::string> missing, unknown;
  for (const auto& v : kSqlFirstVersions)
    if (std::find(versions.begin(), versions.end(), v) == versions.end()) missing.push_back(v);
  for (const auto& v : versions)
    if (!kSqlFirstVersions.contains(v)) unknown.push_back(v);
  if (missing.empty() && unknown.empty()) return;
  throw migrate::MigrationError(
      {.message = fmt::format("this database's pgkit_migrations {}{}{}: it is not the schema the init migration "
                              "describes, so it is not upgraded",
                              missing.empty() ? "" : fmt::format("lacks {}", fmt::join(missing, ", ")),
                              !missing.empty() && !unknown.empty() ? " and " : "",
                              unknown.empty() ? "" : fmt::format("records {}", fmt::join(unknown, ", "))),
       .hint = "apply the SQL-first migrations of pgkit-server (git show 5c363cc:migrations) first, or move your "
               "own changes into prisma/migrations; docs/server-schema.md"});
}

}  // namespace

bool upgrade_sql_first_database(const Config& config, const std::filesystem::path& migrations) {
  Connection conn(config);
  conn.query("SELECT pg_advisory_lock($1)", kUpgradeLockKey);
  struct Unlock {
    Connection& conn;
    ~Unlock() {
      try {
        conn.query("SELECT pg_advisory_unlock($1)", kUpgradeLockKey);
      } catch (...) {  // the session ends with the connection, and the lock with it
      }
    }
  } unlock{conn};
  if (!conn.query("SELECT to_regclass('pgkit_migrations') IS NOT NULL").scalar<bool>()) return false;
  require_sql_first_history(recorded_versions(conn));

  // Recorded first: interrupted after it, the next start finds pgkit_migrations still there and
  // respells; interrupted before it, nothing has changed.
  migrate::Migrator history(config, {.dir = migrations, .table = migrate::kPrismaTable});
  for (const auto& entry : history.status())
    // failed: a `pgkit migrate deploy` tried the init on this database and was refused (its
    // first statement, CREATE TYPE, meets the type): nothing of it was made.
    if (entry.version + "_" + entry.name == kInitMigration &&
        (entry.state == migrate::State::pending || entry.state == migrate::State::failed))
      history.resolve(kInitMigration, true);
  conn.execute(kRespell);  // one implicit transaction: several statements in one simple query
  return true;
}

migrate::RunReport migrate_server_database(const Config& config, const std::filesystem::path& migrations,
                                           const std::function<void(const std::string&)>& progress) {
  if (upgrade_sql_first_database(config, migrations) && progress)
    progress(fmt::format("upgraded a database of the SQL-first migrations; {} recorded as applied", kInitMigration));
  migrate::Options m{.dir = migrations, .table = migrate::history_table(migrations), .progress = progress};
  return migrate::Migrator(config, m).up();
}

}  // namespace pgkit::server
