// pgkit_schema_bench: pgkit's schema engine against Prisma's (the WebAssembly build of its schema
// engine and validator, the same pinned packages as the test oracle) in one run, on a generated
// schema of N models (schema_generator.cpp) and one throwaway server:
//
//   1. parse + validate   pgkit: schema::parse(files)
//                         Prisma: prisma-schema-wasm validate() (what `prisma validate` runs)
//   2. diff empty → SQL   pgkit: parse, to_catalog, catalog::diff({}, …), render_script
//                         Prisma: engine.diff({from: empty, to: schemaDatamodel, script: true})
//                         (both from the schema's text: Prisma's diff parses it too)
//   3. migrate dev,       pgkit: migrate::dev(config, {schema, dir}), in process
//      nothing to do      Prisma: a new engine, devDiagnostic, diagnoseMigrationHistory,
//                         applyMigrations, diff from the migrations (replayed in a shadow
//                         database) to the schema (bench/peers/prisma/measure.mjs)
//   and `pgkit migrate dev` as a program, process start to exit, against one cold Node process
//   that loads Prisma's WebAssembly and does (3) once.
//
//   pgkit_schema_bench [--models 220] [--seed 1] [--iterations 10] [--dev-iterations 3]
//                      [--warmup 2] [--cli-runs 3] [--pgkit PATH] [--prisma-dir DIR]
//                      [--write-schema FILE]
//
// Method (docs/performance.md has the figures):
//   - the schema is checked once: pgkit must parse it and Prisma's validate accept it;
//   - each tool has its own project (schema.prisma and prisma/migrations) and database on one
//     server (fsync off), already migrated by that tool with one migration holding the whole
//     schema: pgkit's written by `migrate::dev`, Prisma's by its diff and applied by its
//     applyMigrations, as `migrate dev` writes a first migration; the program says whether the
//     two migration.sql files are the same text;
//   - shadow databases: both create a throwaway database on the same server and drop it;
//     pgkit remembers what a list of migrations builds (its shadow cache, here in the server's
//     temporary directory) and makes none when nothing changed: its migrate dev is timed with
//     the cache (its default; the first, warm-up run fills it) and without (as a first run);
//   - Prisma runs in one Node process per mode: the WebAssembly is loaded once, each operation
//     warmed up, then timed; pgkit likewise in this process;
//   - each migrate dev must find nothing to do (no reset, nothing applied, an empty diff), or the
//     benchmark fails; it never fails on a figure.

#include <algorithm>
#include <chrono>
#include <cmath>
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
#include <fmt/ranges.h>

#include "bench_cli.hpp"
#include "bench_common.hpp"
#include "bench_tools.hpp"
#include "pgkit/catalog_diff.hpp"
#include "pgkit/config.hpp"
#include "pgkit/schema.hpp"
#include "pgkit/schema_migrate.hpp"
#include "prisma_peer.hpp"
#include "schema_generator.hpp"
#include "throwaway_server.hpp"

#ifndef PGKIT_BENCH_PRISMA_DIR
#define PGKIT_BENCH_PRISMA_DIR "bench/peers/prisma"
#endif
#ifndef PGKIT_BENCH_ORACLE_DIR
#define PGKIT_BENCH_ORACLE_DIR "tests/oracle"
#endif

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using pgkit::bench::PeerRun;

constexpr const char* kProgram = "pgkit_schema_bench";

struct Options {
  int models = 220;
  int seed = 1;
  int iterations = 10;     // parse and diff, each tool
  int dev_iterations = 3;  // migrate dev in process, each tool
  int warmup = 2;          // untimed runs before each timed series (1 for migrate dev)
  int cli_runs = 3;        // `pgkit migrate dev` processes, and cold Prisma processes
  fs::path pgkit;          // empty: beside this program
  fs::path prisma_dir = PGKIT_BENCH_PRISMA_DIR;
  fs::path oracle_dir = PGKIT_BENCH_ORACLE_DIR;
  fs::path write_schema;  // empty: the schema stays in the server's temporary directory
};

void declare_options(CLI::App& cli, Options& o) {
  cli.add_option("--models", o.models, "models in the generated schema")->check(CLI::Range(2, 5000));
  cli.add_option("--seed", o.seed, "the generator's seed")->check(CLI::Range(0, 1'000'000'000));
  cli.add_option("--iterations", o.iterations, "timed parse and diff runs, each tool")->check(CLI::Range(1, 1000));
  cli.add_option("--dev-iterations", o.dev_iterations, "timed migrate dev runs in process, each tool")
      ->check(CLI::Range(1, 100));
  cli.add_option("--warmup", o.warmup, "untimed runs before each timed series (at most 1 for migrate dev)")
      ->check(CLI::Range(0, 100));
  cli.add_option("--cli-runs", o.cli_runs, "`pgkit migrate dev` processes, and cold Prisma processes")
      ->check(CLI::Range(1, 100));
  cli.add_option("--pgkit", o.pgkit, "the pgkit program (default: beside this one)");
  cli.add_option("--prisma-dir", o.prisma_dir, "Prisma's side: measure.mjs (bench/peers/prisma)");
  cli.add_option("--write-schema", o.write_schema, "also write the generated schema to this file");
}

// ---------------------------------------------------------------------------------------------
// Samples

struct Samples {
  std::vector<double> ms;  // wall time of each timed run
  double cpu_ms = 0;       // this process's CPU per run (mean), every thread
};

// Nearest rank: with fewer than 10 samples the p90 is the slowest.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

using pgkit::bench::median;

template <class F>
Samples timed(int iterations, int warmup, F&& f) {
  for (int i = 0; i < warmup; ++i) f();
  Samples s;
  const double cpu0 = pgkit::bench::process_cost().cpu;
  for (int i = 0; i < iterations; ++i) {
    const auto t0 = Clock::now();
    f();
    s.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  s.cpu_ms = (pgkit::bench::process_cost().cpu - cpu0) * 1e3 / iterations;
  return s;
}

// ---------------------------------------------------------------------------------------------
// The two projects

struct Project {
  fs::path schema;       // <root>/prisma/schema.prisma
  fs::path migrations;   // <root>/prisma/migrations
  std::string database;  // its own database on the server
};

Project make_project(const fs::path& root, const std::string& text, const std::string& database) {
  Project p{root / "prisma/schema.prisma", root / "prisma/migrations", database};
  fs::create_directories(p.migrations);
  std::ofstream(p.schema, std::ios::binary) << text;
  return p;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The one migration.sql under a project's migrations directory.
fs::path only_migration(const Project& p) {
  std::vector<fs::path> found;
  for (const auto& e : fs::directory_iterator(p.migrations))
    if (e.is_directory() && fs::exists(e.path() / "migration.sql")) found.push_back(e.path() / "migration.sql");
  if (found.size() != 1)
    throw std::runtime_error(fmt::format("{} holds {} migrations, expected 1", p.migrations.string(), found.size()));
  return found[0];
}

// "the same text" or where the two first differ.
std::string compare_scripts(const std::string& a, const std::string& b) {
  if (a == b) return fmt::format("the same text ({} bytes)", a.size());
  std::istringstream la(a), lb(b);
  std::string x, y;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(la, x)), more_b = static_cast<bool>(std::getline(lb, y));
    if (!more_a && !more_b) return "the same lines, different line ends";
    if (x != y || more_a != more_b)
      return fmt::format("different from line {}:\n    pgkit:  {}\n    Prisma: {}", line, more_a ? x : "(end)",
                         more_b ? y : "(end)");
  }
}

// ---------------------------------------------------------------------------------------------
// pgkit

struct PgkitFigures {
  Samples parse, diff, diff_after_parse, dev, dev_uncached;
};

void expect_nothing_to_do(const pgkit::migrate::DevResult& r) {
  if (!r.plan.empty() || r.written || !r.applied.empty() || r.reset || !r.drift.empty())
    throw std::runtime_error(fmt::format(
        "pgkit's migrate dev found something to do: {} steps, written {}, applied {}, "
        "reset {}, drift:\n{}",
        r.plan.steps.size(), r.written ? r.written->string() : "nothing", r.applied.size(), r.reset, r.drift));
}

PgkitFigures measure_pgkit(const Options& o, const Project& p, const pgkit::Config& db, const fs::path& cache) {
  namespace schema = pgkit::schema;
  namespace catalog = pgkit::catalog;
  const std::vector<schema::SchemaFile> files = schema::read_files(p.schema);
  PgkitFigures f;
  std::size_t sink = 0;  // results used, so nothing is optimised away
  f.parse = timed(o.iterations, o.warmup, [&] { sink += schema::parse(files).models.size(); });
  f.diff = timed(o.iterations, o.warmup, [&] {
    sink += catalog::render_script(catalog::diff({}, schema::to_catalog(schema::parse(files)))).size();
  });
  const schema::Schema parsed = schema::parse(files);
  f.diff_after_parse = timed(o.iterations, o.warmup, [&] {
    sink += catalog::render_script(catalog::diff({}, schema::to_catalog(parsed))).size();
  });
  f.dev = timed(o.dev_iterations, std::min(o.warmup, 1), [&] {
    auto r = pgkit::migrate::dev(db, {.schema = p.schema, .dir = p.migrations, .shadow_cache = cache});
    expect_nothing_to_do(r);
  });
  // As a first run on a machine (or with PGKIT_SHADOW_CACHE=off): the migrations replayed in a
  // new shadow database, as Prisma replays them every time.
  f.dev_uncached = timed(o.dev_iterations, 0, [&] {
    auto r = pgkit::migrate::dev(db, {.schema = p.schema, .dir = p.migrations, .shadow_cache = fs::path()});
    expect_nothing_to_do(r);
  });
  if (sink == 0) std::cerr << "(nothing parsed)\n";
  return f;
}

// `pgkit migrate dev` as a program, fork to exit; the median of runs.
Samples measure_cli(const fs::path& pgkit, const Project& p, const std::string& url, const fs::path& workdir, int runs,
                    const std::string& cache_setting) {
  std::vector<std::string> argv{pgkit.string(),       "migrate", "dev", "--schema", p.schema.string(), "--dir",
                                p.migrations.string()};
  std::vector<std::string> env{"DATABASE_URL=" + url, "PATH=/usr/bin:/bin", "LC_ALL=C", cache_setting};
  Samples s;
  double cpu = 0;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    pgkit::bench::ToolRun run = pgkit::bench::run_captured(argv, env, workdir);
    s.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    cpu += run.cost.cpu * 1e3;
    if (run.status != 0 || run.output.find("Already in sync") == std::string::npos)
      throw std::runtime_error(fmt::format("`{}` did not find the database in sync (exit {}):\n{}",
                                           pgkit::bench::joined(argv), run.status, run.output));
  }
  s.cpu_ms = cpu / runs;
  return s;
}

// ---------------------------------------------------------------------------------------------

std::vector<double> key(const PeerRun& run, const std::string& name) {
  auto it = run.ms.find(name);
  if (it == run.ms.end() || it->second.empty())
    throw std::runtime_error(fmt::format("measure.mjs printed no {}:\n{}", name, run.json));
  return it->second;
}

int run(const Options& o) {
  const fs::path pgkit_program = pgkit::bench::built_program(o.pgkit, "pgkit", "pgkit-cli");
  const pgkit::bench::PrismaPeer peer = pgkit::bench::prepare_prisma_peer(o.prisma_dir, o.oracle_dir);
  const pgkit::bench::GeneratedSchema generated =
      pgkit::bench::generate_schema(o.models, static_cast<std::uint64_t>(o.seed));
  if (!o.write_schema.empty()) std::ofstream(o.write_schema, std::ios::binary) << generated.text;

  // pgkit must read it before anything else runs (Prisma's check is measure.mjs prepare).
  try {
    pgkit::schema::parse({{"schema.prisma", generated.text}});
  } catch (const pgkit::schema::SchemaError& e) {
    throw std::runtime_error(fmt::format("pgkit rejects the generated schema:\n{}", e.what()));
  }

  pgkit::bench::ThrowawayServer server(std::map<std::string, std::string>{{"fsync", "off"}});
  pgkit::LocalCluster& pg = server.cluster();
  std::cerr << fmt::format("server: {} on 127.0.0.1:{} in {}\n", pg.sql("SHOW server_version")[0], pg.port(),
                           server.root().string());
  const fs::path work = server.root() / "work";  // both tools' working directory: empty, no .env
  fs::create_directories(work);
  Project pgkit_project = make_project(server.root() / "pgkit", generated.text, "bench_pgkit");
  Project prisma_project = make_project(server.root() / "prisma", generated.text, "bench_prisma");
  for (const Project* p : {&pgkit_project, &prisma_project}) pg.sql("CREATE DATABASE " + p->database);
  auto url = [&](const Project& p) { return pg.url(p.database) + "?sslmode=disable"; };
  const pgkit::Config pgkit_db = pgkit::parse_url(url(pgkit_project)).config;

  // The first migration, each by its own tool.
  std::cerr << "pgkit: migrate dev --name init …\n";
  auto init =
      pgkit::migrate::dev(pgkit_db, {.name = "init", .schema = pgkit_project.schema, .dir = pgkit_project.migrations});
  if (!init.written) throw std::runtime_error("pgkit's first migrate dev wrote no migration");
  std::cerr << "Prisma: validate, first migration, applyMigrations …\n";
  pgkit::bench::run_measure(peer, "prepare", url(prisma_project), prisma_project.schema, prisma_project.migrations, {},
                            work);
  const std::string same =
      compare_scripts(read_text(only_migration(pgkit_project)), read_text(only_migration(prisma_project)));

  std::cerr << "pgkit: timing in process …\n";
  // pgkit's shadow cache, not the user's ~/.cache: PGKIT_CACHE_DIR for the program, its shadow/ here.
  const fs::path cache = server.root() / "cache";
  const PgkitFigures mine = measure_pgkit(o, pgkit_project, pgkit_db, cache / "shadow");
  std::cerr << "Prisma: timing in one Node process …\n";
  const PeerRun theirs = pgkit::bench::run_measure(
      peer, "run", url(prisma_project), prisma_project.schema, prisma_project.migrations,
      {"--iterations", std::to_string(o.iterations), "--warmup", std::to_string(o.warmup), "--dev-iterations",
       std::to_string(o.dev_iterations), "--dev-warmup", std::to_string(std::min(o.warmup, 1))},
      work);
  std::cerr << "both: migrate dev from a cold process …\n";
  const Samples cli = measure_cli(pgkit_program, pgkit_project, url(pgkit_project), work, o.cli_runs,
                                  "PGKIT_CACHE_DIR=" + cache.string());
  const Samples cli_uncached =
      measure_cli(pgkit_program, pgkit_project, url(pgkit_project), work, o.cli_runs, "PGKIT_SHADOW_CACHE=off");
  std::vector<double> cold_prisma, cold_prisma_cpu;
  for (int i = 0; i < o.cli_runs; ++i) {
    PeerRun once = pgkit::bench::run_measure(peer, "dev-once", url(prisma_project), prisma_project.schema,
                                             prisma_project.migrations, {}, work);
    cold_prisma.push_back(once.wall_ms);
    cold_prisma_cpu.push_back(once.cpu_ms);
  }

  // The report.
  std::cout << fmt::format(
      "\nschema: {} models, {} enums, {} fields, {} 1:n, {} 1:1, {} implicit m:n, {} indexes and unique constraints; "
      "{} bytes (seed {})\nfirst migration: pgkit's and Prisma's migration.sql are {}\n",
      generated.models, generated.enums, generated.fields, generated.one_to_many, generated.one_to_one,
      generated.many_to_many, generated.indexes, generated.text.size(), o.seed, same);
  std::cout << fmt::format("{} timed runs after {} warm-up for parse and diff; {} after {} for migrate dev; ms\n\n",
                           o.iterations, o.warmup, o.dev_iterations, std::min(o.warmup, 1));
  std::cout << fmt::format("{:<34} | {:>19} | {:>19} | {:>12} | {:>26}\n", "operation", "pgkit median (p90)",
                           "Prisma median (p90)", "Prisma/pgkit", "client CPU (pgkit / Prisma)");
  struct Row {
    const char* name;
    const Samples& mine;
    std::string theirs;
    bool target = true;  // counted in the ">= 5x" line
  };
  std::vector<std::string> missed;
  for (const Row& r :
       {Row{"parse + validate", mine.parse, "validate"}, Row{"diff empty -> SQL (from text)", mine.diff, "diff"},
        Row{"migrate dev, nothing to do", mine.dev, "dev"},
        Row{"  the same, shadow cache off", mine.dev_uncached, "dev", false}}) {
    const std::vector<double> v = key(theirs, r.theirs + "_ms");
    const double a = median(r.mine.ms), b = median(v);
    const double ratio = a > 0 ? b / a : 0;
    if (ratio < 5 && r.target) missed.push_back(r.name);
    std::cout << fmt::format(
        "{:<34} | {:>8.1f} ({:>8.1f}) | {:>8.1f} ({:>8.1f}) | {:>11.1f}x | {:>11.1f} / {:>12.1f}\n", r.name, a,
        percentile(r.mine.ms, 0.9), b, percentile(v, 0.9), ratio, r.mine.cpu_ms, key(theirs, r.theirs + "_cpu_ms")[0]);
  }
  std::cout << fmt::format("  pgkit diff without its parse (to_catalog + diff + render): {:.1f} ms\n",
                           median(mine.diff_after_parse.ms));
  std::cout << "  Prisma's migrate dev by engine call (medians, ms):";
  for (const char* part : {"open", "devDiagnostic", "diagnoseMigrationHistory", "applyMigrations", "diff", "close"})
    std::cout << fmt::format(" {} {:.1f};", part, median(key(theirs, part)));
  std::cout << fmt::format(" shadow databases per run {:.0f} (pgkit's: none from its cache, 1 with it off)",
                           median(key(theirs, "shadowDatabases")));
  std::cout << fmt::format(
      "\n  Prisma's Node process: WebAssembly loaded and compiled {:.0f} ms after start; {:.1f} s "
      "from fork to exit, CPU {:.1f} s\n",
      key(theirs, "process_start_to_loaded_ms")[0], theirs.wall_ms / 1e3, theirs.cpu_ms / 1e3);
  std::cout << fmt::format(
      "\nno-change migrate dev (CLI, wall): {:.0f} ms (median of {}; p90 {:.0f} ms; CPU {:.0f} ms); "
      "shadow cache off: {:.0f} ms (p90 {:.0f} ms)\n",
      median(cli.ms), o.cli_runs, percentile(cli.ms, 0.9), cli.cpu_ms, median(cli_uncached.ms),
      percentile(cli_uncached.ms, 0.9));
  std::cout << fmt::format(
      "Prisma, one cold Node process (load + the engine calls above, no CLI): {:.0f} ms (median "
      "of {}; CPU {:.0f} ms)\n",
      median(cold_prisma), o.cli_runs, median(cold_prisma_cpu));
  std::cout << (missed.empty()
                    ? std::string("target >= 5x faster than Prisma on each: met\n")
                    : fmt::format("target >= 5x faster than Prisma on each: not met ({})\n", fmt::join(missed, ", ")));
  std::cout << fmt::format("target no-change migrate dev under 1 s (CLI): {}\n",
                           median(cli.ms) < 1000 ? "met" : "not met");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return pgkit::bench::run_main<Options>(
      argc, argv, kProgram, "pgkit's schema engine against Prisma's: parse, diff, migrate dev", declare_options, run);
}
