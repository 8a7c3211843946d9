// pgkit_acquire_bench: what borrowing a connection from the pool and giving it back costs,
// without a query, in ns per acquire + release cycle (Google Benchmark).
//
//   pgkit_acquire_bench [--benchmark_repetitions=5 …]   (any Google Benchmark flag)
//
// The Pool opens real connections, so one throwaway server runs for the whole program (started
// before the benchmarks, stopped and removed after). Two pools, opened and warm before timing:
//   - uncontended: 1 thread, a pool of 1 connection — the fast path (target < 100 ns);
//   - contended: 8 threads sharing 4 connections — half the threads wait in line at any time,
//     so a cycle includes a hand-over to a sleeping thread (futex wake, context switch).

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "pgkit/pgkit.hpp"
#include "throwaway_server.hpp"

namespace {

using namespace std::chrono_literals;

std::unique_ptr<pgkit::Pool> g_single;  // 1 connection
std::unique_ptr<pgkit::Pool> g_shared;  // 4 connections, 8 threads

std::unique_ptr<pgkit::Pool> warm_pool(const pgkit::LocalCluster& server, int size) {
  pgkit::LoadedConfig loaded = pgkit::parse_url(server.url() + "?application_name=pgkit-acquire-bench");
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  pgkit::Config config = loaded.config;
  config.pool.min = config.pool.max = size;
  config.pool.slow_query = pgkit::Millis{0};
  // A connection idle past the validation window is pinged (a round trip, ~50 µs) before it is
  // handed out. Between benchmark runs the connections sit idle for seconds, so with the default
  // window (1 s) the first acquire of a run would ping. A day-long window means no ping ever
  // happens here: the loop measures the pool's bookkeeping alone, which is what the < 100 ns
  // target is about. Likewise no lifetime, so no connection retires and reconnects mid-run.
  config.pool.validation_window = std::chrono::hours(24);
  config.pool.max_lifetime = pgkit::Millis{0};
  auto pool = std::make_unique<pgkit::Pool>(config);
  // Open every connection now (the pool warms min in the background; acquiring all waits for it).
  std::vector<pgkit::PooledConnection> held;
  for (int i = 0; i < size; ++i) held.push_back(pool->acquire());
  for (auto& c : held)
    if (!c->ping(pgkit::Millis{5000})) throw std::runtime_error("a fresh connection did not answer a ping");
  return pool;
}

// Runs the acquire + release loop on pool and reports, besides time, the pool's own proof that
// the loop stayed on the fast path: connections opened during the run (0: none was found dead
// or retired and replaced) and acquires that had to wait in line.
void acquire_release_loop(benchmark::State& state, pgkit::Pool& pool) {
  pgkit::PoolStats before;
  if (state.thread_index() == 0) before = pool.stats();
  for (auto _ : state) {
    pgkit::PooledConnection c = pool.acquire();
    benchmark::DoNotOptimize(c);
  }                                             // released here, every iteration
  state.SetItemsProcessed(state.iterations());  // items/s: cycles per second, all threads together
  if (state.thread_index() == 0) {
    pgkit::PoolStats after = pool.stats();
    state.counters["opened"] = static_cast<double>(after.created - before.created);
    state.counters["waited"] = static_cast<double>(after.acquire_waits - before.acquire_waits);
  }
}

void BM_AcquireRelease_Uncontended(benchmark::State& state) { acquire_release_loop(state, *g_single); }
BENCHMARK(BM_AcquireRelease_Uncontended);

void BM_AcquireRelease_8ThreadsOn4Connections(benchmark::State& state) { acquire_release_loop(state, *g_shared); }
// Wall time: a thread waiting in line uses no CPU, so CPU time would flatter the cycle.
BENCHMARK(BM_AcquireRelease_8ThreadsOn4Connections)->Threads(8)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  try {
    // Before any thread starts: it installs the signal thread that removes the server on Ctrl-C.
    pgkit::bench::ThrowawayServer server({{"max_connections", "200"}, {"fsync", "off"}});
    struct ClosePools {  // declared after the server, so the pools close first (on a throw too)
      ~ClosePools() {
        g_single.reset();
        g_shared.reset();
      }
    } close_pools;
    g_single = warm_pool(server.cluster(), 1);
    g_shared = warm_pool(server.cluster(), 4);
    benchmark::RunSpecifiedBenchmarks();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pgkit_acquire_bench: %s\n", e.what());
    return 1;
  }
  benchmark::Shutdown();
  return 0;
}
