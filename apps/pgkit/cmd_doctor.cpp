// pgkit doctor: can we reach the database, what is it, and how close is it to its limits
// (seed 001's check-db-health, seed 000's diagnosing checks).
#include <chrono>
#include <iostream>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/error.hpp"
#include "pgkit/pool.hpp"

namespace pgkit::cli {
namespace {

namespace json = boost::json;

struct DoctorOptions {
  CommonOptions common;
  bool json = false;
};

json::object pool_json(const PoolStats& s) {
  return {{"total", s.total},       {"idle", s.idle},
          {"in_use", s.in_use},     {"waiting", s.waiting},
          {"max", s.max},           {"min", s.min},
          {"created", s.created},   {"closed", s.closed},
          {"acquired", s.acquired}, {"acquire_timeouts", s.acquire_timeouts},
          {"connect_errors", s.connect_errors}};
}

int report_failure(const DoctorOptions& o, const std::string& url, const std::string& reason, const std::string& hint) {
  if (o.json) {
    std::cout << json::serialize(json::object{{"ok", false}, {"url", url}, {"error", reason}, {"hint", hint}}) << "\n";
  } else {
    fmt::print("url:        {}\nconnected:  no\nreason:     {}\n", url, reason);
    if (!hint.empty()) fmt::print("check:      {}\n", hint);
  }
  return kFailed;
}

int doctor(const DoctorOptions& o) {
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
  std::string url = config.masked();
  Pool pool(config, {}, RetryPolicy::none());
  try {
    auto started = Clock::now();
    auto conn = pool.acquire();
    double connect_ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
    auto row = conn->query(
                       "SELECT version(), current_setting('max_connections')::int, "
                       "current_setting('superuser_reserved_connections')::int, "
                       "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'), "
                       "(SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND backend_type = 'client backend'), current_database(), current_user")
                   .one();
    auto [version, max_conn, reserved, total_conn, db_conn, dbname, user] =
        row.as<std::string, int, int, std::int64_t, std::int64_t, std::string, std::string>();
    bool ssl = conn->ssl_in_use();
    std::string tls = ssl ? fmt::format("{} {}", conn->ssl_attribute("protocol"), conn->ssl_attribute("cipher")) : "";
    conn.release();
    PoolStats st = pool.stats();
    if (o.json) {
      json::object out{{"ok", true},
                       {"url", url},
                       {"connect_ms", connect_ms},
                       {"server_version", version},
                       {"server_version_num", pool.acquire()->server_version()},
                       {"database", dbname},
                       {"user", user},
                       {"ssl", ssl},
                       {"tls", tls},
                       {"max_connections", max_conn},
                       {"superuser_reserved_connections", reserved},
                       {"connections", total_conn},
                       {"connections_this_database", db_conn},
                       {"pool", pool_json(pool.stats())}};
      std::cout << json::serialize(out) << "\n";
    } else {
      fmt::print("url:          {}\n", url);
      fmt::print("connected:    yes, in {:.1f} ms\n", connect_ms);
      fmt::print("server:       {}\n", version);
      fmt::print("database:     {} as {}\n", dbname, user);
      fmt::print("ssl:          {}\n", ssl ? tls : "not in use");
      fmt::print("connections:  {} of max_connections {} ({} reserved for superusers); {} to this database\n",
                 total_conn, max_conn, reserved, db_conn);
      fmt::print("pool:         {} (created {}, connect errors {})\n", st.summary(), st.created, st.connect_errors);
    }
    return kOk;
  } catch (const Error& e) {
    return report_failure(o, url, e.message(), e.hint());
  }
}

}  // namespace

void add_doctor_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("doctor", "Connect and report server version, TLS, connections and limits");
  auto o = std::make_shared<DoctorOptions>();
  add_common_options(*cmd, o->common);
  cmd->add_flag("--json", o->json, "Print one JSON object");
  cmd->callback([o, &exit_code] { exit_code = doctor(*o); });
}

}  // namespace pgkit::cli
