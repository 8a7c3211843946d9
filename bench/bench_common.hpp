#pragma once
// What the benchmark programs share besides the server (throwaway_server.hpp): running a client
// program (pgbench, node, npm) as a child with its CPU cost measured, pgbench's point-select run
// and its parsing, loading pgbench's tables, counting pgkit's queries, and medians. The command
// line and main() are in bench_cli.hpp, finding and installing programs in bench_tools.hpp.
//
// Header-only, for bench/ only.

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "pgkit/config.hpp"
#include "pgkit/local_cluster.hpp"
#include "throwaway_server.hpp"

namespace pgkit::bench {

inline constexpr const char* kPointSelect = "SELECT abalance FROM pgbench_accounts WHERE aid = $1";
inline constexpr int kAccountsPerScale = 100'000;  // pgbench: scale 10 = 1,000,000 accounts

// What a client spent: CPU seconds (user + system) and context switches (voluntary: it slept
// waiting for the server; involuntary: preempted).
struct ClientCost {
  double cpu = 0;  ///< user + system
  double switches = 0;
  double user = 0;  ///< user only: without the kernel's part (sending over loopback also runs the receiver's side)
};

inline ClientCost cost_of(const rusage& u) {
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return {s(u.ru_utime) + s(u.ru_stime), static_cast<double>(u.ru_nvcsw + u.ru_nivcsw), s(u.ru_utime)};
}

/// Every thread of this process, ended ones included.
inline ClientCost process_cost() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return cost_of(u);
}

/// One measurement of one client: throughput and what the client paid per query.
struct Measured {
  double tps = 0;
  double cpu_us_per_query = 0;    // client side
  double switches_per_query = 0;  // client side
};

inline Measured per_query(double tps, double queries, ClientCost cost) {
  if (queries <= 0) return {tps};
  return {tps, cost.cpu / queries * 1e6, cost.switches / queries};
}

inline double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// --- pgkit's side: queries counted by worker threads or coroutines ---------------------------

/// One worker's count, on a cache line of its own: counting must not make workers contend.
struct alignas(64) Counter {
  std::atomic<std::uint64_t> done{0};
};

inline std::atomic<std::int64_t> g_sink{0};  // keeps the fetched values alive to the optimiser

/// Sleeps for d, or less once stop is set (a worker failed).
inline void sleep_unless(const std::atomic<bool>& stop, std::chrono::steady_clock::duration d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!stop.load() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

/// With the workers running: warmup, then `seconds` counted — the queries per second their
/// counters gained, and this process's CPU and context switches per query. Sets stop at the
/// end, so that the workers return.
inline Measured count_queries(const std::vector<Counter>& counters, std::atomic<bool>& stop,
                              std::chrono::steady_clock::duration warmup, int seconds) {
  auto total = [&] {
    std::uint64_t n = 0;
    for (const auto& c : counters) n += c.done.load(std::memory_order_relaxed);
    return n;
  };
  sleep_unless(stop, warmup);
  const std::uint64_t before = total();
  const ClientCost cost_before = process_cost();
  const auto t0 = std::chrono::steady_clock::now();
  sleep_unless(stop, std::chrono::seconds(seconds));
  const std::uint64_t after = total();
  const ClientCost cost_after = process_cost();
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - t0;
  stop = true;
  const double queries = static_cast<double>(after - before);
  return per_query(queries / elapsed.count(), queries,
                   {cost_after.cpu - cost_before.cpu, cost_after.switches - cost_before.switches});
}

// --- child processes -------------------------------------------------------------------------

struct ToolRun {
  int status = 0;      // exit code, or 128 + signal
  std::string output;  // stdout and stderr together
  ClientCost cost;     // the child's, from wait4
};

/// The current environment as "NAME=value" strings (for tools that need the caller's PATH,
/// HOME and proxy settings, such as npm and apt-get).
/// (environ is declared by <unistd.h>: g++ defines _GNU_SOURCE.)
inline std::vector<std::string> inherited_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return env;
}

/// Runs argv[0] (a path) with exactly env, in cwd when given, and waits; output captured.
/// argv or envp for exec: pointers into strings (which must outlive them), null-terminated.
inline std::vector<char*> exec_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

/// The child is killed if the benchmark is interrupted (g_running_child).
inline ToolRun run_captured(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                            const std::filesystem::path& cwd = {}) {
  // Everything the child needs is made before fork: after it, only async-signal-safe calls.
  std::vector<char*> args = exec_strings(argv), envp = exec_strings(env);
  const std::string dir = cwd.string();
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  const pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    sigset_t none;  // the benchmark blocks SIGINT for its signal thread; children must not inherit that
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(fds[1], 1);  // dup2 clears O_CLOEXEC on the copies
    dup2(fds[1], 2);
    if (!dir.empty() && chdir(dir.c_str()) != 0) _exit(126);
    execve(args[0], args.data(), envp.data());
    const char msg[] = "pgkit bench: cannot execute the program\n";
    [[maybe_unused]] auto n = write(2, msg, sizeof msg - 1);
    _exit(127);
  }
  g_running_child = pid;
  ::close(fds[1]);
  ToolRun run;
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n > 0)
      run.output.append(buffer, static_cast<std::size_t>(n));
    else if (n == 0 || errno != EINTR)
      break;
  }
  ::close(fds[0]);
  int status = 0;
  rusage usage{};
  while (wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {}
  g_running_child = 0;
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.cost = cost_of(usage);
  return run;
}

/// "a b c", for messages.
inline std::string joined(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) out += (out.empty() ? "" : " ") + a;
  return out;
}

/// The program name found in PATH (or /usr/local/bin, /usr/bin, /bin), or an empty path.
inline std::filesystem::path find_program(const std::string& name) {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/local/bin:/usr/bin:/bin";
  for (std::size_t at = 0; at <= path.size();) {
    std::size_t colon = std::min(path.find(':', at), path.size());
    std::filesystem::path candidate = std::filesystem::path(path.substr(at, colon - at)) / name;
    if (colon > at && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    at = colon + 1;
  }
  return {};
}

// --- pgbench ---------------------------------------------------------------------------------
// Run as the current user (it is a client: root may run it) with the connection in PG*
// variables, so the password is in no command line.

inline std::vector<std::string> pg_environment(const LocalCluster& server) {
  return {"PGHOST=127.0.0.1",
          "PGPORT=" + std::to_string(server.port()),
          "PGUSER=" + server.user(),
          "PGPASSWORD=" + server.password(),
          "PGDATABASE=postgres",
          "LC_ALL=C",  // "tps = 1234.5": a decimal point, whatever the caller's locale
          "PATH=/usr/bin:/bin"};
}

/// pgbench with args; @throws std::runtime_error with its output when it fails.
inline ToolRun pgbench(const LocalCluster& server, std::vector<std::string> args) {
  args.insert(args.begin(), (LocalCluster::bin_dir() / "pgbench").string());
  ToolRun run = run_captured(args, pg_environment(server));
  if (run.status != 0)
    throw std::runtime_error(fmt::format("`{}` failed (exit {}):\n{}", joined(args), run.status, run.output));
  return run;
}

/// `pgbench -S -M prepared -c clients -j jobs -T seconds -n`: its "tps = … (without initial
/// connection time)", and its CPU per transaction processed.
inline Measured pgbench_select(const LocalCluster& server, int clients, int jobs, int seconds) {
  ToolRun run = pgbench(server, {"-S", "-M", "prepared", "-c", std::to_string(clients), "-j", std::to_string(jobs),
                                 "-T", std::to_string(seconds), "-n"});
  const std::string marker = " (without initial connection time)";
  const std::size_t end = run.output.find(marker);
  const std::size_t start = end == std::string::npos ? end : run.output.rfind("tps = ", end);
  if (start == std::string::npos) throw std::runtime_error("no tps line in pgbench's output:\n" + run.output);
  const double tps = std::stod(run.output.substr(start + 6, end - start - 6));
  double queries = tps * seconds;
  if (auto at = run.output.find("number of transactions actually processed: "); at != std::string::npos)
    queries = std::stod(run.output.substr(at + 43));
  return per_query(tps, queries, run.cost);
}

/// `pgbench -i -s scale`, then both tables' pages prewarmed, so that whichever client runs first
/// does not pay for reading them in.
inline void prepare_pgbench_data(ThrowawayServer& server, int scale) {
  fmt::print(stderr, "pgbench -i -s {} …\n", scale);
  pgbench(server.cluster(), {"-i", "-s", std::to_string(scale), "-q"});
  server.cluster().sql("CREATE EXTENSION IF NOT EXISTS pg_prewarm");
  server.cluster().sql("SELECT pg_prewarm('pgbench_accounts') + pg_prewarm('pgbench_accounts_pkey')");
}

/// The point-select benchmarks' server settings: room for kMaxClients clients, pgbench's
/// tables in memory.
inline const std::map<std::string, std::string> kPointSelectServer{
    {"max_connections", "200"}, {"shared_buffers", "256MB"}, {"fsync", "off"}};

/// pgbench's tables at scale on server (which is said on stderr), and the configuration pgkit
/// connects to it with, as application_name.
inline Config prepare_point_select(ThrowawayServer& server, int scale, const std::string& application_name) {
  LocalCluster& pg = server.cluster();
  fmt::print(stderr, "server: {} on 127.0.0.1:{} in {}\n", pg.sql("SHOW server_version")[0], pg.port(),
             server.root().string());
  prepare_pgbench_data(server, scale);
  LoadedConfig loaded = parse_url(pg.url() + "?application_name=" + application_name);
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  return loaded.config;
}

}  // namespace pgkit::bench
