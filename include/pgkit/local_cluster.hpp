#pragma once
/// @file local_cluster.hpp
/// A throwaway or development PostgreSQL server run from the machine's own server binaries
/// (PGKIT_PG_BINDIR when set, else `pg_config --bindir`: on Debian /usr/lib/postgresql/15/bin).
/// Its failures are pgkit errors (pgkit::Error; ConfigError when the binaries are missing).
///
/// Used by `pgkit dev` (the embedded default when no DATABASE_URL is set), by the test
/// harness and by the benchmarks. When the calling process is root, every server binary runs
/// as the `postgres` system user, because initdb refuses root.
///
/// @code
///   pgkit::LocalCluster pg({.data_dir = "/tmp/x/data"});
///   pg.start();                      // initdb if needed, then pg_ctl start
///   std::string url = pg.url();      // postgresql://pgkit:…@127.0.0.1:PORT/postgres
///   pg.restart();                    // pg_ctl restart -m fast
/// @endcode

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace pgkit {

/// How to set up a local server. Every field has a default.
struct LocalClusterOptions {
  std::filesystem::path data_dir;               ///< required: the cluster's data directory
  int port = 0;                                 ///< 0 → a free port in [20000, 32000) (below the ephemeral range)
  std::string user = "pgkit";                   ///< superuser name
  std::string password;                         ///< empty → a random one, kept in data_dir/../password
  bool fsync = false;                           ///< off for tests and development speed
  std::map<std::string, std::string> settings;  ///< extra postgresql.conf lines (name → value)
  /// Copy this initialised data directory instead of running initdb (~0.1 s instead of ~1.3 s).
  /// The copy keeps the template's superuser and password (template_dir/../password).
  std::filesystem::path template_dir;
  /// Make a streaming standby of the server at this URL (pg_basebackup -R -X stream) instead of
  /// running initdb. Give the primary's user and password too; the primary needs a free WAL
  /// sender (max_wal_senders, 10 by default) and replication allowed in pg_hba.conf (initdb's is).
  std::string primary_url;
  /// The destructor calls destroy(): stops the server and removes data_dir; default false.
  bool throwaway = false;
};

/// One local PostgreSQL server. The destructor stops it if this object started it and
/// keep_running() was not called.
class LocalCluster {
 public:
  explicit LocalCluster(LocalClusterOptions options);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  /// initdb (or copy template_dir) when data_dir has no cluster; does not start it.
  /// @throws std::runtime_error with initdb's output.
  void init();
  /// init(), then start and wait ready.
  /// Reuses a server already running on data_dir. @throws std::runtime_error with the log tail.
  void start();
  /// pg_ctl stop -m fast. Safe to call when stopped.
  void stop();
  /// pg_ctl restart -m fast; returns when the server accepts connections again.
  void restart();
  /// SIGKILL the postmaster and its children (a crash, not a shutdown); returns when all are gone.
  void kill();
  /// pg_ctl promote: a standby becomes a primary; returns when it accepts writes.
  void promote();
  /// True when the postmaster answers.
  bool running() const;
  /// Don't stop the server in the destructor (for `pgkit dev`).
  void keep_running() { keep_running_ = true; }
  /// Remove the data directory (stopping first).
  void destroy();

  int port() const { return port_; }
  const std::string& user() const { return options_.user; }
  const std::string& password() const { return options_.password; }
  const std::filesystem::path& data_dir() const { return options_.data_dir; }
  /// `postgresql://user:password@127.0.0.1:port/dbname` (contains the password).
  std::string url(const std::string& dbname = "postgres") const;
  /// Run SQL as the superuser through libpq; returns the first column of each row.
  std::vector<std::string> sql(const std::string& statement, const std::string& dbname = "postgres") const;
  /// The server log's last lines, for error messages.
  std::string log_tail(int lines = 30) const;

  /// Directory of the server binaries (initdb, pg_ctl, postgres, pgbench, pg_dump): the first
  /// answer of find_bin_dir(), kept for the life of the process.
  static std::filesystem::path bin_dir();
  /// PGKIT_PG_BINDIR when set (it must hold pg_ctl), else what `pg_config --bindir` names.
  /// @throws ConfigError saying what to install or set
  static std::filesystem::path find_bin_dir();
  /// Run a server binary (as `postgres` when root); returns its exit code. Output → log file.
  static int run_tool(const std::vector<std::string>& argv, const std::filesystem::path& log);
  /// Make a directory usable by the server user (chown to postgres when root).
  static void prepare_dir(const std::filesystem::path& dir);
  /// A free TCP port on 127.0.0.1 in [20000, 32000).
  static int free_port();

 private:
  void init_data_dir();
  void load_password();
  void write_settings();
  void wait_ready(std::chrono::milliseconds timeout) const;
  int read_port_from_pidfile() const;

  LocalClusterOptions options_;
  int port_ = 0;
  bool started_here_ = false;
  bool keep_running_ = false;
};

}  // namespace pgkit
