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

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <csignal>
#include <cstring>
#include <exception>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "pgkit/pgkit.hpp"
#include "bench_common.hpp"
#include "throwaway_server.hpp"

namespace {

using namespace std::chrono_literals;
using Seconds = std::chrono::duration<double>;

constexpr const char* kPointSelect = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";
constexpr int kAccountsPerScale = 100'000;  // pgbench: scale 10 = 1,000,000 accounts
constexpr auto kWarmup = 1s;
constexpr int kMaxClients = 190;     // the server allows 200 connections

struct Options {
  int seconds = 10;
  std::vector<int> clients{1, 8, 32};
  int rounds = 1;
  int scale = 10;
  int pgbench_jobs = 2;  // pgbench -j: its threads, each an event loop over C/j connections
};

[[noreturn]] void usage(const std::string& problem) {
  std::cerr << "pgkit_pool_bench: " << problem << "\n"
            << "usage: pgkit_pool_bench [--seconds N] [--clients 1,8,32] [--rounds N] [--scale N] [--pgbench-jobs N]\n";
  std::exit(2);
}

int to_int(std::string_view text, const char* what, int min, int max) {
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < min || v > max)
    usage(fmt::format("{} must be an integer in [{}, {}], got '{}'", what, min, max, text));
  return v;
}

Options parse_options(int argc, char** argv) {
  Options o;
  pgkit::bench::Args args(argc, argv, usage);
  while (args.next()) {
    const std::string_view arg = args.arg();
    auto value = [&] { return args.value(); };
    if (arg == "--seconds") {
      o.seconds = to_int(value(), "--seconds", 1, 3600);
    } else if (arg == "--rounds") {
      o.rounds = to_int(value(), "--rounds", 1, 100);
    } else if (arg == "--scale") {
      o.scale = to_int(value(), "--scale", 1, 1000);
    } else if (arg == "--pgbench-jobs") {
      o.pgbench_jobs = to_int(value(), "--pgbench-jobs", 1, kMaxClients);
    } else if (arg == "--clients") {
      o.clients.clear();
      std::string_view list = value();
      for (std::size_t at = 0; at <= list.size();) {
        std::size_t comma = std::min(list.find(',', at), list.size());
        o.clients.push_back(to_int(list.substr(at, comma - at), "each of --clients", 1, kMaxClients));
        at = comma + 1;
      }
    } else if (arg == "--help" || arg == "-h") {
      usage("pgkit's pool against pgbench -S -M prepared");
    } else {
      usage(fmt::format("unknown argument '{}'", arg));
    }
  }
  return o;
}

// Child processes, costs and pgbench's own run come from bench_common.hpp.
using pgkit::bench::ClientCost;
using pgkit::bench::Measured;
using pgkit::bench::median;
using pgkit::bench::per_query;
using pgkit::bench::pgbench_select;
using pgkit::bench::process_cost;

// ---------------------------------------------------------------------------------------------
// pgkit: C threads sharing a pool of C connections.

struct alignas(64) Counter {  // one cache line each: counting must not make threads contend
  std::atomic<std::uint64_t> done{0};
};

std::uint64_t total(const std::vector<Counter>& counters) {
  std::uint64_t n = 0;
  for (const auto& c : counters) n += c.done.load(std::memory_order_relaxed);
  return n;
}

// Sleeps for d, or less once stop is set (a worker failed).
void sleep_unless(const std::atomic<bool>& stop, std::chrono::steady_clock::duration d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(10ms);
}

std::atomic<std::int64_t> g_sink{0};  // keeps the fetched values alive to the optimiser

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
    for (auto& c : held) g_sink += c->query(kPointSelect, 1).scalar<std::int32_t>();
  }

  std::vector<Counter> counters(static_cast<std::size_t>(clients));
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::exception_ptr error;
  std::uint64_t before = 0, after = 0;
  ClientCost cost_before, cost_after;
  Seconds elapsed{};
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
        g_sink += sink;
      });
    }
    sleep_unless(stop, kWarmup);
    before = total(counters);
    cost_before = process_cost();
    const auto t0 = std::chrono::steady_clock::now();
    sleep_unless(stop, std::chrono::seconds(seconds));
    after = total(counters);
    cost_after = process_cost();
    elapsed = std::chrono::steady_clock::now() - t0;
    stop = true;
  }  // joined
  if (error) std::rethrow_exception(error);
  const double queries = static_cast<double>(after - before);
  return per_query(queries / elapsed.count(), queries,
                   {cost_after.cpu - cost_before.cpu, cost_after.switches - cost_before.switches});
}

// ---------------------------------------------------------------------------------------------

struct Row {
  int clients = 0;
  std::vector<Measured> pgbench, pgkit;
};

int run(const Options& o) {
  pgkit::bench::ThrowawayServer server(
      {{"max_connections", "200"}, {"shared_buffers", "256MB"}, {"fsync", "off"}});
  pgkit::LocalCluster& pg = server.cluster();
  std::cerr << fmt::format("server: {} on 127.0.0.1:{} in {}\n", pg.sql("SHOW server_version")[0], pg.port(),
                           server.root().string());
  pgkit::bench::prepare_pgbench_data(server, o.scale);

  pgkit::LoadedConfig loaded = pgkit::parse_url(pg.url() + "?application_name=pgkit-bench");
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());

  std::vector<Row> rows;
  for (int c : o.clients) rows.push_back({.clients = c});
  int turn = 0;
  for (int round = 1; round <= o.rounds; ++round) {
    for (Row& row : rows) {
      const bool pgbench_first = turn++ % 2 == 0;
      for (int side = 0; side < 2; ++side) {
        const bool is_pgbench = (side == 0) == pgbench_first;
        Measured m = is_pgbench ? pgbench_select(pg, row.clients, o.pgbench_jobs, o.seconds)
                                : pgkit_select(loaded.config, row.clients, o.seconds, o.scale);
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
  std::cout << fmt::format("\n{} s per run, {} round(s){}, scale {}, pgbench -j {}; client CPU and context switches "
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
  return pgkit::bench::run_reporting_errors("pgkit_pool_bench", parse_options(argc, argv), run);
}
