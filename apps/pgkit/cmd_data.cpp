// pgkit seed, backup, restore: thin layers over pgkit/backup.hpp.
#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/backup.hpp"
#include "pgkit/connection.hpp"

namespace pgkit::cli {
namespace {

struct DataOptions {
  CommonOptions common;
  std::string path = "seeds";
  std::string out = "backups";
  int keep = 0;
  bool clean = false;
};

Config configured(const DataOptions& o) { return require_database(o.common); }

}  // namespace

void add_data_commands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<DataOptions>();

  auto* seed = app.add_subcommand("seed", "Run seed SQL (a file, or every .sql in a directory) in one transaction");
  add_common_options(*seed, o->common);
  seed->add_option("PATH", o->path, "File or directory (default ./seeds)");
  seed->callback([o, &exit_code] {
    Connection conn(configured(*o));
    for (const auto& f : pgkit::seed(conn, o->path)) fmt::print("seeded {}\n", f.string());
    exit_code = kOk;
  });

  auto* backup = app.add_subcommand("backup", "pg_dump (custom format) to a timestamped file, keeping the newest N");
  add_common_options(*backup, o->common);
  backup->add_option("--out", o->out, "Directory (default ./backups)");
  backup->add_option("--keep", o->keep, "Keep the newest N backups of this database (default: all)");
  backup->callback([o, &exit_code] {
    auto file = pgkit::backup(configured(*o), {.out = o->out, .keep = o->keep});
    fmt::print("wrote {} ({} bytes)\n", file.string(), std::filesystem::file_size(file));
    exit_code = kOk;
  });

  auto* restore = app.add_subcommand("restore", "pg_restore a backup; refuses a non-empty database without --clean");
  add_common_options(*restore, o->common);
  restore->add_option("FILE", o->path, "The backup file")->required();
  restore->add_flag("--clean", o->clean, "Drop existing objects first");
  restore->callback([o, &exit_code] {
    pgkit::restore(configured(*o), o->path, {.clean = o->clean});
    fmt::print("restored {}\n", o->path);
    exit_code = kOk;
  });
}

}  // namespace pgkit::cli
