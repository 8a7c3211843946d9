#pragma once
/// @file schema_migrate.hpp
/// The schema-first workflow, as Prisma Migrate runs it and natively: a `schema.prisma` edited
/// by hand, `dev()` writes and applies the SQL migration that brings the database to it,
/// `push()` prototypes without migration files, and load_catalog() reads any side of a diff —
/// nothing, a schema file, a live database or a migrations directory — as one catalog value.
///
/// @code
///   auto result = pgkit::migrate::dev(config, {.name = "add_posts", .schema = "prisma/schema.prisma",
///                                              .dir = "prisma/migrations"});
///   if (result.written) std::cout << "wrote " << result.written->string() << "\n";
/// @endcode
///
/// Migrations are written in Prisma's layout (`<timestamp>_<name>/migration.sql` and
/// `migration_lock.toml`) and recorded in `_prisma_migrations` exactly as Prisma records them,
/// so Prisma can take over again at any time.

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/catalog_diff.hpp"
#include "pgkit/config.hpp"
#include "pgkit/migrate.hpp"

namespace pgkit::migrate {

/// Lines of progress for a person ("Applying migration `20250101_init`"). Default: none.
using Progress = std::function<void(const std::string&)>;
/// A yes/no question for a person; return true to go on. Default: no.
using Confirm = std::function<bool(const std::string& question)>;

/// A scratch database to replay migrations in. In order of preference: the URL given (or
/// SHADOW_DATABASE_URL; emptied first, as Prisma does), a database created on the development
/// server and dropped when this object dies, or a local PostgreSQL started in a temporary
/// directory (when the server refuses CREATE DATABASE). Made on first use, not before.
///
/// What a list of migrations builds is kept in a cache, keyed by each migration's name and
/// checksum, the shadow server's address and version, and pgkit's version: the same list on the
/// same server is replayed once, so a `migrate dev` or `migrate status` with nothing new makes
/// no shadow database at all. A migration whose result depends on more than its text (the clock,
/// a setting, another database) would be remembered as it first ran: turn the cache off with
/// PGKIT_SHADOW_CACHE=off.
class ShadowDatabase {
 public:
  struct Options {
    std::optional<std::string> url;  ///< a shadow database of the user's; default SHADOW_DATABASE_URL
    std::optional<Config> server;    ///< the development database, whose server may host a temporary one
    int server_version = 0;          ///< server's PQserverVersion when known (saves a connection); 0: asked
    Progress progress;
    /// The cache's directory. Default: $PGKIT_CACHE_DIR/shadow, else $XDG_CACHE_HOME/pgkit/shadow,
    /// else ~/.cache/pgkit/shadow; none when PGKIT_SHADOW_CACHE=off. An empty path: no cache.
    /// A local server (the last resort) is never cached.
    std::optional<std::filesystem::path> cache_dir;
  };
  explicit ShadowDatabase(Options options);
  ~ShadowDatabase();
  ShadowDatabase(const ShadowDatabase&) = delete;
  ShadowDatabase& operator=(const ShadowDatabase&) = delete;

  /// How to connect to it (made now if it was not yet).
  const Config& config();
  /// Where the last replay came from, for messages: "temporary database pgkit_shadow_… on the
  /// development server", or "the cache of what these migrations build (FILE)".
  const std::string& description() const;

  /// Apply migrations in order (each as its file is written), after the ones of earlier calls,
  /// then describe the result: from the cache when it knows this list.
  /// @throws MigrationError naming the migration, file and line that failed
  catalog::Catalog replay(const std::vector<Migration>& migrations);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

/// One side of `pgkit migrate diff`.
struct DiffSource {
  enum class Kind { empty, schema, url, migrations };
  Kind kind = Kind::empty;
  std::string value;  ///< schema file or folder, database URL, or migrations directory
};

struct LoadOptions {
  /// For Kind::migrations: where to replay them. Default: a ShadowDatabase of its own, made
  /// from shadow_url, else SHADOW_DATABASE_URL, else a temporary database on server's server.
  ShadowDatabase* shadow = nullptr;
  std::optional<std::string> shadow_url;
  std::optional<Config> server;
  /// For Kind::schema: tables go to this schema unless a model says @@schema (a URL's schema=).
  std::string default_schema = "public";
  /// For Kind::url: only these schemas (default: those of the other side's schema file, else all).
  std::vector<std::string> schemas;
};

/// The catalog of a diff source. @throws schema::SchemaError, MigrationError, CannotConnect…
catalog::Catalog load_catalog(const DiffSource& source, const LoadOptions& options = {});

/// What `migrate dev` does; every field has a default.
struct DevOptions {
  std::string name;                       ///< the migration's name; "" = "migration"
  std::filesystem::path schema;           ///< "" = schema::find_default()
  std::filesystem::path dir;              ///< "" = "migrations" beside the schema (prisma/migrations)
  bool create_only = false;               ///< write the migration, do not apply it
  bool force = false;                     ///< reset without asking when drift or edits require it
  bool accept_data_loss = false;          ///< apply steps that drop data without asking
  std::optional<std::string> shadow_url;  ///< default SHADOW_DATABASE_URL, else a temporary database
  /// Where replayed migrations are remembered: ShadowDatabase::Options::cache_dir (default
  /// ~/.cache/pgkit/shadow; an empty path: replay every time).
  std::optional<std::filesystem::path> shadow_cache;
  Progress progress;
  Confirm confirm;  ///< asked before a reset or data loss; default: refuse
};

struct DevResult {
  std::vector<std::string> applied;                ///< migrations applied to the database, in order
  std::optional<std::filesystem::path> written;    ///< the new migration.sql, when one was written
  catalog::Plan plan;                              ///< what the new migration does
  std::vector<catalog::DataLossWarning> warnings;  ///< counted against the database
  std::string drift;                               ///< what differed before a reset ("" = no drift)
  bool reset = false;                              ///< the database was reset
};

/// `migrate dev`: check the database against its migration history (drift, edited or failed
/// migrations: reset only with confirmation or force), apply pending migrations, diff the
/// replayed migrations against the schema, write the new migration and apply it. Nothing is
/// written or applied when the schema or a migration has a problem.
/// @throws schema::SchemaError, MigrationError
DevResult dev(const Config& database, const DevOptions& options);

/// Where a database, its migrations and its schema file disagree (`migrate status`).
struct DriftReport {
  /// What the database holds that its applied migrations do not build (a summary); "" = none.
  std::string database;
  /// What the schema file describes that the migrations do not build; "" = none, or no schema.
  std::string schema;
};

/// Replay the applied migrations in a shadow database and compare with the database; replay
/// all of them and compare with the schema file (when there is one).
DriftReport check_drift(const Config& database, const std::filesystem::path& dir,
                        const std::optional<std::filesystem::path>& schema,
                        const std::optional<std::string>& shadow_url);

struct PushOptions {
  std::filesystem::path schema;  ///< "" = schema::find_default()
  bool accept_data_loss = false;
  bool force_reset = false;  ///< drop everything first
  Progress progress;
};

struct PushResult {
  catalog::Plan plan;
  std::vector<catalog::DataLossWarning> warnings;
  bool applied = false;  ///< false when refused for data loss
};

/// `db push`: make the database match the schema directly, without migration files. Refuses
/// (applies nothing) when a step would lose data, unless accept_data_loss.
PushResult push(const Config& database, const PushOptions& options);

/// Drop every object of the schemas in scope (DROP SCHEMA … CASCADE, then CREATE SCHEMA), as
/// `prisma migrate reset` does. schemas empty: "public".
void drop_everything(const Config& database, const std::vector<std::string>& schemas);

/// The migrations directory beside a schema file: prisma/schema.prisma → prisma/migrations.
std::filesystem::path default_migrations_dir(const std::filesystem::path& schema);

/// The history table a migrations directory is recorded in: kPrismaTable when the directory is
/// in Prisma's layout (`<timestamp>_<name>/migration.sql` directories or migration_lock.toml),
/// else kDefaultTable.
std::string history_table(const std::filesystem::path& dir);

}  // namespace pgkit::migrate
