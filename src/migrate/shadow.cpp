// ShadowDatabase: somewhere to replay a migrations directory and read back what it builds.
// The user's shadow URL (emptied first), else a database created on the development server and
// dropped afterwards, else a local PostgreSQL in a temporary directory.
#include <cstdlib>
#include <filesystem>
#include <random>

#include <fmt/format.h>

#include "migrate/engine_internal.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/error.hpp"
#include "pgkit/local_cluster.hpp"
#include "pgkit/schema_migrate.hpp"

namespace pgkit::migrate {
namespace {

namespace fs = std::filesystem;

std::string random_hex(int bytes) {
  std::random_device rd;
  std::string out;
  for (int i = 0; i < bytes; ++i) out += fmt::format("{:02x}", rd() & 0xFF);
  return out;
}

Config with_database(Config config, const std::string& dbname) {
  config.params["dbname"] = dbname;
  config.pool.slow_query = Millis{0};
  return config;
}

// The same server and database: host, port and dbname all equal (a shadow that is the main
// database would be wiped).
bool same_database(const Config& a, const Config& b) {
  auto get = [](const Config& c, const char* k, const char* fallback) {
    auto it = c.params.find(k);
    return it == c.params.end() || it->second.empty() ? std::string(fallback) : it->second;
  };
  return get(a, "host", "localhost") == get(b, "host", "localhost") && get(a, "port", "5432") == get(b, "port", "5432") &&
         get(a, "dbname", "") == get(b, "dbname", "");
}

}  // namespace

struct ShadowDatabase::State {
  Config config;
  std::string description;
  std::optional<Config> admin;  // where the temporary database was created, to drop it
  std::string temporary;
  std::unique_ptr<LocalCluster> local;
  fs::path local_dir;

  ~State() {
    if (admin && !temporary.empty()) {
      try {
        Connection conn(*admin);
        conn.execute(fmt::format("DROP DATABASE IF EXISTS {} WITH (FORCE)", catalog::quote_ident(temporary)));
      } catch (...) {  // a leftover scratch database is named pgkit_shadow_…: harmless, and visible
      }
    }
    if (local) {
      try {
        local->destroy();
      } catch (...) {
      }
      std::error_code ec;
      fs::remove_all(local_dir, ec);
    }
  }
};

ShadowDatabase::ShadowDatabase(Options options) : state_(std::make_unique<State>()) {
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  std::optional<std::string> url = options.url;
  if (!url)
    if (const char* env = std::getenv("SHADOW_DATABASE_URL"); env && *env) url = env;
  if (url) {
    auto loaded = parse_url(*url, "SHADOW_DATABASE_URL");
    if (!loaded.ok())
      throw ConfigError({.message = "the shadow database URL has problems:\n" + loaded.problems_text(),
                         .hint = "fix SHADOW_DATABASE_URL (or --shadow-database-url)"});
    if (options.server && same_database(loaded.config, *options.server))
      throw ConfigError({.message = "the shadow database is the development database itself",
                         .hint = "SHADOW_DATABASE_URL must name another, empty database: it is wiped before each use"});
    state_->config = with_database(loaded.config, loaded.config.params.count("dbname") ? loaded.config.params["dbname"]
                                                                                      : "postgres");
    state_->description = "shadow database " + loaded.config.masked();
    // Emptied first, as Prisma does: it must hold exactly what the migrations build.
    Connection conn(state_->config);
    for (auto row : conn.query("SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> "
                               "'information_schema' ORDER BY 1"))
      conn.execute(fmt::format("DROP SCHEMA {} CASCADE", catalog::quote_ident(row.get<std::string>(0))));
    conn.execute("CREATE SCHEMA public");
    say("Using " + state_->description);
    return;
  }
  if (options.server) {
    std::string name = "pgkit_shadow_" + random_hex(6);
    try {
      Connection conn(with_database(*options.server, options.server->params.count("dbname")
                                                         ? options.server->params.at("dbname")
                                                         : "postgres"));
      conn.execute(fmt::format("CREATE DATABASE {}", catalog::quote_ident(name)));
      state_->admin = with_database(*options.server, options.server->params.count("dbname")
                                                          ? options.server->params.at("dbname")
                                                          : "postgres");
      state_->temporary = name;
      state_->config = with_database(*options.server, name);
      state_->description = fmt::format("temporary database {} on the development server", name);
      return;
    } catch (const ConnectionError&) {
      throw;  // the development server itself is unreachable: say so, rather than start another
    } catch (const Error& e) {
      say(fmt::format("cannot create a temporary shadow database ({}); starting a local PostgreSQL instead", e.message()));
    }
  }
  state_->local_dir = fs::temp_directory_path() / ("pgkit-shadow-" + random_hex(6));
  LocalCluster::prepare_dir(state_->local_dir);
  state_->local = std::make_unique<LocalCluster>(LocalClusterOptions{.data_dir = state_->local_dir / "data", .throwaway = true});
  state_->local->start();
  auto loaded = parse_url(state_->local->url("postgres"));
  state_->config = with_database(loaded.config, "postgres");
  state_->description = "a local PostgreSQL started for the shadow database";
  say("Using " + state_->description);
}

ShadowDatabase::~ShadowDatabase() = default;

const Config& ShadowDatabase::config() const { return state_->config; }
const std::string& ShadowDatabase::description() const { return state_->description; }

catalog::Catalog ShadowDatabase::replay(const std::vector<Migration>& migrations) {
  Connection conn(state_->config);
  for (const auto& m : migrations) {
    try {
      conn.execute(m.up_sql);
      if (conn.transaction_status() != TxStatus::idle) conn.execute("ROLLBACK");
    } catch (const Error& e) {
      int line = e.position() > 0 ? line_of(m.up_sql, e.position(), m.up_first_line) : 0;
      ErrorFields f = e.fields();
      f.message = fmt::format("migration {}_{} failed to apply cleanly to the shadow database at {}: {}", m.version, m.name,
                              line > 0 ? fmt::format("{}:{}", m.file.string(), line) : m.file.string(), e.message());
      f.hint = "fix the migration file (an edited or hand-written migration that does not run on an empty "
               "database); the shadow database is " + state_->description;
      throw MigrationError(std::move(f));
    }
  }
  return catalog::describe(conn);
}

}  // namespace pgkit::migrate
