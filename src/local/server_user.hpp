#pragma once
/// @file server_user.hpp
/// The operating-system side of a local server: running programs as the `postgres` system user
/// (initdb refuses root), handing it directories, and watching the server's processes.
/// Knows nothing of PostgreSQL's files. Internal; not installed.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace pgkit::detail {

/// True when this process is root, so server binaries must run as `postgres`.
bool running_as_root();

/// Fork, become `postgres` when root, exec argv[0] with stdout and stderr appended to log
/// (stdin from /dev/null); wait for it. Returns its exit code, 128 + signal when it was killed.
/// @throws std::runtime_error when there is no `postgres` user and we are root.
int run_as_server_user(const std::vector<std::string>& argv, const std::filesystem::path& log);

/// The first component of dir that `postgres` cannot enter (or dir itself when it cannot write
/// it); empty when all is well or when we are not root.
std::filesystem::path unreachable_component(const std::filesystem::path& dir);

/// chown path to `postgres` when root; a no-op otherwise.
void give_to_server_user(const std::filesystem::path& path);

/// True when pid runs (exists and is not a zombie) under the program name `name`.
bool process_running(pid_t pid, const std::string& name);

/// SIGKILL pid and its children, then wait until none of them runs any more.
/// @throws std::runtime_error naming the survivors after timeout.
void kill_with_children(pid_t pid, std::chrono::milliseconds timeout);

}  // namespace pgkit::detail
