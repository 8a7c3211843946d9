// pgkit migrate: up, down, redo, reset, status, create, resolve, dump-schema, verify — a thin
// layer over pgkit::migrate::Migrator.
#include <chrono>
#include <fstream>
#include <iostream>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "commands.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/backup.hpp"
#include "pgkit/migrator.hpp"
#include "pgkit/schema.hpp"
#include "pgkit/schema_migrate.hpp"

namespace pgkit::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using migrate::Migrator;

struct MigrateOptions {
  CommonOptions common;
  std::string dir;    // "" = ./migrations, else ./prisma/migrations when only that exists
  std::string table;  // "" = the directory's: Prisma's history for Prisma's layout, else pgkit_migrations
  int lock_timeout_ms = 60'000;
  bool allow_drift = false, allow_out_of_order = false, dry_run = false, json = false, force = false;
  int count = 0;
  std::string name, version, out, schema_file = "schema.sql";
  std::string schema, seed, shadow_url;
  bool applied = false, rolled_back = false;
  std::string applied_name, rolled_back_name;
};

std::string dir_of(const MigrateOptions& o) {
  if (!o.dir.empty()) return o.dir;
  if (!fs::exists("migrations") && fs::exists("prisma/migrations")) return "prisma/migrations";
  return "migrations";
}

migrate::Options engine_options(const MigrateOptions& o) {
  std::string dir = dir_of(o);
  return {.dir = dir,
          .table = o.table.empty() ? migrate::history_table(dir) : o.table,
          .lock_timeout = Millis{o.lock_timeout_ms},
          .allow_drift = o.allow_drift,
          .allow_out_of_order = o.allow_out_of_order,
          .dry_run = o.dry_run,
          .progress = [](const std::string& line) { fmt::print("{}\n", line); }};
}

void print_sql(const migrate::RunReport& r) {
  for (const auto& sql : r.sql) fmt::print("{}\n", sql);
}

std::string when(const std::optional<Timestamp>& t) {
  return t ? fmt::format("{:%Y-%m-%d %H:%M:%S}", std::chrono::floor<std::chrono::seconds>(*t)) : "";
}

// Prisma's status, as `prisma migrate status` prints it, and the drift it cannot see: what the
// database holds that its migrations do not build, and what the schema has that no migration does.
int show_prisma_status(Migrator& m, const MigrateOptions& o, const Config& config) {
  auto rows = m.status();
  std::string dir = dir_of(o);
  std::vector<std::string> pending, failed, missing, edited;
  for (const auto& r : rows) {
    std::string name = r.version + "_" + r.name;
    if (r.state == migrate::State::pending || r.state == migrate::State::out_of_order) pending.push_back(name);
    if (r.state == migrate::State::failed) failed.push_back(name);
    if (r.state == migrate::State::missing_file) missing.push_back(name);
    if (r.state == migrate::State::changed) edited.push_back(name);
  }
  std::size_t found = rows.size() - missing.size();
  fmt::print("{} migration{} found in {}\n\n", found, found == 1 ? "" : "s", dir);
  auto list = [](const std::vector<std::string>& names) {
    for (const auto& n : names) fmt::print("{}\n", n);
  };
  bool clean = pending.empty() && failed.empty() && missing.empty() && edited.empty();
  if (!failed.empty()) {
    fmt::print("Following migration{} have failed:\n", failed.size() == 1 ? "" : "s");
    list(failed);
    fmt::print(
        "\nDuring development, reset the database with `pgkit migrate reset`; in production, fix it by hand and "
        "run `pgkit migrate resolve --applied|--rolled-back NAME`.\n\n");
  }
  if (!edited.empty()) {
    fmt::print("Following migration{} were modified after they were applied:\n", edited.size() == 1 ? "" : "s");
    list(edited);
    fmt::print("\n");
  }
  if (!missing.empty()) {
    fmt::print("Following migration{} applied to the database but absent from the migrations directory:\n",
               missing.size() == 1 ? " was" : "s were");
    list(missing);
    fmt::print("\n");
  }
  if (!pending.empty()) {
    fmt::print("Following migration{} not yet been applied:\n", pending.size() == 1 ? " has" : "s have");
    list(pending);
    fmt::print(
        "\nTo apply migrations in development run `pgkit migrate dev`.\nTo apply migrations in production run "
        "`pgkit migrate deploy`.\n");
  }
  std::optional<fs::path> schema_file;
  if (!o.schema.empty())
    schema_file = o.schema;
  else
    schema_file = schema::find_default();
  auto drift = migrate::check_drift(config, dir, schema_file,
                                    o.shadow_url.empty() ? std::nullopt : std::optional<std::string>(o.shadow_url));
  if (!drift.database.empty()) {
    clean = false;
    fmt::print(
        "\nDrift detected: the database schema is not in sync with its migration history.\n"
        "What the database has that its applied migrations do not build:\n{}",
        drift.database);
  }
  if (!drift.schema.empty()) {
    clean = false;
    fmt::print("\nThe schema at {} has changes that no migration makes yet (run `pgkit migrate dev`):\n{}",
               schema_file->string(), drift.schema);
  }
  if (clean) fmt::print("Database schema is up to date!\n");
  return clean ? kOk : kFailed;
}

int show_status(Migrator& m, const MigrateOptions& o, const Config& config) {
  if (m.prisma() && !o.json) return show_prisma_status(m, o, config);
  auto rows = m.status();
  json::array out;
  for (const auto& r : rows) {
    if (o.json) {
      out.push_back(json::object{{"version", r.version},
                                 {"name", r.name},
                                 {"state", to_string(r.state)},
                                 {"file", r.file},
                                 {"applied_at", when(r.applied_at)},
                                 {"execution_ms", r.execution_ms},
                                 {"applied_by", r.applied_by},
                                 {"error", r.error}});
    } else {
      fmt::print("{:<22} {:<22} {:<32} {}{}\n", r.version, to_string(r.state), r.name, when(r.applied_at),
                 r.execution_ms ? fmt::format(" ({} ms)", r.execution_ms) : "");
    }
  }
  if (o.json)
    std::cout << json::serialize(out) << "\n";
  else if (rows.empty())
    fmt::print("no migrations in {}\n", dir_of(o));
  if (!m.prisma())
    for (const auto& t : m.foreign_tables())
      if (t.find("Prisma") == std::string::npos || fs::exists(fs::path(dir_of(o)) / "migration_lock.toml"))
        fmt::print(stderr, "note: found {}; pgkit keeps its own history\n", t);
  return kOk;
}

int create(const MigrateOptions& o) {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  fs::create_directories(o.dir);
  fs::path file = fs::path(o.dir) / fmt::format("{:%Y%m%d%H%M%S}_{}.sql", now, o.name);
  if (fs::exists(file)) throw migrate::MigrationError({.message = file.string() + " exists already"});
  if (migrate::history_table(o.dir) == migrate::kPrismaTable)
    throw migrate::MigrationError({.message = fmt::format("{} holds Prisma migrations", o.dir),
                                   .hint = "write the migration from the schema with `pgkit migrate dev --name NAME` "
                                           "(--create-only to write it without applying)"});
  std::ofstream(file) << "-- migrate:up\n\n\n-- migrate:down\n\n";
  fmt::print("created {}\n", file.string());
  return kOk;
}

int run(const std::string& action, const MigrateOptions& o) {
  if (action == "create") return create(o);
  Config config = require_database(o.common);
  Migrator m(config, engine_options(o));
  if (action == "status") return show_status(m, o, config);
  if (action == "up")
    print_sql(m.up(o.count > 0 ? std::optional<int>(o.count) : std::nullopt));
  else if (action == "down")
    print_sql(m.down(o.count > 0 ? o.count : 1));
  else if (action == "redo")
    print_sql(m.redo());
  else if (action == "reset") {
    const std::string host = config.params.count("host") ? config.params.at("host") : "";
    bool local = host.empty() || host == "localhost" || host == "127.0.0.1" || host == "::1" || host[0] == '/';
    if (!o.force && !local) {
      fmt::print(stderr,
                 "reset rolls back every migration (dropping their tables and data) on {} and applies them again.\n"
                 "It is not a local database: pass --force to do it.\n",
                 config.masked());
      return kBadConfig;
    }
    if (m.prisma()) {
      // Prisma's reset: drop every object of the schemas, apply every migration, run the seed.
      std::vector<std::string> schemas{config.search_path.value_or("public")};
      std::optional<fs::path> schema_file =
          o.schema.empty() ? schema::find_default() : std::optional<fs::path>(o.schema);
      if (schema_file) schemas = schema::to_catalog(schema::load(*schema_file), schemas.front()).schemas;
      fmt::print("resetting {}: every object of the {} schema{} is dropped, then every migration applied\n",
                 config.masked(), fmt::join(schemas, ", "), schemas.size() == 1 ? "" : "s");
      migrate::drop_everything(config, schemas);
      Migrator fresh(config, engine_options(o));
      print_sql(fresh.up());
      fs::path seed = o.seed.empty() ? fs::path("seeds") : fs::path(o.seed);
      if (fs::exists(seed)) {
        Connection conn(config);
        for (const auto& f : pgkit::seed(conn, seed)) fmt::print("seeded {}\n", f.string());
      } else if (!o.seed.empty()) {
        throw migrate::MigrationError({.message = "no seed at " + o.seed, .hint = "pass --seed FILE|DIR"});
      }
      return kOk;
    }
    fmt::print("resetting {}: every migration is rolled back, then applied again\n", config.masked());
    print_sql(m.reset());
  } else if (action == "resolve") {
    m.resolve(o.version, o.applied);
  } else if (action == "dump-schema") {
    std::string schema = m.dump_schema();
    if (o.out.empty() || o.out == "-")
      std::cout << schema;
    else {
      std::ofstream(o.out, std::ios::binary) << schema;
      fmt::print("wrote {}\n", o.out);
    }
  } else if (action == "verify") {
    auto findings = m.verify(fs::path(o.schema_file));
    for (const auto& f : findings) fmt::print("✗ {}\n", f);
    if (!findings.empty()) return kFailed;
    fmt::print("✓ every migration applied as written{}\n",
               fs::exists(o.schema_file) ? ", and the schema matches " + o.schema_file : "");
  }
  return kOk;
}

}  // namespace

CLI::App& add_migrate_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("migrate",
                                 "Migrations: dev, deploy, diff (schema-first); up, down, redo, reset, status, "
                                 "create, resolve, dump-schema, verify");
  cmd->require_subcommand(1);
  auto o = std::make_shared<MigrateOptions>();
  auto common = [&](CLI::App* sub) {
    add_common_options(*sub, o->common);
    sub->add_option("--dir", o->dir, "Migrations directory (default ./migrations, else ./prisma/migrations)");
    sub->add_option("--table", o->table,
                    "Tracking table (default: _prisma_migrations for Prisma's layout, else "
                    "pgkit_migrations)");
    sub->add_option("--lock-timeout", o->lock_timeout_ms, "Milliseconds to wait for another migrator (default 60000)");
  };
  auto add = [&](const char* name, const char* help) {
    auto* sub = cmd->add_subcommand(name, help);
    common(sub);
    sub->callback([o, &exit_code, action = std::string(name)] { exit_code = run(action, *o); });
    return sub;
  };
  auto* up = add("up", "Apply pending migrations (all, or N)");
  up->add_option("N", o->count, "How many");
  for (auto* s : {up}) {
    s->add_flag("--dry-run", o->dry_run, "Print the SQL that would run; change nothing");
    s->add_flag("--allow-drift", o->allow_drift, "Apply even if applied migrations were edited");
    s->add_flag("--allow-out-of-order", o->allow_out_of_order, "Apply pending migrations older than applied ones");
  }
  auto* down = add("down", "Roll back the newest N applied migrations (default 1)");
  down->add_option("N", o->count, "How many");
  down->add_flag("--dry-run", o->dry_run, "Print the SQL that would run; change nothing");
  add("redo", "Roll back the newest migration and apply it again");
  auto* reset = add("reset",
                    "Roll back (Prisma's layout: drop) everything, then apply everything and seed (refused on a "
                    "non-local host without --force)");
  reset->add_flag("--force", o->force, "Reset a non-local database");
  reset->add_option("--schema", o->schema,
                    "schema.prisma, for the schemas to reset (default: found as `migrate dev` does)");
  reset->add_option("--seed", o->seed, "Seed SQL file or directory run afterwards (default ./seeds when present)");
  auto* status = add("status",
                     "Every migration: applied, pending, file missing, changed, out of order; drift for "
                     "Prisma's layout");
  status->add_flag("--json", o->json, "Print JSON");
  status->add_option("--schema", o->schema, "schema.prisma to compare with the migrations (default: found)");
  status->add_option("--shadow-database-url", o->shadow_url, "Where to replay migrations to detect drift");
  auto* create = add("create", "Write a new migration file YYYYMMDDHHMMSS_NAME.sql");
  create->add_option("NAME", o->name, "Name")->required()->check([](const std::string& n) {
    return n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos
               ? std::string()
               : std::string("use lower-case letters, digits and underscores");
  });
  auto* resolve = add("resolve", "Mark a migration applied or rolled back without running it");
  resolve->add_option("VERSION", o->version, "Version, or a Prisma migration's directory name");
  // Both `resolve 001 --applied` and Prisma's `resolve --applied 20240101_init`.
  auto* how = resolve->add_option_group("how")->require_option(1);
  how->add_option("--applied", o->applied_name, "Its changes are in place")->expected(0, 1);
  how->add_option("--rolled-back", o->rolled_back_name, "Its changes are not in place")->expected(0, 1);
  resolve->preparse_callback([o](std::size_t) { o->applied_name.clear(), o->rolled_back_name.clear(); });
  resolve->parse_complete_callback([o, resolve] {
    o->applied = resolve->get_option_group("how")->get_option("--applied")->count() > 0;
    if (o->version.empty()) o->version = o->applied ? o->applied_name : o->rolled_back_name;
    if (o->version.empty())
      throw CLI::ValidationError("resolve", "name the migration: `resolve NAME --applied` or `resolve --applied NAME`");
  });
  add("dump-schema", "Write a deterministic schema snapshot")->add_option("--out", o->out, "File (default: stdout)");
  add("verify", "Exit 1 on drift, missing files, pending migrations or a schema that differs from the snapshot")
      ->add_option("--schema-file", o->schema_file, "Committed snapshot (default schema.sql)");
  return *cmd;
}

}  // namespace pgkit::cli
