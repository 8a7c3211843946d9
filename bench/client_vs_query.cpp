// pgkit_client_bench: the generated client against the same work written by hand with
// pool.query, on one throwaway server: what the client's calls cost the caller's CPU on top of
// the statements they send. Issue 13's target: client CPU per call ≤ 1.1× the hand-written.
// Then the same client against Prisma Client 7 on Node (client_vs_prisma.hpp): ≥ 3× its
// throughput and ≤ ⅕ of its client CPU per call.
//
//   pgkit_client_bench [--calls 20000] [--rounds 3] [--peer prisma|none] [--in-flight 8]
//                      [--prisma-client-dir DIR]
//
// Method (docs/performance.md has the figures):
//   - one server (fsync off), the tables of bench/peers/client/schema.prisma made by `db push`
//     (migrate::push), 1,000 users and 20,000 posts;
//   - one thread, a pool of one connection; for each call, CALLS calls of the client and CALLS
//     of the hand-written form, alternating in rounds (which goes first alternates too), each
//     after 1,000 calls of warm-up; the process's CPU (user + system, getrusage) and wall time
//     per call, the median of the rounds;
//   - the calls: find_unique by id; find_many of 20 published posts by id with their authors
//     included (the hand-written form: the same two statements, rows matched in a map); create
//     of a post (the hand-written form: the same INSERT … RETURNING of every column).
// Both sides read every column into the same structs, so what differs is the client.
//
// With --peer prisma (the default), each round also runs bench/peers/prisma-client/measure.ts
// (Prisma Client generated from the same schema.prisma, on @prisma/adapter-pg): the same calls,
// 1,000 of warm-up and CALLS counted, one at a time on a pool of one — against the round's
// blocking-client figures — and IN_FLIGHT at a time on a pool of IN_FLIGHT, against the
// AsyncClient doing the same on one thread. Node's CPU per call is its process.cpuUsage over the
// counted calls; the whole process's (wait4) is printed beside it. No node 20.19+, or packages
// that cannot be installed: the program says so and exits 1 (--peer none runs without Prisma).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_cli.hpp"
#include "bench_common.hpp"
#include "benchdb/client.hpp"
#include "client_vs_prisma.hpp"
#include "pgkit/pgkit.hpp"
#include "pgkit/schema_migrate.hpp"
#include "prisma_client_peer.hpp"
#include "throwaway_server.hpp"

namespace {

using namespace benchdb::fields;
using pgkit::bench::ClientCost;
using pgkit::bench::Cost;
using pgkit::bench::median;
using pgkit::bench::process_cost;

#ifndef PGKIT_BENCH_PRISMA_CLIENT_DIR
#define PGKIT_BENCH_PRISMA_CLIENT_DIR "bench/peers/prisma-client"
#endif

struct Options {
  int calls = 20'000;
  int rounds = 3;
  std::string peer = "prisma";  // or "none": pgkit's client against pool.query only
  int in_flight = 8;            // the second comparison with Prisma: calls in flight (1: none)
  std::filesystem::path prisma_client_dir = PGKIT_BENCH_PRISMA_CLIENT_DIR;
};

Cost measure(int calls, const std::function<void(int)>& call) {
  for (int i = 0; i < pgkit::bench::kWarmupCalls; ++i) call(i);
  const ClientCost before = process_cost();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) call(i);
  const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - t0;
  const ClientCost after = process_cost();
  return {(after.cpu - before.cpu) / calls * 1e6, wall.count() / calls * 1e6, (after.user - before.user) / calls * 1e6};
}

// The hand-written reads: every column into the generated structs, as the client does.
constexpr const char* kUserColumns = R"("id", "email", "name", "createdAt")";
constexpr const char* kPostColumns = R"("id", "title", "content", "published", "authorId", "createdAt", "updatedAt")";

benchdb::User user_of(const pgkit::Row& r, int at = 0) {
  benchdb::User u;
  u.id = r.get<std::int32_t>(at);
  u.email = r.get<std::string>(at + 1);
  u.name = r.get<std::optional<std::string>>(at + 2);
  u.createdAt = r.get<pgkit::Timestamp>(at + 3);
  return u;
}

benchdb::Post post_of(const pgkit::Row& r) {
  benchdb::Post p;
  p.id = r.get<std::int32_t>(0);
  p.title = r.get<std::string>(1);
  p.content = r.get<std::optional<std::string>>(2);
  p.published = r.get<bool>(3);
  p.authorId = r.get<std::int32_t>(4);
  p.createdAt = r.get<pgkit::Timestamp>(5);
  p.updatedAt = r.get<pgkit::Timestamp>(6);
  return p;
}

struct Pair {
  std::string name;
  std::function<void(int)> client, by_hand;
};

std::vector<Pair> calls(pgkit::Pool& pool, benchdb::Client& db) {
  std::vector<Pair> out;
  out.push_back({"find_unique by id",
                 [&](int i) {
                   auto u = db.user.find_unique({.where = user::id == 1 + i % 1000});
                   pgkit::bench::g_sink += u->id;
                 },
                 [&](int i) {
                   auto r = pool.query(fmt::format(R"(SELECT {} FROM "public"."User" WHERE "id" = $1)", kUserColumns),
                                       1 + i % 1000);
                   std::optional<benchdb::User> u;
                   if (!r.empty()) u = user_of(r[0]);
                   pgkit::bench::g_sink += u->id;
                 }});
  out.push_back({"find_many 20 + include author",
                 [&](int i) {
                   auto posts = db.post.find_many({.where = post::published == true && post::id > i % 19'000,
                                                   .order_by = {post::id.asc()},
                                                   .take = 20,
                                                   .include = {post::author}});
                   pgkit::bench::g_sink += posts.back().author->id;
                 },
                 [&](int i) {
                   auto r = pool.query(fmt::format(R"(SELECT {} FROM "public"."Post" WHERE ("published" = $1 AND )"
                                                   R"("id" > $2) ORDER BY "id" ASC LIMIT $3)",
                                                   kPostColumns),
                                       true, i % 19'000, std::int64_t{20});
                   std::vector<benchdb::Post> posts;
                   std::vector<std::int32_t> ids;
                   for (const auto& row : r) {
                     posts.push_back(post_of(row));
                     ids.push_back(posts.back().authorId);
                   }
                   auto authors = pool.query(
                       fmt::format(R"(SELECT "id", {} FROM "public"."User" WHERE "id" = ANY($1))", kUserColumns), ids);
                   std::map<std::int32_t, benchdb::User> by_id;
                   for (const auto& row : authors) by_id.emplace(row.get<std::int32_t>(0), user_of(row, 1));
                   for (auto& p : posts) p.author.set(by_id.at(p.authorId));
                   pgkit::bench::g_sink += posts.back().author->id;
                 }});
  out.push_back({"create post",
                 [&](int i) {
                   auto p = db.post.create({.data = {.title = "Hello", .content = "text", .authorId = 1 + i % 1000}});
                   pgkit::bench::g_sink += p.id;
                 },
                 [&](int i) {
                   auto now = std::chrono::time_point_cast<std::chrono::microseconds>(
                       std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
                   auto r = pool.query(
                       fmt::format(R"(INSERT INTO "public"."Post" ("title", "content", "authorId", "createdAt", )"
                                   R"("updatedAt") VALUES ($1, $2, $3, $4, $5) RETURNING {})",
                                   kPostColumns),
                       "Hello", "text", 1 + i % 1000, now, now);
                   pgkit::bench::g_sink += post_of(r.one()).id;
                 }});
  return out;
}

int run(const Options& o) {
  // Before the server: nothing to clean up when the peer cannot be prepared.
  std::optional<pgkit::bench::PrismaClientPeer> peer;
  if (o.peer == "prisma") peer = pgkit::bench::prepare_prisma_client_peer(o.prisma_client_dir);
  pgkit::bench::ThrowawayServer server({{"fsync", "off"}, {"shared_buffers", "128MB"}});
  pgkit::LocalCluster& pg = server.cluster();
  pgkit::LoadedConfig loaded = pgkit::parse_url(pg.url() + "?application_name=pgkit-client-bench");
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  pgkit::Config config = loaded.config;
  config.pool.min = config.pool.max = 1;
  auto pushed = pgkit::migrate::push(config, {.schema = PGKIT_BENCH_CLIENT_SCHEMA});
  if (!pushed.applied) throw std::runtime_error("db push of the bench schema refused");
  pgkit::Pool pool(config);
  pool.query(R"(INSERT INTO "User" (email, name) SELECT 'u' || n || '@example.com', 'User ' || n
                FROM generate_series(1, 1000) n)");
  pool.query(R"(INSERT INTO "Post" (title, content, published, "authorId", "updatedAt")
                SELECT 'Post ' || n, 'text', n % 2 = 0, 1 + n % 1000, now() FROM generate_series(1, 20000) n)");
  pool.query("VACUUM ANALYZE");
  benchdb::Client db(pool);
  // In the server's directory, removed with it.
  if (peer) pgkit::bench::generate_prisma_client(*peer, PGKIT_BENCH_CLIENT_SCHEMA, server.root() / "prisma-client");
  std::vector<pgkit::bench::PeerComparison> comparisons{{.in_flight = 1}};
  if (o.in_flight > 1) comparisons.push_back({.in_flight = o.in_flight});

  auto pairs = calls(pool, db);
  std::map<std::string, std::vector<Cost>> client, by_hand;
  for (int round = 0; round < o.rounds; ++round) {
    std::map<std::string, Cost> client_this_round;
    for (std::size_t k = 0; k < pairs.size(); ++k) {
      const auto& p = pairs[k];
      bool client_first = (round + static_cast<int>(k)) % 2 == 0;
      for (int side = 0; side < 2; ++side) {
        bool is_client = (side == 0) == client_first;
        Cost c = measure(o.calls, is_client ? p.client : p.by_hand);
        (is_client ? client : by_hand)[p.name].push_back(c);
        if (is_client) client_this_round[p.name] = c;
        std::cerr << fmt::format("round {} {:<32} {:<10} {:6.1f} µs CPU/call {:6.1f} µs/call\n", round + 1, p.name,
                                 is_client ? "client" : "pool.query", c.cpu_us, c.wall_us);
      }
    }
    if (peer)
      for (auto& c : comparisons)
        pgkit::bench::compare_round(c, *peer, config, pg.url(), o.calls, round + 1, client_this_round);
  }
  std::cout << fmt::format("\n{} calls per side per round, {} round(s), medians; client CPU per call\n", o.calls,
                           o.rounds);
  std::cout << fmt::format("{:<32} {:>14} {:>14} {:>13} {:>16} {:>16}\n", "call", "pool.query µs", "client µs",
                           "client/query", "wall client/query", "user client/query");
  std::string costlier;  // the calls above the target
  for (const auto& p : pairs) {
    auto med = [](const std::vector<Cost>& v, double Cost::*field) {
      std::vector<double> xs;
      for (const auto& c : v) xs.push_back(c.*field);
      return median(xs);
    };
    double a = med(by_hand[p.name], &Cost::cpu_us), b = med(client[p.name], &Cost::cpu_us);
    double wa = med(by_hand[p.name], &Cost::wall_us), wb = med(client[p.name], &Cost::wall_us);
    double ua = med(by_hand[p.name], &Cost::user_us), ub = med(client[p.name], &Cost::user_us);
    std::cout << fmt::format("{:<32} {:>14.1f} {:>14.1f} {:>12.3f}× {:>15.3f}× {:>15.3f}×\n", p.name, a, b, b / a,
                             wb / wa, ub / ua);
    if (b / a > 1.1) costlier += (costlier.empty() ? "" : "; ") + p.name;
  }
  std::cout << "target the client's CPU per call <= 1.1 x pool.query's: "
            << (costlier.empty() ? "met" : "missed for " + costlier) << "\n";
  if (peer) pgkit::bench::print_comparison(*peer, comparisons, o.calls, o.rounds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return pgkit::bench::run_main<Options>(
      argc, argv, "pgkit_client_bench", "the generated client against hand-written pool.query and Prisma Client 7",
      [](CLI::App& cli, Options& o) {
        cli.add_option("--calls", o.calls, "calls per side per round")->check(CLI::Range(1000, 10'000'000));
        cli.add_option("--rounds", o.rounds, "rounds; a figure is their median")->check(CLI::Range(1, 100));
        cli.add_option("--peer", o.peer, "prisma: also against Prisma Client 7 on Node; none: pool.query only")
            ->check(CLI::IsMember({"prisma", "none"}));
        cli.add_option("--in-flight", o.in_flight, "calls in flight in the second comparison with Prisma (1: none)")
            ->check(CLI::Range(1, 64));
        cli.add_option("--prisma-client-dir", o.prisma_client_dir,
                       "measure.ts and its node_modules (bench/peers/prisma-client)");
      },
      [](const Options& o) { return run(o); });
}
