#pragma once
// Prisma Client 7 on Node as pgkit_client_bench's peer: bench/peers/prisma-client/measure.ts run
// by tsx, one process per run, its JSON read back. The packages are pinned there (`npm ci` from
// its lockfile when node_modules lacks one); the client is what `prisma generate` writes from
// the bench's schema.prisma, into a directory of the run (never the source tree).
//
// For bench/ only.

#include <filesystem>
#include <map>
#include <string>

namespace pgkit::bench {

/// node, the directory holding measure.ts and its node_modules, and the generated client.
struct PrismaClientPeer {
  std::filesystem::path node;
  std::string node_version;    ///< "v20.20.2"
  std::string prisma_version;  ///< @prisma/client's, as installed: "7.10.1"
  std::filesystem::path dir;
  std::filesystem::path client;  ///< the client.ts `prisma generate` wrote; empty before generate
};

/// node (20.19 or later, as Prisma 7 requires) found, and `npm ci` run in dir when its
/// node_modules lacks a package. Before any server starts.
/// @throws std::runtime_error saying what is missing and what to do
PrismaClientPeer prepare_prisma_client_peer(const std::filesystem::path& dir);

/// `prisma generate` of a copy of schema in workdir (a fresh directory of the run, which gets a
/// package.json of "type": "module" and a link to the peer's node_modules, so that the generated
/// TypeScript finds @prisma/client): sets peer.client. Offline: Prisma's CLI only checks that a
/// schema engine exists, and PRISMA_SCHEMA_ENGINE_BINARY=/bin/true is one.
/// @throws std::runtime_error with Prisma's output when it fails
void generate_prisma_client(PrismaClientPeer& peer, const std::filesystem::path& schema,
                            const std::filesystem::path& workdir);

/// What one measure.ts process reported for each call, per call, and what it cost in all.
struct PrismaClientRun {
  std::map<std::string, double> cpu_us;   ///< by measure.ts's call name: process.cpuUsage over the counted calls
  std::map<std::string, double> wall_us;  ///< the same loop's wall time
  double process_cpu_s = 0;               ///< the whole process (start, tsx, warm-ups included), from wait4
  double process_wall_s = 0;              ///< fork to exit
};

/// `node --import tsx measure.ts --client … --calls N --warmup W --in-flight K`, with DATABASE_URL
/// = database_url in its environment (never argv).
/// @throws std::runtime_error with measure.ts's output when it fails
PrismaClientRun run_prisma_client(const PrismaClientPeer& peer, const std::string& database_url, int calls, int warmup,
                                  int in_flight);

}  // namespace pgkit::bench
