#include "prisma_oracle.hpp"

#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "subprocess.hpp"

namespace pgkit::test {
namespace fs = std::filesystem;
namespace {

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

/// node from PGKIT_NODE, else the first on PATH; empty when there is none.
fs::path find_node() {
  if (const char* explicit_node = std::getenv("PGKIT_NODE"); explicit_node && *explicit_node) {
    return ::access(explicit_node, X_OK) == 0 ? fs::path(explicit_node) : fs::path();
  }
  return find_program("node");
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
    : std::runtime_error(
          "Prisma oracle: `" + command + "` " +
          (exit_code == -1 ? std::string("timed out or was killed") : "exited " + std::to_string(exit_code)) + ":\n" +
          prisma_error),
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
  if (!options_.shadow_url.empty() &&
      (args.front() == "diff" || args.front() == "create-migration" || args.front() == "status")) {
    argv.insert(argv.end(), {"--shadow-url", options_.shadow_url});
  }
  ProcessOptions how{.timeout = options_.timeout};
  if (options_.database_url.empty())
    how.unset_env = {"DATABASE_URL"};
  else
    how.env = {{"DATABASE_URL", options_.database_url}};
  ProcessResult result = run_process(argv, how);
  if (result.exit_code != 0) {
    std::string command = mask_passwords("prisma.mjs " + join(args));
    std::string error = result.err.empty() ? "(no error text; stdout: " + result.out + ")" : result.err;
    if (result.timed_out) error = "no answer within " + std::to_string(options_.timeout.count()) + " s\n" + error;
    throw PrismaOracleError(command, result.exit_code > 128 ? -1 : result.exit_code, error);
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
