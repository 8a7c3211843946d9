// pgkit migrate: up, down, redo, reset, status, create, resolve, dump-schema, verify — a thin
// layer over pgkit::migrate::Migrator.
#include <chrono>
#include <fstream>
#include <iostream>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/migrator.hpp"

namespace pgkit::cli {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using migrate::Migrator;

struct MigrateOptions {
  CommonOptions common;
  std::string dir = "migrations";
  std::string table = migrate::kDefaultTable;
  int lock_timeout_ms = 60'000;
  bool allow_drift = false, allow_out_of_order = false, dry_run = false, json = false, force = false;
  int count = 0;
  std::string name, version, out, schema_file = "schema.sql";
  bool applied = false, rolled_back = false;
};

Config require_config(const MigrateOptions& o) {
  LoadedConfig loaded = load(o.common);
  for (const auto& w : loaded.warnings) fmt::print(stderr, "warning: {}\n", w);
  if (!loaded.ok()) throw ConfigError({.message = "the configuration has problems:\n" + loaded.problems_text()});
  if (!loaded.config.configured())
    throw ConfigError({.message = "no database configured",
                       .hint = "set DATABASE_URL (or pass --database-url); `pgkit dev` starts a local one"});
  return loaded.config;
}

migrate::Options engine_options(const MigrateOptions& o) {
  return {.dir = o.dir,
          .table = o.table,
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

int show_status(Migrator& m, bool as_json, const std::string& dir) {
  auto rows = m.status();
  bool clean = true;
  json::array out;
  for (const auto& r : rows) {
    clean = clean && r.state == migrate::State::applied;
    if (as_json) {
      out.push_back(json::object{{"version", r.version},     {"name", r.name},
                                 {"state", to_string(r.state)}, {"file", r.file},
                                 {"applied_at", when(r.applied_at)}, {"execution_ms", r.execution_ms},
                                 {"applied_by", r.applied_by}, {"error", r.error}});
    } else {
      fmt::print("{:<22} {:<22} {:<32} {}{}\n", r.version, to_string(r.state), r.name, when(r.applied_at),
                 r.execution_ms ? fmt::format(" ({} ms)", r.execution_ms) : "");
    }
  }
  if (as_json) std::cout << json::serialize(out) << "\n";
  else if (rows.empty()) fmt::print("no migrations in {}\n", dir);
  for (const auto& t : m.foreign_tables()) fmt::print(stderr, "note: found {}; pgkit keeps its own history\n", t);
  return kOk;
}

int create(const MigrateOptions& o) {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  fs::create_directories(o.dir);
  fs::path file = fs::path(o.dir) / fmt::format("{:%Y%m%d%H%M%S}_{}.sql", now, o.name);
  if (fs::exists(file)) throw migrate::MigrationError({.message = file.string() + " exists already"});
  std::ofstream(file) << "-- migrate:up\n\n\n-- migrate:down\n\n";
  fmt::print("created {}\n", file.string());
  return kOk;
}

int run(const std::string& action, const MigrateOptions& o) {
  if (action == "create") return create(o);
  Config config = require_config(o);
  Migrator m(config, engine_options(o));
  if (action == "status") return show_status(m, o.json, o.dir);
  if (action == "up") print_sql(m.up(o.count > 0 ? std::optional<int>(o.count) : std::nullopt));
  else if (action == "down") print_sql(m.down(o.count > 0 ? o.count : 1));
  else if (action == "redo") print_sql(m.redo());
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
    fmt::print("resetting {}: every migration is rolled back, then applied again\n", config.masked());
    print_sql(m.reset());
  } else if (action == "resolve") {
    m.resolve(o.version, o.applied);
  } else if (action == "dump-schema") {
    std::string schema = m.dump_schema();
    if (o.out.empty() || o.out == "-") std::cout << schema;
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

void add_migrate_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("migrate", "SQL-first migrations: up, down, redo, reset, status, create, resolve, "
                                            "dump-schema, verify");
  cmd->require_subcommand(1);
  auto o = std::make_shared<MigrateOptions>();
  auto common = [&](CLI::App* sub) {
    add_common_options(*sub, o->common);
    sub->add_option("--dir", o->dir, "Migrations directory (default ./migrations)");
    sub->add_option("--table", o->table, "Tracking table (default pgkit_migrations)");
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
  add("reset", "Roll back everything, then apply everything (refused on a non-local host without --force)")
      ->add_flag("--force", o->force, "Reset a non-local database");
  add("status", "Every migration: applied, pending, file missing, changed, out of order")
      ->add_flag("--json", o->json, "Print JSON");
  auto* create = add("create", "Write a new migration file YYYYMMDDHHMMSS_NAME.sql");
  create->add_option("NAME", o->name, "Name")->required()->check([](const std::string& n) {
    return n.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string::npos
               ? std::string()
               : std::string("use lower-case letters, digits and underscores");
  });
  auto* resolve = add("resolve", "Mark a migration applied or rolled back without running it");
  resolve->add_option("VERSION", o->version, "Version")->required();
  auto* how = resolve->add_option_group("how")->require_option(1);
  how->add_flag("--applied", o->applied, "Its changes are in place");
  how->add_flag("--rolled-back", o->rolled_back, "Its changes are not in place");
  add("dump-schema", "Write a deterministic schema snapshot")->add_option("--out", o->out, "File (default: stdout)");
  add("verify", "Exit 1 on drift, missing files, pending migrations or a schema that differs from the snapshot")
      ->add_option("--schema-file", o->schema_file, "Committed snapshot (default schema.sql)");
}

}  // namespace pgkit::cli
