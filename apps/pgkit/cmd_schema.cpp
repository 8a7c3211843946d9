// The schema-first commands: `schema validate|format`, `migrate dev|deploy|diff`, `db push` —
// thin layers over pgkit/schema.hpp, pgkit/schema_migrate.hpp and pgkit/catalog_diff.hpp.
#include <chrono>
#include <fstream>
#include <iostream>

#include <unistd.h>

#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/catalog_diff.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/introspect.hpp"
#include "pgkit/migrator.hpp"
#include "pgkit/schema.hpp"
#include "pgkit/schema_migrate.hpp"

namespace pgkit::cli {
namespace {

namespace fs = std::filesystem;

// One side of `migrate diff`: --from-… or --to-…, exactly one of them given.
struct DiffSideOptions {
  bool empty = false;
  std::string schema, url, migrations;
};

struct SchemaOptions {
  CommonOptions common;
  std::string schema, dir, name, shadow_url, output;
  bool create_only = false, force = false, accept_data_loss = false, force_reset = false, check = false;
  bool print = false;
  bool script = false, exit_code = false;
  DiffSideOptions from, to;
};

// A yes/no question, asked only of a person at a terminal; anything else is a no.
bool ask(const std::string& question) {
  if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO)) return false;
  fmt::print(stderr, "{}\n[y/N] ", question);
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

void print_warnings(const std::vector<catalog::DataLossWarning>& warnings) {
  for (const auto& w : warnings) fmt::print(stderr, "  {} {}\n", w.unexecutable ? "✗" : "⚠", w.message);
}

int validate(const SchemaOptions& o) {
  auto path = schema_or_default(o.schema);
  auto parsed = schema::load(path);
  for (const auto& w : parsed.warnings) fmt::print(stderr, "{}\n", w.text());
  fmt::print("The schema at {} is valid ({} models, {} enums).\n", path.string(), parsed.models.size(),
             parsed.enums.size());
  return kOk;
}

int format(const SchemaOptions& o) {
  auto started = std::chrono::steady_clock::now();
  auto path = schema_or_default(o.schema);
  std::vector<std::string> changed;
  for (const auto& file : schema::read_files(path)) {
    std::string formatted = schema::format(file);
    if (formatted == file.text) continue;
    changed.push_back(file.path);
    if (!o.check) std::ofstream(file.path, std::ios::binary) << formatted;
  }
  if (o.check) {
    for (const auto& f : changed) fmt::print("{} is not formatted\n", f);
    return changed.empty() ? kOk : kFailed;
  }
  fmt::print("Formatted {} in {} ms ({} file{} changed)\n", path.string(),
             std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count(),
             changed.size(), changed.size() == 1 ? "" : "s");
  return kOk;
}

int dev(const SchemaOptions& o) {
  Config config = require_database(o.common);
  std::string name = o.name;
  if (name.empty() && isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
    fmt::print(stderr, "Enter a name for the new migration: ");
    std::getline(std::cin, name);
  }
  auto result = migrate::dev(
      config, {.name = name,
               .schema = o.schema,
               .dir = o.dir,
               .create_only = o.create_only,
               .force = o.force,
               .accept_data_loss = o.accept_data_loss,
               .shadow_url = o.shadow_url.empty() ? std::nullopt : std::optional<std::string>(o.shadow_url),
               .progress = [](const std::string& line) { fmt::print("{}\n", line); },
               .confirm = ask});
  if (!result.warnings.empty()) {
    fmt::print(stderr, "Warnings for the current datasource:\n");
    print_warnings(result.warnings);
  }
  if (result.written && o.create_only) fmt::print("Review and edit it, then run `pgkit migrate dev` to apply it.\n");
  return kOk;
}

int deploy(const SchemaOptions& o) {
  Config config = require_database(o.common);
  fs::path dir = o.dir.empty() ? migrate::default_migrations_dir(schema_or_default(o.schema)) : fs::path(o.dir);
  migrate::Migrator m(config, {.dir = dir,
                               .table = migrate::history_table(dir),
                               .progress = [](const std::string& line) { fmt::print("{}\n", line); }});
  auto report = m.up();
  if (report.versions.empty()) fmt::print("No pending migrations to apply.\n");
  return kOk;
}

migrate::DiffSource side(const DiffSideOptions& o, const char* which) {
  int given = (o.empty ? 1 : 0) + !o.schema.empty() + !o.url.empty() + !o.migrations.empty();
  if (given != 1)
    throw ConfigError(
        {.message = fmt::format("give exactly one --{0}-empty, --{0}-schema, --{0}-url or --{0}-migrations", which),
         .hint = "e.g. `pgkit migrate diff --from-empty --to-schema prisma/schema.prisma --script`"});
  if (o.empty) return {migrate::DiffSource::Kind::empty, ""};
  if (!o.schema.empty()) return {migrate::DiffSource::Kind::schema, o.schema};
  if (!o.url.empty()) return {migrate::DiffSource::Kind::url, o.url};
  return {migrate::DiffSource::Kind::migrations, o.migrations};
}

int diff(const SchemaOptions& o) {
  auto from = side(o.from, "from");
  auto to = side(o.to, "to");
  migrate::LoadOptions load_options;
  if (!o.shadow_url.empty()) load_options.shadow_url = o.shadow_url;
  if (auto loaded = load(o.common); loaded.ok() && loaded.config.configured()) {
    load_options.server = loaded.config;
    // The schema file's tables go where its datasource URL's ?schema= says, as Prisma puts them.
    if (loaded.config.search_path) load_options.default_schema = *loaded.config.search_path;
  }
  // A live database or a migrations directory is compared only in the schemas a schema file names.
  for (const auto& s : {from, to})
    if (s.kind == migrate::DiffSource::Kind::schema)
      load_options.schemas = schema::to_catalog(schema::load(s.value), load_options.default_schema).schemas;
  auto plan = catalog::diff(migrate::load_catalog(from, load_options), migrate::load_catalog(to, load_options));
  std::string text = o.script ? catalog::render_script(plan) : catalog::summary(plan);
  if (o.script && plan.empty()) text = "-- This is an empty migration.";
  if (!o.output.empty())
    std::ofstream(o.output, std::ios::binary) << text << (o.script ? "" : "\n");
  else
    std::cout << text << (text.ends_with('\n') ? "" : "\n");
  return o.exit_code && !plan.empty() ? kBadConfig : kOk;  // --exit-code: 2 when they differ, as Prisma's
}

int push(const SchemaOptions& o) {
  Config config = require_database(o.common);
  auto result = migrate::push(config, {.schema = o.schema,
                                       .accept_data_loss = o.accept_data_loss,
                                       .force_reset = o.force_reset,
                                       .progress = [](const std::string& line) { fmt::print("{}\n", line); }});
  if (!result.applied && !result.warnings.empty()) {
    fmt::print(stderr, "Refused: applying the schema would lose data:\n");
    print_warnings(result.warnings);
    fmt::print(stderr,
               "Nothing was changed. Pass --accept-data-loss to go ahead, or --force-reset to start from an "
               "empty database.\n");
    return kFailed;
  }
  return kOk;
}

// `db pull`: the database as a schema.prisma. An existing schema is re-introspected (its names,
// maps and comments kept) and rewritten in place, file by file; a new one goes to
// prisma/schema.prisma. --print writes to stdout and changes nothing.
int pull(const SchemaOptions& o) {
  Config config = require_database(o.common);
  fs::path path = o.schema;
  if (path.empty()) path = schema::find_default().value_or(fs::path("prisma") / "schema.prisma");
  std::optional<schema::Schema> previous;
  if (fs::exists(path)) previous = schema::load(path);
  schema::IntrospectOptions options;
  options.previous = previous ? &*previous : nullptr;
  options.schema = config.search_path.value_or("public");
  catalog::DescribeOptions describe;
  if (previous && !previous->datasource.schemas.empty())
    describe.schemas = previous->datasource.schemas;
  else
    describe.schemas = {options.schema};
  Connection conn(config);
  auto pulled = schema::introspect(catalog::describe(conn, describe), options);
  std::string warnings = schema::warnings_text(pulled.warnings);
  if (!warnings.empty()) fmt::print(stderr, "{}\n", warnings);
  if (o.print) {
    std::cout << pulled.text;
    return kOk;
  }
  std::size_t models = 0;
  if (!previous) {
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << pulled.text;
  } else {
    for (const auto& file : pulled.files) std::ofstream(file.path, std::ios::binary) << file.text;
  }
  for (std::size_t at = pulled.text.find("\nmodel "); at != std::string::npos;
       at = pulled.text.find("\nmodel ", at + 1))
    ++models;
  fmt::print("Introspected {} model{} and wrote {}{}\n", models, models == 1 ? "" : "s", path.string(),
             previous ? " (your names, maps and comments kept)" : "");
  return kOk;
}

// --from-empty, --from-schema, --from-url, --from-migrations (or the same with --to-).
void add_diff_side(CLI::App* cmd, DiffSideOptions& o, const std::string& which) {
  const std::string label = which == "from" ? "From" : "To";  // how each help line starts
  cmd->add_flag("--" + which + "-empty", o.empty, label + " nothing");
  cmd->add_option("--" + which + "-schema", o.schema, label + " a schema.prisma (file or folder)");
  cmd->add_option("--" + which + "-url", o.url, label + " a live database");
  cmd->add_option("--" + which + "-migrations", o.migrations,
                  label + " a migrations directory (replayed in a shadow database)");
}

}  // namespace

fs::path schema_or_default(const std::string& given) {
  if (!given.empty()) return given;
  if (auto found = schema::find_default()) return *found;
  throw ConfigError({.message = "no schema.prisma found (looked for ./schema.prisma, ./prisma/schema.prisma and "
                                "./prisma/schema/)",
                     .hint = "pass --schema PATH"});
}

void add_schema_commands(CLI::App& app, CLI::App& migrate, int& exit_code) {
  auto o = std::make_shared<SchemaOptions>();
  // A subcommand that runs fn on the options: with --schema when it reads one, and with the
  // database options (--url, …) when it reaches a database.
  enum Reads { kSchema = 1, kDatabase = 2, kBoth = 3 };
  auto command = [o, &exit_code](CLI::App& parent, const char* name, const char* about, int (*fn)(const SchemaOptions&),
                                 int reads) {
    auto* sub = parent.add_subcommand(name, about);
    if (reads & kDatabase) add_common_options(*sub, o->common);
    if (reads & kSchema)
      sub->add_option("--schema", o->schema, "schema.prisma file or folder (default ./prisma/schema.prisma)");
    sub->callback([o, &exit_code, fn] { exit_code = fn(*o); });
    return sub;
  };

  auto* schema_cmd = app.add_subcommand("schema", "schema.prisma: validate, format");
  schema_cmd->require_subcommand(1);
  command(*schema_cmd, "validate", "Report every problem in the schema, as file:line:column", validate, kSchema);
  auto* format_cmd = command(*schema_cmd, "format", "Rewrite the schema in the canonical layout `prisma format` writes",
                             format, kSchema);
  format_cmd->add_flag("--check", o->check, "Change nothing; exit 1 when a file is not formatted");

  auto* dev_cmd =
      command(migrate, "dev", "Write the migration that brings the database to the schema, and apply it", dev, kBoth);
  dev_cmd->add_option("--name,-n", o->name, "The migration's name (add_posts_table)");
  dev_cmd->add_option("--dir", o->dir, "Migrations directory (default: migrations beside the schema)");
  dev_cmd->add_flag("--create-only", o->create_only, "Write the migration for review; do not apply it");
  dev_cmd->add_flag("--force", o->force,
                    "Reset the database without asking when drift or edited migrations require it");
  dev_cmd->add_flag("--accept-data-loss", o->accept_data_loss, "Apply steps that drop data without asking");
  dev_cmd->add_option("--shadow-database-url", o->shadow_url,
                      "Where to replay migrations (default SHADOW_DATABASE_URL, "
                      "else a temporary database)");

  auto* deploy_cmd = command(migrate, "deploy", "Apply pending migrations (production): no shadow database, no prompts",
                             deploy, kBoth);
  deploy_cmd->add_option("--dir", o->dir, "Migrations directory (default: migrations beside the schema)");

  auto* diff_cmd =
      command(migrate, "diff", "Compare two schemas: empty, a schema file, a database or a migrations directory", diff,
              kDatabase);
  add_diff_side(diff_cmd, o->from, "from");
  add_diff_side(diff_cmd, o->to, "to");
  diff_cmd->add_flag("--script", o->script, "Print the SQL instead of a summary");
  diff_cmd->add_flag("--exit-code", o->exit_code, "Exit 2 when they differ, 0 when they do not");
  diff_cmd->add_option("--output,-o", o->output, "Write to this file instead of stdout");
  diff_cmd->add_option("--shadow-database-url", o->shadow_url, "Where to replay a migrations directory");

  auto* db =
      app.add_subcommand("db", "Without migrations: push the schema to the database, pull the database into a schema");
  db->require_subcommand(1);
  auto* push_cmd = command(*db, "push", "Make the database match the schema, without migration files", push, kBoth);
  push_cmd->add_flag("--accept-data-loss", o->accept_data_loss, "Apply even when data would be lost");
  push_cmd->add_flag("--force-reset", o->force_reset, "Drop everything first");
  auto* pull_cmd =
      command(*db, "pull", "Write the database as a schema.prisma (re-introspecting an existing one)", pull, kBoth);
  pull_cmd->add_flag("--print", o->print, "Print the schema instead of writing it");
}

}  // namespace pgkit::cli
