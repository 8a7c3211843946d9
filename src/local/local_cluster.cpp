#include "pgkit/error.hpp"
#include "pgkit/local_cluster.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "local/server_user.hpp"
#include "pgkit/config.hpp"
#include "pgkit/log.hpp"

namespace pgkit {
namespace fs = std::filesystem;
using Millis = std::chrono::milliseconds;

namespace {

constexpr Millis kStartTimeout{30'000};  // pg_ctl -t, and waiting for connections after it
constexpr Millis kKillTimeout{10'000};
constexpr Millis kPollInterval{20};
constexpr int kStartAttempts = 3;  // a port found free may be taken before the server binds it
constexpr int kPasswordLength = 24;
constexpr size_t kMaxSocketPath = 107;  // sizeof(sockaddr_un::sun_path) minus the NUL

// Files beside the data directory: they must survive destroy() and a fresh initdb.
fs::path password_file(const fs::path& data_dir) { return data_dir.parent_path() / "password"; }
fs::path log_file(const fs::path& data_dir) { return data_dir.parent_path() / "postgres.log"; }
bool has_cluster(const fs::path& data_dir) { return fs::exists(data_dir / "PG_VERSION"); }

std::string trim(std::string s) {
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  return s;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw Error({.message = "cannot read " + file.string(), .hint = "check that the file exists and is readable"});
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& file, const std::string& text, std::ios::openmode mode) {
  std::ofstream out(file, mode);
  out << text;
  if (!out.flush())
    throw Error(
        {.message = "cannot write " + file.string(), .hint = "check the disk space and the folder's permissions"});
}

/// Create (or replace) file with mode 0600 from the start: it may hold a password.
void write_private(const fs::path& file, const std::string& text) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "create " + file.string());
  const bool ok = ::fchmod(fd, 0600) == 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) throw std::system_error(errno, std::generic_category(), "write " + file.string());
  detail::give_to_server_user(file);  // initdb reads --pwfile as postgres
}

std::string random_password() {
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::ifstream urandom("/dev/urandom", std::ios::binary);
  std::string password;
  while (password.size() < kPasswordLength) {
    const int byte = urandom.get();
    if (byte == EOF) throw Error({.message = "cannot read /dev/urandom", .hint = {}});
    // 248 = 4 × 62: dropping the bytes above keeps every character equally likely.
    if (byte < 248) password += kAlphabet[static_cast<size_t>(byte) % kAlphabet.size()];
  }
  return password;
}

std::string percent_encode(std::string_view text) {
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

/// A postgresql.conf string literal; quoted values suit every setting type.
std::string conf_quote(std::string_view value) {
  std::string out = "'";
  for (const char c : value) {
    if (c == '\'')
      out += "''";
    else if (c == '\\')
      out += "\\\\";
    else
      out += c;
  }
  return out + "'";
}

/// postmaster.pid's lines: pid, data dir, start time, port, socket dir, listen address, shmem key, status.
std::vector<std::string> pid_file_lines(const fs::path& data_dir) {
  std::ifstream in(data_dir / "postmaster.pid");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// The postmaster running on data_dir, or 0. The pid file alone is not proof: after a kill or a
/// reboot it is stale, and its pid may since belong to a zombie or to another program.
pid_t live_postmaster(const fs::path& data_dir) {
  const auto lines = pid_file_lines(data_dir);
  const pid_t pid = lines.empty() ? 0 : std::atoi(lines[0].c_str());
  return pid > 0 && detail::process_running(pid, "postgres") ? pid : 0;
}

/// Lock files a dead postmaster left behind. PostgreSQL removes stale ones itself unless the dead
/// pid lingers as an unreaped zombie (PID 1 of a container often never reaps), which it would take
/// for a live server.
void remove_stale_lock_files(const fs::path& data_dir) {
  std::error_code ec;
  fs::remove(data_dir / "postmaster.pid", ec);
  for (fs::directory_iterator it(data_dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(".s.PGSQL.") && name.ends_with(".lock")) fs::remove(it->path(), ec);
  }
}

}  // namespace

LocalCluster::LocalCluster(LocalClusterOptions options) : options_(std::move(options)) {
  if (options_.data_dir.empty()) throw std::invalid_argument("LocalClusterOptions.data_dir is required");
  // Absolute paths: server binaries may run from another working directory ("/" as postgres).
  const auto normal = [](const fs::path& p) {
    fs::path n = fs::absolute(p).lexically_normal();
    return n.has_filename() ? n : n.parent_path();  // "/x/data/" → "/x/data", so parent_path() works
  };
  options_.data_dir = normal(options_.data_dir);
  if (!options_.template_dir.empty()) options_.template_dir = normal(options_.template_dir);
}

LocalCluster::~LocalCluster() {
  try {
    if (options_.throwaway) {
      destroy();
    } else if (started_here_ && !keep_running_) {
      stop();
    }
  } catch (const std::exception& e) {
    log().warn("could not stop the server on {}: {}", options_.data_dir.string(), e.what());
  }
}

void LocalCluster::init() {
  if (has_cluster(options_.data_dir)) {
    load_password();
    return;
  }
  prepare_dir(options_.data_dir.parent_path());
  init_data_dir();
}

void LocalCluster::start() {
  init();
  const fs::path& data = options_.data_dir;
  if (live_postmaster(data) != 0) {
    // An earlier `pgkit dev` (or this object) runs it already: use it as it is.
    port_ = read_port_from_pidfile();
    wait_ready(kStartTimeout);
    return;
  }
  remove_stale_lock_files(data);
  // A port once chosen is kept, so a start() after kill() or stop() serves the same URL.
  const bool choosing_port = port_ == 0 && options_.port == 0;
  for (int attempt = 1;; ++attempt) {
    if (port_ == 0) port_ = options_.port != 0 ? options_.port : free_port();
    write_settings();
    const int code = run_tool({"pg_ctl", "-D", data.string(), "-l", log_file(data).string(), "-w", "-t",
                               std::to_string(kStartTimeout.count() / 1000), "start"},
                              log_file(data));
    if (code == 0) break;
    const std::string tail = log_tail();
    if (choosing_port && attempt < kStartAttempts && tail.find("Address already in use") != std::string::npos) {
      port_ = 0;
      continue;
    }
    throw Error({.message = fmt::format("pg_ctl start failed (exit {}) for {} on port {}; last lines of {}:\n{}", code,
                                        data.string(), port_, log_file(data).string(), tail),
                 .hint = "the lines above are the server's own log: a port in use, a data directory of another "
                         "PostgreSQL major version, or too little shared memory are the usual causes"});
  }
  started_here_ = true;
  wait_ready(kStartTimeout);
}

void LocalCluster::stop() {
  const fs::path& data = options_.data_dir;
  if (live_postmaster(data) == 0) return;
  const int code = run_tool(
      {"pg_ctl", "-D", data.string(), "-m", "fast", "-w", "-t", std::to_string(kStartTimeout.count() / 1000), "stop"},
      log_file(data));
  if (code != 0 && live_postmaster(data) != 0) {
    throw Error({.message = fmt::format("pg_ctl stop failed (exit {}) for {}; last lines of {}:\n{}", code,
                                        data.string(), log_file(data).string(), log_tail()),
                 .hint = "the lines above are the server's own log"});
  }
}

void LocalCluster::restart() {
  const fs::path& data = options_.data_dir;
  if (live_postmaster(data) == 0) {
    start();
    return;
  }
  if (port_ == 0) port_ = read_port_from_pidfile();
  // The port lives in pgkit.conf, so the restarted server listens where it did.
  const int code = run_tool({"pg_ctl", "-D", data.string(), "-l", log_file(data).string(), "-m", "fast", "-w", "-t",
                             std::to_string(kStartTimeout.count() / 1000), "restart"},
                            log_file(data));
  if (code != 0) {
    throw Error({.message = fmt::format("pg_ctl restart failed (exit {}) for {}; last lines of {}:\n{}", code,
                                        data.string(), log_file(data).string(), log_tail()),
                 .hint = "the lines above are the server's own log"});
  }
  wait_ready(kStartTimeout);
}

void LocalCluster::kill() {
  const pid_t pid = live_postmaster(options_.data_dir);
  // Children too: a backend busy in a query would notice its postmaster's death only later,
  // and while one lives, a new postmaster refuses the old shared memory.
  if (pid != 0) detail::kill_with_children(pid, kKillTimeout);
}

void LocalCluster::promote() {
  const fs::path& data = options_.data_dir;
  const int code =
      run_tool({"pg_ctl", "-D", data.string(), "-w", "-t", std::to_string(kStartTimeout.count() / 1000), "promote"},
               log_file(data));
  if (code != 0) {
    throw Error({.message = fmt::format("pg_ctl promote failed (exit {}) for {}; last lines of {}:\n{}", code,
                                        data.string(), log_file(data).string(), log_tail()),
                 .hint = "the lines above are the server's own log; only a standby can be promoted"});
  }
}

bool LocalCluster::running() const {
  if (port_ == 0) return false;
  const std::string conninfo = url() + "?connect_timeout=2";
  const PGPing ping = PQping(conninfo.c_str());
  return ping == PQPING_OK || ping == PQPING_REJECT;  // REJECT: up, but starting or shutting down
}

void LocalCluster::destroy() {
  stop();
  fs::remove_all(options_.data_dir);
  started_here_ = false;
}

std::string LocalCluster::url(const std::string& dbname) const {
  return fmt::format("postgresql://{}:{}@127.0.0.1:{}/{}", percent_encode(options_.user),
                     percent_encode(options_.password), port_, percent_encode(dbname));
}

std::vector<std::string> LocalCluster::sql(const std::string& statement, const std::string& dbname) const {
  // Errors must not leak the password, whatever libpq chose to quote.
  const auto masked = [this](std::string text) {
    for (size_t at; !options_.password.empty() && (at = text.find(options_.password)) != std::string::npos;) {
      text.replace(at, options_.password.size(), "***");
    }
    return trim(text);
  };
  const std::string conninfo = url(dbname) + "?connect_timeout=10";
  const std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw CannotConnect({.message = fmt::format("cannot connect to 127.0.0.1:{}/{} as {}: {}", port_, dbname,
                                                options_.user, masked(PQerrorMessage(conn.get()))),
                         .hint = "is the server started? (LocalCluster::start)"});
  }
  const std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), statement.c_str()), &PQclear);
  const ExecStatusType status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw Error({.message = fmt::format("SQL failed on 127.0.0.1:{}/{}: {}", port_, dbname,
                                        masked(PQresultErrorMessage(result.get()))),
                 .hint = {}});
  }
  std::vector<std::string> rows;
  for (int row = 0; row < PQntuples(result.get()); ++row) {
    rows.emplace_back(PQgetisnull(result.get(), row, 0) ? "" : PQgetvalue(result.get(), row, 0));
  }
  return rows;
}

std::string LocalCluster::log_tail(int lines) const {
  constexpr std::streamoff kWindow = 64 * 1024;  // enough for any sensible number of lines
  const fs::path file = log_file(options_.data_dir);
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return "(no log at " + file.string() + ")";
  const std::streamoff size = in.tellg();
  in.seekg(std::max<std::streamoff>(0, size - kWindow));
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  while (!text.empty() && text.back() == '\n') text.pop_back();
  size_t start = text.size();
  for (int n = 0; n < lines && start != std::string::npos && start > 0; ++n) start = text.rfind('\n', start - 1);
  return start == std::string::npos ? text : text.substr(start + 1);
}

// The password outlives this object: `pgkit dev` reuses a cluster across runs and must find it again.
void LocalCluster::load_password() {
  if (!options_.password.empty()) return;
  const fs::path file = password_file(options_.data_dir);
  if (!fs::exists(file)) {
    throw Error(
        {.message = fmt::format("{} holds a cluster but {} is missing: set LocalClusterOptions.password",
                                options_.data_dir.string(), file.string()),
         .hint = "a data directory made by LocalCluster keeps its password beside it; pass the one it was made with"});
  }
  options_.password = trim(read_text(file));
}

void LocalCluster::init_data_dir() {
  const fs::path& data = options_.data_dir;
  const fs::path& from = options_.template_dir;
  if (!options_.primary_url.empty()) {
    if (options_.password.empty())
      throw Error({.message = "a standby needs the primary's password: set LocalClusterOptions.password", .hint = {}});
    write_private(password_file(data), options_.password + "\n");
    // -R writes primary_conninfo and standby.signal; -X stream copies the WAL made meanwhile.
    std::vector<std::string> argv{
        "pg_basebackup", "-d", options_.primary_url, "-D", data.string(), "-R", "-X", "stream", "-c", "fast"};
    if (!options_.fsync) argv.emplace_back("--no-sync");
    if (const int code = run_tool(argv, log_file(data)); code != 0) {
      throw Error({.message = fmt::format("pg_basebackup failed (exit {}) for {}; last lines of {}:\n{}", code,
                                          data.string(), log_file(data).string(), mask_secrets(log_tail())),
                   .hint = "the lines above are pg_basebackup's log: the primary must allow replication connections"});
    }
    return;
  }
  if (!from.empty()) {
    if (!has_cluster(from))
      throw Error({.message = "template_dir " + from.string() + " holds no cluster (no PG_VERSION)", .hint = {}});
    // The copy keeps the template's roles, so its password comes along.
    const std::string template_password = trim(read_text(password_file(from)));
    if (!options_.password.empty() && options_.password != template_password) {
      throw Error(
          {.message = "LocalClusterOptions.password differs from template_dir's password: leave it empty", .hint = {}});
    }
    options_.password = template_password;
  } else if (options_.password.empty()) {
    options_.password = random_password();
  }
  write_private(password_file(data), options_.password + "\n");

  std::vector<std::string> argv;
  if (!from.empty()) {
    if (fs::exists(data) && !fs::is_empty(data)) {
      throw Error(
          {.message = data.string() + " is not empty but holds no cluster: remove it or choose another data_dir",
           .hint = {}});
    }
    fs::remove(data);  // cp -a copies *into* an existing directory
    // Run as postgres, cp -a gives the copy the owner and the 0700 mode PostgreSQL insists on.
    argv = {"/bin/cp", "-a", from.string(), data.string()};
  } else {
    argv = {"initdb",
            "-D",
            data.string(),
            "-U",
            options_.user,
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--pwfile=" + password_file(data).string(),
            "-E",
            "UTF8",
            "--locale=C.UTF-8"};
    if (!options_.fsync) argv.emplace_back("--no-sync");
  }
  const int code = run_tool(argv, log_file(data));
  if (code != 0) {
    throw Error({.message = fmt::format("{} failed (exit {}) for {}; last lines of {}:\n{}", argv[0], code,
                                        data.string(), log_file(data).string(), log_tail()),
                 .hint = "the lines above are the program's own log"});
  }
}

void LocalCluster::write_settings() {
  const fs::path& data = options_.data_dir;
  std::string socket_dir = data.string();
  if (socket_dir.size() + std::string_view("/.s.PGSQL.65535").size() > kMaxSocketPath) {
    log().warn("{} is too long a path for a Unix socket: the server listens on TCP only", socket_dir);
    socket_dir.clear();
  }
  // Tuned for tests and development: speed over durability. wal_level keeps its default
  // (replica), so pg_basebackup can make standbys.
  std::map<std::string, std::string> settings{
      {"listen_addresses", "127.0.0.1"},
      {"port", std::to_string(port_)},
      {"unix_socket_directories", socket_dir},  // our own, clear of /var/run/postgresql
      {"synchronous_commit", "off"},
      {"max_connections", "200"},
      {"shared_buffers", "128MB"},
      {"logging_collector", "off"},  // the log stays in postgres.log (pg_ctl -l) where log_tail() reads it
  };
  if (!options_.fsync) {
    settings["fsync"] = "off";
    settings["full_page_writes"] = "off";  // torn pages matter only if a crash can lose writes anyway
  }
  for (const auto& [name, value] : options_.settings) settings[name] = value;

  std::string text = "# Written by pgkit at every start: change LocalClusterOptions.settings instead.\n";
  for (const auto& [name, value] : settings) text += fmt::format("{} = {}\n", name, conf_quote(value));
  const fs::path conf = data / "pgkit.conf";
  write_text(conf, text, std::ios::trunc);
  detail::give_to_server_user(conf);

  // postgresql.conf stays initdb's own and includes ours last, so ours win.
  const std::string include = "include_if_exists = 'pgkit.conf'";
  const fs::path main_conf = data / "postgresql.conf";
  if (read_text(main_conf).find(include) == std::string::npos) {
    write_text(main_conf, "\n" + include + "\n", std::ios::app);
  }
}

void LocalCluster::wait_ready(Millis timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string conninfo = url() + "?connect_timeout=2";
  while (PQping(conninfo.c_str()) != PQPING_OK) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw Error({.message = fmt::format(
                       "the server on 127.0.0.1:{} did not accept connections within {} ms; last lines of {}:\n{}",
                       port_, timeout.count(), log_file(options_.data_dir).string(), log_tail()),
                   .hint = "the lines above are the server's own log"});
    }
    std::this_thread::sleep_for(kPollInterval);
  }
}

int LocalCluster::read_port_from_pidfile() const {
  const auto lines = pid_file_lines(options_.data_dir);
  const int port = lines.size() >= 4 ? std::atoi(lines[3].c_str()) : 0;
  if (port <= 0) throw Error({.message = "no port in " + (options_.data_dir / "postmaster.pid").string(), .hint = {}});
  return port;
}

}  // namespace pgkit
