#pragma once
// Configurations for tests: a test server's URL with an application_name to find the pool's
// connections in pg_stat_activity, and quiet logs.
#include <stdexcept>
#include <string>

#include "pgkit/config.hpp"
#include "pgkit/local_cluster.hpp"

namespace pgkit::test {

inline Config config_for(const LocalCluster& server, const std::string& application_name = "pgkit-test") {
  LoadedConfig loaded = parse_url(server.url() + "?application_name=" + application_name);
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  Config c = loaded.config;
  c.pool.slow_query = Millis{0};
  return c;
}

// Connections the server sees from this application_name (client backends only).
inline int server_connections(const LocalCluster& server, const std::string& application_name) {
  return std::stoi(server.sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = '" +
                              application_name + "'")[0]);
}

}  // namespace pgkit::test
