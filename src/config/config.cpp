// load_config: choose the source, read pool settings, validate; and the Config/Problem methods.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

#include <fmt/format.h>

#include "config/config_internal.hpp"

namespace pgkit {
namespace {

using detail::add_problem;
using detail::add_warning;

// Variable lookup: the environment first, then .env (which never overrides it).
class Env {
 public:
  Env(const ConfigOptions& options, LoadedConfig& out) : getenv_(options.getenv) {
    if (!getenv_) {
      getenv_ = [](const std::string& name) -> std::optional<std::string> {
        const char* value = std::getenv(name.c_str());
        return value ? std::optional<std::string>(value) : std::nullopt;
      };
    }
    if (options.read_dotenv) {
      auto file = detail::read_dotenv_file(options);
      dotenv_ = std::move(file.values);
      for (auto& p : file.problems) out.problems.push_back(std::move(p));
    }
  }

  /// The variable's value; set-but-empty counts as set.
  std::optional<std::string> get(const std::string& name) const {
    if (auto value = getenv_(name)) return value;
    auto it = dotenv_.find(name);
    return it == dotenv_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  /// Set and not empty: an empty variable (`DATABASE_URL=` in compose files) selects nothing.
  bool has(const std::string& name) const {
    auto value = get(name);
    return value && !value->empty();
  }

 private:
  std::function<std::optional<std::string>(const std::string&)> getenv_;
  std::map<std::string, std::string> dotenv_;
};

// The sources that select themselves by a variable, highest first (PG* is handled apart).
constexpr std::array<std::array<const char*, 2>, 4> kSelectors = {{
    {"DATABASE_URL", nullptr},
    {"DB_CONNECTION_STRING", nullptr},
    {"DB_HOST", nullptr},
    {"POSTGRES_HOST", "POSTGRES_DB"},
}};
constexpr std::array<const char*, 4> kPgSelectors = {"PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE"};

// Discrete variables → libpq keywords.
using Mapping = std::vector<std::pair<std::string, std::string>>;  // variable, keyword
const Mapping kDbVars = {
    {"DB_HOST", "host"}, {"DB_PORT", "port"}, {"DB_NAME", "dbname"}, {"DB_USER", "user"}, {"DB_PASSWORD", "password"}};
const Mapping kPostgresVars = {{"POSTGRES_HOST", "host"},
                               {"POSTGRES_PORT", "port"},
                               {"POSTGRES_DB", "dbname"},
                               {"POSTGRES_USER", "user"},
                               {"POSTGRES_PASSWORD", "password"}};

detail::SettingNamer mapping_namer(const Mapping& mapping, const std::string& source) {
  return [&mapping, source](const std::string& keyword) {
    for (const auto& [var, kw] : mapping) {
      if (kw == keyword) return var;
    }
    return source + " (" + keyword + ")";
  };
}

// Copy the discrete variables that are set; empty ones are skipped, except a password, where
// "set but empty" is a mistake check_params reports.
void read_mapping(const Env& env, const Mapping& mapping, Config& config) {
  for (const auto& [var, keyword] : mapping) {
    auto value = env.get(var);
    if (value && (!value->empty() || keyword == "password")) config.params[keyword] = *value;
  }
}

void read_db_ssl(const Env& env, LoadedConfig& out) {
  auto value = env.get("DB_SSL");
  if (!value || value->empty()) return;
  if (auto on = detail::parse_bool(*value)) {
    out.config.params["sslmode"] = *on ? "require" : "disable";
  } else {
    add_problem(out, "DB_SSL", "is not true or false",
                "set DB_SSL=true (sslmode=require) or false; for verify-full use DATABASE_URL with ?sslmode=");
  }
}

void choose_source(const ConfigOptions& options, const Env& env, LoadedConfig& out) {
  auto& config = out.config;
  if (options.url) {
    config.source = "explicit";
    detail::parse_url_into(*options.url, "ConfigOptions::url", out);
    detail::check_params(out, detail::url_part_namer("ConfigOptions::url"));
    return;
  }
  for (std::size_t i = 0; i < kSelectors.size(); ++i) {
    const char* selector = nullptr;
    for (const char* name : kSelectors[i]) {
      if (!selector && name && env.has(name)) selector = name;
    }
    if (!selector) continue;
    config.source = selector;
    // A lower source that is also set is ignored; say so rather than leave the user guessing.
    for (std::size_t j = i + 1; j < kSelectors.size(); ++j) {
      for (const char* name : kSelectors[j]) {
        if (name && env.has(name)) {
          add_warning(out, fmt::format("{} is set but ignored: {} takes precedence", name, selector));
        }
      }
    }
    if (i < 2) {
      detail::parse_url_into(*env.get(selector), selector, out);
      detail::check_params(out, detail::url_part_namer(selector));
    } else {
      const Mapping& mapping = i == 2 ? kDbVars : kPostgresVars;
      read_mapping(env, mapping, config);
      if (i == 2) read_db_ssl(env, out);
      auto namer = mapping_namer(mapping, selector);
      detail::check_params(out, [&](const std::string& kw) { return kw == "sslmode" ? "DB_SSL" : namer(kw); });
    }
    return;
  }
  for (const char* selector : kPgSelectors) {
    if (!env.has(selector)) continue;
    // .env values never reach the process environment, so libpq would not see them: copy
    // every PG* variable libpq knows into explicit params.
    config.source = selector;
    for (const auto& [var, keyword] : detail::libpq_env_vars()) {
      if (auto value = env.get(var); value && (!value->empty() || keyword == "password")) {
        config.params[keyword] = *value;
      }
    }
    detail::check_params(out, [](const std::string& keyword) {
      for (const auto& [var, kw] : detail::libpq_env_vars()) {
        if (kw == keyword) return var;
      }
      return "PG* (" + keyword + ")";
    });
    return;
  }
  // Nothing configured is fine (seed 004's optional database), but half a configuration
  // usually means a typo in the variable that would have selected it.
  for (const char* name : {"DB_NAME", "DB_USER", "DB_PASSWORD", "DB_PORT", "POSTGRES_USER", "POSTGRES_PASSWORD"}) {
    if (env.has(name)) {
      add_warning(out, fmt::format("{} is set but no database is configured: set DATABASE_URL, DB_HOST or "
                                   "POSTGRES_HOST",
                                   name));
      break;
    }
  }
}

// One pool variable in milliseconds, under its name and an older alias.
struct MillisVar {
  const char* name;
  const char* alias;
  Millis PoolSettings::*field;
  bool zero_ok;                 // 0 means "off" for this setting
  const char* param = nullptr;  // a libpq keyword this overrides when it came from a URL
};

const std::array<MillisVar, 12> kMillisVars = {{
    {"DB_IDLE_TIMEOUT_MS", "DB_POOL_IDLE_TIMEOUT", &PoolSettings::idle_timeout, false},
    {"DB_CONNECTION_TIMEOUT_MS", "DB_POOL_CONNECTION_TIMEOUT", &PoolSettings::connect_timeout, false,
     "connect_timeout"},
    {"DB_ACQUIRE_TIMEOUT_MS", nullptr, &PoolSettings::acquire_timeout, false},
    {"DB_MAX_LIFETIME_MS", nullptr, &PoolSettings::max_lifetime, true},
    {"DB_STATEMENT_TIMEOUT_MS", nullptr, &PoolSettings::statement_timeout, true},
    {"DB_SLOW_QUERY_MS", nullptr, &PoolSettings::slow_query, true},
    {"DB_LEAK_THRESHOLD_MS", nullptr, &PoolSettings::leak_threshold, true},
    {"DB_VALIDATION_WINDOW_MS", nullptr, &PoolSettings::validation_window, true},
    {"DB_VALIDATION_TIMEOUT_MS", nullptr, &PoolSettings::validation_timeout, false},
    {"DB_IDLE_PING_MS", nullptr, &PoolSettings::idle_ping, true},
    {"DB_KEEPALIVE_IDLE_MS", nullptr, &PoolSettings::keepalive_idle, false, "keepalives_idle"},
    {"DB_TCP_USER_TIMEOUT_MS", nullptr, &PoolSettings::tcp_user_timeout, true, "tcp_user_timeout"},
}};

// The value of `name`, else of `alias` (warning when both are set and differ).
std::optional<std::pair<std::string, std::string>> read_var(const Env& env, LoadedConfig& out, const char* name,
                                                            const char* alias) {
  auto value = env.get(name);
  auto alias_value = alias ? env.get(alias) : std::nullopt;
  if (value && !value->empty()) {
    if (alias_value && !alias_value->empty() && *alias_value != *value) {
      add_warning(out, fmt::format("{} and {} are both set; using {}", name, alias, name));
    }
    return std::pair{std::string(name), *value};
  }
  if (alias_value && !alias_value->empty()) return std::pair{std::string(alias), *alias_value};
  return std::nullopt;
}

// Pool settings from the environment. They are applied after the URL, so they win over its
// connection_limit / pool_timeout / connect_timeout: the environment is the operator's last word.
void read_pool_settings(const Env& env, LoadedConfig& out) {
  auto& pool = out.config.pool;
  std::string max_setting = "DB_POOL_MAX";
  if (auto max = read_var(env, out, "DB_POOL_MAX", nullptr)) {
    max_setting = max->first;
    auto n = detail::parse_integer(max->second);
    if (!n)
      add_problem(out, max_setting, "is not a whole number", "set the pool's maximum size, e.g. DB_POOL_MAX=10");
    else
      detail::set_pool_max(out, *n, max_setting);
  }
  bool min_explicit = false;
  if (auto min = read_var(env, out, "DB_POOL_MIN", nullptr)) {
    auto n = detail::parse_integer(min->second);
    if (!n || *n < 0) {
      add_problem(out, min->first, n ? "is negative" : "is not a whole number",
                  "set how many connections to keep open, e.g. DB_POOL_MIN=2");
    } else {
      pool.min = static_cast<int>(std::min<long long>(*n, 1'000'000));
      min_explicit = true;
    }
  }
  for (const auto& var : kMillisVars) {
    auto found = read_var(env, out, var.name, var.alias);
    if (!found) continue;
    auto n = detail::parse_integer(found->second);
    if (!n || *n < 0 || (*n == 0 && !var.zero_ok)) {
      add_problem(out, found->first,
                  !n       ? "is not a whole number of milliseconds"
                  : *n < 0 ? "is negative"
                           : "must be greater than 0",
                  fmt::format("write milliseconds without a unit, e.g. {}=30000", found->first));
      continue;
    }
    pool.*var.field = Millis(*n);
    if (var.field == &PoolSettings::connect_timeout) pool.acquire_timeout = Millis(*n);
    if (var.param) out.config.params.erase(var.param);  // conninfo() derives it from pool now
  }
  for (auto [name, field] :
       {std::pair{"DB_KEEPALIVE", &PoolSettings::keepalive}, std::pair{"DB_LOG_QUERIES", &PoolSettings::log_queries},
        std::pair{"DB_PGBOUNCER", &PoolSettings::pgbouncer}}) {
    auto found = read_var(env, out, name, nullptr);
    if (!found) continue;
    if (auto on = detail::parse_bool(found->second)) {
      pool.*field = *on;
      if (field == &PoolSettings::keepalive) out.config.params.erase("keepalives");
    } else {
      add_problem(out, name, "is not true or false", fmt::format("set {}=true or {}=false", name, name));
    }
  }
  detail::check_pool(out, min_explicit, "DB_POOL_MIN", max_setting);
}

// DATABASE_REPLICA_URL: URLs separated by commas. A URL's own host list has commas too, so a
// new URL starts only where a scheme does.
std::vector<std::string> split_replica_urls(const std::string& text) {
  std::vector<std::string> urls;
  std::size_t start = 0;
  for (std::size_t comma = text.find(','); comma != std::string::npos; comma = text.find(',', comma + 1)) {
    std::string rest = detail::lower(detail::trim(std::string_view(text).substr(comma + 1, 16)));
    if (rest.starts_with("postgres://") || rest.starts_with("postgresql://")) {
      urls.push_back(detail::trim(std::string_view(text).substr(start, comma - start)));
      start = comma + 1;
    }
  }
  urls.push_back(detail::trim(std::string_view(text).substr(start)));
  return urls;
}

void read_replicas(const Env& env, LoadedConfig& out) {
  auto& replicas = out.config.replicas;
  if (auto value = env.get("DATABASE_REPLICA_URL"); value && !value->empty()) {
    if (!out.config.configured()) {
      add_problem(out, "DATABASE_REPLICA_URL", "is set but no primary database is configured",
                  "set DATABASE_URL to the primary; replicas only take read-only work");
    }
    auto urls = split_replica_urls(*value);
    for (std::size_t i = 0; i < urls.size(); ++i) {
      const std::string setting =
          urls.size() == 1 ? "DATABASE_REPLICA_URL" : fmt::format("DATABASE_REPLICA_URL (replica {})", i + 1);
      LoadedConfig one;
      detail::parse_url_into(urls[i], setting, one);
      detail::check_params(one, detail::url_part_namer(setting));
      for (auto& p : one.problems) out.problems.push_back(std::move(p));
      for (auto& w : one.warnings) out.warnings.push_back(std::move(w));
      if (!one.ok()) continue;
      // The usual set-up: the same credentials and database on another host. The primary's
      // password goes only to the primary's user, and only with the primary's TLS settings
      // (when the replica URL sets none): a replica reached with less verification must not be
      // where the primary's password leaks.
      auto& params = one.config.params;
      const auto& primary = out.config.params;
      auto primary_value = [&](const char* key) {
        auto it = primary.find(key);
        return it == primary.end() ? std::optional<std::string>() : std::optional<std::string>(it->second);
      };
      const bool same_user = !params.count("user") || params.at("user") == primary_value("user").value_or("");
      const bool own_tls =
          std::any_of(params.begin(), params.end(), [](auto& kv) { return kv.first.starts_with("ssl"); });
      if (!own_tls) {
        for (const auto& [key, value] : primary)
          if (key.starts_with("ssl")) params.try_emplace(key, value);
      }
      for (const char* inherited : {"user", "dbname"})
        if (auto v = primary_value(inherited)) params.try_emplace(inherited, *v);
      if (auto v = primary_value("password"); v && same_user) params.try_emplace("password", *v);
      replicas.nodes.push_back(std::move(one.config.params));
    }
  }
  struct Bound {
    const char* name;
    Millis* field;
    bool zero_ok;
  };
  for (auto [name, field, zero_ok] : {Bound{"DB_REPLICA_MAX_LAG_MS", &replicas.max_lag, false},
                                      Bound{"DB_REPLICA_CHECK_MS", &replicas.check_interval, false},
                                      Bound{"DB_READ_YOUR_WRITES_MS", &replicas.read_your_writes, true}}) {
    auto found = read_var(env, out, name, nullptr);
    if (!found) continue;
    auto n = detail::parse_integer(found->second);
    if (!n || *n < 0 || (*n == 0 && !zero_ok)) {
      add_problem(out, name,
                  !n       ? "is not a whole number of milliseconds"
                  : *n < 0 ? "is negative"
                           : "must be greater than 0",
                  fmt::format("write milliseconds without a unit, e.g. {}=5000", name));
    } else {
      *field = Millis(*n);
    }
  }
  if (auto found = read_var(env, out, "DB_REPLICA_MAX_LAG_BYTES", nullptr)) {
    auto n = detail::parse_integer(found->second);
    if (!n || *n < 0) {
      add_problem(out, "DB_REPLICA_MAX_LAG_BYTES", "is not a whole number of bytes (0 = no bound)",
                  "set how much WAL a replica may be behind, e.g. DB_REPLICA_MAX_LAG_BYTES=16777216");
    } else {
      replicas.max_lag_bytes = *n;
    }
  }
}

// libpq conninfo quoting: single quotes, with backslash and quote escaped.
std::string quote(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

long long ceil_seconds(Millis ms) { return (ms.count() + 999) / 1000; }

}  // namespace

LoadedConfig load_config(const ConfigOptions& options) {
  LoadedConfig out;
  Env env(options, out);
  choose_source(options, env, out);
  read_pool_settings(env, out);
  read_replicas(env, out);
  return out;
}

Config Config::replica(std::size_t i) const {
  Config c;
  c.params = replicas.nodes.at(i);
  c.pool = pool;
  c.search_path = search_path;
  c.source = "DATABASE_REPLICA_URL";
  // Keywords the pool settings own (connect_timeout, keepalives…) come from conninfo() alike.
  return c;
}

std::string Config::conninfo() const {
  std::map<std::string, std::string> all = params;
  // Keepalives catch a dead peer (failover, a NAT that forgot us) in seconds, not hours.
  all.try_emplace("keepalives", pool.keepalive ? "1" : "0");
  if (pool.keepalive) {
    if (pool.keepalive_idle.count() > 0)
      all.try_emplace("keepalives_idle", std::to_string(ceil_seconds(pool.keepalive_idle)));
    if (pool.keepalive_interval.count() > 0) {
      all.try_emplace("keepalives_interval", std::to_string(ceil_seconds(pool.keepalive_interval)));
    }
    if (pool.keepalive_count > 0) all.try_emplace("keepalives_count", std::to_string(pool.keepalive_count));
  }
  if (pool.tcp_user_timeout.count() > 0)
    all.try_emplace("tcp_user_timeout", std::to_string(pool.tcp_user_timeout.count()));
  // libpq rounds connect_timeout=1 up to 2 anyway; say 2 so the string means what it does.
  if (pool.connect_timeout.count() > 0) {
    all.try_emplace("connect_timeout", std::to_string(std::max(2LL, ceil_seconds(pool.connect_timeout))));
  }
  std::string out;
  for (const auto& [key, value] : all) out += (out.empty() ? "" : " ") + key + "=" + quote(value);
  return out;
}

std::string Config::masked() const {
  if (params.empty()) return {};
  auto get = [&](const char* key) {
    auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
  };
  std::string url = "postgresql://";
  if (params.count("user") || params.count("password")) {
    url += detail::percent_encode(mask_secrets(get("user")));
    if (params.count("password")) url += ":***";
    url += "@";
  }
  // Hosts and ports are comma lists; one port applies to every host.
  std::vector<std::string> hosts, ports;
  for (auto* list : {&hosts, &ports}) {
    std::string text = get(list == &hosts ? "host" : "port");
    for (std::size_t start = 0; !text.empty();) {
      auto comma = text.find(',', start);
      list->push_back(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  for (std::size_t i = 0; i < std::max(hosts.size(), ports.size()); ++i) {
    std::string host = i < hosts.size() ? hosts[i] : std::string();
    std::string port = ports.size() == 1 ? ports[0] : i < ports.size() ? ports[i] : std::string();
    if (i > 0) url += ",";
    // An '@' in a host is the tail of a password with an unencoded '@' (see check_params).
    if (host.find('@') != std::string::npos)
      url += "***";
    else if (host.find(':') != std::string::npos)
      url += "[" + host + "]";  // IPv6
    else
      url += detail::percent_encode(mask_secrets(host));  // a unix-socket directory becomes %2F…
    // A port that is not a number is often a password whose '@host' part was forgotten.
    bool digits = std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); });
    if (!port.empty()) url += ":" + (digits ? port : std::string("***"));
  }
  // Masked before encoding: a dbname may itself be a URL with a password (libpq expands those).
  url += "/" + detail::percent_encode(mask_secrets(get("dbname")));
  std::string query;
  for (const auto& [key, value] : params) {
    if (key == "user" || key == "password" || key == "sslpassword" || key == "host" || key == "port" ||
        key == "dbname") {
      continue;
    }
    query += (query.empty() ? "?" : "&") + key + "=" + detail::percent_encode(mask_secrets(value));
  }
  return mask_secrets(url + query);  // a last line of defence for anything unencoded above
}

std::string Problem::text() const { return setting + ": " + message + (fix.empty() ? "" : " — fix: " + fix); }

std::string LoadedConfig::problems_text() const {
  std::string out;
  for (const auto& p : problems) out += (out.empty() ? "" : "\n") + mask_secrets(p.text());
  return out;
}

}  // namespace pgkit
