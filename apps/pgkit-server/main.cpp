// pgkit-server: the reference backend. Flags override the environment; see docs/api.md.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

#include "pgkit/log.hpp"
#include "pgkit/shutdown.hpp"
#include "server/app.hpp"
#include "server/request_log.hpp"
#include "server/schema_upgrade.hpp"

namespace {

std::string env(const char* name, std::string fallback = {}) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

// A whole number from the environment, or the fallback; a malformed one stops the program.
long env_number(const char* name, long fallback) {
  std::string v = env(name);
  if (v.empty()) return fallback;
  try {
    std::size_t used = 0;
    long n = std::stol(v, &used);
    if (used == v.size() && n >= 0) return n;
  } catch (const std::exception&) {}
  throw std::invalid_argument(std::string(name) + "=" + v + " is not a whole number");
}

// --migrate-only: the database of the environment migrated (a database of the SQL-first
// migrations upgraded first), then exit: 0 done, 1 refused or failed, 2 no usable configuration.
int migrate_and_exit(const std::filesystem::path& migrations) {
  pgkit::LoadedConfig loaded = pgkit::load_config();
  if (!loaded.ok() || !loaded.config.configured()) {
    std::cerr << "pgkit-server --migrate-only: "
              << (loaded.ok() ? "no database configured: set DATABASE_URL" : loaded.problems_text()) << '\n';
    return 2;
  }
  try {
    auto report = pgkit::server::migrate_server_database(loaded.config, migrations,
                                                         [](const std::string& line) { std::cout << line << '\n'; });
    if (report.versions.empty()) std::cout << "No pending migrations to apply.\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "pgkit-server --migrate-only: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace pgkit::server;
  AppOptions o;
  std::string log_level, log_format;
  bool production = false;
  long shutdown_ms = 10'000, header_timeout_ms = 10'000, body_timeout_ms = 30'000;
  try {
    o.http.port = static_cast<unsigned short>(env_number("PORT", 3000));
    o.http.address = env("HOST", "0.0.0.0");
    o.http.threads = static_cast<int>(env_number("IO_THREADS", 0));
    o.migrations = env("MIGRATIONS_DIR", "prisma/migrations");
    o.mailer = env("MAILER", "log");
    o.settings.access_ttl = std::chrono::seconds(env_number("ACCESS_TOKEN_TTL", 15 * 60));
    o.settings.refresh_ttl = std::chrono::seconds(env_number("REFRESH_TOKEN_TTL", 30 * 24 * 3600));
    o.settings.magic_links_per_email = static_cast<int>(env_number("MAGIC_LINK_LIMIT_EMAIL", 5));
    o.settings.magic_links_per_address = static_cast<int>(env_number("MAGIC_LINK_LIMIT_ADDRESS", 20));
    o.settings.rate_window = std::chrono::seconds(env_number("MAGIC_LINK_LIMIT_WINDOW", 15 * 60));
    log_level = env("LOG_LEVEL", "info");
    production = env("APP_ENV", env("NODE_ENV")) == "production";
    log_format = env("LOG_FORMAT", production ? "json" : "text");
  } catch (const std::exception& e) {
    std::cerr << "pgkit-server: " << e.what() << '\n';
    return 2;
  }

  CLI::App cli{"pgkit-server: the reference backend on pgkit (health, sign-in, users, posts)"};
  cli.add_option("--port", o.http.port, "port to listen on (PORT; default 3000; 0 picks a free one)");
  cli.add_option("--host", o.http.address, "address to listen on (HOST; default 0.0.0.0)");
  cli.add_option("--threads", o.http.threads, "io threads (IO_THREADS; default: the number of cores)");
  cli.add_flag("--migrate", o.migrate, "apply pending migrations once the database is reachable");
  bool migrate_only = false;
  cli.add_flag("--migrate-only", migrate_only,
               "apply pending migrations (upgrading a database of the SQL-first migrations) and exit");
  cli.add_option("--migrations", o.migrations, "the schema's migrations (MIGRATIONS_DIR; default ./prisma/migrations)");
  cli.add_option("--shutdown-timeout", shutdown_ms, "ms requests in flight get at shutdown (default 10000)");
  cli.add_option("--header-timeout", header_timeout_ms,
                 "ms for a request's headers, and for an idle keep-alive (default 10000)");
  cli.add_option("--body-timeout", body_timeout_ms, "ms for a request's body (default 30000)");
  cli.add_option("--log-level", log_level, "trace, debug, info, warn, error (LOG_LEVEL; default info)");
  cli.add_option("--log-format", log_format, "text or json (LOG_FORMAT; json when APP_ENV=production)")
      ->check(CLI::IsMember({"text", "json"}));
  CLI11_PARSE(cli, argc, argv);
  o.shutdown_grace = std::chrono::milliseconds(shutdown_ms);
  o.http.header_timeout = std::chrono::milliseconds(header_timeout_ms);
  o.http.body_timeout = std::chrono::milliseconds(body_timeout_ms);
  o.settings.app_url = env("APP_URL", "http://localhost:" + std::to_string(o.http.port));

  if (migrate_only) return migrate_and_exit(o.migrations);

  pgkit::ShutdownSignals signals;  // before any thread starts, so that every thread inherits the mask
  try {
    configure_logging(log_format == "json", log_level);
    if (o.mailer == "log" && (production || log_format == "json"))
      pgkit::log().warn("MAILER=log writes sign-in links to the log: set MAILER for production");
    App app(std::move(o));
    return app.run(signals);
  } catch (const std::exception& e) {
    pgkit::log().error("pgkit-server cannot start: {}", e.what());
    return 1;
  }
}
