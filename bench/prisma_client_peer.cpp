// Prisma Client's side of pgkit_client_bench: see prisma_client_peer.hpp.
#include "prisma_client_peer.hpp"

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "bench_common.hpp"
#include "bench_tools.hpp"
#include "prisma_peer.hpp"  // json_numbers

namespace pgkit::bench {

namespace fs = std::filesystem;

namespace {

// Prisma 7's engines field: ^20.19 || ^22.12 || >= 24.
bool prisma_runs_on(const std::string& version) {
  int major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "v%d.%d", &major, &minor) != 2) return false;
  return (major == 20 && minor >= 19) || (major == 22 && minor >= 12) || major >= 24;
}

// The environment of every Node process of the peer: node's own directory first in PATH.
std::vector<std::string> node_environment(const PrismaClientPeer& peer) {
  return {"PATH=" + peer.node.parent_path().string() + ":/usr/bin:/bin", "LC_ALL=C", "NODE_ENV=production"};
}

// The "version" of a package.json (the first such key: npm writes it near the top), or "?".
std::string package_version(const fs::path& package_json) {
  std::ifstream in(package_json);
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::string key = "\"version\": \"";
  const std::size_t at = text.find(key), end = at == std::string::npos ? at : text.find('"', at + key.size());
  return end == std::string::npos ? "?" : text.substr(at + key.size(), end - at - key.size());
}

}  // namespace

PrismaClientPeer prepare_prisma_client_peer(const fs::path& given) {
  PrismaClientPeer peer{find_program("node"), "", "", fs::absolute(given), {}};
  if (!fs::exists(peer.dir / "measure.ts") || !fs::exists(peer.dir / "package-lock.json"))
    throw std::runtime_error(
        fmt::format("no measure.ts and package-lock.json in {}: pass --prisma-client-dir with "
                    "bench/peers/prisma-client of the pgkit source tree",
                    peer.dir.string()));
  if (peer.node.empty())
    throw std::runtime_error(
        "`node` not found: Prisma Client 7 needs Node.js 20.19 or later (or run with --peer none "
        "to measure without it)");
  ToolRun version = run_captured({peer.node.string(), "--version"}, node_environment(peer));
  peer.node_version = version.output.substr(0, version.output.find_first_of("\r\n"));
  if (version.status != 0 || !prisma_runs_on(peer.node_version))
    throw std::runtime_error(
        fmt::format("{} is Node.js {}: Prisma Client 7 needs ^20.19, ^22.12 or 24 and later (or run with --peer none "
                    "to measure without it)",
                    peer.node.string(), peer.node_version));
  // `npm ci` installs exactly the lockfile; the peer's .npmrc turns off install scripts (Prisma's
  // would try to download engines, which the client of Prisma 7 does not use).
  if (!has_node_packages(peer.dir, {"prisma", "@prisma/client", "@prisma/adapter-pg", "pg", "tsx"}))
    npm_install(peer.dir, "ci");
  peer.prisma_version = package_version(peer.dir / "node_modules/@prisma/client/package.json");
  return peer;
}

void generate_prisma_client(PrismaClientPeer& peer, const fs::path& schema, const fs::path& workdir) {
  fs::create_directories(workdir);
  fs::copy_file(schema, workdir / "schema.prisma", fs::copy_options::overwrite_existing);
  // The generated files are ES modules that import @prisma/client: Node finds it through the
  // link, and tsx reads .ts files as ES modules under a package.json that says so.
  if (std::FILE* f = std::fopen((workdir / "package.json").c_str(), "w")) {
    std::fputs("{\"type\": \"module\", \"private\": true}\n", f);
    std::fclose(f);
  }
  if (!fs::exists(workdir / "node_modules"))
    fs::create_directory_symlink(peer.dir / "node_modules", workdir / "node_modules");

  std::vector<std::string> argv{peer.node.string(), (peer.dir / "node_modules/prisma/build/index.js").string(),
                                "generate", "--schema", "schema.prisma"};
  std::vector<std::string> env = node_environment(peer);
  const fs::path engine = find_program("true");  // any executable: generate only checks it is there
  env.insert(env.end(), {"PRISMA_SCHEMA_ENGINE_BINARY=" + (engine.empty() ? "/bin/true" : engine.string()),
                         "CHECKPOINT_DISABLE=1", "PRISMA_HIDE_UPDATE_MESSAGE=1", "HOME=" + workdir.string()});
  fmt::print(stderr, "prisma generate in {} …\n", workdir.string());
  ToolRun run = run_captured(argv, env, workdir);
  const fs::path client = workdir / "generated" / "client.ts";
  if (run.status != 0 || !fs::exists(client))
    throw std::runtime_error(fmt::format("`prisma generate` in {} failed (exit {}), no {}:\n{}", workdir.string(),
                                         run.status, client.string(), run.output));
  peer.client = client;
}

PrismaClientRun run_prisma_client(const PrismaClientPeer& peer, const std::string& database_url, int calls, int warmup,
                                  int in_flight) {
  std::vector<std::string> argv{peer.node.string(),
                                "--import",
                                "tsx",
                                "measure.ts",
                                "--client",
                                peer.client.string(),
                                "--calls",
                                std::to_string(calls),
                                "--warmup",
                                std::to_string(warmup),
                                "--in-flight",
                                std::to_string(in_flight)};
  std::vector<std::string> env = node_environment(peer);
  env.push_back("DATABASE_URL=" + database_url);  // it holds the password: environment only
  const auto t0 = std::chrono::steady_clock::now();
  ToolRun run = run_captured(argv, env, peer.dir);
  PrismaClientRun out;
  out.process_wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  out.process_cpu_s = run.cost.cpu;
  // stdout and stderr come together: the JSON is the last line that starts with '{'.
  const std::size_t end = run.output.find_last_not_of('\n');
  const std::size_t start = end == std::string::npos ? end : run.output.rfind('\n', end);
  const std::string last =
      end == std::string::npos ? "" : run.output.substr(start == std::string::npos ? 0 : start + 1);
  if (run.status != 0 || last.empty() || last[0] != '{')
    throw std::runtime_error(fmt::format("Prisma Client: `{}` in {} failed (exit {}):\n{}", joined(argv),
                                         peer.dir.string(), run.status, run.output));
  for (const auto& [key, values] : json_numbers(last)) {
    const std::size_t dot = key.rfind('.');
    if (dot == std::string::npos || values.empty()) continue;
    const std::string call = key.substr(0, dot), what = key.substr(dot + 1);
    if (what == "cpu_us") out.cpu_us[call] = values[0];
    if (what == "wall_us") out.wall_us[call] = values[0];
  }
  return out;
}

}  // namespace pgkit::bench
