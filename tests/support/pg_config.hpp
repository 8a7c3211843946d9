#pragma once
// Configurations for tests: a test server's URL with an application_name to find the pool's
// connections in pg_stat_activity, and quiet logs.
//
// With PGKIT_TEST_THROUGH_PGBOUNCER=1 (ctest's integration-pgbouncer), the shared server's
// clients go through a PgBouncer in transaction mode, with pgbouncer=true; private servers are
// still reached directly.
#include <stdexcept>
#include <string>

#include "pgbouncer.hpp"
#include "pgkit/config.hpp"
#include "pgkit/local_cluster.hpp"
#include "test_server.hpp"

namespace pgkit::test {

inline Config config_for(const LocalCluster& server, const std::string& application_name = "pgkit-test") {
  std::string url =
      through_pgbouncer() && &server == &shared_server() ? shared_bouncer().url(true) + "&" : server.url() + "?";
  LoadedConfig loaded = parse_url(url + "application_name=" + application_name);
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  Config c = loaded.config;
  c.pool.slow_query = Millis{0};
  return c;
}

/// A test's pool size: config_for(server, "name", {.min = 0, .max = 8}).
struct PoolSize {
  int min;
  int max;
};
inline Config config_for(const LocalCluster& server, const std::string& application_name, PoolSize size) {
  Config c = config_for(server, application_name);
  c.pool.min = size.min;
  c.pool.max = size.max;
  return c;
}

// Connections the server sees from this application_name (client backends only).
inline int server_connections(const LocalCluster& server, const std::string& application_name) {
  return std::stoi(
      server.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" + application_name + "'")[0]);
}

}  // namespace pgkit::test
