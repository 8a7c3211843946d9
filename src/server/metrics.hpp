#pragma once
// Prometheus metrics of pgkit-server: requests by route and status, latency histograms per
// route, database errors by category, and the pool's statistics at scrape time.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>

#include <vector>

#include "pgkit/cluster.hpp"
#include "pgkit/pool.hpp"

namespace pgkit::server {

class Metrics {
 public:
  void record_request(const std::string& method, const std::string& route, int status, std::chrono::nanoseconds took);
  /// category: connection, timeout, pool_exhausted, constraint, serialization, data, schema, other.
  void record_db_error(const std::string& category);
  /// The text exposition format (version 0.0.4); the primary's pool stats when a pool exists,
  /// and each database node (role, up, in rotation, replica lag).
  std::string render(const std::optional<PoolStats>& pool, const std::vector<NodeStatus>& nodes = {}) const;
  /// Requests answered with a 5xx status so far (the fuzz test reads this).
  std::uint64_t server_errors() const;

 private:
  static constexpr std::array<double, 12> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                   0.05,   0.1,   0.25,   0.5,   1,    5};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::map<std::string, std::uint64_t> db_errors_;
  std::uint64_t server_errors_ = 0;
};

}  // namespace pgkit::server
