#pragma once
/// @file subprocess.hpp
/// Programs the tests run: to the end with their output captured (run_process), or in the
/// background for as long as a test needs them (ChildProcess). No shell: each argument reaches
/// the program as it is, so URLs with passwords need no quoting.
///
/// @code
///   auto doctor = run_process({PGKIT_CLI, "doctor"}, {.env = {{"DATABASE_URL", url}}, .merge_stderr = true});
///   EXPECT_EQ(doctor.exit_code, 0) << doctor.describe();
///
///   ChildProcess migrator({PGKIT_CLI, "migrate", "up"}, dir / "migrator.log", {.env = {{"DATABASE_URL", url}}});
///   EXPECT_EQ(migrator.stop(SIGKILL), 128 + SIGKILL);
/// @endcode

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgkit::test {

/// How a program is started. Every field has a default.
struct ProcessOptions {
  /// Set in the child's environment, replacing what the tests inherited. Default: none.
  std::map<std::string, std::string> env;
  /// Removed from the inherited environment (a developer's DATABASE_URL, PG*). Default: none.
  std::vector<std::string> unset_env;
  /// The child's working directory. Default: the test's.
  std::filesystem::path cwd;
  /// stderr into the same stream as stdout, as `2>&1` does. Default: false.
  bool merge_stderr = false;
  /// run_process only: past this the child's process group is killed. Default 120 s.
  std::chrono::milliseconds timeout{120'000};
};

/// What a program run to its end did.
struct ProcessResult {
  int exit_code = -1;  ///< its exit status; 128 + the signal that ended it; -1 when it timed out
  bool timed_out = false;
  std::string out;  ///< stdout (with stderr, with merge_stderr)
  std::string err;  ///< stderr
  /// "exit status 3" or "timed out", then stdout and stderr: for failure messages.
  std::string describe() const;
};

/// The first executable called name in a directory of PATH; empty when there is none.
std::filesystem::path find_program(const std::string& name);

/// Runs argv[0] (a path, or a name looked up on PATH) with argv, stdin from /dev/null, in a
/// process group of its own, and collects its output until it exits or timeout passes (when the
/// whole group is killed).
/// @throws std::system_error when the program cannot be started (missing, not executable)
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// A program running in the background, stdin from /dev/null, stdout and stderr appended to a
/// log file. Killed (SIGKILL) when the handle dies, and by the kernel when the thread that
/// started it ends: a test run killed by its timeout takes its children along.
class ChildProcess {
 public:
  /// Starts argv as run_process does; options.timeout is not used.
  /// @throws std::system_error when the program cannot be started
  ChildProcess(const std::vector<std::string>& argv, const std::filesystem::path& log,
               const ProcessOptions& options = {});
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  /// Whether it has not exited yet.
  bool running();
  /// Sends sig, unless it has exited.
  void signal(int sig);
  /// Waits up to timeout for it to exit: its exit status (128 + signal), nullopt if still running.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  /// Sends sig, waits up to timeout, then kills it; its exit status (128 + signal).
  int stop(int sig = SIGTERM, std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;  // readable once the child has exited: waits without polling
  std::optional<int> exit_status_;
};

}  // namespace pgkit::test
