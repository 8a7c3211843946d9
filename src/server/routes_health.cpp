// GET /api/health, /api/health/live, /api/health/ready and /metrics.
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "pgkit/error.hpp"
#include "server/deadline.hpp"
#include "server/routes.hpp"

namespace pgkit::server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

json::object pool_json(Services& s) {
  PoolStats p = s.database.pool().stats();
  return {{"total", p.total},
          {"idle", p.idle},
          {"inUse", p.in_use},
          {"waiting", p.waiting},
          {"min", p.min},
          {"max", p.max},
          {"connectErrors", p.connect_errors}};
}

// One round trip within the health deadline.
asio::awaitable<bool> database_answers(Services& s) {
  if (!s.database.configured()) co_return false;
  try {
    auto db = s.db();
    auto probe = db.query(QueryOptions{.timeout = s.settings.health_deadline}, "SELECT 1");
    co_return (co_await with_deadline(std::move(probe), s.settings.health_deadline)).has_value();
  } catch (const Error&) {
    co_return false;
  }
}

// Each node as the cluster last saw it; only with replicas (the primary alone is "services").
// The endpoint is public: no host names and no error text, which would map the network for
// anyone who asks. `pgkit doctor` shows both to the operator.
json::array nodes_json(Services& s) {
  json::array out;
  for (const NodeStatus& n : s.database.cluster().nodes()) {
    json::object node{{"role", NodeStatus::role_name(n.role)},
                      {"reachable", n.reachable},
                      {"inRecovery", n.in_recovery},
                      {"inRotation", n.in_rotation}};
    if (n.lag) node["lagMs"] = n.lag->count();
    if (n.lag_bytes) node["lagBytes"] = *n.lag_bytes;
    out.push_back(std::move(node));
  }
  return out;
}

asio::awaitable<http::Response> health(Services& s, http::Request&) {
  bool up = co_await database_answers(s);
  json::object body{{"status", up ? "ok" : "degraded"}, {"timestamp", iso_now()}};
  body["services"] = json::object{{"postgres", up                        ? "connected"
                                               : s.database.configured() ? "disconnected"
                                                                         : "not_configured"}};
  if (s.database.configured()) body["pool"] = pool_json(s);
  // Replicas out of rotation do not fail the check: their reads go to the primary.
  if (s.database.configured() && s.database.cluster().replica_count() > 0) body["nodes"] = nodes_json(s);
  co_return http::json_response(up ? 200 : 503, body);
}

asio::awaitable<http::Response> live(Services&, http::Request&) {
  co_return http::json_response(200, json::object{{"status", "alive"}, {"timestamp", iso_now()}});
}

asio::awaitable<http::Response> ready(Services& s, http::Request&) {
  bool up = co_await database_answers(s);
  int pending = s.pending_migrations.load();
  json::object body{{"timestamp", iso_now()}, {"database", up ? "connected" : "disconnected"}};
  if (pending >= 0) body["pendingMigrations"] = pending;
  const char* reason = !s.database.configured() ? "no database is configured (set DATABASE_URL)"
                       : !up                    ? "the database does not answer"
                       : pending < 0            ? "migrations have not been checked yet"
                       : pending > 0 ? "migrations are pending: run `pgkit migrate up` or start with --migrate"
                                     : nullptr;
  body["status"] = reason ? "not_ready" : "ready";
  if (reason) body["reason"] = reason;
  co_return http::json_response(reason ? 503 : 200, body);
}

asio::awaitable<http::Response> metrics(Services& s, http::Request&) {
  std::optional<PoolStats> pool;
  std::vector<NodeStatus> nodes;
  if (s.database.configured()) {
    pool = s.database.pool().stats();
    nodes = s.database.cluster().nodes();
  }
  co_return http::Response{
      .status = 200, .body = s.metrics.render(pool, nodes), .content_type = "text/plain; version=0.0.4"};
}

}  // namespace

void add_health_routes(http::Router& router, Services& s) {
  router.add("GET", "/api/health", [&s](http::Request& r) { return health(s, r); });
  router.add("GET", "/api/health/live", [&s](http::Request& r) { return live(s, r); });
  router.add("GET", "/api/health/ready", [&s](http::Request& r) { return ready(s, r); });
  router.add("GET", "/metrics", [&s](http::Request& r) { return metrics(s, r); });
}

}  // namespace pgkit::server
