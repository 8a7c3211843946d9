// URLs and conninfo strings → Config. libpq does the real parsing (PQconninfoParse); this file
// only strips the Prisma-style parameters libpq does not know, and keeps secrets out of errors.
#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>
#include <libpq-fe.h>

#include "config/config_internal.hpp"

namespace pgkit {
namespace detail {
namespace {

using Span = std::pair<std::size_t, std::size_t>;  // [begin, end) of a secret in some text

bool is_key_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The password in `scheme://user:PASSWORD@host…` that starts after the "://" at `start`.
// An unencoded '@' may be inside the password, so we mask up to the LAST '@' of the URL token,
// and when the token has none (a space in the password) up to the last '@' on the line.
std::optional<Span> url_password_span(std::string_view text, std::size_t start) {
  std::size_t colon = start;
  while (colon < text.size() && text[colon] != ':') {
    char c = text[colon];
    if (c == '/' || c == '@' || c == '?' || std::isspace(static_cast<unsigned char>(c))) return std::nullopt;
    ++colon;
  }
  if (colon >= text.size()) return std::nullopt;
  auto token_end =
      std::find_if(text.begin() + colon, text.end(), [](unsigned char c) { return std::isspace(c); }) - text.begin();
  auto line_end = std::min(text.find('\n', colon), text.find("://", colon));
  std::size_t at = text.substr(0, token_end).rfind('@');
  if (at == std::string_view::npos || at < colon) at = text.substr(0, std::min(line_end, text.size())).rfind('@');
  if (at == std::string_view::npos || at <= colon + 1) return std::nullopt;
  return Span{colon + 1, at};
}

// The value after `…password=` (conninfo, URL query, .env-like text; quoted or not).
std::optional<Span> keyword_password_span(std::string_view text, std::size_t word_end) {
  std::size_t key_start = word_end - 8;  // strlen("password")
  while (key_start > 0 && is_key_char(text[key_start - 1])) --key_start;
  bool in_query = key_start > 0 && (text[key_start - 1] == '?' || text[key_start - 1] == '&');
  std::size_t i = word_end;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i >= text.size() || text[i] != '=') return std::nullopt;
  ++i;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
    char quote = text[i];
    std::size_t end = i + 1;
    while (end < text.size() && text[end] != quote) end += (text[end] == '\\' && end + 1 < text.size()) ? 2 : 1;
    return Span{i + 1, std::min(end, text.size())};
  }
  std::size_t end = i;
  while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
         !(in_query && (text[end] == '&' || text[end] == '#'))) {
    ++end;
  }
  return Span{i, end};
}

// SQL's `PASSWORD 'secret'` (CREATE/ALTER ROLE), as it can appear in logged statements.
std::optional<Span> sql_password_span(std::string_view text, std::size_t word_end) {
  std::size_t i = word_end;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i >= text.size() || text[i] != '\'' || i == word_end) return std::nullopt;
  std::size_t end = i + 1;
  while (end < text.size()) {
    if (text[end] == '\'' && end + 1 < text.size() && text[end + 1] == '\'')
      end += 2;
    else if (text[end] == '\'')
      break;
    else
      ++end;
  }
  return Span{i + 1, end};
}

std::vector<Span> secret_spans(std::string_view text) {
  std::vector<Span> spans;
  for (auto p = text.find("://"); p != std::string_view::npos; p = text.find("://", p + 3)) {
    if (auto span = url_password_span(text, p + 3)) spans.push_back(*span);
  }
  std::string low = lower(text);
  for (auto p = low.find("password"); p != std::string::npos; p = low.find("password", p + 1)) {
    if (auto span = keyword_password_span(text, p + 8)) spans.push_back(*span);
    if (auto span = sql_password_span(text, p + 8)) spans.push_back(*span);
  }
  return spans;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size() || !std::isxdigit(static_cast<unsigned char>(text[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      return std::nullopt;
    }
    out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

// libpq's option table (keyword, PG* variable or ""), from libpq itself so it matches the
// linked version. Parsing "" rather than PQconndefaults() reads no environment or service file.
const std::vector<std::pair<std::string, std::string>>& libpq_options() {
  static const std::vector<std::pair<std::string, std::string>> table = [] {
    std::vector<std::pair<std::string, std::string>> t;
    char* errmsg = nullptr;
    if (PQconninfoOption* options = PQconninfoParse("", &errmsg)) {
      for (auto* o = options; o->keyword; ++o) t.emplace_back(o->keyword, o->envvar ? o->envvar : "");
      PQconninfoFree(options);
    }
    PQfreemem(errmsg);  // only set on failure (out of memory); NULL is fine
    return t;
  }();
  return table;
}

// Every keyword libpq accepts.
const std::set<std::string>& libpq_keywords() {
  static const std::set<std::string> keywords = [] {
    std::set<std::string> k;
    for (const auto& [keyword, envvar] : libpq_options()) k.insert(keyword);
    k.insert("ssl");  // libpq's JDBC-compatible alias in URIs (ssl=true → sslmode=require)
    return k;
  }();
  return keywords;
}

// libpq quotes parts of the input in its errors ("invalid percent-encoded token: "S3cr%zz"").
// Any of them could be the password, so only single characters and libpq keywords survive.
std::string sanitize_libpq_error(const char* errmsg) {
  std::string msg = errmsg ? errmsg : "could not be parsed";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  std::string out;
  for (std::size_t i = 0; i < msg.size(); ++i) {
    auto close = msg[i] == '"' ? msg.find('"', i + 1) : std::string::npos;
    if (close == std::string::npos) {
      out += msg[i];
      continue;
    }
    std::string token = msg.substr(i + 1, close - i - 1);
    bool safe = token.size() <= 1 || libpq_keywords().count(token) > 0;
    out += '"' + (safe ? token : std::string("***")) + '"';
    i = close;
  }
  return mask_secrets(out);
}

bool looks_like_conninfo(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && is_key_char(text[i])) ++i;
  if (i == 0) return false;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  return i < text.size() && text[i] == '=';
}

// Written as mask_secrets would print it, so the source reads like the message.
constexpr const char* kUrlShape = "postgresql://user:***@host:5432/dbname";

// Checks the text before "://" and returns the URL with a lower-case postgresql scheme, or
// nullopt after reporting why it is not one. The scheme is echoed only when it is made of
// scheme characters, which a password in a mangled URL rarely is.
std::optional<std::string> normalize_scheme(const std::string& url, const std::string& setting, LoadedConfig& out) {
  auto sep = url.find("://");
  std::string scheme = sep == std::string::npos ? std::string() : lower(url.substr(0, sep));
  bool scheme_chars = !scheme.empty() && std::isalpha(static_cast<unsigned char>(scheme[0])) &&
                      std::all_of(scheme.begin(), scheme.end(),
                                  [](unsigned char c) { return std::isalnum(c) || c == '+' || c == '.' || c == '-'; });
  if (lower(url).rfind("jdbc:", 0) == 0) {
    add_problem(out, setting + " (scheme)", "is a JDBC URL",
                "drop the leading 'jdbc:' and use " + std::string(kUrlShape));
  } else if (sep != std::string::npos && scheme_chars && scheme != "postgres" && scheme != "postgresql") {
    add_problem(out, setting + " (scheme)", "has the unknown scheme '" + scheme + "://'",
                "pgkit talks to PostgreSQL only: use " + std::string(kUrlShape));
  } else if (sep == std::string::npos || !scheme_chars) {
    auto low = lower(url);
    bool half_scheme = low.rfind("postgres:", 0) == 0 || low.rfind("postgresql:", 0) == 0;
    bool url_like = url.find_first_of("@/:") != std::string::npos;
    add_problem(out, setting,
                half_scheme ? "is malformed: the scheme must be followed by '//'"
                : url_like  ? "looks like a URL but has no postgresql:// scheme"
                            : "is neither a URL nor a key=value connection string",
                "write it as " + std::string(kUrlShape));
  } else {
    return "postgresql" + url.substr(sep);
  }
  return std::nullopt;
}

// Takes the non-libpq parameters (Prisma's and the like) out of the query string and applies
// them; returns the URL libpq should see.
std::string take_extension_params(const std::string& url, const std::string& setting, LoadedConfig& out) {
  // Mirror libpq: user info runs to the first '@' before any '/'; the query starts after it.
  std::size_t authority = url.find("://") + 3;
  std::size_t stop = url.find_first_of("@/", authority);
  std::size_t host_start = (stop != std::string::npos && url[stop] == '@') ? stop + 1 : authority;
  if (host_start != authority) {
    std::string userinfo = url.substr(authority, stop - authority);
    auto colon = userinfo.find(':');
    if (colon != std::string::npos && colon + 1 == userinfo.size()) {
      // libpq silently drops an empty password; an empty one is almost always a template slip.
      add_problem(out, setting + " (password)", "is empty (the URL has 'user:@')",
                  "put the password between ':' and '@', or drop the ':' to use ~/.pgpass");
    }
  }
  std::size_t q = url.find('?', host_start);
  if (q == std::string::npos) return url;

  std::string kept;
  std::size_t start = q + 1;
  while (start <= url.size()) {
    std::size_t amp = std::min(url.find('&', start), url.size());
    std::string item = url.substr(start, amp - start);
    start = amp + 1;
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string key = lower(percent_decode(item.substr(0, eq)).value_or(""));
    std::string name = setting + " (" + key + ")";
    auto value = eq == std::string::npos ? std::optional<std::string>() : percent_decode(item.substr(eq + 1));
    bool ours = key == "schema" || key == "connection_limit" || key == "pool_timeout" || key == "pgbouncer" ||
                key == "socket_timeout" || key == "statement_cache_size" || key == "sslaccept";
    if (ours && !value) {
      add_problem(out, name, "has no value or a bad %-escape", "write it as " + key + "=value");
    } else if (key == "schema") {
      if (value->empty())
        add_problem(out, name, "is empty", "name a schema, e.g. schema=public, or drop it");
      else
        out.config.search_path = *value;
    } else if (key == "connection_limit") {
      auto n = parse_integer(*value);
      if (!n)
        add_problem(out, name, "is not a whole number", "set the pool's maximum size, e.g. connection_limit=10");
      else
        set_pool_max(out, *n, name);
    } else if (key == "pool_timeout") {
      auto n = parse_integer(*value);
      if (!n || *n < 1) {
        // Prisma reads 0 as "wait forever"; a pool that can wait forever hides exhaustion.
        add_problem(out, name, n ? "must be at least 1 second" : "is not a whole number of seconds",
                    "set how many seconds to wait for a free connection, e.g. pool_timeout=30");
      } else {
        out.config.pool.acquire_timeout = Millis(std::min<long long>(*n, 86'400) * 1000);
      }
    } else if (key == "pgbouncer") {
      auto on = parse_bool(*value);
      // Behind PgBouncer (or another pooler) in transaction mode: see docs/pgbouncer.md.
      if (!on)
        add_problem(out, name, "is not true or false", "write pgbouncer=true or pgbouncer=false, or drop it");
      else
        out.config.pool.pgbouncer = *on;
    } else if (ours) {
      add_warning(out, name + ": Prisma-only setting, ignored (pgkit uses tcp_user_timeout and its own pool)");
    } else if (!libpq_keywords().count(key)) {
      bool printable = !key.empty() && key.size() <= 40 && std::all_of(key.begin(), key.end(), is_key_char);
      add_problem(out, printable ? name : setting, printable ? "is not a known parameter" : "has an unknown parameter",
                  "remove it; libpq's parameters are listed at "
                  "https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-PARAMKEYWORDS");
    } else {
      kept += (kept.empty() ? "" : "&") + item;
    }
  }
  return url.substr(0, q) + (kept.empty() ? "" : "?" + kept);
}

}  // namespace

std::string percent_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

const std::vector<std::pair<std::string, std::string>>& libpq_env_vars() {
  static const std::vector<std::pair<std::string, std::string>> vars = [] {
    std::vector<std::pair<std::string, std::string>> v;
    for (const auto& [keyword, envvar] : libpq_options()) {
      if (!envvar.empty()) v.emplace_back(envvar, keyword);
    }
    return v;
  }();
  return vars;
}

void parse_url_into(std::string_view raw, const std::string& setting, LoadedConfig& out) {
  std::string url = trim(raw);
  if (url.empty()) {
    add_problem(out, setting, "is empty", "set it to a URL like " + std::string(kUrlShape));
    return;
  }
  if (url.size() >= 2 && (url.front() == '"' || url.front() == '\'') && url.back() == url.front()) {
    add_problem(out, setting, "is wrapped in quotes", "remove the quotes around the value");
    return;
  }
  if (!looks_like_conninfo(url)) {
    auto normalized = normalize_scheme(url, setting, out);
    if (!normalized) return;
    url = take_extension_params(*normalized, setting, out);
  }
  char* errmsg = nullptr;
  PQconninfoOption* options = PQconninfoParse(url.c_str(), &errmsg);
  if (!options) {
    add_problem(out, setting, "is malformed: " + sanitize_libpq_error(errmsg),
                "check it against " + std::string(kUrlShape) + " and percent-encode special characters");
    PQfreemem(errmsg);
    return;
  }
  for (auto* o = options; o->keyword; ++o) {
    if (o->val) out.config.params[o->keyword] = o->val;
  }
  PQconninfoFree(options);
}

}  // namespace detail

LoadedConfig parse_url(const std::string& url, const std::string& setting) {
  LoadedConfig out;
  out.config.source = setting;
  detail::parse_url_into(url, setting, out);
  detail::check_params(out, detail::url_part_namer(setting));
  detail::check_pool(out, false, "pool min (default)", setting + " (connection_limit)");
  return out;
}

std::string mask_secrets(const std::string& text) {
  auto spans = detail::secret_spans(text);
  std::sort(spans.begin(), spans.end());
  std::string out;
  std::size_t pos = 0;
  for (auto [begin, end] : spans) {
    if (end <= pos) continue;  // inside a span already masked
    if (begin < pos) begin = pos;
    out.append(text, pos, begin - pos);
    out += "***";
    pos = end;
  }
  out.append(text, pos);
  return out;
}

}  // namespace pgkit
