#pragma once
// pgkit_client_bench's second comparison: pgkit's generated client against Prisma Client 7 on
// Node (prisma_client_peer.hpp), the same three calls on the same server and data — throughput
// and client CPU per call, with one call in flight and with several.
//
// For bench/ only.

#include <array>
#include <map>
#include <string>
#include <vector>

#include "pgkit/pool.hpp"
#include "prisma_client_peer.hpp"

namespace pgkit::bench {

/// Calls of warm-up before each counted run, on every side.
inline constexpr int kWarmupCalls = 1000;

/// What a call cost the client, per call.
struct Cost {
  double cpu_us = 0;   // client CPU (user + system)
  double wall_us = 0;  // wall time: 1e6 / wall_us calls per second
  double user_us = 0;  // client CPU in user space alone (0 where not measured)
};

/// The three calls: as client_vs_query.cpp names them, and as measure.ts does.
struct CallName {
  const char* bench;
  const char* prisma;
};
inline constexpr std::array<CallName, 3> kCallNames{{{"find_unique by id", "find_unique"},
                                                     {"find_many 20 + include author", "find_many_include"},
                                                     {"create post", "create"}}};

/// Each call's costs, one per round, by the bench's name of the call.
using CostsByCall = std::map<std::string, std::vector<Cost>>;

/// The rounds of one comparison (one number of calls in flight).
struct PeerComparison {
  int in_flight = 1;
  CostsByCall pgkit, prisma;
  std::vector<double> prisma_process_cpu_s;  ///< each measure.ts process, wait4
  std::vector<double> prisma_process_calls;  ///< every call it made, warm-ups included
};

/// One round of c: measure.ts with c.in_flight calls in flight, and pgkit's the same way — with
/// one in flight, the blocking client's figures of the round (`blocking`, measured by the
/// caller on a pool of one); with more, pgkit_in_flight on a pool of c.in_flight connections.
/// Which side goes first alternates with the round. Each figure is said on stderr.
void compare_round(PeerComparison& c, const PrismaClientPeer& peer, const Config& config,
                   const std::string& database_url, int calls, int round, const std::map<std::string, Cost>& blocking);

/// pgkit's generated AsyncClient on a pool of in_flight connections (made from config): the three
/// calls, each kWarmupCalls times and then `calls` times counted, in_flight coroutines on one
/// thread each taking the next call when its own is done (as measure.ts's loops do). This
/// process's CPU (getrusage) and wall time per counted call.
std::map<std::string, Cost> pgkit_in_flight(const Config& config, int calls, int in_flight);

/// The table of medians, the ratios and the targets (pgkit ≥ 3× Prisma's throughput, ≤ ⅕
/// of its client CPU per call) met or missed, on stdout.
void print_comparison(const PrismaClientPeer& peer, const std::vector<PeerComparison>& comparisons, int calls,
                      int rounds);

}  // namespace pgkit::bench
