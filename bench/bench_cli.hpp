#pragma once
// A benchmark program's command line and main(): its options declared on a CLI11 app, as
// apps/ declare theirs, so that --help lists each with its range and default; then its run.
//
// Header-only, for bench/ only.

#include <exception>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace pgkit::bench {

/// The options the point-select benchmarks (pgkit_pool_bench, pgkit_async_bench) share.
struct PointSelectOptions {
  static constexpr int kMaxClients = 190;  // the server allows 200 connections

  std::vector<int> clients;  // C of each run; the program gives the default
  int seconds = 10;          // counted per run, after the warm-up
  int rounds = 1;            // each figure is the median of this many runs
  int scale = 10;            // pgbench -i -s: 100,000 accounts each
  int pgbench_jobs = 2;      // pgbench -j: its threads, each an event loop over C/j connections

  explicit PointSelectOptions(std::vector<int> default_clients) : clients(std::move(default_clients)) {}
};

/// --clients, --seconds, --rounds, --scale and --pgbench-jobs.
inline void add_point_select_options(CLI::App& cli, PointSelectOptions& o) {
  const auto clients = CLI::Range(1, PointSelectOptions::kMaxClients);
  cli.add_option("--clients", o.clients, "clients per run, separated by commas")->delimiter(',')->check(clients);
  cli.add_option("--seconds", o.seconds, "seconds counted per run")->check(CLI::Range(1, 3600));
  cli.add_option("--rounds", o.rounds, "runs of each; a figure is their median")->check(CLI::Range(1, 100));
  cli.add_option("--scale", o.scale, "pgbench -i -s: 100,000 accounts each")->check(CLI::Range(1, 1000));
  cli.add_option("--pgbench-jobs", o.pgbench_jobs, "pgbench -j: its threads")->check(clients);
}

/// A benchmark's main(): options declared by declare(cli, options) and read from argv (--help
/// prints them and exits 0; a bad one is reported with exit 2), then run(options), any
/// exception printed as "program: what" with exit 1. What run started (servers, peers) is gone
/// by the time it returns or throws.
template <class Options, class Declare, class Run>
int run_main(int argc, char** argv, const std::string& program, const std::string& summary, Declare&& declare,
             Run&& run) {
  Options options;
  CLI::App cli{fmt::format("{}: {}", program, summary), program};
  cli.option_defaults()->always_capture_default();
  declare(cli, options);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return cli.exit(e);  // --help
    std::cerr << program << ": " << e.what() << " (--help lists the options)\n";
    return 2;
  }
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::cerr << program << ": " << e.what() << "\n";
    return 1;
  }
}

}  // namespace pgkit::bench
