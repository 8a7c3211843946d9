// pgkit_pool_bench: pgkit's blocking pool against pgbench, on one throwaway server, doing the
// same prepared point select at C = 1, 8, 32 clients. pgbench is the yardstick: a C client with
// one event loop per thread and no pool in the way, so pgkit/pgbench says what the pool,
// the Connection wrapper and a thread per client cost on top of libpq.
//
//   pgkit_pool_bench [--seconds 10] [--clients 1,8,32] [--rounds 1] [--scale 10] [--pgbench-jobs 2]
//
// Method (docs/performance.md has the figures):
//   - one server (LocalCluster in a fresh /tmp directory; fsync off, shared_buffers 256MB,
//     max_connections 200), `pgbench -i -s SCALE`, then both tables' pages prewarmed;
//   - per C: `pgbench -S -M prepared -c C -j JOBS -T SECONDS -n` (JOBS: --pgbench-jobs, 2), its
//     "tps = … (without initial connection time)"; and pgkit: a pool of min = max = C connections, the statement prepared
//     on every one, C threads looping pool.query(SELECT abalance … WHERE aid = $1) with a random
//     aid, 1 s of warm-up, then SECONDS counted;
//   - the two alternate, and which goes first alternates with each C (and round), so a noisy
//     neighbour hits both; with --rounds N each side's figure is the median of N.
// Client CPU and context switches per query (getrusage) are printed too: on a small machine the
// client's CPU is taken from the server's, so it decides throughput.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench_cli.hpp"
#include "bench_common.hpp"
#include "pgkit/pgkit.hpp"
#include "throwaway_server.hpp"

namespace {

using namespace std::chrono_literals;

constexpr auto kWarmup = 1s;

struct Options : pgkit::bench::PointSelectOptions {
  Options() : PointSelectOptions({1, 8, 32}) {}
};

// Child processes, costs, counting and pgbench's own run come from bench_common.hpp.
using pgkit::bench::kAccountsPerScale;
using pgkit::bench::kPointSelect;
using pgkit::bench::Measured;
using pgkit::bench::median;

// ---------------------------------------------------------------------------------------------
// pgkit: C threads sharing a pool of C connections.

Measured pgkit_select(const pgkit::Config& base, int clients, int seconds, int scale) {
  pgkit::Config config = base;
  config.pool.min = config.pool.max = clients;
  config.pool.slow_query = pgkit::Millis{0};
  pgkit::Pool pool(config);

  // Every connection open and the statement prepared on each before anything is timed, as
  // pgbench's tps leaves out connecting.
  {
    std::vector<pgkit::PooledConnection> held;
    for (int i = 0; i < clients; ++i) held.push_back(pool.acquire());
    for (auto& c : held) pgkit::bench::g_sink += c->query(kPointSelect, 1).scalar<std::int32_t>();
  }

  std::vector<pgkit::bench::Counter> counters(static_cast<std::size_t>(clients));
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::exception_ptr error;
  Measured measured;
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] {
        std::minstd_rand rng(std::random_device{}() + static_cast<unsigned>(i));
        std::uniform_int_distribution<std::int32_t> aid(1, kAccountsPerScale * scale);
        std::uint64_t done = 0;
        std::int64_t sink = 0;
        try {
          while (!stop.load(std::memory_order_relaxed)) {
            sink += pool.query(kPointSelect, aid(rng)).scalar<std::int32_t>();
            counters[static_cast<std::size_t>(i)].done.store(++done, std::memory_order_relaxed);
          }
        } catch (...) {
          std::lock_guard lock(error_mutex);
          if (!error) error = std::current_exception();
          stop = true;
        }
        pgkit::bench::g_sink += sink;
      });
    }
    measured = pgkit::bench::count_queries(counters, stop, kWarmup, seconds);
  }  // joined
  if (error) std::rethrow_exception(error);
  return measured;
}

// ---------------------------------------------------------------------------------------------

struct Row {
  int clients = 0;
  std::vector<Measured> pgbench, pgkit;
};

int run(const Options& o) {
  pgkit::bench::ThrowawayServer server(pgkit::bench::kPointSelectServer);
  pgkit::LocalCluster& pg = server.cluster();
  const pgkit::Config config = pgkit::bench::prepare_point_select(server, o.scale, "pgkit-bench");

  std::vector<Row> rows;
  for (int c : o.clients) rows.push_back({.clients = c});
  int turn = 0;
  for (int round = 1; round <= o.rounds; ++round) {
    for (Row& row : rows) {
      const bool pgbench_first = turn++ % 2 == 0;
      for (int side = 0; side < 2; ++side) {
        const bool is_pgbench = (side == 0) == pgbench_first;
        Measured m = is_pgbench ? pgkit::bench::pgbench_select(pg, row.clients, o.pgbench_jobs, o.seconds)
                                : pgkit_select(config, row.clients, o.seconds, o.scale);
        (is_pgbench ? row.pgbench : row.pgkit).push_back(m);
        std::cerr << fmt::format("round {} C={:<3} {:<7} {:>9.0f} tps  {:5.1f} µs CPU/query  {:4.2f} switches/query\n",
                                 round, row.clients, is_pgbench ? "pgbench" : "pgkit", m.tps, m.cpu_us_per_query,
                                 m.switches_per_query);
      }
    }
  }

  auto med = [](const std::vector<Measured>& runs, double Measured::*field) {
    std::vector<double> v;
    for (const Measured& m : runs) v.push_back(m.*field);
    return median(v);
  };
  std::cout << fmt::format(
      "\n{} s per run, {} round(s){}, scale {}, pgbench -j {}; client CPU and context switches "
      "per query: pgbench / pgkit\n",
      o.seconds, o.rounds, o.rounds > 1 ? " (medians)" : "", o.scale, o.pgbench_jobs);
  std::cout << fmt::format("{:>3} | {:>11} | {:>11} | {:>13} | {:>15} | {:>13}\n", "C", "pgbench tps", "pgkit tps",
                           "pgkit/pgbench", "CPU µs/query", "switches/query");
  std::vector<int> missed;
  for (const Row& r : rows) {
    const double a = med(r.pgbench, &Measured::tps), b = med(r.pgkit, &Measured::tps);
    const double ratio = a > 0 ? b / a : 0;
    if (ratio < 0.95) missed.push_back(r.clients);
    std::cout << fmt::format("{:>3} | {:>11.0f} | {:>11.0f} | {:>13.3f} | {:>6.1f} / {:>6.1f} | {:>5.2f} / {:>5.2f}\n",
                             r.clients, a, b, ratio, med(r.pgbench, &Measured::cpu_us_per_query),
                             med(r.pgkit, &Measured::cpu_us_per_query), med(r.pgbench, &Measured::switches_per_query),
                             med(r.pgkit, &Measured::switches_per_query));
  }
  std::string where;
  for (int c : missed) where += (where.empty() ? "" : ", ") + std::to_string(c);
  std::cout << (missed.empty() ? "target pgkit/pgbench >= 0.95: met at every C\n"
                               : "target pgkit/pgbench >= 0.95: missed at C = " + where + "\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return pgkit::bench::run_main<Options>(argc, argv, "pgkit_pool_bench", "pgkit's pool against pgbench -S -M prepared",
                                         pgkit::bench::add_point_select_options, run);
}
