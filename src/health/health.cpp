// check_health: what `pgkit doctor` examines, as values. The server's identity and limits come
// from one pooled connection; the migrations' state from a Migrator; findings compare the
// pool's settings with what the server allows and with what cloud networks do to idle links.
#include "pgkit/health.hpp"

#include <chrono>
#include <tuple>

#include <fmt/format.h>

#include "pgkit/error.hpp"
#include "pgkit/migrator.hpp"

namespace pgkit {
namespace {

// Local: a unix socket, or the loopback; TLS matters on any other route.
bool local_host(const Config& c) {
  auto it = c.params.find("host");
  std::string h = it == c.params.end() ? "" : it->second;
  return h.empty() || h[0] == '/' || h == "localhost" || h == "127.0.0.1" || h == "::1";
}

MigrationSummary summarize_migrations(const Config& config, const HealthOptions& o) {
  MigrationSummary s{.table = o.migrations_table, .dir = o.migrations_dir};
  try {
    migrate::Migrator migrator(config, {.dir = o.migrations_dir, .table = o.migrations_table});
    s.table_exists = migrator.tracking_table_exists();
    if (!s.table_exists) return s;
    // Without the directory, only what the table records: nothing can be counted as pending.
    const bool have_dir = std::filesystem::is_directory(o.migrations_dir);
    if (have_dir) s.pending = 0;
    for (const auto& e : have_dir ? migrator.status() : migrator.recorded()) {
      switch (e.state) {
        case migrate::State::pending:
        case migrate::State::out_of_order: ++*s.pending; break;
        case migrate::State::failed:
        case migrate::State::running: ++s.failed; break;
        case migrate::State::applied:
        case migrate::State::changed:
        case migrate::State::missing_file:
          ++s.applied;
          if (s.newest.empty() || migrate::compare_versions(e.version, s.newest) > 0) s.newest = e.version;
          break;
      }
    }
  } catch (const Error& e) {
    s.error = e.message();
  }
  return s;
}

void add_findings(HealthReport& r, const Config& c, const HealthOptions& o) {
  const int usable = r.max_connections - r.superuser_reserved_connections;
  const int pool_max = o.pool_max.value_or(c.pool.max);
  if (pool_max * o.instances > usable)
    r.findings.push_back(
        {.severity = Severity::error,
         .code = "pool_exceeds_server",
         .problem = fmt::format("DB_POOL_MAX={} × {} instance(s) = {} exceeds the {} connections the server allows "
                                "(max_connections {} − {} reserved)",
                                pool_max, o.instances, pool_max * o.instances, usable, r.max_connections,
                                r.superuser_reserved_connections),
         .fix = "lower DB_POOL_MAX or put PgBouncer in front"});
  if (c.pool.idle_timeout >= std::chrono::minutes(5))
    r.findings.push_back(
        {.severity = Severity::warning,
         .code = "idle_timeout_too_long",
         .problem = fmt::format("DB_IDLE_TIMEOUT_MS={} is not below the 10–15 minute idle cut-off of "
                                "cloud providers: connections may be dropped under the pool (ECONNRESET)",
                                c.pool.idle_timeout.count()),
         .fix = "use 30000"});
  if (!r.ssl && !local_host(c))
    r.findings.push_back({.severity = Severity::warning,
                          .code = "no_tls",
                          .problem = "no TLS to a non-local host",
                          .fix = "add sslmode=verify-full (with sslrootcert) or sslmode=require"});
  if (r.idle_in_transaction > 0)
    r.findings.push_back(
        {.severity = Severity::warning,
         .code = "idle_in_transaction",
         .problem = fmt::format("{} session(s) idle in transaction (longest {:.0f} s): they hold locks "
                                "and block vacuum",
                                r.idle_in_transaction, r.longest_idle_in_transaction_s),
         .fix = "look for a missing COMMIT, or set idle_in_transaction_session_timeout"});
  if (r.long_running > 0)
    r.findings.push_back(
        {.severity = Severity::info,
         .code = "long_running_statements",
         .problem = fmt::format("{} statement(s) running for over a minute (pg_stat_activity)", r.long_running)});
}

}  // namespace

const char* to_string(Severity s) {
  switch (s) {
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "?";
}

std::string Finding::text() const {
  if (fix.empty()) return problem;
  // A problem that already explains itself after a colon takes its fix after a semicolon.
  return problem + (problem.find(": ") == std::string::npos ? ": " : "; ") + fix;
}

std::string MigrationSummary::text() const {
  if (!error.empty()) return "unknown: " + error;
  if (!table_exists) return "no tracking table (" + table + ") yet";
  std::string out = fmt::format("{} applied (newest {})", applied, newest.empty() ? "none" : newest);
  if (failed > 0) out += fmt::format(", {} failed or interrupted", failed);
  if (pending) out += fmt::format(", {} pending in {}", *pending, dir.string());
  return out;
}

HealthReport check_health(Pool& pool, const HealthOptions& options) {
  HealthReport r;
  const Config& config = pool.config();
  r.url = config.masked();
  auto started = Clock::now();
  auto conn = pool.acquire();
  r.connect_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  auto server = conn->query(
                        "SELECT version(), current_setting('max_connections')::int, "
                        "current_setting('superuser_reserved_connections')::int, "
                        "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), "
                        "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND backend_type = 'client backend'), current_database(), current_user")
                    .one();
  std::tie(r.server_version, r.max_connections, r.superuser_reserved_connections, r.connections,
           r.connections_this_database, r.database, r.user) =
      server.as<std::string, int, int, std::int64_t, std::int64_t, std::string, std::string>();
  r.server_version_num = conn->server_version();
  auto activity = conn->query(
                          "SELECT pg_size_pretty(pg_database_size(current_database())), "
                          "count(*) FILTER (WHERE state LIKE 'idle in transaction%'), "
                          "coalesce(extract(epoch FROM max(now() - state_change) FILTER (WHERE state LIKE 'idle in "
                          "transaction%')), 0)::float8, "
                          "count(*) FILTER (WHERE state = 'active' AND now() - query_start > interval '1 minute') "
                          "FROM pg_stat_activity WHERE backend_type = 'client backend'")
                      .one();
  std::tie(r.database_size, r.idle_in_transaction, r.longest_idle_in_transaction_s, r.long_running) =
      activity.as<std::string, std::int64_t, double, std::int64_t>();
  r.ssl = conn->ssl_in_use();
  if (r.ssl) r.tls = fmt::format("{} {}", conn->ssl_attribute("protocol"), conn->ssl_attribute("cipher"));
  conn.release();  // the Migrator opens its own: a small pool must not be held for it
  r.migrations = summarize_migrations(config, options);
  add_findings(r, config, options);
  r.pool = pool.stats();
  return r;
}

HealthReport check_health(Cluster& cluster, const HealthOptions& options) {
  HealthReport r = check_health(cluster.primary(), options);
  r.nodes = cluster.check_now();
  for (const auto& n : r.nodes) {
    if (n.role == NodeStatus::Role::replica && !n.in_rotation)
      r.findings.push_back({.severity = Severity::warning,
                            .code = "replica_out_of_rotation",
                            .problem = fmt::format("replica {} takes no reads: {}", n.url, n.reason)});
  }
  r.pool = cluster.primary().stats();
  return r;
}

}  // namespace pgkit
