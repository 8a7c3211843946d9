/// @file machine.cpp
/// LocalCluster's static members: what a local server needs from the machine (its binaries, a
/// free port, directories the server user can use) and running its programs.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <stdexcept>

#include <fmt/format.h>

#include "local/server_binaries.hpp"
#include "local/server_user.hpp"
#include "pgkit/error.hpp"
#include "pgkit/local_cluster.hpp"

namespace pgkit {
namespace fs = std::filesystem;

namespace {

constexpr int kPortMin = 20000;  // [kPortMin, kPortEnd): below Linux's ephemeral ports (32768+)
constexpr int kPortEnd = 32000;
constexpr int kPortTries = 100;

bool port_binds(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

// On Debian, `pg_config --bindir` names /usr/lib/postgresql/<major>/bin.
fs::path detail::find_server_bin_dir() {
  if (const char* given = std::getenv("PGKIT_PG_BINDIR"); given && *given) {
    if (fs::exists(fs::path(given) / "pg_ctl")) return given;
    throw ConfigError({.message = fmt::format("PGKIT_PG_BINDIR={} holds no pg_ctl", given),
                       .hint = "name the folder of PostgreSQL's server programs (initdb, pg_ctl, postgres), or "
                               "unset it to use `pg_config --bindir`"});
  }
  std::string out;
  if (FILE* pipe = ::popen("pg_config --bindir 2>/dev/null", "r")) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
    ::pclose(pipe);
  }
  const fs::path dir = out.substr(0, out.find_first_of("\r\n"));
  if (!dir.empty() && fs::exists(dir / "pg_ctl")) return dir;
  throw ConfigError(
      {.message = dir.empty() ? "PostgreSQL's server programs not found: `pg_config --bindir` gave no folder"
                              : fmt::format("PostgreSQL's server programs not found: `pg_config --bindir` names {}, "
                                            "which holds no pg_ctl",
                                            dir.string()),
       .hint = "install postgresql-15 (Debian: apt-get install postgresql-15), or set PGKIT_PG_BINDIR to the folder "
               "holding pg_ctl"});
}

fs::path detail::server_bin_dir() {
  // Never destroyed: a static LocalCluster (or the test harness) stops its server at exit,
  // after function statics made later than it are gone.
  static const fs::path* const dir = new fs::path(find_server_bin_dir());
  return *dir;
}

fs::path LocalCluster::find_bin_dir() { return detail::find_server_bin_dir(); }
fs::path LocalCluster::bin_dir() { return detail::server_bin_dir(); }

int LocalCluster::run_tool(const std::vector<std::string>& argv, const fs::path& log) {
  if (argv.empty() || argv[0].find('/') != std::string::npos) return detail::run_as_server_user(argv, log);
  // A bare name ("pg_ctl") is one of the server binaries.
  std::vector<std::string> resolved = argv;
  resolved[0] = (bin_dir() / argv[0]).string();
  return detail::run_as_server_user(resolved, log);
}

void LocalCluster::prepare_dir(const fs::path& dir) {
  fs::path target = fs::absolute(dir).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();
  // Only what we create, or an empty directory made for us, is ours to give away: never /tmp.
  std::vector<fs::path> ours;
  for (fs::path p = target; !fs::exists(p); p = p.parent_path()) ours.push_back(p);
  fs::create_directories(target);
  if (!detail::running_as_root()) return;
  if (ours.empty() && fs::is_empty(target)) ours.push_back(target);
  for (const auto& p : ours) detail::give_to_server_user(p);

  const fs::path blocked = detail::unreachable_component(target);
  if (blocked.empty()) return;
  struct stat st {};
  ::stat(blocked.c_str(), &st);
  throw Error(
      {.message = fmt::format(
           "the postgres user (which runs the server, as pgkit runs as root) cannot {} {} (mode {:04o}, owner uid {}): "
           "make it mode 0755 (a root-only `mktemp -d` is 0700) or chown it to postgres",
           blocked == target ? "write to" : "enter", blocked.string(), st.st_mode & 07777, st.st_uid),
       .hint = {}});
}

int LocalCluster::free_port() {
  thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<int> pick(kPortMin, kPortEnd - 1);
  for (int i = 0; i < kPortTries; ++i) {
    const int port = pick(random);
    if (port_binds(port)) return port;
  }
  throw Error(
      {.message = fmt::format("no free TCP port on 127.0.0.1 in [{}, {}) after {} tries: too many servers running?",
                              kPortMin, kPortEnd, kPortTries),
       .hint = "stop servers left running by earlier runs (ps -C postgres)"});
}

}  // namespace pgkit
