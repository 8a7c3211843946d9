// pgkit_server_bench: pgkit-server against an Express + node-postgres server of the same three
// routes, driven by wrk on one throwaway PostgreSQL with the same data (issue 5).
//
//   pgkit_server_bench [--seconds 10] [--connections 64] [--rounds 1] [--warmup 2] [--only pgkit|express]
//                      [--wrk-threads 2] [--pool 32] [--server-threads N] [--pgkit PATH]
//                      [--pgkit-server PATH] [--express-dir DIR] [--migrations-dir DIR]
//
// Method (docs/performance.md has the figures):
//   - wrk (Debian's; apt-get installs it when missing) and Node with the pinned packages of
//     bench/peers/express (npm install when node_modules lacks them) are made ready before
//     anything starts;
//   - one server (LocalCluster in a fresh /tmp directory, fsync off), the schema from the
//     project's migrations applied by `pgkit migrate up --dir <source>/prisma/migrations`, then seeded
//     with parameterized SQL through pgkit::Pool: one user, one session whose access token T is
//     a random 43-character base64url string stored as its SHA-256 hex, and 1,000 published
//     posts (plus 5 unpublished ones among them);
//   - pgkit-server (`--port N`, beside this program) and `node server.js` (bench/peers/express;
//     Express 4, a pg Pool of 32, one process) both run in the throwaway directory (no stray
//     .env) with DATABASE_URL only in their environment, and must answer GET /api/health with
//     200, GET /api/users/me with the seeded user and GET /api/posts?limit=20 with 20 posts
//     before anything is timed; both get the same pool size (DB_POOL_MAX / PG_POOL_MAX);
//   - per route, each server: a --warmup run of wrk (not counted), then
//     `wrk -t2 -c64 -d10s --latency -H 'Authorization: Bearer T' URL`; which server goes first
//     alternates with each route and each round; with --rounds N each figure is a median;
//   - during each counted run the CPU time of the server process (all its threads), of the
//     PostgreSQL processes and of wrk is sampled from /proc, to say where the time goes;
//   - any non-2xx answer in a counted run fails the benchmark: an error page is not a result.
//
// Both servers are stopped at the end (SIGTERM, then SIGKILL after 5 s), and killed by the
// kernel if this program dies (PR_SET_PDEATHSIG); the PostgreSQL server is removed.

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "bench_cli.hpp"
#include "bench_common.hpp"
#include "bench_tools.hpp"
#include "service.hpp"
#include "pgkit/pgkit.hpp"
#include "throwaway_server.hpp"

#ifndef PGKIT_BENCH_EXPRESS_DIR
#define PGKIT_BENCH_EXPRESS_DIR "bench/peers/express"
#endif
#ifndef PGKIT_BENCH_MIGRATIONS_DIR
#define PGKIT_BENCH_MIGRATIONS_DIR "migrations"
#endif

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using pgkit::bench::ToolRun;

constexpr const char* kProgram = "pgkit_server_bench";
constexpr int kPublishedPosts = 1000;
constexpr int kUnpublishedPosts = 5;
constexpr const char* kEmail = "bench@example.com";
constexpr auto kReadyTimeout = 30s;

enum Server { kPgkit, kExpress, kServers };
constexpr std::array<const char*, kServers> kServerNames{"pgkit", "express"};

struct Route {
  const char* name;    // as printed
  const char* target;  // request target
};
constexpr std::array<Route, 3> kRoutes{{{"GET /api/health", "/api/health"},
                                        {"GET /api/users/me", "/api/users/me"},
                                        {"GET /api/posts?limit=20", "/api/posts?limit=20"}}};

struct Options {
  int seconds = 10;
  int connections = 64;
  int rounds = 1;
  int warmup = 2;          // seconds of wrk before each counted run; 0: none
  int wrk_threads = 2;     // wrk's -t
  int pool = 32;           // both servers' pool max
  int server_threads = 0;  // pgkit-server --threads; 0: not passed (its default, the cores)
  std::array<bool, kServers> run{true, true};
  fs::path pgkit;         // empty: beside this program
  fs::path pgkit_server;  // empty: beside this program
  fs::path express_dir = PGKIT_BENCH_EXPRESS_DIR;
  fs::path migrations_dir = PGKIT_BENCH_MIGRATIONS_DIR;
};

void declare_options(CLI::App& cli, Options& o) {
  cli.add_option("--seconds", o.seconds, "seconds of each counted wrk run")->check(CLI::Range(1, 3600));
  cli.add_option("--connections", o.connections, "wrk -c: its connections")->check(CLI::Range(1, 10'000));
  cli.add_option("--rounds", o.rounds, "rounds; a figure is their median")->check(CLI::Range(1, 100));
  cli.add_option("--warmup", o.warmup, "seconds of wrk before each counted run; 0: none")->check(CLI::Range(0, 600));
  cli.add_option("--wrk-threads", o.wrk_threads, "wrk -t: its threads")->check(CLI::Range(1, 64));
  cli.add_option("--pool", o.pool, "both servers' pool max")->check(CLI::Range(1, 100));
  cli.add_option("--server-threads", o.server_threads, "pgkit-server --threads (default: its own, the cores)")
      ->check(CLI::Range(1, 256));
  cli.add_option("--pgkit", o.pgkit, "the pgkit program (default: beside this one)");
  cli.add_option("--pgkit-server", o.pgkit_server, "the pgkit-server program (default: beside this one)");
  cli.add_option("--express-dir", o.express_dir, "the Express peer: server.js (bench/peers/express)");
  cli.add_option("--migrations-dir", o.migrations_dir,
                 "the schema's migrations (the source tree's prisma/migrations/)");
  cli.add_option_function<std::string>(
         "--only",
         [&o](const std::string& name) {
           o.run = {name == "pgkit", name == "express"};
         },
         "run only this server")
      ->check(CLI::IsMember({"pgkit", "express"}));
  cli.callback([&o] {
    if (o.connections < o.wrk_threads)
      throw CLI::ValidationError("--connections", "must be at least --wrk-threads (wrk's rule)");
  });
}

// ---------------------------------------------------------------------------------------------
// The tools: wrk, node and the Express peer's packages, the pgkit programs.

struct Tools {
  fs::path wrk, node, pgkit, pgkit_server, express_dir, migrations_dir;
};

// Everything found or installed before the PostgreSQL server starts: nothing to clean up if it fails.
Tools prepare_tools(const Options& o) {
  Tools t;
  t.wrk = pgkit::bench::require_program("wrk", {"wrk"});
  t.pgkit = pgkit::bench::built_program(o.pgkit, "pgkit", "pgkit-cli");
  if (o.run[kPgkit]) t.pgkit_server = pgkit::bench::built_program(o.pgkit_server, "pgkit-server", "pgkit-server");
  t.migrations_dir = fs::absolute(o.migrations_dir);
  if (!fs::is_directory(t.migrations_dir))
    throw std::runtime_error(
        fmt::format("no migrations directory {}: pass --migrations-dir with the pgkit source "
                    "tree's prisma/migrations/",
                    t.migrations_dir.string()));
  if (!o.run[kExpress]) return t;
  t.express_dir = fs::absolute(o.express_dir);
  if (!fs::exists(t.express_dir / "server.js"))
    throw std::runtime_error(
        fmt::format("no server.js in {}: pass --express-dir with bench/peers/express of the pgkit "
                    "source tree",
                    t.express_dir.string()));
  t.node = pgkit::bench::require_program("node", {"nodejs", "npm"});
  if (!pgkit::bench::has_node_packages(t.express_dir, {"express", "pg"})) pgkit::bench::npm_install(t.express_dir);
  return t;
}

// ---------------------------------------------------------------------------------------------
// The data.

// 32 random bytes in base64url without padding: 43 characters, like the server's tokens.
std::string random_token() {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device rd;
  std::array<unsigned char, 33> bytes{};  // 33 = 44 characters; the last one is dropped
  for (auto& b : bytes) b = static_cast<unsigned char>(rd());
  bytes[32] = 0;
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const unsigned v = bytes[i] << 16 | bytes[i + 1] << 8 | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  out.resize(43);  // 256 bits: 42 full characters and 4 bits of the 43rd
  return out;
}

constexpr const char* kContent =
    "A post of ordinary length for the benchmark: a paragraph or two of text, about what a blog or "
    "a forum shows in a list, so that the page of twenty carries some weight over the wire. The "
    "same text in every post; the database does not care and neither does JSON.";

// One user, one live session for it, 1,000 published posts and a few unpublished ones; returns
// the session's access token.
std::string seed(const pgkit::Config& config) {
  pgkit::Pool pool(config);
  const std::string access = random_token(), refresh = random_token();
  pool.transaction([&](pgkit::Transaction& tx) {
    const std::string user = tx.query("INSERT INTO users (email, role) VALUES ($1, 'USER') RETURNING id::text", kEmail)
                                 .scalar<std::string>();
    // The tokens' text as UTF-8 bytes is what `T::bytea` gives for base64url.
    tx.query(
        "INSERT INTO sessions (user_id, access_token_hash, refresh_token_hash, access_expires_at, expires_at) "
        "VALUES ($1, encode(sha256(convert_to($2, 'UTF8')), 'hex'), encode(sha256(convert_to($3, 'UTF8')), 'hex'), "
        "now() + interval '1 day', now() + interval '30 days')",
        user, access, refresh);
    // A distinct created_at per post (one second apart, newest first); every 200th from the 7th
    // is unpublished, so the list's index scan has some to skip.
    tx.query(
        "INSERT INTO posts (title, content, published, author_id, created_at, updated_at) "
        "SELECT 'Post ' || i, $1, i % 200 <> 7, $2, now() - make_interval(secs => i), "
        "now() - make_interval(secs => i) FROM generate_series(1, $3::int) AS i",
        kContent, user, kPublishedPosts + kUnpublishedPosts);
  });
  const auto published = pool.query("SELECT count(*) FROM posts WHERE published").scalar<std::int64_t>();
  if (published != kPublishedPosts)
    throw std::runtime_error(fmt::format("seeding made {} published posts, expected {}", published, kPublishedPosts));
  pool.query("ANALYZE users, sessions, posts");
  return access;
}

// The servers under test: service.hpp's Service, with their output in a log file.
using pgkit::bench::free_port;
using pgkit::bench::HttpReply;
using pgkit::bench::http_get;
using pgkit::bench::Service;

// Polls GET /api/health until 200. @throws with the server's log when it ends or times out.
void wait_ready(Service& s, int port) {
  const auto until = std::chrono::steady_clock::now() + kReadyTimeout;
  for (;;) {
    if (auto r = http_get(port, "/api/health"); r && r->status == 200) return;
    if (s.ended())
      throw std::runtime_error(fmt::format("{} ended before it was ready; its output:\n{}", s.name(), s.log_tail()));
    if (std::chrono::steady_clock::now() > until)
      throw std::runtime_error(fmt::format("{} did not answer GET /api/health with 200 within {} s; its output:\n{}",
                                           s.name(), kReadyTimeout.count(), s.log_tail()));
    std::this_thread::sleep_for(100ms);
  }
}

// The distinct JSON object keys of body, in order of first appearance ("status,timestamp,
// services,…"): the shape of an answer without its values, whatever the spacing.
std::string keys_of(const std::string& body) {
  std::vector<std::string> keys;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '"') continue;
    std::size_t close = i + 1;  // the string's closing quote
    while (close < body.size() && body[close] != '"') close += body[close] == '\\' ? 2 : 1;
    if (close >= body.size()) break;
    std::size_t next = close + 1;
    while (next < body.size() && std::isspace(static_cast<unsigned char>(body[next]))) ++next;
    if (next < body.size() && body[next] == ':') {
      std::string key = body.substr(i + 1, close - i - 1);
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
    }
    i = close;
  }
  return pgkit::bench::joined(keys);
}

std::size_t occurrences(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = text.find(what, at)) != std::string::npos; at += what.size()) ++n;
  return n;
}

// Fails unless the server answers the three routes as the benchmark expects (a 401 or an empty
// list would be measured just as fast); returns each route's key shape for the comparison.
std::array<std::string, kRoutes.size()> check_routes(const Service& s, int port, const std::string& token) {
  std::array<std::string, kRoutes.size()> shapes;
  auto get = [&](const std::string& target, const std::string& t) {
    auto r = http_get(port, target, t);
    if (!r) throw std::runtime_error(fmt::format("{}: GET {} got no HTTP answer", s.name(), target));
    return *r;
  };
  auto fail = [&](const std::string& what, const HttpReply& r) {
    throw std::runtime_error(fmt::format("{}: {}: got {} {}", s.name(), what, r.status, r.body.substr(0, 500)));
  };
  HttpReply health = get("/api/health", token);
  if (health.status != 200 || health.body.find("\"connected\"") == std::string::npos) fail("GET /api/health", health);
  HttpReply me = get("/api/users/me", token);
  if (me.status != 200 || me.body.find(kEmail) == std::string::npos) fail("GET /api/users/me with the token", me);
  if (HttpReply no = get("/api/users/me", ""); no.status != 401)
    fail("GET /api/users/me without a token, expected 401", no);
  HttpReply posts = get("/api/posts?limit=20", token);
  if (posts.status != 200 || occurrences(posts.body, "\"authorId\"") != 20 ||
      posts.body.find("\"nextCursor\":\"") == std::string::npos)
    fail("GET /api/posts?limit=20, expected 20 posts and a nextCursor", posts);
  shapes = {keys_of(health.body), keys_of(me.body), keys_of(posts.body)};
  return shapes;
}

// ---------------------------------------------------------------------------------------------
// CPU time from /proc, in seconds.

// Fields of /proc/<pid>/stat after the command name, which may hold spaces: [0] is the state
// (field 3), [1] the ppid, [11] utime, [12] stime.
std::vector<std::string> stat_fields(const std::string& pid) {
  std::ifstream in("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t close = text.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream rest(text.substr(close + 2));
  std::vector<std::string> fields;
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

double ticks_to_seconds(const std::vector<std::string>& f) {
  static const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return f.size() > 12 ? (std::stod(f[11]) + std::stod(f[12])) / hz : 0;
}

/// The process's CPU time, all its threads.
double process_cpu(pid_t pid) { return ticks_to_seconds(stat_fields(std::to_string(pid))); }

/// CPU time per process of the postmaster and its children (backends, checkpointer, …).
std::map<std::string, double> postgres_cpu(pid_t postmaster) {
  const std::string parent = std::to_string(postmaster);
  std::map<std::string, double> cpu{{parent, process_cpu(postmaster)}};
  if (DIR* d = ::opendir("/proc")) {
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
      auto f = stat_fields(e->d_name);
      if (f.size() > 12 && f[1] == parent) cpu[e->d_name] = ticks_to_seconds(f);
    }
    ::closedir(d);
  }
  return cpu;
}

/// What the PostgreSQL processes alive at `after` spent since `before` (a backend that started
/// meanwhile counts whole; one that ended meanwhile is lost: a pool closing an idle connection).
double postgres_cpu_between(const std::map<std::string, double>& before, const std::map<std::string, double>& after) {
  double total = 0;
  for (const auto& [pid, seconds] : after) {
    auto it = before.find(pid);
    total += seconds - (it == before.end() ? 0 : it->second);
  }
  return total;
}

/// Busy CPU time of the whole machine (every core: user, nice, system, irq, softirq) and steal.
struct MachineCpu {
  double busy = 0, steal = 0;
};
MachineCpu machine_cpu() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  static const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  return {(user + nice + system + irq + softirq) / hz, steal / hz};
}

// ---------------------------------------------------------------------------------------------
// wrk.

struct Measured {
  double rps = 0, p50_ms = 0, p99_ms = 0, requests = 0;
  // CPU seconds during the counted run.
  double server_cpu = 0, postgres_cpu = 0, wrk_cpu = 0, machine_busy = 0, steal = 0;
  std::string socket_errors;  // wrk's line, when it printed one
};

// "1.23ms", "456.00us", "1.02s" as milliseconds.
double latency_ms(const std::string& text) {
  std::size_t used = 0;
  const double v = std::stod(text, &used);
  const std::string unit = text.substr(used);
  if (unit == "us") return v / 1000;
  if (unit == "ms") return v;
  if (unit == "s") return v * 1000;
  if (unit == "m") return v * 60'000;
  throw std::runtime_error("unknown latency unit in wrk's output: " + text);
}

// The word after `marker` on its line in wrk's output. @throws naming the marker when absent.
std::string after(const std::string& output, const std::string& marker) {
  const std::size_t at = output.find(marker);
  if (at == std::string::npos) throw std::runtime_error(fmt::format("no '{}' in wrk's output:\n{}", marker, output));
  std::istringstream rest(output.substr(at + marker.size()));
  std::string word;
  rest >> word;
  return word;
}

Measured parse_wrk(const std::string& output) {
  Measured m;
  m.rps = std::stod(after(output, "Requests/sec:"));
  m.p50_ms = latency_ms(after(output, "\n     50%"));
  m.p99_ms = latency_ms(after(output, "\n     99%"));
  const std::size_t in = output.find(" requests in ");
  if (in == std::string::npos) throw std::runtime_error("no ' requests in ' in wrk's output:\n" + output);
  m.requests = std::stod(output.substr(output.rfind('\n', in) + 1));
  if (output.find("Non-2xx or 3xx responses:") != std::string::npos)
    throw std::runtime_error("the server answered with errors during the run (a failure, not a result):\n" + output);
  if (const std::size_t at = output.find("Socket errors:"); at != std::string::npos)
    m.socket_errors = output.substr(at, output.find('\n', at) - at);
  return m;
}

struct Target {
  Service* service;
  int port;
};

// One wrk run against target's route; the CPU figures are sampled around it when counted.
Measured run_wrk(const Tools& tools, const Options& o, const Target& t, const Route& route, const std::string& token,
                 int seconds, pid_t postmaster) {
  std::vector<std::string> argv{tools.wrk.string(),
                                "-t" + std::to_string(o.wrk_threads),
                                "-c" + std::to_string(o.connections),
                                "-d" + std::to_string(seconds) + "s",
                                "--latency",
                                "-H",
                                "Authorization: Bearer " + token,
                                fmt::format("http://127.0.0.1:{}{}", t.port, route.target)};
  const double server0 = process_cpu(t.service->pid());
  const auto pg0 = postgres_cpu(postmaster);
  const MachineCpu machine0 = machine_cpu();
  ToolRun run = pgkit::bench::run_captured(argv, {"PATH=/usr/bin:/bin", "LC_ALL=C"});
  const MachineCpu machine1 = machine_cpu();
  const double server1 = process_cpu(t.service->pid());
  const auto pg1 = postgres_cpu(postmaster);
  if (run.status != 0)
    throw std::runtime_error(
        fmt::format("wrk against {} failed (exit {}):\n{}", t.service->name(), run.status, run.output));
  if (t.service->ended())
    throw std::runtime_error(
        fmt::format("{} ended during the run; its output:\n{}", t.service->name(), t.service->log_tail()));
  Measured m = parse_wrk(run.output);
  m.server_cpu = server1 - server0;
  m.postgres_cpu = postgres_cpu_between(pg0, pg1);
  m.wrk_cpu = run.cost.cpu;
  m.machine_busy = machine1.busy - machine0.busy;
  m.steal = machine1.steal - machine0.steal;
  return m;
}

// ---------------------------------------------------------------------------------------------
// The table.

using Runs = std::array<std::array<std::vector<Measured>, kServers>, kRoutes.size()>;

double med(const std::vector<Measured>& runs, double Measured::*field) {
  std::vector<double> v;
  for (const Measured& m : runs) v.push_back(m.*field);
  return pgkit::bench::median(v);
}

// CPU µs per request of field, the median over the rounds.
double per_request_us(const std::vector<Measured>& runs, double Measured::*field) {
  std::vector<double> v;
  for (const Measured& m : runs) v.push_back(m.requests > 0 ? m.*field / m.requests * 1e6 : 0);
  return pgkit::bench::median(v);
}

void print_results(const Options& o, const Runs& runs) {
  std::cout << fmt::format(
      "\nwrk -t{} -c{} -d{}s --latency, {} s warm-up, {} round(s){}; pools of {}; pgkit-server "
      "--threads {}; {} cores\n\n",
      o.wrk_threads, o.connections, o.seconds, o.warmup, o.rounds, o.rounds > 1 ? " (medians)" : "", o.pool,
      o.server_threads ? std::to_string(o.server_threads) : "default", std::thread::hardware_concurrency());
  std::cout
      << "| route | pgkit req/s | express req/s | ratio | pgkit p50 / p99 ms | express p50 / p99 ms | p99 lower? |\n"
         "| --- | --: | --: | --: | --: | --: | --- |\n";
  std::vector<std::string> missed;
  const bool both = o.run[kPgkit] && o.run[kExpress];
  for (std::size_t r = 0; r < kRoutes.size(); ++r) {
    const auto& p = runs[r][kPgkit];
    const auto& e = runs[r][kExpress];
    const double ratio = both ? med(p, &Measured::rps) / med(e, &Measured::rps) : 0;
    const bool lower = both && med(p, &Measured::p99_ms) < med(e, &Measured::p99_ms);
    auto rps = [](const std::vector<Measured>& m) {
      return m.empty() ? "–" : fmt::format("{:.0f}", med(m, &Measured::rps));
    };
    auto latency = [](const std::vector<Measured>& m) {
      return m.empty() ? "–" : fmt::format("{:.2f} / {:.2f}", med(m, &Measured::p50_ms), med(m, &Measured::p99_ms));
    };
    std::cout << fmt::format("| `{}` | {} | {} | {} | {} | {} | {} |\n", kRoutes[r].name, rps(p), rps(e),
                             both ? fmt::format("{:.2f}", ratio) : "–", latency(p), latency(e),
                             both ? (lower ? "yes" : "**no**") : "–");
    if (both && ratio < 5) missed.push_back(fmt::format("{}: {:.2f}x requests/s", kRoutes[r].name, ratio));
    if (both && !lower) missed.push_back(fmt::format("{}: p99 not lower", kRoutes[r].name));
  }

  std::cout
      << "\nCPU µs per request during the counted runs: the server process (all threads), PostgreSQL (all its "
         "processes), wrk, the whole machine busy (and steal)\n\n"
         "| route | pgkit: server / postgres / wrk / machine (steal) | express: server / postgres / wrk / machine (steal) |\n"
         "| --- | --: | --: |\n";
  for (std::size_t r = 0; r < kRoutes.size(); ++r) {
    auto cell = [&](Server s) {
      const auto& m = runs[r][s];
      if (m.empty()) return std::string("–");
      return fmt::format("{:.1f} / {:.1f} / {:.1f} / {:.1f} ({:.1f})", per_request_us(m, &Measured::server_cpu),
                         per_request_us(m, &Measured::postgres_cpu), per_request_us(m, &Measured::wrk_cpu),
                         per_request_us(m, &Measured::machine_busy), per_request_us(m, &Measured::steal));
    };
    std::cout << fmt::format("| `{}` | {} | {} |\n", kRoutes[r].name, cell(kPgkit), cell(kExpress));
  }
  if (!both) return;
  std::string where;
  for (const auto& m : missed) where += (where.empty() ? "" : "; ") + m;
  std::cout << "\ntarget >= 5x Express's requests/s with a lower p99 on each route: "
            << (missed.empty() ? "met" : "missed (" + where + ")") << "\n";
}

// ---------------------------------------------------------------------------------------------

pid_t postmaster_pid(const fs::path& root) {
  std::ifstream in(root / "data/postmaster.pid");
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0)
    throw std::runtime_error("cannot read the postmaster's pid in " + (root / "data").string());
  return pid;
}

int run(const Options& o) {
  const Tools tools = prepare_tools(o);
  pgkit::bench::ThrowawayServer server({{"max_connections", "200"}, {"shared_buffers", "256MB"}, {"fsync", "off"}});
  pgkit::LocalCluster& pg = server.cluster();
  const std::string url = pg.url() + "?sslmode=disable";
  std::cerr << fmt::format("server: PostgreSQL {} on 127.0.0.1:{} in {}\n", pg.sql("SHOW server_version")[0], pg.port(),
                           server.root().string());

  // The schema, by the project's own migrations; DATABASE_URL in the environment only.
  std::vector<std::string> migrate{tools.pgkit.string(), "migrate", "up", "--dir", tools.migrations_dir.string()};
  ToolRun migrated =
      pgkit::bench::run_captured(migrate, {"DATABASE_URL=" + url, "PATH=/usr/bin:/bin", "LC_ALL=C"}, server.root());
  if (migrated.status != 0)
    throw std::runtime_error(
        fmt::format("`{}` failed (exit {}):\n{}", pgkit::bench::joined(migrate), migrated.status, migrated.output));
  pgkit::LoadedConfig loaded = pgkit::parse_url(url + "&application_name=pgkit-server-bench");
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  const std::string token = seed(loaded.config);
  std::cerr << fmt::format("seeded: {} ({}), 1 session, {} published posts + {} unpublished\n", kEmail, "USER",
                           kPublishedPosts, kUnpublishedPosts);

  // Declared after the PostgreSQL server, so they stop before it does.
  std::array<std::unique_ptr<Service>, kServers> services;
  std::array<int, kServers> ports{};
  const std::string pool = std::to_string(o.pool);
  if (o.run[kPgkit]) {
    ports[kPgkit] = free_port();
    std::vector<std::string> argv{tools.pgkit_server.string(), "--port", std::to_string(ports[kPgkit])};
    if (o.server_threads) argv.insert(argv.end(), {"--threads", std::to_string(o.server_threads)});
    services[kPgkit] =
        std::make_unique<Service>("pgkit-server", argv,
                                  std::vector<std::string>{"DATABASE_URL=" + url, "LOG_LEVEL=warn", "HOST=127.0.0.1",
                                                           "DB_POOL_MAX=" + pool, "PATH=/usr/bin:/bin", "LC_ALL=C"},
                                  server.root(), server.root() / "pgkit-server.log");
  }
  if (o.run[kExpress]) {
    ports[kExpress] = free_port();
    services[kExpress] = std::make_unique<Service>(
        "express", std::vector<std::string>{tools.node.string(), (tools.express_dir / "server.js").string()},
        std::vector<std::string>{"DATABASE_URL=" + url, "PORT=" + std::to_string(ports[kExpress]),
                                 "PG_POOL_MAX=" + pool, "NODE_ENV=production", "PATH=/usr/local/bin:/usr/bin:/bin",
                                 "LC_ALL=C"},
        server.root(), server.root() / "express.log");
  }
  std::array<std::array<std::string, kRoutes.size()>, kServers> shapes;
  for (int s = 0; s < kServers; ++s) {
    if (!services[s]) continue;
    wait_ready(*services[s], ports[s]);
    shapes[s] = check_routes(*services[s], ports[s], token);
    std::cerr << fmt::format("{} ready on 127.0.0.1:{} (pid {}), the three routes answer as expected\n",
                             services[s]->name(), ports[s], services[s]->pid());
  }
  if (o.run[kPgkit] && o.run[kExpress]) {
    for (std::size_t r = 0; r < kRoutes.size(); ++r)
      if (shapes[kPgkit][r] != shapes[kExpress][r])
        std::cerr << fmt::format("warning: {} answers differ in shape:\n  pgkit:   {}\n  express: {}\n",
                                 kRoutes[r].name, shapes[kPgkit][r], shapes[kExpress][r]);
  }

  const pid_t postmaster = postmaster_pid(server.root());
  Runs runs;
  for (int round = 1; round <= o.rounds; ++round) {
    for (std::size_t r = 0; r < kRoutes.size(); ++r) {
      const bool pgkit_first = (r + static_cast<std::size_t>(round)) % 2 == 1;  // alternates per route and round
      for (int k = 0; k < kServers; ++k) {
        const Server s = (k == 0) == pgkit_first ? kPgkit : kExpress;
        if (!services[s]) continue;
        const Target target{services[s].get(), ports[s]};
        if (o.warmup > 0) run_wrk(tools, o, target, kRoutes[r], token, o.warmup, postmaster);
        Measured m = run_wrk(tools, o, target, kRoutes[r], token, o.seconds, postmaster);
        runs[r][s].push_back(m);
        std::cerr << fmt::format(
            "round {} {:<24} {:<7} {:>9.0f} req/s  p50 {:6.2f} ms  p99 {:6.2f} ms  CPU µs/req: "
            "server {:.1f}, postgres {:.1f}, wrk {:.1f}, machine {:.1f}{}\n",
            round, kRoutes[r].name, kServerNames[s], m.rps, m.p50_ms, m.p99_ms, m.server_cpu / m.requests * 1e6,
            m.postgres_cpu / m.requests * 1e6, m.wrk_cpu / m.requests * 1e6, m.machine_busy / m.requests * 1e6,
            m.socket_errors.empty() ? "" : "  (" + m.socket_errors + ")");
      }
    }
  }
  for (auto& s : services)
    if (s) s->stop();
  print_results(o, runs);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return pgkit::bench::run_main<Options>(
      argc, argv, kProgram, "pgkit-server against Express + node-postgres, driven by wrk", declare_options, run);
}
