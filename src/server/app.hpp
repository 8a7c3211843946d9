#pragma once
// pgkit-server: the routes on the HTTP transport, the database watched from a supervisor
// thread (start-up verification, --migrate, recovery, pending migrations), and the shutdown.
#include <chrono>
#include <filesystem>
#include <memory>

#include "pgkit/shutdown.hpp"
#include "http/http_server.hpp"
#include "server/services.hpp"

namespace pgkit::server {

struct AppOptions {
  http::HttpOptions http;
  bool migrate = false;                                    ///< apply pending migrations once connected
  std::filesystem::path migrations = "prisma/migrations";  ///< the server's schema
  std::chrono::milliseconds shutdown_grace{10'000};        ///< requests in flight get this long
  Settings settings;
  std::string mailer = "log";  ///< MAILER
};

class App {
 public:
  /// Reads the database configuration from the environment (and .env); never fails on a
  /// missing or unreachable database. @throws std::exception for a bad mailer or port.
  explicit App(AppOptions options);
  ~App();
  /// Listens, serves until signals reports SIGINT or SIGTERM, drains, closes the pool.
  /// Returns the exit code. signals must be made before the App: the pool's threads start
  /// with the App and must inherit the blocked signals.
  int run(ShutdownSignals& signals);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pgkit::server
