// pgkit_async_bench: asynchronous pgkit against pgbench and the two Node.js clients, on one
// throwaway server, doing the same prepared point select at C = 8, 32, 128 clients.
//
//   pgkit_async_bench [--seconds 10] [--clients 8,32,128] [--rounds 1] [--scale 10]
//                     [--pgbench-jobs 2] [--node-dir DIR]
//                     [--only pgbench,async,pipelined,node-postgres,postgres.js,async-held]
//
// The five clients (docs/performance.md has the figures):
//   - pgbench:          `pgbench -S -M prepared -c C -j 2 -T SECONDS -n`, the reference;
//   - pgkit async:      an AsyncPool over a Pool of min = max = min(C, 32) connections; C coroutines
//                       on an io_context run by 2 threads, each looping co_await db.query(…);
//   - pgkit pipelined:  the same C coroutines, each looping: acquire a connection, send a
//                       Pipeline of 16 point selects, release; 16 queries counted per batch;
//   - node-postgres:    npm `pg`, Pool({max: min(C, 32)}), C async loops of a named query;
//   - postgres.js:      npm `postgres`, max min(C, 32), C async loops of a tagged template.
// pgkit and the Node clients warm up 1 s and then count SECONDS; pgbench's tps leaves out its
// connection time. Per C and round the five run one after another, and the one that starts
// rotates, so a noisy neighbour hits all of them. With --rounds N each figure is a median.
//
// The Node scripts live in --node-dir (default: bench/peers/node of this source tree); when
// node_modules is missing there, `npm install` runs first, and when `node` is missing,
// apt-get installs nodejs and npm. They get the server's URL in PGKIT_BENCH_URL, never argv.
//
// --only runs some of the five (for profiling one: `perf record -g -- pgkit_async_bench --only
// async`); the table then shows 0 for the others and the targets that need them are not judged.
// It can also add a sixth, `async-held`, an experiment rather than a client of the issue: C ≤ 32
// coroutines that each keep one connection (co_await db.acquire() once) and loop
// co_await conn.query(…) — what a query costs without a pool acquire and release around it.
// --io-context-per-thread (another experiment) gives pgkit one io_context per io thread, the
// coroutines dealt out between them, instead of one io_context that both threads run.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "bench_cli.hpp"
#include "bench_common.hpp"
#include "bench_tools.hpp"
#include "pgkit/async.hpp"
#include "pgkit/pgkit.hpp"
#include "pgkit/pipeline.hpp"
#include "throwaway_server.hpp"

#ifndef PGKIT_BENCH_NODE_DIR
#define PGKIT_BENCH_NODE_DIR "bench/peers/node"
#endif

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using pgkit::bench::Measured;

constexpr auto kWarmup = 1s;
constexpr int kPoolCap = 32;           // pgkit's and the Node clients' pool: min(C, 32) connections
constexpr std::size_t kIoThreads = 2;  // threads running pgkit's io_context
constexpr int kBatch = 16;             // point selects per pipeline

enum Client { pgbench, pgkit_async, pgkit_pipelined, node_postgres, postgres_js, pgkit_held, kClients };
constexpr std::array<const char*, kClients> kNames{"pgbench",       "pgkit async", "pgkit pipelined",
                                                   "node-postgres", "postgres.js", "pgkit held"};
// The names --only takes, in Client order.
constexpr std::array<std::string_view, kClients> kOnlyNames{"pgbench",       "async",       "pipelined",
                                                            "node-postgres", "postgres.js", "async-held"};

struct Options : pgkit::bench::PointSelectOptions {
  Options() : PointSelectOptions({8, 32, 128}) {}
  fs::path node_dir = PGKIT_BENCH_NODE_DIR;
  std::array<bool, kClients> run{true, true, true, true, true, false};  // async-held: with --only
  bool io_per_thread = false;                                           // --io-context-per-thread
};

void declare_options(CLI::App& cli, Options& o) {
  pgkit::bench::add_point_select_options(cli, o);
  cli.add_option("--node-dir", o.node_dir, "the Node scripts and their node_modules (bench/peers/node)");
  auto only = [&o](const std::vector<std::string>& names) {
    o.run.fill(false);
    for (const auto& name : names) {  // each one of kOnlyNames: IsMember checked it
      auto at = std::find(kOnlyNames.begin(), kOnlyNames.end(), name) - kOnlyNames.begin();
      o.run[static_cast<std::size_t>(at)] = true;
    }
  };
  cli.add_option_function<std::vector<std::string>>("--only", only,
                                                    "run only these clients, separated by commas (async-held only so)")
      ->delimiter(',')
      ->check(CLI::IsMember(std::vector<std::string>(kOnlyNames.begin(), kOnlyNames.end())));
  cli.add_flag("--io-context-per-thread", o.io_per_thread, "an io_context per io thread instead of one they share");
}

// ---------------------------------------------------------------------------------------------
// pgkit: C coroutines on 2 threads sharing a pool of min(C, 32) connections.

// What one coroutine needs; it lives in the measuring function's frame, which outlives them all.
struct Loop {
  pgkit::AsyncPool db;
  pgkit::bench::Counter& counter;
  const std::atomic<bool>& stop;
  unsigned seed;
  std::int32_t max_aid;
};

// Loops co_await target.query(point select) until stop, counting each: target is the pool (a
// connection acquired and released around every query) or one connection held for the run.
template <class Target>
asio::awaitable<void> point_selects(const Loop& l, Target& target) {
  std::minstd_rand rng(l.seed);
  std::uniform_int_distribution<std::int32_t> aid(1, l.max_aid);
  std::uint64_t done = 0;
  std::int64_t sink = 0;
  while (!l.stop.load(std::memory_order_relaxed)) {
    pgkit::Result r = co_await target.query(pgkit::bench::kPointSelect, aid(rng));
    sink += r.scalar<std::int32_t>();
    l.counter.done.store(++done, std::memory_order_relaxed);
  }
  pgkit::bench::g_sink += sink;
}

asio::awaitable<void> query_loop(const Loop& l) {
  pgkit::AsyncPool db = l.db;
  co_await point_selects(l, db);
}

// A connection is acquired per batch and released after it, as a request handler would: with
// C > pool size the coroutines take turns on the connections.
asio::awaitable<void> pipeline_loop(const Loop& l) {
  std::minstd_rand rng(l.seed);
  std::uniform_int_distribution<std::int32_t> aid(1, l.max_aid);
  pgkit::AsyncPool db = l.db;
  pgkit::Pipeline batch;
  std::uint64_t done = 0;
  std::int64_t sink = 0;
  while (!l.stop.load(std::memory_order_relaxed)) {
    batch.clear();
    for (int i = 0; i < kBatch; ++i) batch.add(pgkit::bench::kPointSelect, aid(rng));
    {
      pgkit::AsyncConnection conn = co_await db.acquire();
      std::vector<pgkit::Result> results = co_await conn.pipeline(batch);
      for (const pgkit::Result& r : results) sink += r.scalar<std::int32_t>();
    }
    done += kBatch;
    l.counter.done.store(done, std::memory_order_relaxed);
  }
  pgkit::bench::g_sink += sink;
}

// The experiment: one connection per coroutine for the whole run (C ≤ pool size).
asio::awaitable<void> held_loop(const Loop& l) {
  pgkit::AsyncPool db = l.db;
  pgkit::AsyncConnection conn = co_await db.acquire();
  co_await point_selects(l, conn);
}

enum class Mode { query, pipelined, held };

Measured pgkit_select(const pgkit::Config& base, int clients, int seconds, int scale, Mode mode, bool io_per_thread) {
  pgkit::Config config = base;
  config.pool.min = config.pool.max = std::min(clients, kPoolCap);
  config.pool.slow_query = pgkit::Millis{0};
  pgkit::Pool pool(config);

  // Every connection open and the statement prepared on each before anything is timed, as
  // pgbench's tps leaves out connecting. (The blocking API shares the statement cache.)
  {
    std::vector<pgkit::PooledConnection> held;
    for (int i = 0; i < config.pool.max; ++i) held.push_back(pool.acquire());
    for (auto& c : held) pgkit::bench::g_sink += c->query(pgkit::bench::kPointSelect, 1).scalar<std::int32_t>();
  }

  std::vector<pgkit::bench::Counter> counters(static_cast<std::size_t>(clients));
  std::atomic<bool> stop{false};
  std::mutex error_mutex;
  std::exception_ptr error;
  std::vector<Loop> loops;
  loops.reserve(counters.size());
  std::random_device seeds;
  for (auto& c : counters)
    loops.push_back({pgkit::AsyncPool(pool), c, stop, seeds(), pgkit::bench::kAccountsPerScale * scale});

  // One io_context run by every thread (the setup), or one per thread with the
  // coroutines dealt out (--io-context-per-thread: no hand-over between threads).
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (std::size_t i = 0; i < (io_per_thread ? kIoThreads : 1); ++i)
    contexts.push_back(std::make_unique<asio::io_context>(io_per_thread ? 1 : kIoThreads));
  for (std::size_t i = 0; i < loops.size(); ++i) {
    const Loop& l = loops[i];
    auto loop = mode == Mode::pipelined ? pipeline_loop(l) : mode == Mode::held ? held_loop(l) : query_loop(l);
    asio::co_spawn(*contexts[i % contexts.size()], std::move(loop), [&](std::exception_ptr e) {
      if (!e) return;
      std::lock_guard lock(error_mutex);
      if (!error) error = e;
      stop = true;
    });
  }
  Measured measured;
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < kIoThreads; ++i) {
      asio::io_context& io = *contexts[i % contexts.size()];
      threads.emplace_back([&io] { io.run(); });
    }
    measured = pgkit::bench::count_queries(counters, stop, kWarmup, seconds);
  }  // every coroutine ends its current query and returns; io.run() returns; joined
  if (error) std::rethrow_exception(error);
  return measured;
}

// ---------------------------------------------------------------------------------------------
// The Node.js clients: one `node SCRIPT` process per run.

struct NodeTools {
  fs::path node;
  fs::path dir;  // holds the scripts and node_modules
};

// node found (or installed) and the scripts' packages installed (npm install when node_modules
// lacks them), before the server starts.
NodeTools prepare_node(const fs::path& dir) {
  if (!fs::exists(dir / "package.json"))
    throw std::runtime_error(
        fmt::format("no package.json in {}: pass --node-dir with bench/peers/node of the pgkit "
                    "source tree",
                    dir.string()));
  NodeTools tools{pgkit::bench::require_program("node", {"nodejs", "npm"}), fs::absolute(dir)};
  if (!pgkit::bench::has_node_packages(tools.dir, {"pg", "postgres"})) pgkit::bench::npm_install(tools.dir);
  return tools;
}

// The value after "key=" in line, as a number.
double field(const std::string& line, const std::string& key) {
  const std::size_t at = line.find(" " + key + "=");
  if (at == std::string::npos) throw std::runtime_error(fmt::format("no {}= in '{}'", key, line));
  return std::stod(line.substr(at + key.size() + 2));
}

Measured node_select(const NodeTools& tools, const std::string& script, const std::string& url, int clients,
                     int seconds, int scale) {
  std::vector<std::string> argv{tools.node.string(),
                                script,
                                "--clients",
                                std::to_string(clients),
                                "--pool",
                                std::to_string(std::min(clients, kPoolCap)),
                                "--seconds",
                                std::to_string(seconds),
                                "--scale",
                                std::to_string(scale)};
  std::vector<std::string> env{"PGKIT_BENCH_URL=" + url, "PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C",
                               "NODE_ENV=production"};
  auto run = pgkit::bench::run_captured(argv, env, tools.dir);
  // The result is the last line that has "tps=" (npm or node may warn before it).
  const std::size_t at = run.output.rfind(" tps=");
  if (run.status != 0 || at == std::string::npos)
    throw std::runtime_error(
        fmt::format("`{}` failed (exit {}):\n{}", pgkit::bench::joined(argv), run.status, run.output));
  const std::size_t begin = run.output.rfind('\n', at);
  const std::string line = run.output.substr(begin == std::string::npos ? 0 : begin + 1);
  // CPU per query over every query the process ran: its CPU time includes the warm-up.
  return pgkit::bench::per_query(field(line, "tps"), field(line, "total"), run.cost);
}

// ---------------------------------------------------------------------------------------------

struct Row {
  int clients = 0;
  std::array<std::vector<Measured>, kClients> runs;
  double tps(Client c) const {
    std::vector<double> v;
    for (const Measured& m : runs[c]) v.push_back(m.tps);
    return pgkit::bench::median(v);
  }
  double cpu(Client c) const {
    std::vector<double> v;
    for (const Measured& m : runs[c]) v.push_back(m.cpu_us_per_query);
    return pgkit::bench::median(v);
  }
  double switches(Client c) const {
    std::vector<double> v;
    for (const Measured& m : runs[c]) v.push_back(m.switches_per_query);
    return pgkit::bench::median(v);
  }
};

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

void print_results(const Options& o, const std::vector<Row>& rows) {
  std::cout << fmt::format(
      "\n{} s per run, {} round(s){}, scale {}, pgbench -j {}, pgkit/Node pools of min(C, {}), "
      "pgkit on {} io threads{}, pipelines of {}\n",
      o.seconds, o.rounds, o.rounds > 1 ? " (medians)" : "", o.scale, o.pgbench_jobs, kPoolCap, kIoThreads,
      o.io_per_thread ? " (an io_context each)" : " (one io_context)", kBatch);
  std::cout << fmt::format("{:>3} | {:>9} | {:>9} | {:>9} | {:>9} | {:>9} | {:>8} | {:>8} | {:>8} | {:>8}\n", "C",
                           "pgbench", "async", "pipelined", "node-pg", "pg.js", "async/pb", "pipe/pb", "async/np",
                           "async/pj");
  for (const Row& r : rows) {
    std::cout << fmt::format(
        "{:>3} | {:>9.0f} | {:>9.0f} | {:>9.0f} | {:>9.0f} | {:>9.0f} | {:>8.3f} | {:>8.3f} | "
        "{:>8.3f} | {:>8.3f}\n",
        r.clients, r.tps(pgbench), r.tps(pgkit_async), r.tps(pgkit_pipelined), r.tps(node_postgres), r.tps(postgres_js),
        ratio(r.tps(pgkit_async), r.tps(pgbench)), ratio(r.tps(pgkit_pipelined), r.tps(pgbench)),
        ratio(r.tps(pgkit_async), r.tps(node_postgres)), ratio(r.tps(pgkit_async), r.tps(postgres_js)));
  }
  std::cout << "\nclient CPU µs per query (context switches per query), same order\n";
  for (const Row& r : rows) {
    std::string line = fmt::format("{:>3}", r.clients);
    for (int c = 0; c < pgkit_held; ++c)
      line += fmt::format(" | {:>6.1f} ({:.2f})", r.cpu(Client(c)), r.switches(Client(c)));
    std::cout << line << "\n";
  }

  if (o.run[pgkit_held]) {
    std::cout << fmt::format("\nexperiment: pgkit async with each coroutine holding one connection (C <= {})\n",
                             kPoolCap);
    std::cout << fmt::format("{:>3} | {:>9} | {:>9} | {:>10} | {:>21} | {:>17}\n", "C", "async", "held", "held/async",
                             "CPU µs/query (a / h)", "switches (a / h)");
    for (const Row& r : rows) {
      if (r.runs[pgkit_held].empty()) continue;
      std::cout << fmt::format("{:>3} | {:>9.0f} | {:>9.0f} | {:>10.3f} | {:>9.1f} / {:>9.1f} | {:>7.2f} / {:>7.2f}\n",
                               r.clients, r.tps(pgkit_async), r.tps(pgkit_held),
                               ratio(r.tps(pgkit_held), r.tps(pgkit_async)), r.cpu(pgkit_async), r.cpu(pgkit_held),
                               r.switches(pgkit_async), r.switches(pgkit_held));
    }
  }

  auto verdict = [](const char* target, const std::vector<int>& missed) {
    std::string where;
    for (int c : missed) where += (where.empty() ? "" : ", ") + std::to_string(c);
    std::cout << "target " << target << (missed.empty() ? ": met" : ": missed at C = " + where) << "\n";
  };
  std::vector<int> below_pgbench, below_node, below_pipeline;
  for (const Row& r : rows) {
    if (r.tps(pgkit_async) < r.tps(pgbench)) below_pgbench.push_back(r.clients);
    if (r.tps(pgkit_async) < 3 * r.tps(node_postgres)) below_node.push_back(r.clients);
    if (r.clients == 8 && r.tps(pgkit_pipelined) < 1.5 * r.tps(pgbench)) below_pipeline.push_back(r.clients);
  }
  std::cout << "\n";
  if (o.run[pgkit_async] && o.run[pgbench]) verdict("pgkit async >= pgbench at every C", below_pgbench);
  if (o.run[pgkit_async] && o.run[node_postgres]) verdict("pgkit async >= 3 x node-postgres", below_node);
  if (o.run[pgkit_pipelined] && o.run[pgbench] && std::find(o.clients.begin(), o.clients.end(), 8) != o.clients.end())
    verdict("pgkit pipelined >= 1.5 x pgbench at C = 8", below_pipeline);
}

int run(const Options& o) {
  // Before the server: nothing to clean up if it fails.
  const NodeTools node = o.run[node_postgres] || o.run[postgres_js] ? prepare_node(o.node_dir) : NodeTools{};
  pgkit::bench::ThrowawayServer server(pgkit::bench::kPointSelectServer);
  pgkit::LocalCluster& pg = server.cluster();
  const pgkit::Config config = pgkit::bench::prepare_point_select(server, o.scale, "pgkit-async-bench");

  auto measure = [&](Client c, int clients) -> Measured {
    switch (c) {
      case pgbench: return pgkit::bench::pgbench_select(pg, clients, o.pgbench_jobs, o.seconds);
      case pgkit_async: return pgkit_select(config, clients, o.seconds, o.scale, Mode::query, o.io_per_thread);
      case pgkit_pipelined: return pgkit_select(config, clients, o.seconds, o.scale, Mode::pipelined, o.io_per_thread);
      case pgkit_held: return pgkit_select(config, clients, o.seconds, o.scale, Mode::held, o.io_per_thread);
      case node_postgres: return node_select(node, "node_postgres.js", pg.url(), clients, o.seconds, o.scale);
      case postgres_js: return node_select(node, "postgres_js.js", pg.url(), clients, o.seconds, o.scale);
      case kClients: break;
    }
    throw std::logic_error("unknown client");
  };

  std::vector<Row> rows;
  for (int c : o.clients) rows.push_back({.clients = c});
  int turn = 0;
  for (int round = 1; round <= o.rounds; ++round) {
    for (Row& row : rows) {
      std::vector<Client> order;
      for (int c = 0; c < kClients; ++c)
        if (o.run[c] && !(c == pgkit_held && row.clients > kPoolCap)) order.push_back(static_cast<Client>(c));
      if (order.empty()) continue;
      const std::size_t first = static_cast<std::size_t>(turn++) % order.size();  // who starts rotates
      for (std::size_t k = 0; k < order.size(); ++k) {
        const Client c = order[(first + k) % order.size()];
        Measured m = measure(c, row.clients);
        row.runs[c].push_back(m);
        std::cerr << fmt::format("round {} C={:<3} {:<15} {:>9.0f} tps  {:5.1f} µs CPU/query  {:4.2f} switches/query\n",
                                 round, row.clients, kNames[c], m.tps, m.cpu_us_per_query, m.switches_per_query);
      }
    }
  }
  print_results(o, rows);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return pgkit::bench::run_main<Options>(
      argc, argv, "pgkit_async_bench",
      "asynchronous pgkit against pgbench -S -M prepared, node-postgres and postgres.js", declare_options, run);
}
