// pgkit doctor: can we reach the database, what is it, and how close is it to its limits
// (seed 001's check-db-health, seed 000's diagnosing checks). --watch repeats until SIGINT or
// SIGTERM, then closes its pool and exits 0.
#include <chrono>
#include <csignal>
#include <iostream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/error.hpp"
#include "pgkit/pool.hpp"
#include "pgkit/shutdown.hpp"

namespace pgkit::cli {
namespace {

namespace json = boost::json;

struct DoctorOptions {
  CommonOptions common;
  bool json = false;
  int watch_seconds = 0;
};

struct Report {
  double connect_ms = 0;
  std::string version, database, user, tls;
  int version_num = 0, max_connections = 0, reserved = 0;
  std::int64_t connections = 0, connections_here = 0;
  bool ssl = false;
};

Report examine(Pool& pool) {
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
  r.ssl = conn->ssl_in_use();
  if (r.ssl) r.tls = fmt::format("{} {}", conn->ssl_attribute("protocol"), conn->ssl_attribute("cipher"));
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

void print(const DoctorOptions& o, const std::string& url, const Report& r, const PoolStats& st) {
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
                     {"pool", pool_json(st)}};
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
  fmt::print("pool:         {} (created {}, connect errors {})\n", st.summary(), st.created, st.connect_errors);
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
  Pool pool(config, {}, RetryPolicy::none());
  for (;;) {
    bool ok = true;
    try {
      Report r = examine(pool);
      print(o, url, r, pool.stats());
    } catch (const Error& e) {
      print_failure(o, url, e);
      ok = false;
    }
    if (o.watch_seconds <= 0) return ok ? kOk : kFailed;
    if (int sig = signals.wait_for(std::chrono::seconds(o.watch_seconds))) {
      fmt::print(stderr, "received {}: closing the pool\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
      pool.close(std::chrono::seconds(5));
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
  cmd->add_option("--watch", o->watch_seconds, "Repeat every N seconds until SIGINT or SIGTERM")->check(CLI::PositiveNumber);
  cmd->callback([o, &exit_code] { exit_code = doctor(*o); });
}

}  // namespace pgkit::cli
