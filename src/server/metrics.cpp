#include "server/metrics.hpp"

#include <fmt/format.h>

namespace pgkit::server {

namespace {
// Label values are route patterns and fixed words, but escape anyway: the format breaks on
// a stray quote or newline.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
template <class... Args>
void append(std::string& out, fmt::format_string<Args...> format, Args&&... args) {
  fmt::format_to(std::back_inserter(out), format, std::forward<Args>(args)...);
}
}  // namespace

void Metrics::record_request(const std::string& method, const std::string& route, int status,
                             std::chrono::nanoseconds took) {
  double seconds = std::chrono::duration<double>(took).count();
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, status}];
  Histogram& h = latency_[route];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
  if (status >= 500) ++server_errors_;
}

void Metrics::record_db_error(const std::string& category) {
  std::lock_guard lock(mutex_);
  ++db_errors_[category];
}

std::uint64_t Metrics::server_errors() const {
  std::lock_guard lock(mutex_);
  return server_errors_;
}

std::string Metrics::render(const std::optional<PoolStats>& pool, const std::vector<NodeStatus>& nodes) const {
  std::string out;
  {
    std::lock_guard lock(mutex_);
    append(out,
           "# HELP http_requests_total HTTP requests answered, by method, route and status.\n"
           "# TYPE http_requests_total counter\n");
    for (const auto& [key, n] : requests_) {
      const auto& [method, route, status] = key;
      append(out, "http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}\"}} {}\n", label(method), label(route),
             status, n);
    }
    append(out,
           "# HELP http_request_duration_seconds Time from the request's header to its response, by route.\n"
           "# TYPE http_request_duration_seconds histogram\n");
    for (const auto& [route, h] : latency_) {
      for (std::size_t i = 0; i < kBuckets.size(); ++i)
        append(out, "http_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n", label(route), kBuckets[i],
               h.counts[i]);
      append(out, "http_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n", label(route), h.count);
      append(out, "http_request_duration_seconds_sum{{route=\"{}\"}} {}\n", label(route), h.sum);
      append(out, "http_request_duration_seconds_count{{route=\"{}\"}} {}\n", label(route), h.count);
    }
    append(out,
           "# HELP db_errors_total Database errors seen by request handlers, by category.\n"
           "# TYPE db_errors_total counter\n");
    for (const auto& [category, n] : db_errors_)
      append(out, "db_errors_total{{category=\"{}\"}} {}\n", label(category), n);
  }
  if (pool) {
    const PoolStats& s = *pool;
    append(out,
           "# HELP pgkit_pool_connections Connections of the pool by state.\n# TYPE pgkit_pool_connections gauge\n");
    append(out, "pgkit_pool_connections{{state=\"idle\"}} {}\npgkit_pool_connections{{state=\"in_use\"}} {}\n", s.idle,
           s.in_use);
    append(out, "pgkit_pool_connections{{state=\"total\"}} {}\n", s.total);
    append(out, "# HELP pgkit_pool_limit The pool's configured bounds.\n# TYPE pgkit_pool_limit gauge\n");
    append(out, "pgkit_pool_limit{{bound=\"min\"}} {}\npgkit_pool_limit{{bound=\"max\"}} {}\n", s.min, s.max);
    append(out, "# HELP pgkit_pool_waiting Callers waiting for a connection.\n# TYPE pgkit_pool_waiting gauge\n");
    append(out, "pgkit_pool_waiting {}\n", s.waiting);
    auto counter = [&](const char* name, const char* help, std::uint64_t v) {
      append(out, "# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, v);
    };
    counter("pgkit_pool_created_total", "Connections opened.", s.created);
    counter("pgkit_pool_closed_total", "Connections closed.", s.closed);
    counter("pgkit_pool_acquired_total", "Connections handed out.", s.acquired);
    counter("pgkit_pool_acquire_timeouts_total", "Acquires that gave up waiting.", s.acquire_timeouts);
    counter("pgkit_pool_connect_errors_total", "Failed connection attempts.", s.connect_errors);
    counter("pgkit_pool_validation_failures_total", "Idle connections found dead before use.", s.validation_failures);
    append(out,
           "# HELP pgkit_pool_acquire_wait_seconds Time spent waiting for a connection.\n"
           "# TYPE pgkit_pool_acquire_wait_seconds summary\n");
    append(out, "pgkit_pool_acquire_wait_seconds_sum {}\npgkit_pool_acquire_wait_seconds_count {}\n",
           std::chrono::duration<double>(s.acquire_wait_total).count(), s.acquire_waits);
    counter("pgkit_pool_read_only_discards_total",
            "Connections discarded because their server turned read-only (failover).", s.read_only_discards);
  }
  if (!nodes.empty()) {
    append(out,
           "# HELP pgkit_node_up Whether the database node answered its last check.\n# TYPE pgkit_node_up gauge\n");
    append(out,
           "# HELP pgkit_node_in_rotation Whether the node takes reads now (the primary always does).\n"
           "# TYPE pgkit_node_in_rotation gauge\n");
    append(out,
           "# HELP pgkit_replica_lag_seconds Replay lag behind the primary.\n# TYPE pgkit_replica_lag_seconds gauge\n");
    append(out, "# HELP pgkit_replica_lag_bytes WAL not yet replayed.\n# TYPE pgkit_replica_lag_bytes gauge\n");
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      const NodeStatus& n = nodes[i];
      const std::string labels = fmt::format("node=\"{}\",role=\"{}\"", i, NodeStatus::role_name(n.role));
      append(out, "pgkit_node_up{{{}}} {}\n", labels, n.reachable ? 1 : 0);
      append(out, "pgkit_node_in_rotation{{{}}} {}\n", labels, n.in_rotation ? 1 : 0);
      if (n.lag)
        append(out, "pgkit_replica_lag_seconds{{{}}} {}\n", labels, std::chrono::duration<double>(*n.lag).count());
      if (n.lag_bytes) append(out, "pgkit_replica_lag_bytes{{{}}} {}\n", labels, *n.lag_bytes);
    }
  }
  return out;
}

}  // namespace pgkit::server
