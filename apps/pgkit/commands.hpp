#pragma once
// The pgkit program's subcommands. Each is a thin layer over the library: what it prints, a
// C++ program can get by calling pgkit.
#include <filesystem>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "pgkit/config.hpp"
#include "pgkit/error.hpp"

namespace pgkit::cli {

// Exit codes: 0 ok, 1 failed, 2 bad usage or configuration.
inline constexpr int kOk = 0, kFailed = 1, kBadConfig = 2;

// Options every database command takes.
struct CommonOptions {
  std::optional<std::string> database_url;
  std::string env_file;
};
void add_common_options(CLI::App& cmd, CommonOptions& options);
LoadedConfig load(const CommonOptions& options);
// The configured database, or a ConfigError naming what to set. Prints config warnings.
Config require_database(const CommonOptions& options);
// An error as a person at a terminal needs it: message, detail, hint (masked).
std::string describe(const Error& e);

// Each registers its subcommand; the callback sets exit_code.
void add_config_command(CLI::App& app, int& exit_code);
void add_doctor_command(CLI::App& app, int& exit_code);
void add_dev_command(CLI::App& app, int& exit_code);
CLI::App& add_migrate_command(CLI::App& app, int& exit_code);
// schema validate|format, migrate dev|deploy|diff (under `migrate`), db push.
void add_schema_commands(CLI::App& app, CLI::App& migrate, int& exit_code);
void add_data_commands(CLI::App& app, int& exit_code);     // seed, backup, restore
void add_generate_command(CLI::App& app, int& exit_code);  // the typed C++ client
void add_studio_command(CLI::App& app, int& exit_code);    // the data in the browser

// --schema as given, else the schema.prisma Prisma would find; a ConfigError when there is none.
std::filesystem::path schema_or_default(const std::string& given);

}  // namespace pgkit::cli
