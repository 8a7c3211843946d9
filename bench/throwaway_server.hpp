#pragma once
// The PostgreSQL server a benchmark runs against: started in a fresh /tmp directory, and
// stopped and removed with that directory when the object goes — on return, on an exception,
// and on SIGINT / SIGTERM / SIGHUP (a benchmark interrupted by hand must not leave a postmaster).
//
// Header-only: shared by the two benchmark programs, nothing else.

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>

#include "pgkit/local_cluster.hpp"

namespace pgkit::bench {

/// A process a benchmark started (pgbench), killed if the benchmark is interrupted; 0 = none.
inline std::atomic<pid_t> g_running_child{0};

class ThrowawayServer {
 public:
  /// mkdtemp /tmp/pgkit-bench-XXXXXX (mode 0755: as root the server runs as `postgres` and must
  /// pass through), then initdb and start a server with settings in it.
  /// @throws std::runtime_error or std::system_error, after removing what it made.
  explicit ThrowawayServer(std::map<std::string, std::string> settings) {
    std::string pattern = "/tmp/pgkit-bench-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::system_error(errno, std::generic_category(), "mkdtemp");
    root_ = pattern;
    guard_signals(this);
    try {
      if (::chmod(root_.c_str(), 0755) != 0)
        throw std::system_error(errno, std::generic_category(), "chmod 0755 " + root_.string());
      LocalClusterOptions options;
      options.data_dir = root_ / "data";
      options.settings = std::move(settings);
      options.fsync = false;
      options.throwaway = true;  // the destructor stops the server and removes data_dir
      cluster_ = std::make_unique<LocalCluster>(std::move(options));
      cluster_->start();
    } catch (...) {
      remove();
      throw;
    }
  }
  ~ThrowawayServer() { remove(); }
  ThrowawayServer(const ThrowawayServer&) = delete;
  ThrowawayServer& operator=(const ThrowawayServer&) = delete;

  LocalCluster& cluster() { return *cluster_; }
  const std::filesystem::path& root() const { return root_; }

 private:
  // Idempotent. The signal thread may clean up while main is about to, hence the lock.
  void remove() noexcept {
    std::lock_guard lock(mutex());
    remove_locked();
  }
  // Caller must hold mutex().
  void remove_locked() noexcept {
    if (active() == this) active() = nullptr;
    if (root_.empty()) return;
    try {
      cluster_.reset();  // pg_ctl stop -m fast, rm -r data
    } catch (const std::exception& e) {
      std::fprintf(stderr, "pgkit bench: stopping the server in %s failed: %s\n", root_.c_str(), e.what());
    }
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);  // password and postgres.log live beside data/
    root_.clear();
  }

  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static ThrowawayServer*& active() {
    static ThrowawayServer* server = nullptr;
    return server;
  }

  // Signals go to one thread (sigwait), which cleans up in ordinary thread context and exits.
  // Threads made later inherit the mask, so construct this before starting any thread.
  static void guard_signals(ThrowawayServer* server) {
    {
      std::lock_guard lock(mutex());
      active() = server;
    }
    static std::once_flag once;
    std::call_once(once, [] {
      static sigset_t set;
      sigemptyset(&set);
      for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, sig);
      pthread_sigmask(SIG_BLOCK, &set, nullptr);
      std::thread([] {
        int sig = 0;
        while (sigwait(&set, &sig) != 0) {}
        std::fprintf(stderr, "\npgkit bench: signal %d, stopping and removing the server\n", sig);
        if (pid_t child = g_running_child.load(); child > 0) ::kill(child, SIGTERM);
        std::lock_guard lock(mutex());  // held to the end: main must not destroy the server meanwhile
        if (ThrowawayServer* s = active()) s->remove_locked();
        std::_Exit(128 + sig);
      }).detach();
    });
  }

  std::filesystem::path root_;
  std::unique_ptr<LocalCluster> cluster_;
};

}  // namespace pgkit::bench
