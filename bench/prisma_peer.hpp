#pragma once
// Prisma's schema engine as pgkit_schema_bench's peer: bench/peers/prisma/measure.mjs run by
// Node.js, one process per mode, its JSON read back. It opens the engine with the test oracle's
// tests/oracle/engine.mjs and packages (`npm ci` there from its lockfile when missing). See
// measure.mjs for what each mode times.
//
// For bench/ only.

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pgkit::bench {

/// node and the directory holding measure.mjs.
struct PrismaPeer {
  std::filesystem::path node;
  std::filesystem::path dir;
};

/// node found, and `npm ci` run in oracle (tests/oracle) when its node_modules lacks a package,
/// before any server starts. @throws std::runtime_error saying what to install
PrismaPeer prepare_prisma_peer(const std::filesystem::path& dir, const std::filesystem::path& oracle);

/// What one measure.mjs process reported, and what it cost, from fork to exit.
struct PeerRun {
  std::map<std::string, std::vector<double>> ms;  ///< every number or list of numbers in its JSON, by key
  std::string json;
  double wall_ms = 0;  ///< fork to exit
  double cpu_ms = 0;   ///< the process's user + system time (wait4)
};

/// `node --experimental-wasm-modules measure.mjs MODE --schema S --dir D ARGS…` with
/// DATABASE_URL = database_url in its environment (never argv), in workdir.
/// @throws std::runtime_error with measure.mjs's error text when it fails
PeerRun run_measure(const PrismaPeer& peer, const std::string& mode, const std::string& database_url,
                    const std::filesystem::path& schema, const std::filesystem::path& dir,
                    const std::vector<std::string>& args, const std::filesystem::path& workdir);

/// The numbers of a JSON object (nested objects flattened: their keys taken as they are):
/// "k": 1.5 → {k: [1.5]}, "k": [1, 2] → {k: [1, 2]}; strings and booleans left out.
/// @throws std::runtime_error when json is not an object
std::map<std::string, std::vector<double>> json_numbers(const std::string& json);

}  // namespace pgkit::bench
