// pgkit config: the resolved configuration, masked, with every problem found.
#include <iostream>

#include <fmt/format.h>

#include "commands.hpp"

namespace pgkit::cli {
namespace {

std::string ms(Millis v) { return v.count() > 0 ? fmt::format("{} ms", v.count()) : "off"; }

int show_config(const CommonOptions& common) {
  LoadedConfig loaded = load(common);
  const Config& c = loaded.config;
  if (c.configured()) {
    const PoolSettings& p = c.pool;
    fmt::print("source:            {}\n", c.source);
    fmt::print("url:               {}\n", c.masked());
    if (c.search_path) fmt::print("search_path:       {}\n", *c.search_path);
    fmt::print("pool:              min={} max={}\n", p.min, p.max);
    fmt::print("idle timeout:      {}\n", ms(p.idle_timeout));
    fmt::print("connect timeout:   {}\n", ms(p.connect_timeout));
    fmt::print("acquire timeout:   {}\n", ms(p.acquire_timeout));
    fmt::print("max lifetime:      {} (jitter {:.0f}%)\n", ms(p.max_lifetime), p.lifetime_jitter * 100);
    fmt::print("validation window: {}\n", ms(p.validation_window));
    fmt::print("statement timeout: {}\n", ms(p.statement_timeout));
    fmt::print("slow query log:    {}\n", ms(p.slow_query));
    fmt::print("leak threshold:    {}\n", ms(p.leak_threshold));
    fmt::print("tcp keepalive:     {}\n", p.keepalive
                                              ? fmt::format("on (idle {}, interval {}, count {})", ms(p.keepalive_idle),
                                                            ms(p.keepalive_interval), p.keepalive_count)
                                              : "off");
    fmt::print("tcp user timeout:  {}\n", ms(p.tcp_user_timeout));
    fmt::print("log every query:   {}\n", p.log_queries ? "on" : "off");
    fmt::print("pgbouncer:         {}\n", p.pgbouncer ? "on (unnamed statements, no session settings)" : "off");
  } else if (loaded.ok()) {
    fmt::print(
        "no database configured: set DATABASE_URL (or DB_CONNECTION_STRING, DB_HOST…, POSTGRES_HOST…) in the "
        "environment or in .env; `pgkit dev` starts a local one\n");
  }
  for (const auto& w : loaded.warnings) fmt::print(stderr, "warning: {}\n", w);
  for (const auto& p : loaded.problems) fmt::print(stderr, "problem: {}\n", p.text());
  if (!loaded.ok()) return kBadConfig;
  return c.configured() ? kOk : kBadConfig;
}

}  // namespace

void add_config_command(CLI::App& app, int& exit_code) {
  auto* cmd = app.add_subcommand("config", "Show the resolved configuration (passwords masked) and every problem");
  auto common = std::make_shared<CommonOptions>();
  add_common_options(*cmd, *common);
  cmd->callback([common, &exit_code] { exit_code = show_config(*common); });
}

}  // namespace pgkit::cli
