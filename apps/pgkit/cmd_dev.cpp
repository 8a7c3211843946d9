// pgkit dev: a local PostgreSQL for development in ./.pgkit/, started or reused, on a free
// port, with the machine's PostgreSQL 15 server binaries. The embedded default.
#include <fstream>
#include <functional>
#include <iostream>

#include <sys/stat.h>

#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/local_cluster.hpp"

namespace pgkit::cli {
namespace {

namespace fs = std::filesystem;

struct DevOptions {
  std::string dir = ".pgkit";
  int port = 0;
  bool stop = false;
  bool print_url = false;
};

// Where the cluster lives: dir/data, unless the server user cannot reach dir (we are root in
// a root-only home): then a directory under /tmp named after dir, recorded in dir/location.
fs::path data_dir_for(const fs::path& dir) {
  fs::create_directories(dir);
  fs::path location = dir / "location";
  if (std::ifstream in{location}; in) {
    std::string p;
    std::getline(in, p);
    if (!p.empty()) return p;
  }
  try {
    LocalCluster::prepare_dir(dir);
    return dir / "data";
  } catch (const std::exception&) {
    fs::path alt =
        fs::temp_directory_path() / fmt::format("pgkit-dev-{:x}", std::hash<std::string>{}(fs::absolute(dir).string()));
    LocalCluster::prepare_dir(alt);
    std::ofstream(location) << (alt / "data").string() << "\n";
    return alt / "data";
  }
}

int dev(const DevOptions& o) {
  fs::path dir = fs::absolute(o.dir);
  fs::path data = data_dir_for(dir);
  LocalCluster cluster({.data_dir = data, .port = o.port});
  if (o.stop) {
    cluster.stop();
    fmt::print(stderr, "stopped the local PostgreSQL in {}\n", data.string());
    return kOk;
  }
  cluster.start();
  cluster.keep_running();
  std::string url = cluster.url("postgres");
  // The URL (with the password of this local, loopback-only server) goes to a 0600 file.
  fs::path env_file = dir / "env";
  {
    std::ofstream out(env_file, std::ios::trunc);
    out << "DATABASE_URL=" << url << "\n";
  }
  ::chmod(env_file.c_str(), 0600);
  if (o.print_url) {
    std::cout << url << "\n";
  } else {
    fmt::print("local PostgreSQL running: {} (data in {})\n", mask_secrets(url), data.string());
    fmt::print("its DATABASE_URL is in {}; use it with:\n  export $(cat {})\n", env_file.string(), env_file.string());
    fmt::print("stop it with: pgkit dev --stop\n");
  }
  return kOk;
}

}  // namespace

void add_dev_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("dev", "Start (or reuse) a local PostgreSQL in ./.pgkit and print its URL");
  auto o = std::make_shared<DevOptions>();
  cmd->add_option("--dir", o->dir, "State directory (default .pgkit)");
  cmd->add_option("--port", o->port, "Port (default: a free one in 20000-32000)");
  cmd->add_flag("--stop", o->stop, "Stop the local server");
  cmd->add_flag("--print-url", o->print_url, "Print only the full DATABASE_URL (password included), for scripts");
  cmd->callback([o, &exit_code] { exit_code = dev(*o); });
}

}  // namespace pgkit::cli
