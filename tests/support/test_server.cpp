#include "test_server.hpp"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "pgkit/log.hpp"

namespace pgkit::test {
namespace fs = std::filesystem;
namespace {

constexpr const char* kRootPrefix = "pgkit-test-";
constexpr const char* kOwnerFile = "owner";  // the pid of the test executable using the root

/// A test executable that crashed or was killed (a timeout, Ctrl-C) could not stop its servers.
/// Stop them now and remove its root. Roots whose owner lives, or is unknown, are left alone.
void clean_up_after_dead_runs(const fs::path& temp) {
  std::error_code ec;
  for (fs::directory_iterator it(temp, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path root = it->path();
    pid_t owner = 0;
    if (!root.filename().string().starts_with(kRootPrefix) || !(std::ifstream(root / kOwnerFile) >> owner)) continue;
    if (owner <= 0 || ::kill(owner, 0) == 0 || errno == EPERM) continue;
    try {
      for (const auto& entry : fs::directory_iterator(root)) {
        if (!fs::exists(entry.path() / "data" / "postmaster.pid")) continue;
        LocalClusterOptions options;
        options.data_dir = entry.path() / "data";
        LocalCluster(std::move(options)).stop();
      }
      fs::remove_all(root);
    } catch (const std::exception& e) {
      pgkit::log().warn("cannot clean up {}, left by a test run that died: {}", root.string(), e.what());
    }
  }
}

/// Everything one test executable creates: a temporary root holding an initdb'd template (never
/// started), the shared server and the private servers, each a copy of the template.
class Harness {
 public:
  static Harness& instance() {
    static Harness harness;
    return harness;
  }

  ~Harness() {
    // Stop the shared server before its directory goes, so no postgres outlives the tests.
    try {
      shared_.reset();
      reap_servers();
      if (!root_.empty()) fs::remove_all(root_);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pgkit test harness: cleaning up %s failed: %s\n", root_.c_str(), e.what());
    }
  }

  LocalCluster& shared() {
    std::lock_guard lock(mutex_);
    if (!shared_) {
      LocalClusterOptions options;
      options.data_dir = root() / "shared" / "data";
      options.template_dir = template_dir();
      auto server = std::make_unique<LocalCluster>(std::move(options));
      server->start();
      shared_ = std::move(server);
    }
    return *shared_;
  }

  LocalClusterOptions private_options(std::map<std::string, std::string> settings) {
    std::lock_guard lock(mutex_);
    LocalClusterOptions options;
    options.data_dir = root() / fmt::format("private-{}", ++privates_) / "data";
    options.settings = std::move(settings);
    options.template_dir = template_dir();
    options.throwaway = true;
    return options;
  }

 private:
  Harness() {
    // The logger, made before the harness is complete, is destroyed after it: servers stopped at
    // exit may warn.
    pgkit::log();
    // pg_ctl leaves each postmaster an orphan. Adopting the orphans ourselves, rather than leaving
    // them to PID 1 (which in a container may reap late or never), lets exit leave no process behind.
    prctl(PR_SET_CHILD_SUBREAPER, 1);
  }

  /// Reap the stopped postmasters we adopted; bounded, in case a test leaked a running server.
  static void reap_servers() {
    eventually(
        [] {
          pid_t pid;
          while ((pid = waitpid(-1, nullptr, WNOHANG)) > 0) {}
          return pid < 0;  // ECHILD: none left
        },
        std::chrono::seconds(5));
  }

  /// Caller must hold mutex_.
  const fs::path& root() {
    if (root_.empty()) {
      const fs::path temp = fs::temp_directory_path();
      clean_up_after_dead_runs(temp);
      std::string pattern = (temp / (std::string(kRootPrefix) + "XXXXXX")).string();
      if (mkdtemp(pattern.data()) == nullptr)
        throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
      // mkdtemp makes it 0700; when we are root the server runs as postgres, which must pass through.
      fs::permissions(pattern, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                   fs::perms::others_read | fs::perms::others_exec);
      root_ = pattern;
      std::ofstream(root_ / kOwnerFile) << ::getpid() << "\n";
    }
    return root_;
  }

  /// initdb once; copies cost ~0.1 s where initdb costs ~1.3 s. Caller must hold mutex_.
  const fs::path& template_dir() {
    if (template_.empty()) {
      LocalClusterOptions options;
      options.data_dir = root() / "template" / "data";
      LocalCluster cluster(std::move(options));
      cluster.init();
      template_ = cluster.data_dir();
    }
    return template_;
  }

  std::mutex mutex_;
  fs::path root_;
  fs::path template_;
  int privates_ = 0;
  std::unique_ptr<LocalCluster> shared_;
};

}  // namespace

LocalCluster& shared_server() { return Harness::instance().shared(); }

std::unique_ptr<LocalCluster> private_server(std::map<std::string, std::string> settings) {
  auto server = std::make_unique<LocalCluster>(Harness::instance().private_options(std::move(settings)));
  server->start();
  return server;
}

std::unique_ptr<LocalCluster> standby_of(const LocalCluster& primary, std::map<std::string, std::string> settings) {
  LocalClusterOptions options = Harness::instance().private_options(std::move(settings));
  options.template_dir.clear();
  options.primary_url = primary.url();
  options.user = primary.user();
  options.password = primary.password();
  auto server = std::make_unique<LocalCluster>(std::move(options));
  server->start();
  return server;
}

::testing::AssertionResult standby_caught_up(const LocalCluster& primary, const LocalCluster& standby,
                                             std::chrono::milliseconds timeout) {
  const std::string lsn = primary.sql("SELECT pg_current_wal_insert_lsn()")[0];
  return eventually(
      [&] { return standby.sql("SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn")[0] == "t"; }, timeout,
      [&] {
        return "the standby replayed up to " + standby.sql("SELECT pg_last_wal_replay_lsn()")[0] + ", not " + lsn;
      });
}

::testing::AssertionResult make_read_only(const LocalCluster& server) {
  server.sql("ALTER SYSTEM SET default_transaction_read_only = on");
  server.sql("SELECT pg_reload_conf()");
  return eventually([&] { return server.sql("SHOW default_transaction_read_only")[0] == "on"; });
}

std::string fresh_database_url(const std::string& name) {
  auto& server = shared_server();
  if (!server.sql("SELECT 1 FROM pg_database WHERE datname = '" + name + "'").empty())
    server.sql("DROP DATABASE " + name + " WITH (FORCE)");  // a repeated run (--gtest_repeat)
  server.sql("CREATE DATABASE " + name);
  return server.url(name);
}

Config fresh_database(const std::string& name) { return config_for(fresh_database_url(name)); }

Config config_for(const std::string& url) {
  auto loaded = parse_url(url);
  if (!loaded.ok()) throw std::runtime_error(loaded.problems_text());
  Config config = loaded.config;
  config.pool.slow_query = Millis{0};
  return config;
}

std::string identifier(const std::string& text, std::size_t max) {
  std::string out;
  for (char ch : text) out += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(ch)) : '_';
  return out.substr(0, max);
}

}  // namespace pgkit::test
