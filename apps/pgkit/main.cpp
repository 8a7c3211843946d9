// pgkit: the command-line face of the pgkit library.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/error.hpp"

namespace pgkit::cli {

void add_common_options(CLI::App& cmd, CommonOptions& options) {
  cmd.add_option("--database-url", options.database_url,
                 "Connection URL; wins over DATABASE_URL and the other variables");
  cmd.add_option("--env-file", options.env_file, "The .env file to read (default ./.env when present)");
}

std::string describe(const Error& e) {
  // For a person at a terminal: what happened and what to do, not where in pgkit it was noticed.
  std::string out = e.message();
  if (!e.detail().empty()) out += "\n  detail: " + e.detail();
  if (!e.hint().empty()) out += "\n  hint: " + e.hint();
  return mask_secrets(out);
}

LoadedConfig load(const CommonOptions& options) {
  ConfigOptions o;
  o.url = options.database_url;
  o.dotenv_path = options.env_file;
  return load_config(o);
}

Config require_database(const CommonOptions& options) {
  LoadedConfig loaded = load(options);
  for (const auto& w : loaded.warnings) fmt::print(stderr, "warning: {}\n", w);
  if (!loaded.ok()) throw ConfigError({.message = "the configuration has problems:\n" + loaded.problems_text()});
  if (!loaded.config.configured())
    throw ConfigError({.message = "no database configured",
                       .hint = "set DATABASE_URL (or pass --database-url); `pgkit dev` starts a local one"});
  return loaded.config;
}

}  // namespace pgkit::cli

int main(int argc, char** argv) {
  CLI::App app{"pgkit: PostgreSQL for C++ backends — configuration, diagnosis and a local development database"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "pgkit 0.1.0");
  int exit_code = pgkit::cli::kOk;
  pgkit::cli::add_config_command(app, exit_code);
  pgkit::cli::add_doctor_command(app, exit_code);
  pgkit::cli::add_dev_command(app, exit_code);
  auto& migrate = pgkit::cli::add_migrate_command(app, exit_code);
  pgkit::cli::add_schema_commands(app, migrate, exit_code);
  pgkit::cli::add_data_commands(app, exit_code);
  pgkit::cli::add_generate_command(app, exit_code);
  pgkit::cli::add_studio_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return pgkit::cli::kBadConfig;
  } catch (const pgkit::ConfigError& e) {
    std::cerr << "pgkit: " << pgkit::cli::describe(e) << "\n";
    return pgkit::cli::kBadConfig;
  } catch (const pgkit::Error& e) {
    std::cerr << "pgkit: " << pgkit::cli::describe(e) << "\n";
    return pgkit::cli::kFailed;
  } catch (const std::exception& e) {
    std::cerr << "pgkit: " << pgkit::mask_secrets(e.what()) << "\n";
    return pgkit::cli::kFailed;
  }
  return exit_code;
}
