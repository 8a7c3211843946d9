// Validation helpers: every check reports and carries on, so the user sees all problems at once.
#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>

#include <fmt/format.h>

#include "config/config_internal.hpp"

namespace pgkit::detail {
namespace {

constexpr std::array<std::string_view, 6> kSslModes = {"disable", "allow",     "prefer",
                                                       "require", "verify-ca", "verify-full"};
constexpr std::array<std::string_view, 6> kSessionAttrs = {"any",     "read-write", "read-only",
                                                           "primary", "standby",    "prefer-standby"};

// Whole words seed 001's template leaves behind (`USERNAME:PASSWORD@HOST:PORT/DATABASE`). Only
// the upper-case spelling: "password" or "database" in lower case are real (if weak) values.
constexpr std::array<std::string_view, 9> kTemplateWords = {"USERNAME", "USER",     "PASSWORD", "HOST",   "HOSTNAME",
                                                            "PORT",     "DATABASE", "DBNAME",   "DB_NAME"};

// Fragments that mark a value copied from a template without being filled in.
constexpr std::array<std::string_view, 5> kTemplateFragments = {"your_", "your-", "changeme", "change_me", "change-me"};

template <std::size_t N>
bool one_of(std::string_view value, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), value) != set.end();
}

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    auto end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? text.npos : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// "port 2 of 3" when there are several hosts, "" when there is one: the user can find it
// without us repeating the value.
std::string position(std::size_t i, std::size_t n) {
  return n > 1 ? fmt::format(" (entry {} of {})", i + 1, n) : std::string();
}

void check_ports(LoadedConfig& out, const std::string& value, const std::string& setting) {
  auto ports = split(value, ',');
  for (std::size_t i = 0; i < ports.size(); ++i) {
    auto port = trim(ports[i]);
    if (port.empty()) continue;  // libpq: an empty entry means the default port
    if (one_of(port, kTemplateWords)) {
      add_problem(out, setting, "is a template placeholder, not a port number" + position(i, ports.size()),
                  "put the server's port there, usually 5432");
      continue;
    }
    bool digits = std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); });
    if (!digits) {
      add_problem(out, setting, "is not a number" + position(i, ports.size()),
                  "use a port number between 1 and 65535, usually 5432");
    } else if (port.size() > 5 || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      add_problem(out, setting, "is out of range" + position(i, ports.size()),
                  "use a port number between 1 and 65535, usually 5432");
    }
  }
}

void check_placeholders(LoadedConfig& out, const std::string& keyword, const std::string& value,
                        const std::string& setting) {
  std::string reason = placeholder_reason(value);
  // Several hosts: a template word may be one of them ("HOST,db2").
  for (auto part : split(value, ',')) {
    if (reason.empty()) reason = placeholder_reason(part);
  }
  if (reason.empty()) return;
  static const std::map<std::string, std::string> what = {
      {"user", "user name"}, {"password", "password"}, {"host", "server host name"}, {"dbname", "database name"}};
  add_problem(out, setting, "looks like a template placeholder: it " + reason,
              "replace it with the real " + what.at(keyword));
}

void check_connect_timeout(LoadedConfig& out, const std::string& value, const std::string& setting) {
  auto seconds = parse_integer(value);
  if (!seconds) {
    add_problem(out, setting, "is not a whole number of seconds", "write a number of seconds, e.g. connect_timeout=10");
  } else if (*seconds < 0) {
    add_problem(out, setting, "is negative", "write a number of seconds, e.g. connect_timeout=10");
  } else if (*seconds == 0) {
    // libpq reads 0 as "wait forever"; the pool's own deadline still applies, so say so.
    add_warning(out, fmt::format("{}: 0 makes libpq wait for the server without limit; the pool keeps "
                                 "its own {} ms connect timeout",
                                 setting, out.config.pool.connect_timeout.count()));
  } else {
    // Capped so the multiplication cannot overflow; a day is longer than any sane timeout.
    out.config.pool.connect_timeout = Millis(std::min<long long>(*seconds, 86'400) * 1000);
  }
}

}  // namespace

void add_problem(LoadedConfig& out, std::string setting, std::string message, std::string fix) {
  out.problems.push_back({mask_secrets(setting), mask_secrets(message), mask_secrets(fix)});
}

void add_warning(LoadedConfig& out, const std::string& text) { out.warnings.push_back(mask_secrets(text)); }

std::string trim(std::string_view text) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return std::string(text);
}

std::string lower(std::string_view text) {
  std::string result(text);
  for (auto& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return result;
}

std::optional<long long> parse_integer(std::string_view text) {
  std::string t = trim(text);
  long long value = 0;
  auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
  if (t.empty() || ec != std::errc() || end != t.data() + t.size()) return std::nullopt;
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string t = lower(trim(text));
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  return std::nullopt;
}

std::string placeholder_reason(std::string_view value) {
  std::string t = trim(value);
  if (one_of(std::string_view(t), kTemplateWords)) return "is the template word " + t;
  std::string low = lower(t);
  for (auto fragment : kTemplateFragments) {
    if (low.find(fragment) != std::string::npos) return fmt::format("contains '{}'", fragment);
  }
  auto open = t.find('<');
  if (open != std::string::npos && t.find('>', open) != std::string::npos) return "has a <…> part";
  return {};
}

void check_params(LoadedConfig& out, const SettingNamer& name) {
  auto& params = out.config.params;
  auto get = [&](const char* key) -> const std::string* {
    auto it = params.find(key);
    return it == params.end() ? nullptr : &it->second;
  };

  if (auto* host = get("host"); host && host->find('@') != std::string::npos) {
    // libpq splits user info at the first '@', so the rest of the password lands in the host.
    add_problem(out, name("host"), "contains '@', so part of the user info ended up in the host name",
                "percent-encode '@' in the user name or password as %40");
  }
  for (const char* key : {"user", "password", "host", "dbname"}) {
    if (auto* value = get(key)) check_placeholders(out, key, *value, name(key));
  }
  if (auto* password = get("password"); password && password->empty()) {
    add_problem(out, name("password"), "is set but empty",
                "set the password, or leave the password out to use ~/.pgpass");
  }
  if (auto* port = get("port")) check_ports(out, *port, name("port"));
  if (auto* mode = get("sslmode"); mode && !one_of(std::string_view(*mode), kSslModes)) {
    add_problem(out, name("sslmode"), "is not a valid sslmode",
                "use one of disable, allow, prefer, require, verify-ca, verify-full");
  }
  if (auto* attrs = get("target_session_attrs"); attrs && !one_of(std::string_view(*attrs), kSessionAttrs)) {
    add_problem(out, name("target_session_attrs"), "is not a valid target_session_attrs",
                "use one of any, read-write, read-only, primary, standby, prefer-standby");
  }
  if (auto* timeout = get("connect_timeout")) check_connect_timeout(out, *timeout, name("connect_timeout"));
}

void set_pool_max(LoadedConfig& out, long long value, const std::string& setting) {
  if (value < 1) {
    add_problem(out, setting, "must be at least 1", "set the pool's maximum size, e.g. 10");
    return;
  }
  if (value > defaults::kPoolMaxCeiling) {
    // Clamped rather than refused (seed 003 does the same), but never silently.
    add_warning(out, fmt::format("{}={} is above the ceiling of {}; using {}", setting, value,
                                 defaults::kPoolMaxCeiling, defaults::kPoolMaxCeiling));
    value = defaults::kPoolMaxCeiling;
  }
  out.config.pool.max = static_cast<int>(value);
}

void check_pool(LoadedConfig& out, bool min_explicit, const std::string& min_setting, const std::string& max_setting) {
  auto& pool = out.config.pool;
  // connection_limit=1 alone must not fail against a default nobody chose.
  if (!min_explicit && pool.min > pool.max) pool.min = pool.max;
  if (pool.min > pool.max) {
    add_problem(out, min_setting + " / " + max_setting,
                fmt::format("the pool minimum ({}) is greater than the maximum ({})", pool.min, pool.max),
                fmt::format("lower {} or raise {}", min_setting, max_setting));
  }
}

SettingNamer url_part_namer(const std::string& setting) {
  return [setting](const std::string& keyword) { return setting + " (" + keyword + ")"; };
}

}  // namespace pgkit::detail
