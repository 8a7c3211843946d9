// pgkit_migrate_bench: the `pgkit migrate` program against dbmate, on one throwaway server, with
// the same N small migrations (one CREATE TABLE each, in dbmate's `<version>_<name>.sql` format
// with `-- migrate:up` / `-- migrate:down`; both tools read the same directory): up, status, then
// down all. Each step is one or more runs of the real program, timed from fork to exit, so the
// figures are what a deploy script sees: process start, connecting, reading the files, locking
// and the round trips per migration.
//
//   pgkit_migrate_bench [--migrations 500] [--rounds 1] [--status-runs 5] [--pgkit PATH] [--dbmate-dir DIR]
//
// Method (docs/performance.md has the figures):
//   - one server (LocalCluster in a fresh /tmp directory; fsync off); per round and tool a fresh
//     database (CREATE DATABASE), dropped after its round;
//   - pgkit: `pgkit migrate up`, `pgkit migrate status`, `pgkit migrate down N`, the binary found
//     beside this one (same bin directory) unless --pgkit says otherwise;
//   - dbmate: the Linux binary that the npm package `dbmate` ships (bench/peers/dbmate, pinned
//     there; `npm install` runs when it is missing), run directly rather than through the
//     package's Node wrapper (which would add a Node start to every run):
//     `dbmate --no-dump-schema --migrations-dir DIR up` and `status`; dbmate has no rollback
//     count, so its "down all" is `dbmate ... rollback` run N times;
//   - both get DATABASE_URL (with sslmode=disable) in the environment, never on the command line,
//     and run in an empty working directory (neither reads a stray .env);
//   - status takes a tenth of a second, where one noisy neighbour's burst decides a single
//     sample: it runs --status-runs times (5) per round, and the round's figure is their median;
//   - after up: N tables and N tracking rows, after down: none, and every status reports N
//     applied, or the benchmark fails;
//   - which tool goes first alternates with each round; with --rounds R each figure is the
//     median of R.

#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_cli.hpp"
#include "bench_common.hpp"
#include "bench_tools.hpp"
#include "pgkit/pgkit.hpp"
#include "throwaway_server.hpp"

#ifndef PGKIT_BENCH_DBMATE_DIR
#define PGKIT_BENCH_DBMATE_DIR "bench/peers/dbmate"
#endif

namespace {

namespace fs = std::filesystem;
using Seconds = std::chrono::duration<double>;
using pgkit::bench::ClientCost;
using pgkit::bench::ToolRun;

constexpr const char* kProgram = "pgkit_migrate_bench";
constexpr const char* kTablePrefix = "bench_t";

struct Options {
  int migrations = 500;
  int rounds = 1;
  int status_runs = 5;  // per round and tool; the round's status figure is their median
  fs::path pgkit;       // empty: beside this program
  fs::path dbmate_dir = PGKIT_BENCH_DBMATE_DIR;
};

void declare_options(CLI::App& cli, Options& o) {
  cli.add_option("--migrations", o.migrations, "migrations applied and rolled back")->check(CLI::Range(1, 100'000));
  cli.add_option("--rounds", o.rounds, "rounds; a figure is their median")->check(CLI::Range(1, 100));
  cli.add_option("--status-runs", o.status_runs, "status runs per round and tool; the round's figure is their median")
      ->check(CLI::Range(1, 100));
  cli.add_option("--pgkit", o.pgkit, "the pgkit program (default: beside this one)");
  cli.add_option("--dbmate-dir", o.dbmate_dir, "the pinned dbmate npm package (bench/peers/dbmate)");
}

// ---------------------------------------------------------------------------------------------
// The programs.

struct Tools {
  fs::path pgkit;
  fs::path dbmate;
};

// The npm package's own binary for this machine (what its dist/cli.js would spawn).
fs::path dbmate_binary(const fs::path& dir) {
#if defined(__x86_64__)
  return dir / "node_modules/@dbmate/linux-x64/bin/dbmate";
#elif defined(__aarch64__)
  return dir / "node_modules/@dbmate/linux-arm64/bin/dbmate";
#else
  return dir / "node_modules/@dbmate/linux-unsupported/bin/dbmate";
#endif
}

// dbmate installed from bench/peers/dbmate/package.json when its binary is missing, before the
// server starts.
fs::path prepare_dbmate(const fs::path& given_dir) {
  const fs::path dir = fs::absolute(given_dir);
  if (!fs::exists(dir / "package.json"))
    throw std::runtime_error(
        fmt::format("no package.json in {}: pass --dbmate-dir with bench/peers/dbmate of the "
                    "pgkit source tree",
                    dir.string()));
  fs::path binary = dbmate_binary(dir);
  if (::access(binary.c_str(), X_OK) == 0) return binary;
  pgkit::bench::npm_install(dir);
  if (::access(binary.c_str(), X_OK) != 0)
    throw std::runtime_error(
        fmt::format("npm installed dbmate, but there is no binary for this machine at {}", binary.string()));
  return binary;
}

// ---------------------------------------------------------------------------------------------
// The migrations: N files `<version>_create_bench_tNNNNN.sql`, versions 14 digits like dbmate's.

void write_migrations(const fs::path& dir, int n) {
  fs::create_directories(dir);
  for (int i = 1; i <= n; ++i) {
    const std::string table = fmt::format("{}{:05}", kTablePrefix, i);
    std::ofstream out(dir / fmt::format("20250101{:06}_create_{}.sql", i, table), std::ios::binary);
    out << fmt::format(
        "-- migrate:up\n"
        "CREATE TABLE {0} (\n"
        "  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
        "  name text NOT NULL,\n"
        "  created_at timestamptz NOT NULL DEFAULT now()\n"
        ");\n\n"
        "-- migrate:down\n"
        "DROP TABLE {0};\n",
        table);
    if (!out) throw std::runtime_error("cannot write the migrations in " + dir.string());
  }
}

// ---------------------------------------------------------------------------------------------
// One tool, one round: up, status, down all in a database of its own.

enum Tool { kPgkit, kDbmate, kTools };
enum Step { kUp, kStatus, kDown, kSteps };
constexpr std::array<const char*, kTools> kToolNames{"pgkit", "dbmate"};
constexpr std::array<const char*, kSteps> kStepNames{"up", "status", "down all"};

struct StepTime {
  double wall = 0;  // seconds, fork to exit (all runs of the step)
  double cpu = 0;   // the tool's CPU seconds (user + system)
};

struct Bench {
  pgkit::LocalCluster& server;
  Tools tools;
  fs::path migrations;  // the directory both read
  fs::path workdir;     // empty: the tools' working directory
  int n = 0;
  int status_runs = 1;
};

// Runs argv with DATABASE_URL for db; adds its time to t. @throws with the output on failure.
ToolRun timed(const Bench& b, const std::string& db, const std::vector<std::string>& argv, StepTime& t) {
  std::vector<std::string> env{"DATABASE_URL=" + b.server.url(db) + "?sslmode=disable", "PATH=/usr/bin:/bin",
                               "LC_ALL=C"};
  const auto t0 = std::chrono::steady_clock::now();
  ToolRun run = pgkit::bench::run_captured(argv, env, b.workdir);
  t.wall += Seconds(std::chrono::steady_clock::now() - t0).count();
  t.cpu += run.cost.cpu;
  if (run.status != 0)
    throw std::runtime_error(
        fmt::format("`{}` failed (exit {}):\n{}", pgkit::bench::joined(argv), run.status, run.output));
  return run;
}

std::int64_t count(const Bench& b, const std::string& db, const std::string& sql) {
  return std::stoll(b.server.sql(sql, db).at(0));
}

// Fails loudly unless db has `tables` benchmark tables and `rows` rows in the tool's tracking table.
void expect(const Bench& b, const std::string& db, Tool tool, std::int64_t tables, std::int64_t rows,
            const char* after) {
  const std::int64_t t = count(b, db,
                               fmt::format("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND "
                                           "tablename LIKE '{}%'",
                                           kTablePrefix));
  const char* tracking = tool == kPgkit ? "pgkit_migrations" : "schema_migrations";
  const std::int64_t r = count(b, db, fmt::format("SELECT count(*) FROM {}", tracking));
  if (t != tables || r != rows)
    throw std::runtime_error(fmt::format("{} after {}: database {} has {} tables and {} rows in {}; expected {} and {}",
                                         kToolNames[tool], after, db, t, r, tracking, tables, rows));
}

// How many migrations the status output says are applied.
std::int64_t applied_in_status(Tool tool, const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  std::int64_t applied = -1;
  while (std::getline(lines, line)) {
    if (tool == kDbmate) {  // "Applied: 500"
      if (line.rfind("Applied: ", 0) == 0) applied = std::stoll(line.substr(9));
    } else {  // "20250101000001         applied                create_bench_t00001 …"
      std::istringstream words(line);
      std::string version, state;
      words >> version >> state;
      if (state == "applied") applied = std::max<std::int64_t>(applied, 0) + 1;
    }
  }
  return applied;
}

std::array<StepTime, kSteps> run_tool(const Bench& b, Tool tool, const std::string& db) {
  b.server.sql(fmt::format("CREATE DATABASE {}", db));
  std::array<StepTime, kSteps> t{};
  const std::string dir = b.migrations.string();
  auto argv = [&](std::vector<std::string> tail) {
    std::vector<std::string> head =
        tool == kPgkit ? std::vector<std::string>{b.tools.pgkit.string(), "migrate"}
                       : std::vector<std::string>{b.tools.dbmate.string(), "--no-dump-schema", "--migrations-dir", dir};
    head.insert(head.end(), tail.begin(), tail.end());
    if (tool == kPgkit) head.insert(head.end(), {"--dir", dir});
    return head;
  };

  timed(b, db, argv({"up"}), t[kUp]);
  expect(b, db, tool, b.n, b.n, "up");

  std::vector<StepTime> statuses(static_cast<std::size_t>(b.status_runs));
  for (StepTime& one : statuses) {
    ToolRun status = timed(b, db, argv({"status"}), one);
    if (std::int64_t applied = applied_in_status(tool, status.output); applied != b.n)
      throw std::runtime_error(
          fmt::format("{} status reports {} applied, expected {}:\n{}", kToolNames[tool], applied, b.n, status.output));
  }
  auto median_of = [&](double StepTime::*field) {
    std::vector<double> v;
    for (const StepTime& one : statuses) v.push_back(one.*field);
    return pgkit::bench::median(v);
  };
  t[kStatus] = {median_of(&StepTime::wall), median_of(&StepTime::cpu)};

  if (tool == kPgkit) {
    timed(b, db, argv({"down", std::to_string(b.n)}), t[kDown]);
  } else {
    for (int i = 0; i < b.n; ++i) timed(b, db, argv({"rollback"}), t[kDown]);  // no count in dbmate
  }
  expect(b, db, tool, 0, 0, "down all");

  b.server.sql(fmt::format("DROP DATABASE {}", db));
  return t;
}

// ---------------------------------------------------------------------------------------------

int run(const Options& o) {
  Tools tools{pgkit::bench::built_program(o.pgkit, "pgkit", "pgkit-cli"), prepare_dbmate(o.dbmate_dir)};
  ToolRun version = pgkit::bench::run_captured({tools.dbmate.string(), "--version"}, {"PATH=/usr/bin:/bin"});
  std::string dbmate_version = version.output.substr(0, version.output.find('\n'));

  pgkit::bench::ThrowawayServer server(std::map<std::string, std::string>{{"fsync", "off"}});
  pgkit::LocalCluster& pg = server.cluster();
  std::cerr << fmt::format("server: {} on 127.0.0.1:{} in {}\n", pg.sql("SHOW server_version")[0], pg.port(),
                           server.root().string());
  std::cerr << fmt::format("pgkit: {}\ndbmate: {} ({})\n", tools.pgkit.string(), tools.dbmate.string(), dbmate_version);

  Bench b{pg, tools, server.root() / "migrations", server.root() / "work", o.migrations, o.status_runs};
  write_migrations(b.migrations, o.migrations);
  fs::create_directories(b.workdir);

  // runs[tool][step]: one figure per round.
  std::array<std::array<std::vector<StepTime>, kSteps>, kTools> runs;
  for (int round = 1; round <= o.rounds; ++round) {
    const bool pgkit_first = round % 2 == 1;
    for (int i = 0; i < kTools; ++i) {
      const Tool tool = (i == 0) == pgkit_first ? kPgkit : kDbmate;
      auto t = run_tool(b, tool, fmt::format("bench_{}_r{}", kToolNames[tool], round));
      for (int s = 0; s < kSteps; ++s) runs[tool][s].push_back(t[s]);
      std::cerr << fmt::format(
          "round {} {:<6} up {:7.3f} s  status {:6.3f} s  down all {:7.3f} s   (CPU {:.3f} / "
          "{:.3f} / {:.3f} s)\n",
          round, kToolNames[tool], t[kUp].wall, t[kStatus].wall, t[kDown].wall, t[kUp].cpu, t[kStatus].cpu,
          t[kDown].cpu);
    }
  }

  auto med = [&](Tool tool, int step, double StepTime::*field) {
    std::vector<double> v;
    for (const StepTime& t : runs[tool][step]) v.push_back(t.*field);
    return pgkit::bench::median(v);
  };
  std::cout << fmt::format(
      "\n{} migrations, {} round(s){}; {}; status: the median of {} runs per round; dbmate's down "
      "all is {} runs of `dbmate rollback`\n",
      o.migrations, o.rounds, o.rounds > 1 ? " (medians)" : "", dbmate_version, o.status_runs, o.migrations);
  std::cout << fmt::format("{:<8} | {:>9} | {:>9} | {:>12} | {:<22} | {:>27}\n", "step", "pgkit s", "dbmate s",
                           "pgkit/dbmate", "the rounds' ratios", "tool CPU s (pgkit / dbmate)");
  std::vector<std::string> slower;
  for (int s = 0; s < kSteps; ++s) {
    const double a = med(kPgkit, s, &StepTime::wall), d = med(kDbmate, s, &StepTime::wall);
    const double ratio = d > 0 ? a / d : 0;
    std::string each;
    for (int r = 0; r < o.rounds; ++r)
      each += fmt::format("{}{:.3f}", r ? ", " : "", runs[kPgkit][s][r].wall / runs[kDbmate][s][r].wall);
    if (ratio > 1) slower.push_back(kStepNames[s]);
    std::cout << fmt::format("{:<8} | {:>9.3f} | {:>9.3f} | {:>12.3f} | {:<22} | {:>12.3f} / {:>12.3f}\n",
                             kStepNames[s], a, d, ratio, each, med(kPgkit, s, &StepTime::cpu),
                             med(kDbmate, s, &StepTime::cpu));
  }
  std::string where;
  for (const auto& s : slower) where += (where.empty() ? "" : ", ") + s;
  std::cout << (slower.empty() ? "target pgkit no slower than dbmate on each step: met\n"
                               : "target pgkit no slower than dbmate on each step: not met (" + where + ")\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return pgkit::bench::run_main<Options>(argc, argv, kProgram, "`pgkit migrate` against dbmate: up, status, down all",
                                         declare_options, run);
}
