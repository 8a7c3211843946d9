// pgkit doctor: can we reach the database, what is it, and how close is it to its limits
// (seed 001's check-db-health, seed 000's diagnosing checks). --watch repeats until SIGINT or
// SIGTERM, then closes its pool and exits 0.
#include <chrono>
#include <algorithm>
#include <csignal>
#include <filesystem>
#include <iostream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/cluster.hpp"
#include "pgkit/error.hpp"
#include "pgkit/migrate.hpp"
#include "pgkit/migrator.hpp"
#include "pgkit/pool.hpp"
#include "pgkit/shutdown.hpp"

namespace pgkit::cli {
namespace {

namespace json = boost::json;

struct DoctorOptions {
  CommonOptions common;
  bool json = false;
  int watch_seconds = 0;
  int instances = 1;
  std::string dir = "migrations";
  std::string table = migrate::kDefaultTable;
};

struct Report {
  double connect_ms = 0;
  std::string version, database, user, tls;
  int version_num = 0, max_connections = 0, reserved = 0;
  std::int64_t connections = 0, connections_here = 0;
  bool ssl = false;
  std::string database_size;
  std::int64_t idle_in_transaction = 0, long_running = 0;
  double longest_idle_in_transaction_s = 0;
  std::string migrations;  // "12 applied, 1 pending" or why not known
  std::vector<std::string> findings;
};

// Local: a unix socket, or the loopback.
bool local_host(const Config& c) {
  auto it = c.params.find("host");
  std::string h = it == c.params.end() ? "" : it->second;
  return h.empty() || h[0] == '/' || h == "localhost" || h == "127.0.0.1" || h == "::1";
}

std::string migration_summary(Connection& conn, const DoctorOptions& o) {
  try {
    const std::string table = migrate::quoted_table(o.table);
    if (!conn.query("SELECT to_regclass($1) IS NOT NULL", table).scalar<bool>())
      return "no tracking table (" + o.table + ") yet";
    std::vector<std::string> versions;
    std::string newest;
    int failed = 0;
    for (auto row : conn.query("SELECT version, status FROM " + table)) {
      auto [version, status] = row.as<std::string, std::string>();
      versions.push_back(version);
      if (status != "applied") ++failed;
      else if (newest.empty() || migrate::compare_versions(version, newest) > 0) newest = version;
    }
    std::string out = fmt::format("{} applied (newest {})", versions.size() - failed, newest.empty() ? "none" : newest);
    if (failed) out += fmt::format(", {} failed or interrupted", failed);
    if (std::filesystem::is_directory(o.dir)) {
      std::size_t pending = 0;
      for (const auto& m : migrate::read_directory(o.dir))
        pending += std::none_of(versions.begin(), versions.end(),
                                [&](const std::string& v) { return migrate::compare_versions(v, m.version) == 0; });
      out += fmt::format(", {} pending in {}", pending, o.dir);
    }
    return out;
  } catch (const Error& e) {
    return "unknown: " + e.message();
  }
}

void add_findings(Report& r, const Config& c, const DoctorOptions& o) {
  int usable = r.max_connections - r.reserved;
  if (c.pool.max * o.instances > usable)
    r.findings.push_back(fmt::format("DB_POOL_MAX={} × {} instance(s) = {} exceeds the {} connections the server allows "
                                     "(max_connections {} − {} reserved): lower DB_POOL_MAX or put PgBouncer in front",
                                     c.pool.max, o.instances, c.pool.max * o.instances, usable, r.max_connections,
                                     r.reserved));
  if (c.pool.idle_timeout >= std::chrono::minutes(5))
    r.findings.push_back(fmt::format("DB_IDLE_TIMEOUT_MS={} is not below the 10–15 minute idle cut-off of cloud "
                                     "providers: connections may be dropped under the pool (ECONNRESET); use 30000",
                                     c.pool.idle_timeout.count()));
  if (!r.ssl && !local_host(c))
    r.findings.push_back("no TLS to a non-local host: add sslmode=verify-full (with sslrootcert) or sslmode=require");
  if (r.idle_in_transaction > 0)
    r.findings.push_back(fmt::format("{} session(s) idle in transaction (longest {:.0f} s): they hold locks and block "
                                     "vacuum; look for a missing COMMIT, or set idle_in_transaction_session_timeout",
                                     r.idle_in_transaction, r.longest_idle_in_transaction_s));
  if (r.long_running > 0)
    r.findings.push_back(fmt::format("{} statement(s) running for over a minute (pg_stat_activity)", r.long_running));
}

Report examine(Pool& pool, const DoctorOptions& o) {
  Report r;
  auto started = Clock::now();
  auto conn = pool.acquire();
  r.connect_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  auto row = conn->query(
                     "SELECT version(), current_setting('max_connections')::int, "
                     "current_setting('superuser_reserved_connections')::int, "
                     "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), "
                     "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND backend_type = 'client backend'), current_database(), current_user")
                 .one();
  std::tie(r.version, r.max_connections, r.reserved, r.connections, r.connections_here, r.database, r.user) =
      row.as<std::string, int, int, std::int64_t, std::int64_t, std::string, std::string>();
  r.version_num = conn->server_version();
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
  r.migrations = migration_summary(*conn, o);
  r.ssl = conn->ssl_in_use();
  if (r.ssl) r.tls = fmt::format("{} {}", conn->ssl_attribute("protocol"), conn->ssl_attribute("cipher"));
  add_findings(r, pool.config(), o);
  return r;
}

json::object pool_json(const PoolStats& s) {
  return {{"total", s.total},       {"idle", s.idle},
          {"in_use", s.in_use},     {"waiting", s.waiting},
          {"max", s.max},           {"min", s.min},
          {"created", s.created},   {"closed", s.closed},
          {"acquired", s.acquired}, {"acquire_timeouts", s.acquire_timeouts},
          {"connect_errors", s.connect_errors}};
}

// "reachable, standby, in rotation, lag 12 ms (3104 bytes)" or why not.
std::string node_text(const NodeStatus& n) {
  if (!n.reachable) return "unreachable" + (n.reason.empty() ? "" : ": " + n.reason);
  std::string text = fmt::format("reachable, {}", n.in_recovery ? "standby" : "not a standby");
  if (n.role == NodeStatus::Role::replica) {
    text += n.in_rotation ? ", in rotation" : ", out of rotation";
    text += n.lag ? fmt::format(", lag {} ms", n.lag->count()) : std::string(", lag unknown");
    if (n.lag_bytes) text += fmt::format(" ({} bytes)", *n.lag_bytes);
  }
  if (!n.reason.empty()) text += ": " + n.reason;
  return text;
}

json::array nodes_json(const std::vector<NodeStatus>& nodes) {
  json::array out;
  for (const auto& n : nodes) {
    json::object node{{"role", NodeStatus::role_name(n.role)}, {"url", n.url}, {"reachable", n.reachable},
                      {"in_recovery", n.in_recovery}, {"in_rotation", n.in_rotation}, {"reason", n.reason}};
    if (n.lag) node["lag_ms"] = n.lag->count();
    if (n.lag_bytes) node["lag_bytes"] = *n.lag_bytes;
    out.push_back(std::move(node));
  }
  return out;
}

void print(const DoctorOptions& o, const std::string& url, const Report& r, const PoolStats& st,
           const std::vector<NodeStatus>& nodes) {
  if (o.json) {
    json::object out{{"ok", true},
                     {"url", url},
                     {"connect_ms", r.connect_ms},
                     {"server_version", r.version},
                     {"server_version_num", r.version_num},
                     {"database", r.database},
                     {"user", r.user},
                     {"ssl", r.ssl},
                     {"tls", r.tls},
                     {"max_connections", r.max_connections},
                     {"superuser_reserved_connections", r.reserved},
                     {"connections", r.connections},
                     {"connections_this_database", r.connections_here},
                     {"database_size", r.database_size},
                     {"idle_in_transaction", r.idle_in_transaction},
                     {"long_running", r.long_running},
                     {"migrations", r.migrations},
                     {"findings", json::value_from(r.findings)},
                     {"pool", pool_json(st)}};
    if (nodes.size() > 1) out["nodes"] = nodes_json(nodes);
    std::cout << json::serialize(out) << std::endl;
    return;
  }
  fmt::print("url:          {}\n", url);
  fmt::print("connected:    yes, in {:.1f} ms\n", r.connect_ms);
  fmt::print("server:       {}\n", r.version);
  fmt::print("database:     {} as {}\n", r.database, r.user);
  fmt::print("ssl:          {}\n", r.ssl ? r.tls : "not in use");
  fmt::print("connections:  {} of max_connections {} ({} reserved for superusers); {} to this database\n",
             r.connections, r.max_connections, r.reserved, r.connections_here);
  fmt::print("size:         {}\n", r.database_size);
  fmt::print("sessions:     {} idle in transaction, {} running over a minute\n", r.idle_in_transaction, r.long_running);
  fmt::print("migrations:   {}\n", r.migrations);
  fmt::print("pool:         {} (created {}, connect errors {})\n", st.summary(), st.created, st.connect_errors);
  if (nodes.size() > 1) {
    for (const auto& n : nodes) fmt::print("{:<14}{} — {}\n", std::string(NodeStatus::role_name(n.role)) + ":", n.url, node_text(n));
  }
  for (const auto& f : r.findings) fmt::print("finding:      {}\n", f);
  if (r.findings.empty()) fmt::print("findings:     none\n");
  std::fflush(stdout);
}

void print_failure(const DoctorOptions& o, const std::string& url, const Error& e) {
  if (o.json) {
    std::cout << json::serialize(json::object{{"ok", false}, {"url", url}, {"error", e.message()}, {"hint", e.hint()}})
              << std::endl;
    return;
  }
  fmt::print("url:          {}\nconnected:    no\nreason:       {}\n", url, e.message());
  if (!e.hint().empty()) fmt::print("check:        {}\n", e.hint());
  std::fflush(stdout);
}

int doctor(const DoctorOptions& o) {
  // Before the pool starts its thread, so SIGINT/SIGTERM reach wait_for() and nothing else.
  ShutdownSignals signals;
  LoadedConfig loaded = load(o.common);
  for (const auto& w : loaded.warnings) fmt::print(stderr, "warning: {}\n", w);
  if (!loaded.ok()) {
    fmt::print(stderr, "the configuration has problems:\n{}\n", loaded.problems_text());
    return kBadConfig;
  }
  if (!loaded.config.configured()) {
    fmt::print(stderr, "no database configured: set DATABASE_URL (or run `pgkit dev` for a local one)\n");
    return kBadConfig;
  }
  Config config = loaded.config;
  config.pool.min = 0;  // open exactly what the checks use
  config.pool.max = std::max(1, std::min(config.pool.max, 2));
  const std::string url = config.masked();
  // With DATABASE_REPLICA_URL, each replica is checked too: role, reachable, lag.
  Cluster cluster(config, {}, RetryPolicy::none());
  Pool& pool = cluster.primary();
  for (;;) {
    bool ok = true;
    try {
      Report r = examine(pool, o);
      auto nodes = cluster.check_now();
      for (const auto& n : nodes) {
        if (n.role == NodeStatus::Role::replica && !n.in_rotation)
          r.findings.push_back(fmt::format("replica {} takes no reads: {}", n.url, n.reason));
      }
      print(o, url, r, pool.stats(), nodes);
    } catch (const Error& e) {
      print_failure(o, url, e);
      ok = false;
    }
    if (o.watch_seconds <= 0) return ok ? kOk : kFailed;
    if (int sig = signals.wait_for(std::chrono::seconds(o.watch_seconds))) {
      fmt::print(stderr, "received {}: closing the pool\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
      cluster.close(std::chrono::seconds(5));
      return kOk;
    }
  }
}

}  // namespace

void add_doctor_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("doctor", "Connect and report server version, TLS, connections and limits");
  auto o = std::make_shared<DoctorOptions>();
  add_common_options(*cmd, o->common);
  cmd->add_flag("--json", o->json, "Print one JSON object (one per line with --watch)");
  cmd->add_option("--instances", o->instances, "Instances of the program sharing the server (default 1)");
  cmd->add_option("--dir", o->dir, "Migrations directory, for the pending count (default ./migrations)");
  cmd->add_option("--table", o->table, "Migration tracking table (default pgkit_migrations)");
  cmd->add_option("--watch", o->watch_seconds, "Repeat every N seconds until SIGINT or SIGTERM")->check(CLI::PositiveNumber);
  cmd->callback([o, &exit_code] { exit_code = doctor(*o); });
}

}  // namespace pgkit::cli
