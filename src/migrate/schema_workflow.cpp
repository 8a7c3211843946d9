// The schema-first commands other than `migrate dev`: the sides of `migrate diff`, `db push`,
// and the reset that `migrate reset` and a confirmed drift share.
#include <fmt/format.h>

#include "pgkit/connection.hpp"
#include "pgkit/error.hpp"
#include "pgkit/migrator.hpp"
#include "pgkit/schema.hpp"
#include "pgkit/schema_migrate.hpp"

namespace pgkit::migrate {
namespace {

Config config_from_url(const std::string& url, const std::string& what) {
  auto loaded = parse_url(url, what);
  if (!loaded.ok())
    throw ConfigError({.message = fmt::format("{} has problems:\n{}", what, loaded.problems_text()),
                       .hint = "pass a postgresql:// URL"});
  loaded.config.pool.slow_query = Millis{0};
  return loaded.config;
}

std::filesystem::path schema_path(const std::filesystem::path& given) {
  if (!given.empty()) return given;
  if (auto found = schema::find_default()) return *found;
  throw MigrationError({.message = "no schema.prisma found (looked for ./schema.prisma, ./prisma/schema.prisma and "
                                   "./prisma/schema/)",
                        .hint = "pass --schema PATH"});
}

}  // namespace

std::filesystem::path default_migrations_dir(const std::filesystem::path& schema) {
  // Beside the file that holds the datasource, as Prisma puts it: prisma/schema.prisma →
  // prisma/migrations; a multi-file folder prisma/schema/ → prisma/schema/migrations.
  if (std::filesystem::is_directory(schema)) return schema / "migrations";
  return schema.parent_path() / "migrations";
}

std::string history_table(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir / "migration_lock.toml", ec)) return kPrismaTable;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && std::filesystem::exists(it->path() / "migration.sql", ec)) return kPrismaTable;
  return kDefaultTable;
}

catalog::Catalog load_catalog(const DiffSource& source, const LoadOptions& options) {
  switch (source.kind) {
    case DiffSource::Kind::empty: return {};
    case DiffSource::Kind::schema:
      return schema::to_catalog(schema::load(schema_path(source.value)), options.default_schema);
    case DiffSource::Kind::url: {
      Connection conn(config_from_url(source.value, "the URL to diff"));
      catalog::DescribeOptions describe;
      describe.schemas = options.schemas;
      return catalog::describe(conn, describe);
    }
    case DiffSource::Kind::migrations: {
      auto files = read_directory(source.value);
      if (options.shadow) return options.shadow->replay(files);
      ShadowDatabase shadow({.url = options.shadow_url, .server = options.server, .progress = {}});
      auto replayed = shadow.replay(files);
      if (!options.schemas.empty()) {
        // Only what the other side can speak for.
        std::erase_if(replayed.tables, [&](const catalog::Table& t) {
          return std::find(options.schemas.begin(), options.schemas.end(), t.schema) == options.schemas.end();
        });
      }
      return replayed;
    }
  }
  return {};
}

void drop_everything(const Config& database, const std::vector<std::string>& schemas) {
  Connection conn(database);
  std::vector<std::string> list = schemas.empty() ? std::vector<std::string>{"public"} : schemas;
  conn.execute("BEGIN");
  for (const auto& s : list) {
    conn.execute(fmt::format("DROP SCHEMA IF EXISTS {} CASCADE", catalog::quote_ident(s)));
    conn.execute(fmt::format("CREATE SCHEMA {}", catalog::quote_ident(s)));
  }
  conn.execute("COMMIT");
}

PushResult push(const Config& database, const PushOptions& options) {
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  auto path = schema_path(options.schema);
  auto parsed = schema::load(path);
  auto wanted = schema::to_catalog(parsed, database.search_path.value_or(""));
  if (options.force_reset) {
    drop_everything(database, wanted.schemas);
    say("The database was reset (every object of its schemas dropped).");
  }
  Connection conn(database);
  catalog::DescribeOptions describe;
  describe.schemas = wanted.schemas;
  PushResult result;
  result.plan = catalog::diff(catalog::describe(conn, describe), wanted);
  result.warnings = catalog::check_data_loss(result.plan, &conn);
  if (result.plan.empty()) {
    say("The database is already in sync with the schema.");
    return result;
  }
  if (!result.warnings.empty() && !options.accept_data_loss) return result;
  catalog::RenderOptions render{.default_schema = database.search_path.value_or("public"),
                                .qualify_all = !parsed.datasource.schemas.empty()};
  // One simple-protocol call: one implicit transaction, as Prisma applies it.
  conn.execute(catalog::render_script(result.plan, render));
  if (conn.transaction_status() != TxStatus::idle) conn.execute("COMMIT");
  result.applied = true;
  say(fmt::format("The database is now in sync with the schema ({} step{}).", result.plan.steps.size(),
                  result.plan.steps.size() == 1 ? "" : "s"));
  return result;
}

}  // namespace pgkit::migrate
