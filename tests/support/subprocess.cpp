#include "subprocess.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

extern char** environ;

namespace pgkit::test {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

[[noreturn]] void throw_errno(int error, const std::string& what) {
  throw std::system_error(error, std::generic_category(), what);
}

// Everything the child needs, made before fork: the child of a multi-threaded parent may only
// make async-signal-safe calls (no allocation, no locks) until it execs.
struct Launch {
  std::string program;  // argv[0], looked up on PATH
  std::vector<std::string> args, env;
  std::vector<char*> argv, envp;
  std::string cwd;
};

std::string on_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  fs::path found = find_program(name);
  return found.empty() ? name : found.string();  // execve fails with ENOENT, and start() says so
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

Launch prepare(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty()) throw std::invalid_argument("no program to run");
  Launch l;
  l.program = on_path(argv[0]);
  l.args = argv;
  const auto& unset = options.unset_env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry(*e);
    std::string name(entry.substr(0, entry.find('=')));
    if (options.env.count(name) == 0 && std::find(unset.begin(), unset.end(), name) == unset.end())
      l.env.emplace_back(entry);
  }
  for (const auto& [name, value] : options.env) l.env.push_back(name + "=" + value);
  l.argv = c_strings(l.args);
  l.envp = c_strings(l.env);
  l.cwd = options.cwd.string();
  return l;
}

int exit_status(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status); }

// Forks and execs: stdin from /dev/null, stdout and stderr to out and err, a process group of
// its own (a terminal's Ctrl-C reaches the tests, which stop their children; a timeout kills the
// whole group), killed when the calling thread ends. Returns once execve has succeeded.
pid_t start(Launch& l, int out, int err) {
  int ready[2];  // closed by a successful execve; carries errno when it fails
  if (::pipe2(ready, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int error = errno;
    ::close(ready[0]);
    ::close(ready[1]);
    throw_errno(error, "fork for " + l.program);
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) _exit(125);  // the starting thread has ended already
    const int in = ::open("/dev/null", O_RDONLY);
    bool ok = in >= 0 && ::dup2(in, 0) >= 0 && ::dup2(out, 1) >= 0 && ::dup2(err, 2) >= 0;
    // No descriptor of the tests (sockets, pipes) stays open in the program.
    ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
    if (ok && !l.cwd.empty()) ok = ::chdir(l.cwd.c_str()) == 0;
    if (ok) ::execve(l.program.c_str(), l.argv.data(), l.envp.data());
    const int error = errno;
    [[maybe_unused]] ssize_t written = ::write(ready[1], &error, sizeof error);
    _exit(127);
  }
  ::close(ready[1]);
  int error = 0;
  ssize_t n;
  while ((n = ::read(ready[0], &error, sizeof error)) < 0 && errno == EINTR) {}
  ::close(ready[0]);
  if (n > 0) {
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {}
    throw_errno(error, "cannot start " + l.program + (l.cwd.empty() ? "" : " in " + l.cwd));
  }
  return pid;
}

int milliseconds_until(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<long long>(left, 0, 1'000'000'000));
}

// Waits for pid through its pidfd until deadline (none: without end) and reaps it; its exit
// status, or nullopt when it is still running at the deadline.
std::optional<int> wait_exit(pid_t pid, int pidfd, std::optional<Clock::time_point> deadline) {
  pollfd p{pidfd, POLLIN, 0};
  for (;;) {
    int ready = ::poll(&p, 1, deadline ? milliseconds_until(*deadline) : -1);
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) throw_errno(errno, "poll on a child's pidfd");
    if (ready == 0) return std::nullopt;
    break;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw_errno(errno, "waitpid");
  }
  return exit_status(status);
}

int open_pidfd(pid_t pid) {
  // The system call: glibc 2.36's <sys/pidfd.h> declares pidfd_open without C linkage.
  const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd >= 0) return fd;
  const int error = errno;
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {}
  throw_errno(error, "pidfd_open");
}

}  // namespace

fs::path find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::string ProcessResult::describe() const {
  std::string text = timed_out ? std::string("timed out") : "exit status " + std::to_string(exit_code);
  if (!timed_out && exit_code > 128) text += " (signal " + std::to_string(exit_code - 128) + "?)";
  if (!out.empty()) text += "\n--- stdout ---\n" + out;
  if (!err.empty()) text += "\n--- stderr ---\n" + err;
  return text;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  Launch launch = prepare(argv, options);
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw_errno(errno, "pipe2");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    const int error = errno;
    ::close(out[0]);
    ::close(out[1]);
    throw_errno(error, "pipe2");
  }
  pid_t pid = -1;
  try {
    pid = start(launch, out[1], options.merge_stderr ? out[1] : err[1]);
  } catch (...) {
    for (int fd : {out[0], out[1], err[0], err[1]}) ::close(fd);
    throw;
  }
  ::close(out[1]);
  ::close(err[1]);
  const int pidfd = open_pidfd(pid);

  ProcessResult result;
  const auto deadline = Clock::now() + options.timeout;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  char buffer[65536];
  while (open_fds > 0 && !result.timed_out) {
    int ready = ::poll(fds, 2, milliseconds_until(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) {  // the deadline (or a poll failure, which must not hang the test)
      result.timed_out = true;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;  // poll ignores negative descriptors
        --open_fds;
      }
    }
  }
  for (auto& fd : fds)
    if (fd.fd >= 0) ::close(fd.fd);
  // Its output closed; it may still linger (or a grandchild held the output open).
  std::optional<int> status = result.timed_out ? std::nullopt : wait_exit(pid, pidfd, deadline);
  if (!status) {
    result.timed_out = true;
    ::kill(-pid, SIGKILL);
    wait_exit(pid, pidfd, std::nullopt);
  }
  ::close(pidfd);
  result.exit_code = status.value_or(-1);
  return result;
}

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const fs::path& log, const ProcessOptions& options) {
  Launch launch = prepare(argv, options);
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw_errno(errno, "open " + log.string());
  try {
    pid_ = start(launch, fd, fd);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  pidfd_ = open_pidfd(pid_);
}

ChildProcess::~ChildProcess() {
  if (!exit_status_) {
    ::kill(pid_, SIGKILL);
    try {
      wait_exit(pid_, pidfd_, std::nullopt);
    } catch (const std::exception&) {  // nothing left to do in a destructor
    }
  }
  ::close(pidfd_);
}

bool ChildProcess::running() { return !wait_for(std::chrono::milliseconds{0}); }

void ChildProcess::signal(int sig) {
  // Not reaped yet, so pid_ still names our child (at worst a zombie).
  if (!exit_status_) ::kill(pid_, sig);
}

std::optional<int> ChildProcess::wait_for(std::chrono::milliseconds timeout) {
  if (!exit_status_) exit_status_ = wait_exit(pid_, pidfd_, Clock::now() + timeout);
  return exit_status_;
}

int ChildProcess::stop(int sig, std::chrono::milliseconds timeout) {
  signal(sig);
  if (auto status = wait_for(timeout)) return *status;
  signal(SIGKILL);
  exit_status_ = wait_exit(pid_, pidfd_, std::nullopt);
  return *exit_status_;
}

}  // namespace pgkit::test
