// `pgkit studio`: browse the database in the browser — a thin layer over studio::Studio
// (src/studio; docs/studio.md).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "commands.hpp"
#include "pgkit/schema.hpp"
#include "pgkit/shutdown.hpp"
#include "studio/studio.hpp"

extern char** environ;

namespace pgkit::cli {
namespace {

struct StudioCliOptions {
  CommonOptions common;
  studio::StudioOptions studio;
  bool no_open = false;
};

// The desktop's browser on url, when there is one (xdg-open); the printed URL works either way.
void open_browser(const std::string& url) {
  pid_t pid = 0;
  const char* argv[] = {"xdg-open", url.c_str(), nullptr};
  // Not with this thread's mask (SIGINT and SIGTERM blocked for ShutdownSignals): the browser
  // it starts must stop on them as usual.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  const int spawned = posix_spawnp(&pid, "xdg-open", nullptr, &attr, const_cast<char**>(argv), environ);
  posix_spawnattr_destroy(&attr);
  if (spawned != 0) {
    fmt::print(stderr, "pgkit studio: no browser to open here (xdg-open); open the URL above yourself\n");
    return;
  }
  std::thread([pid] { waitpid(pid, nullptr, 0); }).detach();  // reaped, whatever it does
}

int run_studio(StudioCliOptions& o) {
  ShutdownSignals signals;  // before any thread starts, so that every thread inherits the mask
  // The project's schema.prisma, as every pgkit command finds it, unless one is named.
  if (o.studio.schema.empty()) o.studio.schema = schema::find_default().value_or("");
  if (!o.studio.schema.empty())
    fmt::print(stderr, "pgkit studio: model and field names, and relations, from {}\n", o.studio.schema.string());
  studio::Studio server(require_database(o.common), o.studio);
  if (o.studio.allow_remote)
    fmt::print(stderr,
               "warning: pgkit studio listens on {}: anyone who reaches that address and has the link can read and "
               "change this database, over plain HTTP\n",
               o.studio.host);
  server.listen();
  fmt::print(
      "pgkit studio: open {}\n(the link signs in any browser that opens it: keep it as private as a password; "
      "Ctrl-C stops the studio)\n",
      server.url());
  std::fflush(stdout);
  if (!o.no_open) open_browser(server.url());
  std::thread runner([&server] { server.run(); });
  while (signals.wait_for(std::chrono::seconds(1)) == 0) {}
  server.stop();
  runner.join();
  return kOk;
}

}  // namespace

void add_studio_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<StudioCliOptions>();
  auto* cmd = app.add_subcommand("studio", "Browse the database in the browser (docs/studio.md)");
  add_common_options(*cmd, o->common);
  cmd->add_option("--port", o->studio.port, "Port to listen on (default 5555; 0 picks a free one)");
  cmd->add_option("--host", o->studio.host, "Address to listen on (default 127.0.0.1)");
  cmd->add_flag("--allow-remote", o->studio.allow_remote, "Allow a --host that is not a loopback address");
  cmd->add_option("--time-zone", o->studio.time_zone, "Zone timestamps are shown in (default UTC)");
  cmd->add_flag("--read-only", o->studio.read_only,
                "Read-only sessions and transactions: the database refuses every write (give a read-only role too)");
  cmd->add_flag("--no-open", o->no_open, "Print the URL without opening a browser");
  cmd->add_option("--schema", o->studio.schema,
                  "schema.prisma for model and field names and its relations (default: the project's, if any)");
  cmd->callback([o, &exit_code] { exit_code = run_studio(*o); });
}

}  // namespace pgkit::cli
