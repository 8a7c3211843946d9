#pragma once
/// @file config.hpp
/// Where pgkit finds its database and pool settings, and how it checks them.
///
/// Sources, highest first: a URL the program passes explicitly; `DATABASE_URL`;
/// `DB_CONNECTION_STRING`; discrete `DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD/DB_SSL`;
/// `POSTGRES_HOST/POSTGRES_PORT/POSTGRES_DB/POSTGRES_USER/POSTGRES_PASSWORD`; libpq's own `PG*`
/// variables. A `.env` file is read too and never overrides a variable already in the
/// environment.
///
/// @code
///   auto loaded = pgkit::load_config();            // environment + ./.env
///   if (!loaded.ok()) { for (auto& p : loaded.problems) std::cerr << p.text() << "\n"; }
///   pgkit::Pool pool(loaded.config);
/// @endcode

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgkit {

using Millis = std::chrono::milliseconds;

/// Defaults, named so documentation and code cannot drift apart.
namespace defaults {
inline constexpr int kPoolMin = 2;
inline constexpr int kPoolMax = 10;
/// DB_POOL_MAX above this is clamped to it, with a warning naming the setting.
inline constexpr int kPoolMaxCeiling = 100;
inline constexpr Millis kIdleTimeout{30'000};
inline constexpr Millis kConnectTimeout{5'000};
inline constexpr Millis kAcquireTimeout{5'000};
inline constexpr Millis kMaxLifetime{30 * 60'000};
/// Each connection's lifetime is shortened by up to this fraction, so they do not all retire at once.
inline constexpr double kLifetimeJitter = 0.1;
/// An idle connection gets a round trip after this long, so that a NAT or load balancer that
/// drops quiet connections (AWS NAT 350 s, Azure 4 min) never sees it quiet that long.
inline constexpr Millis kIdlePing{60'000};
/// A connection idle longer than this is checked with a round trip before it is handed out.
inline constexpr Millis kValidationWindow{1'000};
/// How long that round trip may take before the connection counts as dead: a link a NAT or
/// load balancer forgot swallows it without a reset, and must cost the caller this, not the
/// acquire timeout. Well above a round trip within a region (and most between regions).
inline constexpr Millis kValidationTimeout{250};
inline constexpr Millis kSlowQuery{1'000};
inline constexpr Millis kKeepaliveIdle{10'000};
inline constexpr Millis kKeepaliveInterval{5'000};
inline constexpr int kKeepaliveCount = 3;
/// Unacknowledged data older than this breaks the connection (Linux TCP_USER_TIMEOUT).
inline constexpr Millis kTcpUserTimeout{30'000};
/// A replica further behind the primary than this leaves the read rotation.
inline constexpr Millis kReplicaMaxLag{10'000};
/// How often each replica's reachability and lag are checked.
inline constexpr Millis kReplicaCheckInterval{1'000};
}  // namespace defaults

/// Pool and session settings. Plain values; the pool copies them when it starts.
struct PoolSettings {
  int min = defaults::kPoolMin;                              ///< connections kept open; default 2
  int max = defaults::kPoolMax;                              ///< never more than this; default 10
  Millis idle_timeout = defaults::kIdleTimeout;              ///< idle connections above min close; 30 s
  Millis connect_timeout = defaults::kConnectTimeout;        ///< one connection attempt; 5 s
  Millis acquire_timeout = defaults::kAcquireTimeout;        ///< waiting for a connection; 5 s
  Millis max_lifetime = defaults::kMaxLifetime;              ///< retire after this (jittered); 30 min; 0 = never
  double lifetime_jitter = defaults::kLifetimeJitter;        ///< fraction of max_lifetime; 0.1
  Millis validation_window = defaults::kValidationWindow;    ///< check after this idle; 1 s
  Millis validation_timeout = defaults::kValidationTimeout;  ///< DB_VALIDATION_TIMEOUT_MS: that check's bound; 250 ms
  Millis idle_ping = defaults::kIdlePing;    ///< DB_IDLE_PING_MS: ping connections idle this long; 60 s; 0 = off
  Millis leak_threshold{0};                  ///< log a connection held longer; 0 = off
  Millis statement_timeout{0};               ///< server-side statement_timeout; 0 = none
  Millis slow_query = defaults::kSlowQuery;  ///< log queries slower than this; 1 s; 0 = off
  bool log_queries = false;                  ///< log every query (development); off
  bool pgbouncer = false;  ///< behind a transaction pooler: unnamed statements, no session settings; off
  bool keepalive = true;   ///< TCP keepalive; on
  Millis keepalive_idle = defaults::kKeepaliveIdle;          ///< first probe after; 10 s
  Millis keepalive_interval = defaults::kKeepaliveInterval;  ///< between probes; 5 s
  int keepalive_count = defaults::kKeepaliveCount;           ///< probes before the link is dead; 3
  Millis tcp_user_timeout = defaults::kTcpUserTimeout;       ///< 30 s; 0 = system default
};

/// Read replicas and when a replica is left out of the read rotation (cluster.hpp).
struct ReplicaSettings {
  /// libpq parameters of each replica (DATABASE_REPLICA_URL, comma-separated URLs). A replica
  /// URL that names no user, password or database takes the primary's.
  std::vector<std::map<std::string, std::string>> nodes;
  Millis max_lag = defaults::kReplicaMaxLag;                ///< DB_REPLICA_MAX_LAG_MS; 10 s
  std::int64_t max_lag_bytes = 0;                           ///< DB_REPLICA_MAX_LAG_BYTES of WAL; 0 = no bound
  Millis check_interval = defaults::kReplicaCheckInterval;  ///< DB_REPLICA_CHECK_MS; 1 s
  /// After a caller writes, its reads go to the primary for this long (DB_READ_YOUR_WRITES_MS);
  /// 0 = off.
  Millis read_your_writes{0};
};

/// A resolved, validated configuration. Holds the password: print only masked().
struct Config {
  /// libpq connection parameters (keyword → value), password included. Never log these.
  std::map<std::string, std::string> params;
  PoolSettings pool;
  /// Prisma's `schema=`: becomes the session's search_path.
  std::optional<std::string> search_path;
  /// Where the settings came from: "DATABASE_URL", "DB_HOST", "explicit", ….
  std::string source;
  /// Read replicas; none unless DATABASE_REPLICA_URL is set.
  ReplicaSettings replicas;

  /// True when some source named a database at all. False lets a program run without one (a
  /// server whose database routes answer 503) instead of failing at start.
  bool configured() const { return !source.empty(); }
  /// `postgresql://app:***@db.example.com:5432/app?sslmode=require`: safe to print.
  std::string masked() const;
  /// The libpq conninfo string (keyword=value, quoted), password included. Never log it.
  std::string conninfo() const;
  /// The configuration of replica i: its own parameters, this pool's settings, no replicas.
  Config replica(std::size_t i) const;
};

/// One thing wrong with the configuration: what, where, and how to fix it.
struct Problem {
  std::string setting;       ///< the variable or URL part, e.g. "DATABASE_URL (port)"
  std::string message;       ///< what is wrong; never contains a password
  std::string fix;           ///< what to do about it
  std::string text() const;  ///< "DATABASE_URL (port): … — fix: …"
};

/// Where to look for settings. Defaults read the process environment and ./.env.
struct ConfigOptions {
  /// A URL or conninfo string the program passes; wins over every variable.
  std::optional<std::string> url;
  /// The .env file to read; empty → "./.env" if it exists. Set read_dotenv=false to skip.
  std::string dotenv_path;
  bool read_dotenv = true;
  /// Variable lookup; default std::getenv. Tests pass a map instead of touching the process.
  std::function<std::optional<std::string>(const std::string&)> getenv;
};

/// The result of load_config: a config (usable only when ok()), every problem, and warnings.
struct LoadedConfig {
  Config config;
  std::vector<Problem> problems;      ///< errors: the config must not be used
  std::vector<std::string> warnings;  ///< e.g. a clamped pool size; already masked
  bool ok() const { return problems.empty(); }
  /// All problems, one per line. Throws nothing; safe to print.
  std::string problems_text() const;
};

/// Resolve and validate the configuration from the sources above. Never throws; an empty
/// source (nothing configured) is not a problem — see Config::configured().
LoadedConfig load_config(const ConfigOptions& options = {});

/// Parse a single URL or conninfo string (as DATABASE_URL would be) with pool settings left
/// at their defaults, except those the URL sets (Prisma's connection_limit, pool_timeout).
LoadedConfig parse_url(const std::string& url, const std::string& setting = "url");

/// Parse a .env file's text: KEY=VALUE lines, `export` prefix, quotes, comments.
std::map<std::string, std::string> parse_dotenv(const std::string& text);

/// Replace any password in a URL or conninfo string with `***`. Leaves other text unchanged.
std::string mask_secrets(const std::string& text);

}  // namespace pgkit
