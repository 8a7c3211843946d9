// Prisma's side of pgkit_schema_bench: see prisma_peer.hpp.
#include "prisma_peer.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>

#include <boost/json/parse.hpp>
#include <fmt/format.h>

#include "bench_common.hpp"
#include "bench_tools.hpp"

namespace pgkit::bench {

namespace fs = std::filesystem;

PrismaPeer prepare_prisma_peer(const fs::path& given, const fs::path& oracle) {
  const fs::path dir = fs::absolute(given), packages = fs::absolute(oracle);
  if (!fs::exists(dir / "measure.mjs"))
    throw std::runtime_error(
        fmt::format("no measure.mjs in {}: pass --prisma-dir with bench/peers/prisma of the "
                    "pgkit source tree",
                    dir.string()));
  if (!fs::exists(packages / "engine.mjs") || !fs::exists(packages / "package-lock.json"))
    throw std::runtime_error(
        fmt::format("no engine.mjs and package-lock.json in {}: the test oracle "
                    "(tests/oracle of the pgkit source tree) holds Prisma's packages",
                    packages.string()));
  PrismaPeer peer{find_program("node"), dir};
  if (peer.node.empty())
    throw std::runtime_error("`node` not found: install Node.js 20 or later and npm (apt-get install nodejs npm)");
  // Every package engine.mjs imports; `npm ci` installs exactly the lockfile.
  if (!has_node_packages(packages, {"@prisma/schema-engine-wasm", "@prisma/prisma-schema-wasm", "@prisma/adapter-pg",
                                    "@prisma/driver-adapter-utils", "pg", "pg-connection-string"}))
    npm_install(packages, "ci");
  return peer;
}

PeerRun run_measure(const PrismaPeer& peer, const std::string& mode, const std::string& database_url,
                    const fs::path& schema, const fs::path& dir, const std::vector<std::string>& args,
                    const fs::path& workdir) {
  std::vector<std::string> argv{peer.node.string(),
                                "--experimental-wasm-modules",
                                (peer.dir / "measure.mjs").string(),
                                mode,
                                "--schema",
                                schema.string(),
                                "--dir",
                                dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  // The URL holds the password: environment only. NODE_PATH would not help an ES module:
  // measure.mjs imports the oracle's engine.mjs by path, which finds its packages beside itself.
  std::vector<std::string> env{"DATABASE_URL=" + database_url, "PATH=/usr/bin:/bin", "LC_ALL=C"};
  const auto t0 = std::chrono::steady_clock::now();
  ToolRun run = run_captured(argv, env, workdir);
  PeerRun out;
  out.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  out.cpu_ms = run.cost.cpu * 1e3;
  // stdout and stderr come together: the JSON is the last line that starts with '{'.
  const std::size_t end = run.output.find_last_not_of('\n');
  const std::size_t start = end == std::string::npos ? end : run.output.rfind('\n', end);
  std::string last = end == std::string::npos ? "" : run.output.substr(start == std::string::npos ? 0 : start + 1);
  if (run.status != 0 || last.empty() || last[0] != '{')
    throw std::runtime_error(
        fmt::format("Prisma's engine: `measure.mjs {}` failed (exit {}):\n{}", mode, run.status, run.output));
  out.json = last;
  out.ms = json_numbers(last);
  return out;
}

namespace {

void collect_numbers(const boost::json::object& object, std::map<std::string, std::vector<double>>& out) {
  for (const auto& [key, value] : object) {
    if (value.is_object()) {
      collect_numbers(value.get_object(), out);
    } else if (value.is_number()) {
      out[std::string(key)].push_back(value.to_number<double>());
    } else if (value.is_array()) {
      std::vector<double>& list = out[std::string(key)];
      for (const auto& item : value.get_array())
        if (item.is_number()) list.push_back(item.to_number<double>());
    }
  }
}

}  // namespace

std::map<std::string, std::vector<double>> json_numbers(const std::string& json) {
  std::map<std::string, std::vector<double>> out;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(json, ec);
  if (ec || !value.is_object()) throw std::runtime_error(fmt::format("not a JSON object ({}): {}", ec.message(), json));
  collect_numbers(value.get_object(), out);
  return out;
}

}  // namespace pgkit::bench
