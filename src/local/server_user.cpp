#include "local/server_user.hpp"
#include "pgkit/error.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace pgkit::detail {
namespace fs = std::filesystem;
namespace {

/// The account Debian's packages run PostgreSQL as.
constexpr const char* kServerUser = "postgres";

struct Account {
  uid_t uid;
  gid_t gid;
  std::vector<gid_t> groups;  // what initgroups() would set, looked up before fork
};

const Account& server_account() {
  // Never destroyed: servers are stopped from static destructors at exit too.
  static const Account& account = *new Account([] {
    const passwd* pw = getpwnam(kServerUser);
    if (pw == nullptr) {
      throw Error({.message = fmt::format(
                       "no `{}` system user, which runs the server when pgkit runs as root: install postgresql-15 "
                       "(it creates the user) or run as an ordinary user",
                       kServerUser),
                   .hint = {}});
    }
    Account a{pw->pw_uid, pw->pw_gid, std::vector<gid_t>(32)};
    int count = static_cast<int>(a.groups.size());
    while (getgrouplist(pw->pw_name, pw->pw_gid, a.groups.data(), &count) < 0) {
      a.groups.resize(static_cast<size_t>(count));  // count now holds the size needed
    }
    a.groups.resize(static_cast<size_t>(count));
    return a;
  }());
  return account;
}

/// In a forked child: switch to the account. Only async-signal-safe calls, because the parent
/// may have had other threads (initgroups() is not safe here, hence the group list fetched earlier).
bool become(const Account& account) {
  return setgroups(account.groups.size(), account.groups.data()) == 0 && setgid(account.gid) == 0 &&
         setuid(account.uid) == 0;
}

void say(int fd, const char* text) {
  if (write(fd, text, strlen(text)) < 0) {
    // Nowhere left to report it.
  }
}

/// Fork, run `child` in the child (it must exec or _exit), wait and return the exit code.
template <class Child>
int fork_and_wait(Child&& child) {
  const pid_t pid = fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    child();
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct ProcessStat {
  std::string name;
  char state = '?';
  pid_t parent = 0;
};

std::optional<ProcessStat> read_stat(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // "pid (name) state ppid …": the name may hold spaces and parentheses, so cut at the last ')'.
  const auto open = line.find('(');
  const auto close = line.rfind(')');
  if (open == std::string::npos || close == std::string::npos || close + 2 > line.size()) return std::nullopt;
  ProcessStat stat;
  stat.name = line.substr(open + 1, close - open - 1);
  std::istringstream rest(line.substr(close + 2));
  rest >> stat.state >> stat.parent;
  return stat;
}

/// A zombie has released its port, memory and files; nobody may ever reap it (PID 1 in a
/// container often does not), so for us it is gone.
bool alive(pid_t pid) {
  const auto stat = read_stat(pid);
  return stat && stat->state != 'Z' && stat->state != 'X';
}

std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> children;
  std::error_code ec;
  for (fs::directory_iterator it("/proc", ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    const pid_t pid = std::stoi(name);
    if (const auto stat = read_stat(pid); stat && stat->parent == parent) children.push_back(pid);
  }
  return children;
}

}  // namespace

bool running_as_root() { return geteuid() == 0; }

int run_as_server_user(const std::vector<std::string>& argv, const fs::path& log) {
  if (argv.empty()) throw std::invalid_argument("run_as_server_user: empty argv");
  const Account* account = running_as_root() ? &server_account() : nullptr;
  // Everything the child needs is prepared here: after fork it may not allocate.
  std::vector<char*> args;
  for (const auto& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  const std::string log_path = log.string();

  return fork_and_wait([&] {
    // An application that blocks signals (for a sigwait thread) must not hand its mask to the server.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (out < 0) {
      say(2, "pgkit: cannot open the log file ");
      say(2, log_path.c_str());
      say(2, "\n");
      _exit(126);
    }
    // The server appends to the same file later as postgres (pg_ctl -l).
    if (account != nullptr && fchown(out, account->uid, account->gid) != 0) {
      // pg_ctl will say it cannot write the log; that is the clearer message.
    }
    const int in = open("/dev/null", O_RDONLY);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    // Nothing of ours may leak into a postmaster that outlives us: a pipe held open there would
    // keep a test runner waiting for EOF.
    if (close_range(3, ~0U, 0) != 0) {
      for (int fd = 3; fd < 4096; ++fd) close(fd);
    }
    if (account != nullptr) {
      if (!become(*account)) {
        say(2, "pgkit: cannot switch to the postgres user\n");
        _exit(126);
      }
      // initdb and postgres look up their own path from the working directory; root's (say
      // /root) is closed to postgres.
      if (access(".", X_OK) != 0 && chdir("/") != 0) {
        // "/" is always enterable.
      }
    }
    execv(args[0], args.data());
    say(2, "pgkit: cannot execute ");
    say(2, args[0]);
    say(2, "\n");
    _exit(127);
  });
}

fs::path unreachable_component(const fs::path& dir) {
  if (!running_as_root()) return {};
  std::vector<std::string> steps;  // "/", "/tmp", "/tmp/a", … down to dir
  for (fs::path p = dir;; p = p.parent_path()) {
    steps.push_back(p.string());
    if (p == p.parent_path()) break;
  }
  std::reverse(steps.begin(), steps.end());
  const Account& account = server_account();
  // Ask as postgres itself: its groups and ACLs decide, not the mode bits we could read.
  const int code = fork_and_wait([&] {
    if (!become(account)) _exit(255);
    for (size_t i = 0; i < steps.size(); ++i) {
      const int mode = i + 1 == steps.size() ? X_OK | W_OK : X_OK;
      if (access(steps[i].c_str(), mode) != 0) _exit(static_cast<int>(std::min<size_t>(i + 1, 254)));
    }
    _exit(0);
  });
  if (code == 0) return {};
  if (code == 255)
    throw Error({.message = fmt::format("cannot switch to the postgres user to check {}", dir.string()), .hint = {}});
  return steps[std::min(static_cast<size_t>(code - 1), steps.size() - 1)];
}

void give_to_server_user(const fs::path& path) {
  if (!running_as_root()) return;
  const Account& account = server_account();
  if (chown(path.c_str(), account.uid, account.gid) != 0) {
    throw std::system_error(errno, std::generic_category(), "chown postgres " + path.string());
  }
}

bool process_running(pid_t pid, const std::string& name) {
  const auto stat = read_stat(pid);
  return stat && stat->state != 'Z' && stat->state != 'X' && stat->name == name;
}

void kill_with_children(pid_t pid, std::chrono::milliseconds timeout) {
  // Stopped, it cannot fork a child between our listing its children and killing it.
  ::kill(pid, SIGSTOP);
  std::vector<pid_t> doomed = children_of(pid);
  doomed.insert(doomed.begin(), pid);
  for (const pid_t p : doomed) ::kill(p, SIGKILL);

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    std::erase_if(doomed, [](pid_t p) { return !alive(p); });
    if (doomed.empty()) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      throw Error({.message = fmt::format("processes {} still run {} ms after SIGKILL (stuck in the kernel?)",
                                          fmt::join(doomed, ", "), timeout.count()),
                   .hint = {}});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace pgkit::detail
