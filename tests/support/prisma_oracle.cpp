#include "prisma_oracle.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <sstream>
#include <system_error>

extern char** environ;

namespace pgkit::test {
namespace fs = std::filesystem;
namespace {

struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal or timed out
  bool timed_out = false;
  std::string out;
  std::string err;
};

std::string join(const std::vector<std::string>& parts) {
  std::string text;
  for (const auto& p : parts) text += (text.empty() ? "" : " ") + p;
  return text;
}

// Test servers' URLs carry passwords; commands appear in failure messages.
std::string mask_passwords(const std::string& text) {
  static const std::regex password(R"((://[^:/@\s]+:)[^@\s]*@)");
  return std::regex_replace(text, password, "$1***@");
}

// The parent's environment with DATABASE_URL replaced (or removed when url is empty).
std::vector<std::string> child_environment(const std::string& database_url) {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    if (std::strncmp(*e, "DATABASE_URL=", 13) != 0) env.emplace_back(*e);
  }
  if (!database_url.empty()) env.push_back("DATABASE_URL=" + database_url);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

void check(int rc, const char* what) {
  if (rc != 0) throw std::system_error(rc, std::generic_category(), what);
}

/// Run argv[0] with argv and env, stdin from /dev/null; collect stdout and stderr until both
/// close or timeout passes, when the child's process group is killed.
ProcessResult run_process(std::vector<std::string> argv, std::vector<std::string> env, std::chrono::seconds timeout) {
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe2");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    throw std::system_error(errno, std::generic_category(), "pipe2");
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  check(posix_spawn_file_actions_init(&actions), "posix_spawn_file_actions_init");
  check(posix_spawnattr_init(&attr), "posix_spawnattr_init");
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  // dup2 clears close-on-exec on the copies; the originals close at exec.
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  // A process group of its own, so a timeout kills whatever the oracle started too.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);

  auto c_argv = c_strings(argv);
  auto c_env = c_strings(env);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, c_argv[0], &actions, &attr, c_argv.data(), c_env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::system_error(rc, std::generic_category(), "cannot start " + argv[0]);
  }

  ProcessResult result;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_fds = 2;
  char buffer[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    int ready = ::poll(fds, 2, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;  // poll ignores negative descriptors
        --open_fds;
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) ::close(fd.fd);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!result.timed_out && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

/// node from PGKIT_NODE, else the first on PATH; empty when there is none.
fs::path find_node() {
  if (const char* explicit_node = std::getenv("PGKIT_NODE"); explicit_node && *explicit_node) {
    return ::access(explicit_node, X_OK) == 0 ? fs::path(explicit_node) : fs::path();
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / "node";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

PrismaOracleError::PrismaOracleError(const std::string& command, int exit_code, std::string prisma_error)
    : std::runtime_error("Prisma oracle: `" + command + "` " +
                         (exit_code == -1 ? std::string("timed out or was killed") : "exited " + std::to_string(exit_code)) +
                         ":\n" + prisma_error),
      exit_code_(exit_code),
      prisma_error_(std::move(prisma_error)) {}

fs::path PrismaOracle::script() { return PGKIT_PRISMA_ORACLE; }

void PrismaOracle::require_installed() {
  const fs::path modules = script().parent_path() / "node_modules" / "@prisma";
  std::string missing;
  if (!fs::exists(script())) {
    missing = script().string() + " does not exist";
  } else if (find_node().empty()) {
    missing = std::getenv("PGKIT_NODE") ? "PGKIT_NODE names no executable" : "Node.js (node) is not on PATH";
  } else if (!fs::exists(modules / "schema-engine-wasm" / "package.json") ||
             !fs::exists(modules / "prisma-schema-wasm" / "package.json")) {
    missing = (script().parent_path() / "node_modules").string() + " lacks Prisma's engines (npm ci has not run)";
  }
  if (missing.empty()) return;
  throw PrismaOracleNotInstalled(
      "the Prisma oracle is not installed: " + missing +
      ". scripts/test installs it (install_oracle in scripts/lib/setup.sh); by hand: apt-get install nodejs npm "
      "if node is missing, then `npm ci` in tests/oracle.");
}

bool PrismaOracle::is_empty_migration(const std::string& sql) {
  const std::string text = trimmed(sql);
  return text.empty() || text == kEmptyMigration;
}

PrismaOracle::PrismaOracle(PrismaOracleOptions options) : options_(std::move(options)) {
  require_installed();
  node_ = find_node();
}

std::string PrismaOracle::run(const std::vector<std::string>& args) const {
  if (args.empty()) throw std::invalid_argument("PrismaOracle::run: no subcommand");
  // --liftoff-only: one question per process, so V8's optimizing tier for Prisma's 5 MB of
  // WebAssembly would cost more than it saves (it halves the time of a diff).
  std::vector<std::string> argv = {node_.string(), "--experimental-wasm-modules", "--liftoff-only", script().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  if (!options_.shadow_url.empty() && (args.front() == "diff" || args.front() == "create-migration" ||
                                       args.front() == "status")) {
    argv.insert(argv.end(), {"--shadow-url", options_.shadow_url});
  }
  ProcessResult result = run_process(argv, child_environment(options_.database_url), options_.timeout);
  if (result.exit_code != 0) {
    std::string command = mask_passwords("prisma.mjs " + join(args));
    std::string error = result.err.empty() ? "(no error text; stdout: " + result.out + ")" : result.err;
    if (result.timed_out) error = "no answer within " + std::to_string(options_.timeout.count()) + " s\n" + error;
    throw PrismaOracleError(command, result.exit_code, error);
  }
  return result.out;
}

std::string PrismaOracle::diff(const DiffSource& from, const DiffSource& to) const {
  std::vector<std::string> args = {"diff"};
  for (auto [side, source] : {std::pair{"--from", &from}, std::pair{"--to", &to}}) {
    args.push_back(side + source->flag_suffix);
    if (!source->value.empty()) args.push_back(source->value);
  }
  return run(args);
}

std::vector<std::string> PrismaOracle::apply_migrations(const fs::path& dir) const {
  return lines(run({"apply-migrations", "--dir", dir.string()}));
}

std::string PrismaOracle::create_migration(const fs::path& schema, const fs::path& dir, const std::string& name) const {
  return trimmed(run({"create-migration", "--schema", schema.string(), "--dir", dir.string(), "--name", name}));
}

std::string PrismaOracle::introspect(const fs::path& schema) const {
  if (schema.empty()) return run({"introspect"});
  return run({"introspect", "--schema", schema.string()});
}

std::string PrismaOracle::status(const fs::path& dir) const { return run({"status", "--dir", dir.string()}); }

void PrismaOracle::mark_applied(const fs::path& dir, const std::string& name) const {
  run({"mark-applied", "--dir", dir.string(), "--name", name});
}

void PrismaOracle::mark_rolled_back(const std::string& name) const { run({"mark-rolled-back", "--name", name}); }

std::string PrismaOracle::format(const fs::path& schema) const { return run({"format", schema.string()}); }

std::string PrismaOracle::validate(const fs::path& schema) const { return run({"validate", schema.string()}); }

}  // namespace pgkit::test
