// pgkit doctor: can we reach the database, what is it, and how close is it to its limits.
// The checks are the library's (pgkit/health.hpp); this prints them. --watch repeats until
// SIGINT or SIGTERM, then closes its pool and exits 0.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <iostream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/cluster.hpp"
#include "pgkit/error.hpp"
#include "pgkit/health.hpp"
#include "pgkit/shutdown.hpp"

namespace pgkit::cli {
namespace {

namespace json = boost::json;

struct DoctorOptions {
  CommonOptions common;
  bool json = false;
  int watch_seconds = 0;
  HealthOptions health;
};

json::object pool_json(const PoolStats& s) {
  return {{"total", s.total},
          {"idle", s.idle},
          {"in_use", s.in_use},
          {"waiting", s.waiting},
          {"max", s.max},
          {"min", s.min},
          {"created", s.created},
          {"closed", s.closed},
          {"acquired", s.acquired},
          {"acquire_timeouts", s.acquire_timeouts},
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
    json::object node{{"role", NodeStatus::role_name(n.role)},
                      {"url", n.url},
                      {"reachable", n.reachable},
                      {"in_recovery", n.in_recovery},
                      {"in_rotation", n.in_rotation},
                      {"reason", n.reason}};
    if (n.lag) node["lag_ms"] = n.lag->count();
    if (n.lag_bytes) node["lag_bytes"] = *n.lag_bytes;
    out.push_back(std::move(node));
  }
  return out;
}

json::array findings_json(const std::vector<Finding>& findings) {
  json::array out;
  for (const auto& f : findings) out.emplace_back(f.text());
  return out;
}

void print(const DoctorOptions& o, const HealthReport& r) {
  const PoolStats& st = r.pool;
  if (o.json) {
    json::object out{{"ok", true},
                     {"url", r.url},
                     {"connect_ms", r.connect_ms},
                     {"server_version", r.server_version},
                     {"server_version_num", r.server_version_num},
                     {"database", r.database},
                     {"user", r.user},
                     {"ssl", r.ssl},
                     {"tls", r.tls},
                     {"max_connections", r.max_connections},
                     {"superuser_reserved_connections", r.superuser_reserved_connections},
                     {"connections", r.connections},
                     {"connections_this_database", r.connections_this_database},
                     {"database_size", r.database_size},
                     {"idle_in_transaction", r.idle_in_transaction},
                     {"long_running", r.long_running},
                     {"migrations", r.migrations.text()},
                     {"findings", findings_json(r.findings)},
                     {"pool", pool_json(st)}};
    if (r.nodes.size() > 1) out["nodes"] = nodes_json(r.nodes);
    std::cout << json::serialize(out) << std::endl;
    return;
  }
  fmt::print("url:          {}\n", r.url);
  fmt::print("connected:    yes, in {:.1f} ms\n", r.connect_ms);
  fmt::print("server:       {}\n", r.server_version);
  fmt::print("database:     {} as {}\n", r.database, r.user);
  fmt::print("ssl:          {}\n", r.ssl ? r.tls : "not in use");
  fmt::print("connections:  {} of max_connections {} ({} reserved for superusers); {} to this database\n",
             r.connections, r.max_connections, r.superuser_reserved_connections, r.connections_this_database);
  fmt::print("size:         {}\n", r.database_size);
  fmt::print("sessions:     {} idle in transaction, {} running over a minute\n", r.idle_in_transaction, r.long_running);
  fmt::print("migrations:   {}\n", r.migrations.text());
  fmt::print("pool:         {} (created {}, connect errors {})\n", st.summary(), st.created, st.connect_errors);
  if (r.nodes.size() > 1) {
    for (const auto& n : r.nodes)
      fmt::print("{:<14}{} — {}\n", std::string(NodeStatus::role_name(n.role)) + ":", n.url, node_text(n));
  }
  for (const auto& f : r.findings) fmt::print("finding:      {}\n", f.text());
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
  HealthOptions health = o.health;
  health.pool_max = config.pool.max;  // judged as configured, checked with at most two
  config.pool.min = 0;                // open exactly what the checks use
  config.pool.max = std::max(1, std::min(config.pool.max, 2));
  const std::string url = config.masked();
  // With DATABASE_REPLICA_URL, each replica is checked too: role, reachable, lag.
  Cluster cluster(config, {}, RetryPolicy::none());
  for (;;) {
    bool ok = true;
    try {
      print(o, check_health(cluster, health));
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
  cmd->add_option("--instances", o->health.instances, "Instances of the program sharing the server (default 1)");
  cmd->add_option("--dir", o->health.migrations_dir,
                  "Migrations directory, for the pending count (default ./migrations)");
  cmd->add_option("--table", o->health.migrations_table, "Migration tracking table (default pgkit_migrations)");
  cmd->add_option("--watch", o->watch_seconds, "Repeat every N seconds until SIGINT or SIGTERM")
      ->check(CLI::PositiveNumber);
  cmd->callback([o, &exit_code] { exit_code = doctor(*o); });
}

}  // namespace pgkit::cli
