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
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage(fmt::format("{} needs a value", arg));
      return argv[++i];
    };
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

// What a client spent: CPU seconds (user + system) and context switches (voluntary: it slept
// waiting for the server; involuntary: preempted).
struct ClientCost {
  double cpu = 0;
  double switches = 0;
};

ClientCost cost_of(const rusage& u) {
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return {s(u.ru_utime) + s(u.ru_stime), static_cast<double>(u.ru_nvcsw + u.ru_nivcsw)};
}

ClientCost process_cost() {  // every thread of this process, ended ones included
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return cost_of(u);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ---------------------------------------------------------------------------------------------
// pgbench, run as the current user (it is a client: root may run it) with the connection in
// PG* variables, so the password is in no command line.

struct ToolRun {
  int status = 0;      // exit code, or 128 + signal
  std::string output;  // stdout and stderr together
  ClientCost cost;
};

ToolRun run_captured(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  // Everything the child needs is made before fork: after it, only async-signal-safe calls.
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  args.push_back(nullptr);
  envp.push_back(nullptr);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  const pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    sigset_t none;  // the benchmark blocks SIGINT for its signal thread; pgbench must not inherit that
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(fds[1], 1);  // dup2 clears O_CLOEXEC on the copies
    dup2(fds[1], 2);
    execve(args[0], args.data(), envp.data());
    const char msg[] = "pgkit_pool_bench: cannot execute pgbench\n";
    [[maybe_unused]] auto n = write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  pgkit::bench::g_running_child = pid;
  ::close(fds[1]);
  ToolRun run;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n > 0) run.output.append(buffer, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR) break;
  }
  ::close(fds[0]);
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {}
  pgkit::bench::g_running_child = 0;
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.cost = cost_of(usage);
  return run;
}

std::vector<std::string> pg_environment(const pgkit::LocalCluster& server) {
  return {"PGHOST=127.0.0.1",
          "PGPORT=" + std::to_string(server.port()),
          "PGUSER=" + server.user(),
          "PGPASSWORD=" + server.password(),
          "PGDATABASE=postgres",
          "LC_ALL=C",  // "tps = 1234.5": a decimal point, whatever the caller's locale
          "PATH=/usr/bin:/bin"};
}

ToolRun pgbench(const pgkit::LocalCluster& server, std::vector<std::string> args) {
  args.insert(args.begin(), (pgkit::LocalCluster::bin_dir() / "pgbench").string());
  ToolRun run = run_captured(args, pg_environment(server));
  if (run.status != 0) {
    std::string command;
    for (const auto& a : args) command += (command.empty() ? "" : " ") + a;
    throw std::runtime_error(fmt::format("`{}` failed (exit {}):\n{}", command, run.status, run.output));
  }
  return run;
}

struct Measured {
  double tps = 0;
  double cpu_us_per_query = 0;       // client side
  double switches_per_query = 0;     // client side
};

Measured per_query(double tps, double queries, ClientCost cost) {
  if (queries <= 0) return {tps};
  return {tps, cost.cpu / queries * 1e6, cost.switches / queries};
}

Measured pgbench_select(const pgkit::LocalCluster& server, int clients, int jobs, int seconds) {
  ToolRun run = pgbench(server, {"-S", "-M", "prepared", "-c", std::to_string(clients), "-j",
                                 std::to_string(jobs), "-T", std::to_string(seconds), "-n"});
  // "tps = 12345.678901 (without initial connection time)"
  const std::string marker = " (without initial connection time)";
  const std::size_t end = run.output.find(marker);
  const std::size_t start = end == std::string::npos ? end : run.output.rfind("tps = ", end);
  if (start == std::string::npos) throw std::runtime_error("no tps line in pgbench's output:\n" + run.output);
  const double tps = std::stod(run.output.substr(start + 6, end - start - 6));
  // pgbench reports how many transactions it processed: CPU per query from that, not from tps.
  double queries = tps * seconds;
  if (auto at = run.output.find("number of transactions actually processed: "); at != std::string::npos)
    queries = std::stod(run.output.substr(at + 43));
  return per_query(tps, queries, run.cost);
}

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

void prepare_data(pgkit::bench::ThrowawayServer& server, int scale) {
  std::cerr << fmt::format("pgbench -i -s {} …\n", scale);
  pgbench(server.cluster(), {"-i", "-s", std::to_string(scale), "-q"});
  // Both sides start with the tables in shared_buffers, not the first run only to read them in.
  server.cluster().sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
  server.cluster().sql("SELECT pg_prewarm('pgbench_accounts') + pg_prewarm('pgbench_accounts_pkey')");
}

int run(const Options& o) {
  pgkit::bench::ThrowawayServer server(
      {{"max_connections", "200"}, {"shared_buffers", "256MB"}, {"fsync", "off"}});
  pgkit::LocalCluster& pg = server.cluster();
  std::cerr << fmt::format("server: {} on 127.0.0.1:{} in {}\n", pg.sql("SHOW server_version")[0], pg.port(),
                           server.root().string());
  prepare_data(server, o.scale);

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
  const Options options = parse_options(argc, argv);
  try {
    return run(options);  // the server is gone by the time run returns or throws
  } catch (const std::exception& e) {
    std::cerr << "pgkit_pool_bench: " << e.what() << "\n";
    return 1;
  }
}
