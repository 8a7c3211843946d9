// Seeding, and backups through the machine's pg_dump / pg_restore.
#include "pgkit/backup.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <regex>
#include <chrono>
#include <fstream>
#include <iterator>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "local/server_binaries.hpp"
#include "migrate/engine_internal.hpp"
#include "pgkit/connection.hpp"
#include "pgkit/migrate.hpp"

extern char** environ;

namespace pgkit {
namespace {

namespace fs = std::filesystem;

// The connection as pg_dump's --dbname: every parameter but the password, which goes to the
// child's environment so that no process listing shows it.
std::string conninfo_without_password(const Config& config) {
  Config copy = config;
  copy.params.erase("password");
  copy.params.erase("sslpassword");
  return copy.conninfo();
}

// Runs a client tool; returns its exit code and what it wrote to stderr.
std::pair<int, std::string> run_client(const std::vector<std::string>& argv, const Config& config) {
  char log_template[] = "/tmp/pgkit-tool-XXXXXX";
  int log_fd = ::mkstemp(log_template);
  // Everything the child needs is built before fork: a threaded parent's child may only call
  // async-signal-safe functions.
  std::vector<std::string> env_text;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "PGPASSWORD=", 11) != 0) env_text.emplace_back(*e);
  if (auto it = config.params.find("password"); it != config.params.end())
    env_text.push_back("PGPASSWORD=" + it->second);
  if (auto it = config.params.find("sslpassword"); it != config.params.end())
    env_text.push_back("PGSSLPASSWORD=" + it->second);
  std::vector<char*> env, args;
  for (auto& e : env_text) env.push_back(e.data());
  env.push_back(nullptr);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(log_fd, 2);
    ::execve(args[0], args.data(), env.data());
    _exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(log_fd);
  std::string err = migrate::read_file(log_template);
  ::unlink(log_template);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : 128, mask_secrets(err)};
}

std::string db_name(const Config& config) {
  auto it = config.params.find("dbname");
  return it != config.params.end() && !it->second.empty() ? it->second : "postgres";
}

}  // namespace

std::vector<fs::path> seed(Connection& conn, const fs::path& file_or_dir) {
  std::vector<fs::path> files;
  if (fs::is_directory(file_or_dir)) {
    for (const auto& e : fs::directory_iterator(file_or_dir))
      if (e.path().extension() == ".sql") files.push_back(e.path());
    std::sort(files.begin(), files.end());
  } else if (fs::exists(file_or_dir)) {
    files.push_back(file_or_dir);
  } else {
    throw migrate::MigrationError({.message = fmt::format("seed file or directory {} not found", file_or_dir.string()),
                                   .hint = "pass a .sql file or a directory of them (default ./seeds)"});
  }
  conn.execute("BEGIN");
  for (const auto& f : files) {
    std::string sql = migrate::read_file(f);
    try {
      conn.execute(sql);
    } catch (const Error& e) {
      if (!conn.broken()) conn.execute("ROLLBACK");
      int line = e.position() > 0 ? migrate::line_of(sql, e.position(), 1) : 1;
      ErrorFields fields = e.fields();
      fields.message = fmt::format("seeding failed at {}:{}: {}", f.string(), line, e.message());
      fields.hint = "nothing was seeded: every seed file runs in one transaction";
      throw migrate::MigrationError(std::move(fields));
    }
  }
  conn.execute("COMMIT");
  return files;
}

fs::path backup(const Config& config, const BackupOptions& options) {
  fs::create_directories(options.out);
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string prefix = db_name(config) + "-";
  fs::path file = options.out / fmt::format("{}{:%Y%m%dT%H%M%SZ}.dump", prefix, now);
  auto [rc, err] = run_client({(detail::server_bin_dir() / "pg_dump").string(), "--format=custom", "--no-password",
                               "--file=" + file.string(), "--dbname=" + conninfo_without_password(config)},
                              config);
  if (rc != 0) {
    fs::remove(file);
    throw Error({.message = fmt::format("pg_dump failed (exit {}): {}", rc, err),
                 .hint = "check that the database is reachable (pgkit doctor) and the role may read every table"});
  }
  if (options.keep > 0) {
    // Exactly <dbname>-YYYYMMDDTHHMMSSZ.dump: "app-" must not match "app-staging-…" backups.
    const std::regex ours(R"(\d{8}T\d{6}Z\.dump)");
    std::vector<fs::path> mine;
    for (const auto& e : fs::directory_iterator(options.out)) {
      auto name = e.path().filename().string();
      if (name.rfind(prefix, 0) == 0 && std::regex_match(name.substr(prefix.size()), ours)) mine.push_back(e.path());
    }
    std::sort(mine.begin(), mine.end());  // timestamps sort as text
    for (std::size_t i = 0; i + options.keep < mine.size(); ++i) fs::remove(mine[i]);
  }
  return file;
}

void restore(const Config& config, const fs::path& file, const RestoreOptions& options) {
  if (!fs::exists(file)) throw Error({.message = fmt::format("backup file {} not found", file.string())});
  if (!options.clean) {
    Connection conn(config);
    auto tables = conn.query(
                          "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                          "AND n.nspname NOT LIKE 'pg_toast%'")
                      .scalar<std::int64_t>();
    if (tables > 0)
      throw Error({.message = fmt::format("the database {} is not empty ({} tables)", db_name(config), tables),
                   .hint = "restore into an empty database, or pass --clean to drop the existing objects first"});
  }
  std::vector<std::string> argv{(detail::server_bin_dir() / "pg_restore").string(), "--no-password", "--no-owner",
                                "--dbname=" + conninfo_without_password(config)};
  if (options.clean) {
    argv.push_back("--clean");
    argv.push_back("--if-exists");
  }
  argv.push_back(file.string());
  auto [rc, err] = run_client(argv, config);
  if (rc != 0) throw Error({.message = fmt::format("pg_restore failed (exit {}): {}", rc, err)});
}

}  // namespace pgkit
