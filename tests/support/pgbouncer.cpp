#include "pgbouncer.hpp"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "eventually.hpp"
#include "local/server_user.hpp"
#include "test_server.hpp"

namespace pgkit::test {
namespace fs = std::filesystem;
namespace {

constexpr const char* kPgBouncer = "/usr/sbin/pgbouncer";
constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr int kStartAttempts = 5;  // a port taken between free_port() and pgbouncer's bind

// auth_file quotes its fields and doubles a quote inside one.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void write_file(const fs::path& path, const std::string& text) {
  {
    std::ofstream out(path, std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  detail::give_to_server_user(path);
}

// The account pgbouncer runs as when we are root, looked up before fork (the child may not
// allocate or read /etc/passwd).
struct Account {
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

Account server_account() {
  const passwd* pw = getpwnam("postgres");
  if (!pw) throw std::runtime_error("no `postgres` user to run pgbouncer as (pgbouncer refuses to run as root)");
  Account a{pw->pw_uid, pw->pw_gid, std::vector<gid_t>(32)};
  int count = static_cast<int>(a.groups.size());
  while (getgrouplist(pw->pw_name, pw->pw_gid, a.groups.data(), &count) < 0) a.groups.resize(count);
  a.groups.resize(count);
  return a;
}

// Forks and execs pgbouncer; called on the thread that stays its parent until it exits.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log, const Account* account) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const std::string log_path = log.string();
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid != 0) return pid;
  // The child: async-signal-safe calls only.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  setpgid(0, 0);  // a terminal's Ctrl-C goes to the tests, which then stop it themselves
  const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  if (out < 0) _exit(126);
  if (account && fchown(out, account->uid, account->gid) != 0) _exit(126);
  const int in = open("/dev/null", O_RDONLY);
  if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
  syscall(SYS_close_range, 3U, ~0U, 0U);  // no test socket may stay open in pgbouncer
  if (account && (setgroups(account->groups.size(), account->groups.data()) != 0 || setgid(account->gid) != 0 ||
                  setuid(account->uid) != 0))
    _exit(126);
  // After setuid, which clears it: pgbouncer dies with the thread that started it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(125);  // that thread is gone already
  execv(args[0], args.data());
  _exit(127);
}

bool accepts_queries(const std::string& url) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb((url + "?connect_timeout=2").c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) return false;
  std::unique_ptr<PGresult, decltype(&PQclear)> r(PQexec(conn.get(), "SELECT 1"), &PQclear);
  return PQresultStatus(r.get()) == PGRES_TUPLES_OK;
}

}  // namespace

PgBouncer::PgBouncer(const LocalCluster& server, PgBouncerOptions options) : server_(server) {
  if (!fs::exists(kPgBouncer))
    throw std::runtime_error(
        fmt::format("{} is missing: apt-get install pgbouncer (scripts/lib/setup.sh lists it)", kPgBouncer));
  std::optional<Account> account;
  if (detail::running_as_root()) account = server_account();
  static std::atomic<int> made{0};
  dir_ = server.data_dir().parent_path() / fmt::format("pgbouncer-{}-{}", getpid(), ++made);
  fs::create_directories(dir_);
  fs::permissions(dir_, fs::perms::owner_all);  // it holds the server's password
  detail::give_to_server_user(dir_);
  write_file(dir_ / "userlist.txt", quoted(server.user()) + " " + quoted(server.password()) + "\n");
  const fs::path log = dir_ / "pgbouncer.log";

  for (int attempt = 1;; ++attempt) {
    port_ = LocalCluster::free_port();
    write_file(dir_ / "pgbouncer.ini",
               fmt::format("[databases]\n"
                           "* = host=127.0.0.1 port={server_port}\n"
                           "\n[pgbouncer]\n"
                           "listen_addr = 127.0.0.1\n"
                           "listen_port = {port}\n"
                           "unix_socket_dir =\n"
                           "auth_type = scram-sha-256\n"
                           "auth_file = {dir}/userlist.txt\n"
                           "pool_mode = {mode}\n"
                           "default_pool_size = {size}\n"
                           "max_client_conn = {clients}\n"
                           "ignore_startup_parameters = extra_float_digits\n"
                           "server_login_retry = 1\n"
                           "log_connections = 0\n"
                           "log_disconnections = 0\n",
                           fmt::arg("server_port", server.port()), fmt::arg("port", port_),
                           fmt::arg("dir", dir_.string()), fmt::arg("mode", options.pool_mode),
                           fmt::arg("size", options.default_pool_size), fmt::arg("clients", options.max_client_conn)));
    std::promise<pid_t> started;
    auto pid_future = started.get_future();
    const std::vector<std::string> argv{kPgBouncer, (dir_ / "pgbouncer.ini").string()};
    const Account* as = account ? &*account : nullptr;
    auto exited = exited_ = std::make_shared<std::atomic<bool>>(false);
    waiter_ = std::thread([&started, argv, log, as, exited] {
      pid_t pid = 0;
      try {
        pid = spawn(argv, log, as);
        started.set_value(pid);
      } catch (...) {
        started.set_exception(std::current_exception());
        return;
      }
      while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {}
      *exited = true;
    });
    try {
      pid_ = pid_future.get();
    } catch (...) {
      waiter_.join();
      throw;
    }
    if (eventually([&] { return *exited || accepts_queries(url(false)); }, kStartTimeout) && !*exited) return;
    const std::string tail = log_tail();
    stop();
    if (*exited && attempt < kStartAttempts && tail.find("Address already in use") != std::string::npos) continue;
    throw std::runtime_error(
        fmt::format("pgbouncer on 127.0.0.1:{} in front of port {} {}; last lines of {}:\n{}", port_, server.port(),
                    *exited ? "exited" : "did not accept a query within 15 s", log.string(), tail));
  }
}

PgBouncer::~PgBouncer() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void PgBouncer::stop() noexcept {
  if (!waiter_.joinable()) return;
  ::kill(pid_, SIGTERM);  // pgbouncer: immediate shutdown
  if (!eventually([&] { return exited_->load(); }, std::chrono::seconds(5)))
    ::kill(pid_, SIGKILL);  // the waiter has not reaped it, so pid_ is still ours
  waiter_.join();
  pid_ = 0;
}

std::string PgBouncer::url(bool pgbouncer_setting, const std::string& dbname) const {
  // The server's URL with pgbouncer's port: same user, password and database.
  std::string u = server_.url(dbname);
  const std::string server_port = fmt::format(":{}/", server_.port());
  u.replace(u.rfind(server_port), server_port.size(), fmt::format(":{}/", port_));
  return pgbouncer_setting ? u + "?pgbouncer=true" : u;
}

std::string PgBouncer::log_tail(int lines) const {
  std::ifstream in(dir_ / "pgbouncer.log");
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (static_cast<int>(last.size()) > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += l + "\n";
  return out;
}

bool through_pgbouncer() {
  const char* v = std::getenv("PGKIT_TEST_THROUGH_PGBOUNCER");
  return v && std::string(v) == "1";
}

PgBouncer& shared_bouncer() {
  // Constructed after the shared server's harness, so destroyed (stopped) before it at exit:
  // the harness then finds no child of ours still running.
  static PgBouncer bouncer(shared_server(), PgBouncerOptions{.default_pool_size = 5});
  return bouncer;
}

}  // namespace pgkit::test
