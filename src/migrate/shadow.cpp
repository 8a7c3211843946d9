// ShadowDatabase: somewhere to replay a migrations directory and read back what it builds.
// The user's shadow URL (emptied first), else a database created on the development server and
// dropped afterwards, else a local PostgreSQL in a temporary directory.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <utility>
#include <vector>

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
  return get(a, "host", "localhost") == get(b, "host", "localhost") &&
         get(a, "port", "5432") == get(b, "port", "5432") && get(a, "dbname", "") == get(b, "dbname", "");
}

// Where replay() keeps what a list of migrations builds: see ShadowDatabase::Options::cache_dir.
std::optional<fs::path> default_cache_dir() {
  auto env = [](const char* name) -> std::string {
    const char* v = std::getenv(name);
    return v ? v : "";
  };
  std::string off = env("PGKIT_SHADOW_CACHE");
  if (off == "off" || off == "0" || off == "false") return std::nullopt;
  if (!env("PGKIT_CACHE_DIR").empty()) return fs::path(env("PGKIT_CACHE_DIR")) / "shadow";
  if (!env("XDG_CACHE_HOME").empty()) return fs::path(env("XDG_CACHE_HOME")) / "pgkit" / "shadow";
  if (!env("HOME").empty()) return fs::path(env("HOME")) / ".cache" / "pgkit" / "shadow";
  return std::nullopt;
}

// The cache keeps the newest files only: each migrations list a project ever had leaves one.
void prune_cache(const fs::path& dir) {
  constexpr std::size_t kKept = 64;
  std::error_code ec;
  std::vector<std::pair<fs::file_time_type, fs::path>> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().extension() == ".catalog") files.emplace_back(e.last_write_time(ec), e.path());
  if (files.size() <= kKept) return;
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = kKept; i < files.size(); ++i) fs::remove(files[i].second, ec);
}

}  // namespace

struct ShadowDatabase::State {
  enum class Kind { url, temporary, local };
  Kind kind = Kind::url;
  Progress progress;
  Config config;            // the shadow database (Kind::url), or the server's own (Kind::temporary)
  std::string database;     // where migrations replay, for messages
  std::string description;  // where the last replay() came from: database, or the cache
  std::optional<fs::path> cache_dir;
  bool opened = false;          // created (or emptied) and ready for migrations
  std::optional<Config> admin;  // where the temporary database was created, to drop it
  std::string temporary;
  std::unique_ptr<LocalCluster> local;
  fs::path local_dir;
  // Every migration replay() was given, in order, and how many of them the database holds
  // (the rest were answered from the cache and are replayed before the next ones).
  std::vector<Migration> replayed;
  std::size_t in_database = 0;

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
      } catch (...) {}
      std::error_code ec;
      fs::remove_all(local_dir, ec);
    }
  }

  void say(const std::string& line) const {
    if (progress) progress(line);
  }

  // Make the shadow database usable: the user's emptied, a temporary one created, or a local
  // server started when the development server refuses CREATE DATABASE.
  void open() {
    if (opened) return;
    if (kind == Kind::url) {
      // Emptied first, as Prisma does: it must hold exactly what the migrations build.
      Connection conn(config);
      for (auto row : conn.query("SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> "
                                 "'information_schema' ORDER BY 1"))
        conn.execute(fmt::format("DROP SCHEMA {} CASCADE", catalog::quote_ident(row.get<std::string>(0))));
      conn.execute("CREATE SCHEMA public");
      say("Using " + database);
    } else if (kind == Kind::temporary) {
      std::string name = "pgkit_shadow_" + random_hex(6);
      try {
        Connection conn(config);
        conn.execute(fmt::format("CREATE DATABASE {}", catalog::quote_ident(name)));
        admin = config;
        temporary = name;
        config = with_database(config, name);
        database = fmt::format("temporary database {} on the development server", name);
      } catch (const ConnectionError&) {
        throw;  // the development server itself is unreachable: say so, rather than start another
      } catch (const Error& e) {
        say(fmt::format("cannot create a temporary shadow database ({}); starting a local PostgreSQL instead",
                        e.message()));
        kind = Kind::local;
      }
    }
    if (kind == Kind::local) {
      local_dir = fs::temp_directory_path() / ("pgkit-shadow-" + random_hex(6));
      LocalCluster::prepare_dir(local_dir);
      local = std::make_unique<LocalCluster>(LocalClusterOptions{.data_dir = local_dir / "data", .throwaway = true});
      local->start();
      config = with_database(parse_url(local->url("postgres")).config, "postgres");
      database = "a local PostgreSQL started for the shadow database";
      say("Using " + database);
    }
    opened = true;
  }

  // The cache file for `replayed` on this server: every migration's name and checksum, the
  // server (host, port, database; version), and pgkit's version, whose catalog may read more.
  // None for a local server, which has no address worth keying on.
  std::optional<fs::path> cache_file() {
    if (!cache_dir || kind == Kind::local) return std::nullopt;
    std::string key = fmt::format("pgkit {} shadow cache 1\n{}server_version_num={}\n", PGKIT_VERSION_TEXT, address,
                                  server_version());
    for (const auto& m : replayed) key += fmt::format("{}_{} {}\n", m.version, m.name, m.checksum);
    return *cache_dir / (checksum(key) + ".catalog");
  }

  // The shadow server's version (known for the development server's temporary database, else
  // one short connection, once), for the cache key.
  int server_version() {
    if (version == 0) version = Connection(admin.value_or(config)).server_version();
    return version;
  }
  int version = 0;
  // Host, port and database of the shadow (or of the development database whose server makes
  // temporary ones), as given: config changes once a temporary database is made.
  std::string address;

  void remember_address() {
    for (const char* k : {"host", "hostaddr", "port", "dbname"}) {
      auto it = config.params.find(k);
      address += fmt::format("{}={}\n", k, it == config.params.end() ? "" : it->second);
    }
  }
};

ShadowDatabase::ShadowDatabase(Options options) : state_(std::make_unique<State>()) {
  state_->progress = options.progress;
  state_->cache_dir =
      options.cache_dir ? (options.cache_dir->empty() ? std::nullopt : options.cache_dir) : default_cache_dir();
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
    state_->kind = State::Kind::url;
    state_->config = with_database(loaded.config,
                                   loaded.config.params.count("dbname") ? loaded.config.params["dbname"] : "postgres");
    state_->database = "shadow database " + loaded.config.masked();
  } else if (options.server) {
    state_->kind = State::Kind::temporary;
    state_->config = with_database(
        *options.server, options.server->params.count("dbname") ? options.server->params.at("dbname") : "postgres");
    state_->database = "a temporary database on the development server";
    state_->version = options.server_version;
  } else {
    state_->kind = State::Kind::local;
  }
  state_->remember_address();
  state_->description = state_->database;
}

ShadowDatabase::~ShadowDatabase() = default;

const Config& ShadowDatabase::config() {
  state_->open();
  return state_->config;
}

const std::string& ShadowDatabase::description() const { return state_->description; }

catalog::Catalog ShadowDatabase::replay(const std::vector<Migration>& migrations) {
  State& st = *state_;
  st.replayed.insert(st.replayed.end(), migrations.begin(), migrations.end());
  std::optional<fs::path> cached = st.cache_file();
  if (cached && fs::exists(*cached)) {
    try {
      catalog::Catalog c = catalog::read_snapshot(read_file(*cached));
      st.description = "the cache of what these migrations build (" + cached->string() + ")";
      return c;
    } catch (const Error&) {  // unreadable (another pgkit's, or cut short): replay instead
    }
  }
  st.open();
  st.description = st.database;
  Connection conn(st.config);
  for (; st.in_database < st.replayed.size(); ++st.in_database) {
    const Migration& m = st.replayed[st.in_database];
    try {
      conn.execute(m.up_sql);
      if (conn.transaction_status() != TxStatus::idle) conn.execute("ROLLBACK");
    } catch (const Error& e) {
      int line = e.position() > 0 ? line_of(m.up_sql, e.position(), m.up_first_line) : 0;
      ErrorFields f = e.fields();
      f.message =
          fmt::format("migration {}_{} failed to apply cleanly to the shadow database at {}: {}", m.version, m.name,
                      line > 0 ? fmt::format("{}:{}", m.file.string(), line) : m.file.string(), e.message());
      f.hint =
          "fix the migration file (an edited or hand-written migration that does not run on an empty "
          "database); the shadow database is " +
          st.database;
      throw MigrationError(std::move(f));
    }
  }
  catalog::Catalog built = catalog::describe(conn);
  // Written whole then renamed: a reader never sees half a file. Not when the server refused
  // a temporary database and a local one replayed instead: the key names the server.
  if (cached && st.kind != State::Kind::local) {
    std::error_code ec;
    fs::create_directories(cached->parent_path(), ec);
    fs::path part = cached->string() + "." + random_hex(4) + ".part";
    std::ofstream(part, std::ios::binary) << catalog::snapshot(built);
    fs::rename(part, *cached, ec);
    if (ec) fs::remove(part, ec);
    prune_cache(cached->parent_path());
  }
  return built;
}

}  // namespace pgkit::migrate
