// pgkit_client_bench against Prisma Client 7: see client_vs_prisma.hpp.
#include "client_vs_prisma.hpp"

#include <chrono>
#include <exception>
#include <functional>
#include <stdexcept>
#include <iostream>
#include <utility>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <fmt/format.h>

#include "bench_common.hpp"
#include "benchdb/async_client.hpp"
#include "pgkit/async.hpp"

namespace pgkit::bench {

namespace asio = boost::asio;
using namespace benchdb::fields;

namespace {

using AsyncCall = std::function<asio::awaitable<void>(benchdb::AsyncClient&, int)>;

// client_vs_query.cpp's client calls on the AsyncClient, with the same arguments for i. Every
// argument is named before its co_await: g++ 12 destroys a braced temporary made inside a
// co_await expression twice (docs/client.md).
std::vector<std::pair<std::string, AsyncCall>> async_calls() {
  std::vector<std::pair<std::string, AsyncCall>> out;
  out.emplace_back(kCallNames[0].bench, [](benchdb::AsyncClient& db, int i) -> asio::awaitable<void> {
    client::FindUnique<benchdb::User> by_id{.where = user::id == 1 + i % 1000};
    auto u = co_await db.user.find_unique(std::move(by_id));
    g_sink += u->id;
  });
  out.emplace_back(kCallNames[1].bench, [](benchdb::AsyncClient& db, int i) -> asio::awaitable<void> {
    client::FindMany<benchdb::Post> page{.where = post::published == true && post::id > i % 19'000,
                                         .order_by = {post::id.asc()},
                                         .take = 20,
                                         .include = {post::author}};
    auto posts = co_await db.post.find_many(std::move(page));
    g_sink += posts.back().author->id;
  });
  out.emplace_back(kCallNames[2].bench, [](benchdb::AsyncClient& db, int i) -> asio::awaitable<void> {
    client::Create<benchdb::Post> new_post{.data = {.title = "Hello", .content = "text", .authorId = 1 + i % 1000}};
    auto p = co_await db.post.create(std::move(new_post));
    g_sink += p.id;
  });
  return out;
}

// n calls of call(0 … n-1), in_flight coroutines on io each taking the next i when theirs is
// done; run on this thread. @throws the first call's error
void run_calls(asio::io_context& io, benchdb::AsyncClient& db, const AsyncCall& call, int n, int in_flight) {
  int next = 0;
  std::exception_ptr error;
  for (int k = 0; k < in_flight; ++k) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          while (next < n) co_await call(db, next++);
        },
        [&](std::exception_ptr e) {
          if (e && !error) error = e;
          if (e) next = n;  // the other coroutines stop after their current call
        });
  }
  io.restart();
  io.run();
  if (error) std::rethrow_exception(error);
}

double median_of(const std::vector<Cost>& costs, double Cost::*field) {
  std::vector<double> xs;
  for (const auto& c : costs) xs.push_back(c.*field);
  return median(xs);
}

}  // namespace

std::map<std::string, Cost> pgkit_in_flight(const Config& base, int calls, int in_flight) {
  Config config = base;
  config.pool.min = config.pool.max = in_flight;
  Pool pool(config);
  asio::io_context io(1);
  benchdb::AsyncClient db{AsyncPool(pool)};
  std::map<std::string, Cost> out;
  for (const auto& [name, call] : async_calls()) {
    run_calls(io, db, call, kWarmupCalls, in_flight);
    const ClientCost before = process_cost();
    const auto t0 = std::chrono::steady_clock::now();
    run_calls(io, db, call, calls, in_flight);
    const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - t0;
    const ClientCost after = process_cost();
    out[name] = {(after.cpu - before.cpu) / calls * 1e6, wall.count() / calls * 1e6};
  }
  return out;
}

void compare_round(PeerComparison& c, const PrismaClientPeer& peer, const Config& config,
                   const std::string& database_url, int calls, int round, const std::map<std::string, Cost>& blocking) {
  auto prisma = [&] {
    PrismaClientRun run = run_prisma_client(peer, database_url, calls, kWarmupCalls, c.in_flight);
    for (const auto& name : kCallNames) {
      if (!run.cpu_us.count(name.prisma) || !run.wall_us.count(name.prisma))
        throw std::runtime_error(
            fmt::format("measure.ts reported no {}.cpu_us or {}.wall_us", name.prisma, name.prisma));
      Cost cost{run.cpu_us.at(name.prisma), run.wall_us.at(name.prisma)};
      c.prisma[name.bench].push_back(cost);
      std::cerr << fmt::format("round {} {:<32} {:<10} {:6.1f} µs CPU/call {:6.1f} µs/call ({} in flight)\n", round,
                               name.bench, "Prisma", cost.cpu_us, cost.wall_us, c.in_flight);
    }
    c.prisma_process_cpu_s.push_back(run.process_cpu_s);
    c.prisma_process_calls.push_back(static_cast<double>(kCallNames.size()) * (calls + kWarmupCalls));
  };
  auto pgkit = [&] {
    const bool in_flight = c.in_flight > 1;
    const std::map<std::string, Cost> costs = in_flight ? pgkit_in_flight(config, calls, c.in_flight) : blocking;
    for (const auto& name : kCallNames) {
      const Cost& cost = costs.at(name.bench);
      c.pgkit[name.bench].push_back(cost);
      if (in_flight)
        std::cerr << fmt::format("round {} {:<32} {:<10} {:6.1f} µs CPU/call {:6.1f} µs/call ({} in flight)\n", round,
                                 name.bench, "async", cost.cpu_us, cost.wall_us, c.in_flight);
    }
  };
  if (round % 2) {
    prisma();
    pgkit();
  } else {
    pgkit();
    prisma();
  }
}

void print_comparison(const PrismaClientPeer& peer, const std::vector<PeerComparison>& comparisons, int calls,
                      int rounds) {
  std::cout << fmt::format(
      "\npgkit's generated client against Prisma Client {} (node {}, @prisma/adapter-pg, tsx): {} calls per "
      "round, {} round(s), medians\n",
      peer.prisma_version, peer.node_version, calls, rounds);
  std::vector<std::string> slower, costlier;
  for (const PeerComparison& c : comparisons) {
    std::cout << fmt::format("\n{} call(s) in flight, pools of {}{}\n", c.in_flight, c.in_flight,
                             c.in_flight > 1 ? " (pgkit: AsyncClient, coroutines on one thread)" : "");
    std::cout << fmt::format("{:<30} {:>12} {:>12} {:>8} {:>10} {:>10} {:>12}\n", "call", "pgkit /s", "Prisma /s", "×",
                             "pgkit CPU", "Prisma CPU", "pgkit/Prisma");
    for (const auto& name : kCallNames) {
      auto pgkit_costs = c.pgkit.find(name.bench), prisma_costs = c.prisma.find(name.bench);
      if (pgkit_costs == c.pgkit.end() || prisma_costs == c.prisma.end()) continue;
      const double pgkit_tps = 1e6 / median_of(pgkit_costs->second, &Cost::wall_us);
      const double prisma_tps = 1e6 / median_of(prisma_costs->second, &Cost::wall_us);
      const double pgkit_cpu = median_of(pgkit_costs->second, &Cost::cpu_us);
      const double prisma_cpu = median_of(prisma_costs->second, &Cost::cpu_us);
      std::cout << fmt::format("{:<30} {:>12.0f} {:>12.0f} {:>7.2f}× {:>7.1f} µs {:>7.1f} µs {:>11.3f}×\n", name.bench,
                               pgkit_tps, prisma_tps, pgkit_tps / prisma_tps, pgkit_cpu, prisma_cpu,
                               pgkit_cpu / prisma_cpu);
      const std::string where = fmt::format("{} at {} in flight", name.bench, c.in_flight);
      if (pgkit_tps < 3 * prisma_tps) slower.push_back(where);
      if (pgkit_cpu > prisma_cpu / 5) costlier.push_back(where);
    }
    double cpu = 0, n = 0;
    for (std::size_t r = 0; r < c.prisma_process_cpu_s.size(); ++r) {
      cpu += c.prisma_process_cpu_s[r];
      n += c.prisma_process_calls[r];
    }
    if (n > 0)
      std::cout << fmt::format(
          "Prisma's Node processes in all (wait4: start, tsx, connect, warm-ups included): {:.1f} s CPU for {:.0f} "
          "calls = {:.1f} µs per call\n",
          cpu, n, cpu / n * 1e6);
  }
  auto verdict = [](const char* target, const std::vector<std::string>& missed) {
    std::string where;
    for (const auto& m : missed) where += (where.empty() ? "" : "; ") + m;
    std::cout << "target " << target << (missed.empty() ? ": met" : ": missed for " + where) << "\n";
  };
  std::cout << "\n";
  verdict("pgkit >= 3 x Prisma Client's throughput", slower);
  verdict("pgkit's client CPU per call <= 1/5 of Prisma Client's", costlier);
}

}  // namespace pgkit::bench
