#pragma once
// The programs a benchmark drives, found or made ready before its PostgreSQL server starts (so
// that nothing needs cleaning up when one is missing): pgkit's own programs beside the
// benchmark, Debian packages through apt-get, a peer's pinned Node packages through npm.
//
// Header-only, for bench/ only.

#include <unistd.h>

#include <filesystem>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_common.hpp"

namespace pgkit::bench {

/// A program of this build (`pgkit`, `pgkit-server`): beside this benchmark (/proc/self/exe)
/// unless the option --NAME gave its path. @throws naming the CMake target that builds it.
inline std::filesystem::path built_program(const std::filesystem::path& given, const std::string& name,
                                           const std::string& target) {
  std::filesystem::path p =
      given.empty() ? std::filesystem::read_symlink("/proc/self/exe").parent_path() / name : given;
  if (::access(p.c_str(), X_OK) != 0)
    throw std::runtime_error(
        fmt::format("no `{}` program at {}: build the {} target (it lands beside this benchmark) "
                    "or pass --{} PATH",
                    name, p.string(), target, name));
  return p;
}

/// apt-get update and install packages (through `sudo -n` when not root). @throws with
/// apt-get's output and what to install by hand.
inline void apt_install(const std::vector<std::string>& packages) {
  std::vector<std::string> prefix;
  if (::geteuid() != 0) {
    std::filesystem::path sudo = find_program("sudo");
    if (sudo.empty()) throw std::runtime_error("installing " + joined(packages) + " needs root or sudo");
    prefix = {sudo.string(), "-n"};
  }
  std::filesystem::path apt = find_program("apt-get");
  if (apt.empty()) throw std::runtime_error("there is no apt-get: install " + joined(packages) + " by hand");
  fmt::print(stderr, "installing {} with apt-get …\n", joined(packages));
  auto env = inherited_environment();
  env.push_back("DEBIAN_FRONTEND=noninteractive");
  std::vector<std::string> install{"install", "-y"};
  install.insert(install.end(), packages.begin(), packages.end());
  for (const auto& step : {std::vector<std::string>{"update"}, install}) {
    std::vector<std::string> argv = prefix;
    argv.push_back(apt.string());
    argv.insert(argv.end(), step.begin(), step.end());
    ToolRun run = run_captured(argv, env);
    if (run.status != 0)
      throw std::runtime_error(fmt::format("`{}` exited {}:\n{}\nInstall {} by hand, then run again", joined(argv),
                                           run.status, run.output, joined(packages)));
  }
}

/// The program name in PATH, installed from the Debian packages when missing.
inline std::filesystem::path require_program(const std::string& name, const std::vector<std::string>& packages) {
  std::filesystem::path p = find_program(name);
  if (!p.empty()) return p;
  apt_install(packages);
  p = find_program(name);
  if (p.empty())
    throw std::runtime_error(
        fmt::format("apt-get installed {}, yet `{}` is still not in PATH", joined(packages), name));
  return p;
}

/// Whether every package has its package.json in dir/node_modules. Each is looked for, not just
/// the directory: an interrupted install leaves node_modules behind.
inline bool has_node_packages(const std::filesystem::path& dir, std::initializer_list<const char*> packages) {
  for (const char* package : packages)
    if (!std::filesystem::exists(dir / "node_modules" / package / "package.json")) return false;
  return true;
}

/// `npm VERB` in dir, where a peer's package.json pins its packages ("ci" installs exactly the
/// lockfile). @throws with npm's output when npm is missing or fails.
inline void npm_install(const std::filesystem::path& dir, const std::string& verb = "install") {
  std::filesystem::path npm = find_program("npm");
  if (npm.empty())
    throw std::runtime_error("`npm` not found: install Node.js and npm (apt-get install nodejs npm), then run again");
  std::vector<std::string> argv{npm.string(), verb, "--no-audit", "--no-fund"};
  fmt::print(stderr, "{} in {} …\n", joined(argv), dir.string());
  ToolRun run = run_captured(argv, inherited_environment(), dir);
  if (run.status != 0)
    throw std::runtime_error(
        fmt::format("`{}` in {} failed (exit {}):\n{}", joined(argv), dir.string(), run.status, run.output));
}

}  // namespace pgkit::bench
