#include "server/app.hpp"

#include <set>
#include <thread>

#include <boost/asio/awaitable.hpp>
#include <fmt/format.h>

#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pgkit/migrator.hpp"
#include "pgkit/schema_migrate.hpp"
#include "pgkit/shutdown.hpp"
#include "server/request_log.hpp"
#include "http/router.hpp"
#include "server/routes.hpp"
#include "server/schema_upgrade.hpp"

namespace pgkit::server {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// The configuration the server runs with: the environment's, with a statement timeout so no
// request can hold a connection forever, and UTC sessions.
LoadedConfig server_config() {
  LoadedConfig loaded = load_config();
  if (loaded.config.pool.statement_timeout.count() == 0)
    loaded.config.pool.statement_timeout = std::chrono::seconds(30);
  return loaded;
}

// Request text for a message: printable ASCII kept, other bytes %-escaped (a JSON body must
// stay valid UTF-8 whatever the client sent).
std::string printable(std::string_view text) {
  std::string out;
  for (unsigned char c : text.substr(0, 200)) {
    if (c >= 0x20 && c < 0x7f)
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace

struct App::Impl {
  explicit Impl(AppOptions o)
      : options(std::move(o)),
        database(server_config()),
        services(database, make_mailer(options.mailer), options.settings),
        http(std::make_unique<http::HttpServer>(
            options.http, [this](http::Request& r) { return handle(r); },
            [this](const http::Request& r, const http::Response& res) {
              finished(r, "transport", res, Clock::now());
            })) {
    add_health_routes(router, services);
    add_auth_routes(router, services);
    add_user_routes(router, services);
    add_post_routes(router, services);
  }

  asio::awaitable<http::Response> handle(http::Request& req);
  void finished(const http::Request& req, const std::string& route, const http::Response& res, Clock::time_point start);
  void supervise(ShutdownSignals& signals);
  bool check_database(bool& announced, bool& migrated);

  AppOptions options;
  Database database;
  Services services;
  http::Router router;
  // Destroyed before the pool closes: requests still running after the grace period are
  // coroutines of its io_contexts, and their end gives their connections back.
  std::unique_ptr<http::HttpServer> http;
};

asio::awaitable<http::Response> App::Impl::handle(http::Request& req) {
  auto start = Clock::now();
  // HEAD is GET without the body (the transport drops it).
  http::Router::Match match = router.match(req.method == "HEAD" ? "GET" : req.method, req.path, req);
  http::Response res;
  if (!match.handler && match.status == 405) {
    res = http::error_response(405, "method_not_allowed",
                               printable(req.method) + " is not allowed here; use " + match.allow);
    res.headers.emplace_back("Allow", match.allow);
  } else if (!match.handler) {
    res = http::error_response(404, "not_found", "no route for " + printable(req.method) + " " + printable(req.path));
  } else {
    std::exception_ptr failure;
    try {
      res = co_await (*match.handler)(req);
    } catch (...) {
      failure = std::current_exception();
    }
    if (failure) res = error_for(failure, req, services.metrics);
  }
  finished(req, match.route.empty() ? "unmatched" : match.route, res, start);
  co_return res;
}

void App::Impl::finished(const http::Request& req, const std::string& route, const http::Response& res,
                         Clock::time_point start) {
  auto took = Clock::now() - start;
  // Label values come from a fixed set: a client inventing methods must not grow /metrics.
  static const std::set<std::string, std::less<>> known{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};
  services.metrics.record_request(known.contains(req.method) ? req.method : "OTHER", route, res.status, took);
  log_request(req, route, res.status, took);
}

// Connects once (logging the server's version), applies migrations when asked, and counts
// pending ones. Returns whether the database answered.
bool App::Impl::check_database(bool& announced, bool& migrated) {
  const Config& config = database.config().config;
  Pool& pool = database.pool();
  if (!database.test_connection(std::chrono::milliseconds(1500)))
    throw std::runtime_error(config.masked() + " does not answer within 1.5 s");
  if (!announced) {
    auto version = pool.query("SELECT version()").scalar<std::string>();
    log().info("connected to PostgreSQL at {}: {}", config.masked(), version);
    announced = true;
  }
  migrate::Options m{.dir = options.migrations, .table = migrate::history_table(options.migrations)};
  if (!migrated) {
    auto report = migrate_server_database(config, options.migrations,
                                          [](const std::string& line) { log().info("--migrate: {}", line); });
    log().info("--migrate: {} migration(s) applied", report.versions.size());
    migrated = true;
  }
  int pending = 0;
  for (const auto& entry : migrate::Migrator(config, m).status())
    if (entry.state == migrate::State::pending) ++pending;
  if (pending != services.pending_migrations.exchange(pending) && pending > 0)
    log().warn("{} migration(s) in {} are not applied: /api/health/ready answers 503 until they are", pending,
               options.migrations.string());
  return true;
}

void App::Impl::supervise(ShutdownSignals& signals) {
  bool announced = false, migrated = !options.migrate, down_reported = false;
  for (;;) {
    bool up = false;
    if (database.configured()) {
      try {
        up = check_database(announced, migrated);
        if (down_reported) log().info("the database is reachable again");
        down_reported = false;
      } catch (const migrate::MigrationError& e) {
        log().error("--migrate failed; serving without it: {}", e.what());
        migrated = true;
      } catch (const std::exception& e) {
        if (!down_reported)
          log().warn("the database is unreachable; database routes answer 503 until it is back: {}", e.what());
        down_reported = true;
      }
    }
    if (signals.wait_for(up ? std::chrono::seconds(10) : std::chrono::seconds(1))) break;
  }
  log().info("shutting down: no new connections; requests in flight have {} ms", options.shutdown_grace.count());
  http->stop(options.shutdown_grace);
}

App::App(AppOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

App::~App() = default;

int App::run(ShutdownSignals& signals) {
  Impl& app = *impl_;
  if (!app.database.configured()) {
    const auto& loaded = app.database.config();
    log().warn("starting without a database: {}; database routes answer 503",
               loaded.ok() ? "none is configured (set DATABASE_URL)" : loaded.problems_text());
  }
  app.http->listen();
  log().info("pgkit-server listening on http://{}:{}", app.options.http.address, app.http->port());
  std::thread supervisor([&] { app.supervise(signals); });
  app.http->run();
  supervisor.join();
  app.http.reset();
  if (app.database.configured()) app.database.pool().close();
  log().info("stopped");
  return 0;
}

}  // namespace pgkit::server
