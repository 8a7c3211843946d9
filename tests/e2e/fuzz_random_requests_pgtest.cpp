// The fuzz proper: ten thousand random and mutated requests to every route through a keep-alive
// client, and malformed HTTP on raw sockets beside them. The server must answer each with a clear
// 4xx (or close the connection on garbage): never a 5xx, a crash, a hang or lost data; and where
// the rules alone decide a status (auth, path id, content type, ownership), that status.
//
// The fuzz is seeded: the seed is printed, and PGKIT_FUZZ_SEED=N replays a run's requests.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "fuzz_common.hpp"
#include "server_process.hpp"
#include "test_server.hpp"

using namespace pgkit::test;
using namespace pgkit::test::fuzz;
using namespace std::chrono_literals;
using namespace std::string_literals;
using Clock = std::chrono::steady_clock;

namespace {

// application/json in any case, parameters after ';' ignored, as the server reads it.
bool is_json_type(std::string type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  for (char& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return type == "application/json";
}

// ---------------------------------------------------------------------------------------------
// The API as the fuzz sees it: a mirror of the routes (routes_*.cpp), their fields and queries.

enum class Kind { email, token, text, content, role, boolean };
enum class Auth { none, optional, user, admin };

struct Field {
  const char* name;
  Kind kind;
  std::size_t max;  ///< bytes
};

struct Route {
  std::string method;
  std::string pattern;
  Auth auth;
  std::vector<Field> fields;
  std::vector<std::string> query;
};

const std::vector<Route>& routes() {
  static const std::vector<Route> all = {
      {"GET", "/api/health", Auth::none, {}, {}},
      {"GET", "/api/health/live", Auth::none, {}, {}},
      {"GET", "/api/health/ready", Auth::none, {}, {}},
      {"GET", "/metrics", Auth::none, {}, {}},
      {"POST", "/api/auth/magic-link", Auth::none, {{"email", Kind::email, 254}}, {}},
      {"POST", "/api/auth/verify", Auth::none, {{"token", Kind::token, 100}, {"deviceId", Kind::text, 200}}, {}},
      {"POST", "/api/auth/refresh", Auth::none, {{"refreshToken", Kind::token, 100}}, {}},
      {"POST", "/api/auth/logout", Auth::user, {}, {}},
      {"GET", "/api/users/me", Auth::user, {}, {}},
      {"GET", "/api/users", Auth::admin, {}, {"limit", "cursor", "role", "isActive"}},
      {"PATCH", "/api/users/:id", Auth::admin, {{"role", Kind::role, 10}, {"isActive", Kind::boolean, 0}}, {}},
      {"DELETE", "/api/users/:id", Auth::admin, {}, {}},
      {"POST",
       "/api/posts",
       Auth::user,
       {{"title", Kind::text, 200}, {"content", Kind::content, 100'000}, {"published", Kind::boolean, 0}},
       {}},
      {"GET", "/api/posts", Auth::none, {}, {"limit", "cursor"}},
      {"GET", "/api/posts/:id", Auth::optional, {}, {}},
      {"PATCH",
       "/api/posts/:id",
       Auth::user,
       {{"title", Kind::text, 200}, {"content", Kind::content, 100'000}, {"published", Kind::boolean, 0}},
       {}},
      {"DELETE", "/api/posts/:id", Auth::user, {}, {}},
  };
  return all;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto slash = std::min(path.find('/', start), path.size());
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

struct Match {
  const Route* route = nullptr;
  int status = 404;  ///< without a route: 404 no such path, 405 a path without that method
  std::string id;
};

// The route method and target reach, as router.cpp finds it (no percent-decoding; empty
// segments ignored).
Match match(const std::string& method, std::string_view target) {
  auto path = segments(target.substr(0, target.find('?')));
  Match result;
  for (const Route& r : routes()) {
    auto pattern = segments(r.pattern);
    if (pattern.size() != path.size()) continue;
    std::string id;
    bool same = true;
    for (std::size_t i = 0; i < path.size() && same; ++i) {
      if (pattern[i] == ":id")
        id = path[i];
      else
        same = pattern[i] == path[i];
    }
    if (!same) continue;
    if (r.method != (method == "HEAD" ? "GET" : method)) {  // HEAD is GET without the body
      result.status = 405;
      continue;
    }
    return Match{&r, 200, id};
  }
  return result;
}

// A uuid's text form, either case (the server makes it lower-case before comparing ids). Written
// as a pattern, apart from the server's own check (json_body.cpp), so the two can disagree.
bool is_uuid(std::string_view t) {
  static const std::regex uuid("[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}");
  return std::regex_match(t.begin(), t.end(), uuid);
}

// ---------------------------------------------------------------------------------------------
// The fuzz: who is there, what gets sent, what must come back.

// The data made before the fuzz. Valid tokens are sent with random requests, but never where
enum class Who { none, a, b, admin, forged };

struct Sent {
  std::string method, target, body;
  Headers headers;
  Who who = Who::none;
  std::string content_type;          ///< as the server sees it ("" when none)
  std::optional<std::string> title;  ///< a valid POST /api/posts: the reply must echo this title
};

// A fully specified generator (std::mt19937_64, own arithmetic): a seed replays the same run
// with any standard library.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  std::size_t below(std::size_t n) { return n ? static_cast<std::size_t>(engine_() % n) : 0; }
  bool chance(double p) { return static_cast<double>(engine_() >> 11) * 0x1.0p-53 < p; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
  std::string bytes(std::size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(engine_() & 0xff);
    return s;
  }
  std::string from(std::string_view alphabet, std::size_t n) {
    std::string s(n, ' ');
    for (char& c : s) c = alphabet[below(alphabet.size())];
    return s;
  }
  std::string uuid() {
    std::string s = from("0123456789abcdef", 36);
    for (int i : {8, 13, 18, 23}) s[static_cast<std::size_t>(i)] = '-';
    return s;
  }

 private:
  std::mt19937_64 engine_;
};

constexpr std::string_view kPrintable =
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";
constexpr std::string_view kTokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const std::vector<std::string> kSqlMeta = {"'; DROP TABLE users;--",
                                           "%",
                                           "\\",
                                           "$1",
                                           "' OR '1'='1",
                                           "\"; DELETE FROM posts; --",
                                           "%_%",
                                           "\\'",
                                           "$$",
                                           "$1::text; TRUNCATE sessions CASCADE",
                                           "' UNION SELECT refresh_token_hash FROM sessions --",
                                           "--",
                                           "/*",
                                           "*/",
                                           "E'\\\\x00'",
                                           "%00",
                                           "\\u0000",
                                           "'); SELECT pg_sleep(30); --",
                                           "${jndi:ldap://x}",
                                           "<script>alert(1)</script>"};
const std::vector<std::string> kMethods = {
    "GET",   "POST", "PUT", "PATCH",    "DELETE",   "HEAD", "OPTIONS",
    "TRACE", "get",  "FOO", "PROPFIND", "M-SEARCH", "GETT", std::string(64, 'X')};
const std::vector<std::string> kContentTypes = {"text/plain",
                                                "application/x-www-form-urlencoded",
                                                "application/json; charset=utf-8",
                                                "application/JSON",
                                                "multipart/form-data; boundary=x",
                                                "application/jsonx",
                                                "json",
                                                "*/*",
                                                "application/json;",
                                                "application/xml",
                                                "application/json, text/plain",
                                                "application/json; charset=latin1"};
const std::vector<std::pair<std::string, std::string>> kOddHeaders = {{"Connection", "close"},
                                                                      {"Connection", "keep-alive"},
                                                                      {"Accept", "*/*"},
                                                                      {"Accept-Encoding", "gzip, br"},
                                                                      {"Cookie", "session='; DROP TABLE users;--"},
                                                                      {"X-Forwarded-For", "127.0.0.1, 10.0.0.1"},
                                                                      {"Origin", "http://evil.example"},
                                                                      {"Upgrade", "websocket"},
                                                                      {"X-Request-Id", std::string(65, 'r')},
                                                                      {"X-Request-Id", "'; DROP TABLE users;--"},
                                                                      {"User-Agent", "' OR 1=1 --"},
                                                                      {"Range", "bytes=0-1"},
                                                                      {"If-None-Match", "*"},
                                                                      {"X-HTTP-Method-Override", "DELETE"},
                                                                      {"Host", "evil.example"},
                                                                      {"Accept-Charset", "\\x00"},
                                                                      {"X-Empty", ""}};

std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

class Fuzzer {
 public:
  Fuzzer(std::uint64_t seed, World& world) : rng_(seed), w_(world) {}

  Sent next(int n) {
    Sent s;
    const Route& r = rng_.pick(routes());
    s.method = rng_.chance(0.88) ? r.method : rng_.pick(kMethods);
    std::string path = r.pattern;
    if (auto at = path.find(":id"); at != std::string::npos) path.replace(at, 3, id());
    if (rng_.chance(0.06))
      path = random_path();
    else if (rng_.chance(0.05))
      path = path_variant(path);
    std::string q = !r.query.empty() && rng_.chance(0.7) ? query(r.query) : rng_.chance(0.08) ? query({}) : "";
    s.target = q.empty() ? path : path + "?" + q;
    bool valid = false;
    // Beast's client refuses to send TRACE with a body; raw sockets cover that.
    if ((!r.fields.empty() || rng_.chance(0.05)) && s.method != "TRACE") s.body = body(r, valid);
    int who = static_cast<int>(rng_.below(100));
    s.who = who < 25 ? Who::none : who < 40 ? Who::a : who < 50 ? Who::b : who < 65 ? Who::admin : Who::forged;
    protect(s);
    if (s.who != Who::none) s.headers.emplace_back("Authorization", authorization(s.who));
    s.content_type = s.body.empty() ? "" : "application/json";
    if (rng_.chance(0.08)) {
      s.content_type = rng_.pick(kContentTypes);
      s.headers.emplace_back("Content-Type", s.content_type);
    }
    s.headers.emplace_back("X-Request-Id", "fuzz-" + std::to_string(n));
    if (rng_.chance(0.1)) s.headers.push_back(rng_.pick(kOddHeaders));
    if (rng_.chance(0.03)) s.headers.emplace_back("X-Fuzz-" + rng_.from("abcdefghij", 6), rng_.from(kPrintable, 40));
    bool author = s.who == Who::a || s.who == Who::b || s.who == Who::admin;
    if (valid && s.method == "POST" && s.target == "/api/posts" && author && s.content_type == "application/json")
      s.title = std::string(boost::json::parse(s.body).at("title").as_string());
    return s;
  }

 private:
  std::string id() {
    switch (rng_.below(14)) {
      case 0: return w_.a_published;
      case 1: return w_.a_draft;
      case 2: return w_.b_published;
      case 3:
      case 4: return w_.fuzz_posts.empty() ? rng_.uuid() : rng_.pick(w_.fuzz_posts);
      case 5: return rng_.pick(std::vector<std::string>{w_.a_id, w_.b_id, w_.admin_id, w_.d_id});
      case 6: return rng_.uuid();
      case 7: {
        std::string upper = rng_.chance(0.5) ? w_.a_draft : w_.d_id;
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return upper;
      }
      case 8: return "00000000-0000-0000-0000-000000000000";
      case 9: {
        std::string u = rng_.uuid();
        return rng_.pick(std::vector<std::string>{"not-a-uuid",
                                                  "me",
                                                  "1",
                                                  "-1",
                                                  "0",
                                                  "null",
                                                  "undefined",
                                                  "%00",
                                                  "%zz",
                                                  "%",
                                                  "..",
                                                  "{" + u + "}",
                                                  u.substr(0, 35),
                                                  u + "0",
                                                  u.substr(0, 8) + u.substr(9),
                                                  "g" + u.substr(1),
                                                  "9223372036854775808",
                                                  std::string(3000, 'a'),
                                                  u + ";",
                                                  u + "'"});
      }
      case 10: return url_encode(rng_.pick(kSqlMeta));
      case 11:
        return rng_.pick(std::vector<std::string>{"';DROP%20TABLE%20users;--", "$1", "\\", "'", "%27--", "1'or'1'='1"});
      case 12: return rng_.uuid() + "/" + rng_.pick(std::vector<std::string>{"x", "..", "edit", ""});
      default: return w_.a_published + rng_.pick(std::vector<std::string>{"%00", "%20", "'", "x", "\\"});
    }
  }

  std::string random_path() {
    static const std::vector<std::string> parts = {"api",        "posts",  "users",  "health",     "auth",    "me",
                                                   "..",         ".",      "%2e%2e", "%2F",        "metrics", "API",
                                                   "Posts",      "logout", "live",   "x",          "*",       "",
                                                   "magic-link", "verify", "%u0041", "index.html", "~root",   "'"};
    std::string path;
    for (std::size_t i = 0, n = 1 + rng_.below(5); i < n; ++i)
      path += "/" + (rng_.chance(0.15) ? rng_.from(kTokenAlphabet, 1 + rng_.below(12)) : rng_.pick(parts));
    if (rng_.chance(0.05)) path = "/" + std::string(6000 + rng_.below(4000), 'p');
    if (rng_.chance(0.03)) path = rng_.pick(std::vector<std::string>{"*", "http://127.0.0.1/api/health", "api/posts"});
    return path;
  }

  std::string path_variant(std::string path) {
    switch (rng_.below(6)) {
      case 0: return path + "/";
      case 1: return "/" + path;
      case 2: return path.insert(path.find('/', 1) == std::string::npos ? 0 : path.find('/', 1), "/");
      case 3: return lower(path) == path ? path + "/." : lower(path);
      case 4: return path + "%2F";
      default: return path + "/" + rng_.from(kTokenAlphabet, 3);
    }
  }

  std::string query_value(const std::string& name) {
    if (name == "limit")
      return rng_.pick(std::vector<std::string>{"1", "20", "100", "0", "-1", "101", "abc", "1e2", "%205", "5%20",
                                                "0x10", "99999999999999999999", "", "%00", "1.5", "%2B5", "5;",
                                                url_encode(rng_.pick(kSqlMeta))});
    if (name == "cursor")
      return rng_.pick(std::vector<std::string>{w_.a_published, w_.b_published, w_.a_id, rng_.uuid(), "not-a-uuid",
                                                "1700000000000000_" + w_.a_published, "-1_" + rng_.uuid(),
                                                "99999999999999999999_" + rng_.uuid(), url_encode(rng_.pick(kSqlMeta)),
                                                "%zz", "", "%00"});
    if (name == "role")
      return rng_.pick(std::vector<std::string>{"USER", "ADMIN", "user", "ROOT", "", url_encode(rng_.pick(kSqlMeta)),
                                                "USER%00", "ADMIN%27"});
    if (name == "isActive")
      return rng_.pick(
          std::vector<std::string>{"true", "false", "maybe", "TRUE", "1", "0", "", url_encode(rng_.pick(kSqlMeta))});
    return url_encode(rng_.pick(kSqlMeta));
  }

  std::string query(const std::vector<std::string>& names) {
    if (rng_.chance(0.1)) return rng_.from(std::string(kTokenAlphabet) + "%=&+'$\\;", rng_.below(60));
    std::string q;
    for (std::size_t i = 0, n = 1 + rng_.below(3); i < n; ++i) {
      std::string name = names.empty() || rng_.chance(0.1)
                             ? rng_.pick(std::vector<std::string>{"foo", "LIMIT", "limit[]", ""})
                             : rng_.pick(names);
      if (!q.empty()) q += '&';
      q += name + (rng_.chance(0.05) ? "" : "=" + query_value(name));
    }
    if (rng_.chance(0.1)) q += rng_.pick(std::vector<std::string>{"&x=%", "&%zz=1", "%4", "&&", "&=", "&limit=%g0"});
    return q;
  }

  std::string string_value(Kind kind, std::size_t max) {
    if (kind == Kind::email) {
      static const std::vector<std::string> locals = {
          "o'hara", "x%y",        "a\\b",       "$1",           "'--", "x';DROP_TABLE_users;--",
          "fuzz",   "percent%25", "\"quoted\"", "z\xc3\xbcrich"};
      return rng_.pick(locals) + rng_.from("abcdefghij", 4) + "@" +
             rng_.pick(std::vector<std::string>{"example.com", "fuzz.test", "x.io"});
    }
    if (kind == Kind::token) return rng_.from(kTokenAlphabet, 43);
    std::size_t cap = std::min<std::size_t>(max, 1000);
    std::string s;
    switch (rng_.below(6)) {
      case 0:
      case 1: s = rng_.pick(kSqlMeta); break;
      case 2: s = rng_.from(kPrintable, 1 + rng_.below(cap)); break;
      case 3: s = "Z\xc3\xbcrich \xe2\x98\x83 \xf0\x9d\x84\x9e \xe2\x80\xae"; break;
      case 4: s = std::string(std::min<std::size_t>(max, 200), 'm'); break;
      default: s = rng_.pick(kSqlMeta) + " " + rng_.pick(kSqlMeta); break;
    }
    return s.size() > max ? s.substr(0, max) : s;
  }

  // A JSON fragment for a field: valid for its kind, or not.
  std::string value(const Field& f, bool valid) {
    if (valid) {
      if (f.kind == Kind::boolean) return rng_.chance(0.5) ? "true" : "false";
      if (f.kind == Kind::role) return rng_.chance(0.5) ? "\"USER\"" : "\"ADMIN\"";
      return json_string(string_value(f.kind, f.max));
    }
    std::size_t too_long = f.max + 1;
    switch (rng_.below(18)) {
      case 0: return "5";
      case 1: return "-1.5e308";
      case 2: return "1e400";
      case 3: return f.kind == Kind::boolean ? "\"true\"" : "true";
      case 4: return "[]";
      case 5: return "{}";
      case 6: return "{\"$ne\":null}";
      case 7: return "[\"a\",{\"b\":[1,2,{\"c\":null}]}]";
      case 8: return "\"\"";
      case 9: return json_string(std::string(f.kind == Kind::boolean ? 10 : too_long, 'x'));
      case 10: return "\"a\\u0000b\"";
      case 11: return "\"\xff\xfe\"";
      case 12: return "\"\xc0\xaf\xed\xa0\x80\"";
      case 13: return "\"\\ud800\"";
      case 14: return "\"\\uDFFF\\uD800\"";
      case 15: return json_string(rng_.pick(kSqlMeta));
      case 16:
        return f.kind == Kind::role ? json_string(rng_.pick(std::vector<std::string>{"ROOT", "user", "ADMIN "})) : "0";
      default: return "\"" + std::string(150'000, 'h') + "\"";
    }
  }

  std::string object(const Route& r, bool valid_only) {
    std::string out = "{";
    auto add = [&](const std::string& name, const std::string& v) {
      if (out.size() > 1) out += ',';
      out += json_string(name) + ":" + v;
    };
    for (const Field& f : r.fields) {
      bool required = std::string_view(f.name) == "title" && r.method == "POST";
      if (valid_only) {
        if (required || std::string_view(f.name) == "email" || std::string_view(f.name) == "token" ||
            std::string_view(f.name) == "refreshToken" || rng_.chance(0.6))
          add(f.name, value(f, true));
        continue;
      }
      auto roll = rng_.below(100);
      if (roll < 25) continue;  // missing
      add(f.name, value(f, roll >= 60));
      if (rng_.chance(0.05)) add(f.name, value(f, rng_.chance(0.5)));  // the same key twice
    }
    if (!valid_only && rng_.chance(0.15)) add(rng_.pick(kSqlMeta), value({"x", Kind::text, 50}, rng_.chance(0.5)));
    return out + "}";
  }

  std::string body(const Route& r, bool& valid) {
    auto mode = r.fields.empty() ? 60 + rng_.below(40) : rng_.below(100);
    if (mode < 30) {
      valid = true;
      return object(r, true);
    }
    if (mode < 60) return object(r, false);
    if (mode < 68)
      return rng_.pick(std::vector<std::string>{"[]", "1", "\"str\"", "null", "true", "[{\"title\":\"x\"}]", "{}",
                                                "{\"\":\"\"}", "-0", "\"\\u0000\""});
    if (mode < 76) {
      std::string whole = object(r, false);
      return whole.substr(0, rng_.below(whole.size()));
    }
    if (mode < 82) return rng_.bytes(1 + rng_.below(512));
    if (mode < 86) {
      std::size_t depth = rng_.pick(std::vector<std::size_t>{33, 100, 10'000, 100'000});
      return std::string(depth, '[') + (rng_.chance(0.5) ? std::string(depth, ']') : "");
    }
    if (mode < 92) {
      std::string s = object(r, true);
      for (std::size_t i = 0, n = 1 + rng_.below(4); i < n && !s.empty(); ++i) {
        std::size_t at = rng_.below(s.size());
        switch (rng_.below(5)) {
          case 0: s[at] = static_cast<char>(s[at] ^ (1 << rng_.below(8))); break;
          case 1: s.insert(at, rng_.bytes(1)); break;
          case 2: s.erase(at, 1); break;
          case 3: s.insert(at, s.substr(at, rng_.below(20))); break;
          default: s.insert(at, rng_.chance(0.5) ? "\\u0000" : "\xff"); break;
        }
      }
      return s;
    }
    if (mode < 94) {  // large, but under the 1 MiB limit
      std::size_t size = 256 * 1024 + rng_.below(kMiB - 256 * 1024 - 1024);
      return rng_.chance(0.5) ? "{\"title\":\"x\",\"content\":\"" + std::string(size, 'c') + "\"}"
                              : object(r, true) + std::string(size, ' ');
    }
    if (mode < 97) return "";
    return rng_.pick(std::vector<std::string>{"\xef\xbb\xbf", "  \n\t", "/* */", "\0"s}) + object(r, true);
  }

  std::string authorization(Who who) {
    if (who == Who::forged) return forged();
    const std::string& t = who == Who::a ? w_.a_token : who == Who::b ? w_.b_token : w_.admin_token;
    return rng_.pick(std::vector<std::string>{"Bearer ", "Bearer ", "bearer ", "BEARER   "}) + t;
  }

  // Authorization values that are never a valid access token.
  std::string forged() {
    std::string t = rng_.pick(std::vector<std::string>{w_.a_token, w_.b_token, w_.admin_token});
    std::string flipped = t;
    std::size_t at = rng_.below(flipped.size());
    flipped[at] = flipped[at] == 'A' ? 'B' : 'A';
    return rng_.pick(std::vector<std::string>{
        "Bearer " + rng_.from(kTokenAlphabet, 43), "Bearer " + flipped, "Bearer " + t + "A",
        "Bearer " + t.substr(0, 42), "Bearer " + w_.a_refresh, "Bearer " + w_.revoked_token, "Basic dXNlcjpwYXNz",
        "Bearer", "Bearer\t" + t, "Token " + t, t, "Bearer " + t + " " + t, "Bearer " + rng_.pick(kSqlMeta),
        "Bearer " + std::string(2000, 'A'), "Bearer " + rng_.from("+/=", 43), "Bearer null", "Bearer %27%3B--",
        "Bearer " + url_encode(t + "'")});
  }

  // Keeps valid tokens away from requests that could change the data made before the fuzz or
  // end its sessions: the owner's or the admin's token on a post of a or b, the admin's token
  // on user a or b, any valid token on logout.
  void protect(Sent& s) {
    if (s.who == Who::none || s.who == Who::forged) return;
    std::string path = lower(s.target.substr(0, s.target.find('?')));
    if (path.find("logout") != std::string::npos) {
      s.who = Who::forged;
      return;
    }
    if (s.method == "GET") return;
    auto has = [&](const std::string& id) { return path.find(id) != std::string::npos; };
    bool a_post = has(w_.a_published) || has(w_.a_draft), b_post = has(w_.b_published);
    bool admin_off = a_post || b_post || has(w_.a_id) || has(w_.b_id);
    auto allowed = [&](Who who) {
      return !(who == Who::admin && admin_off) && !(who == Who::a && a_post) && !(who == Who::b && b_post);
    };
    for (Who who : {s.who, Who::b, Who::a})
      if (allowed(who)) {
        s.who = who;
        return;
      }
    s.who = Who::forged;
  }

  Rng rng_;
  World& w_;
};

// The status a request must get when the rules decide it alone, in the order the handlers
// check (auth, path id, content type, ownership); nullopt when the outcome depends on more.
std::optional<int> expected_status(const Sent& s, const World& w) {
  Match m = match(s.method, s.target);
  if (!m.route) return m.status;
  const Route& r = *m.route;
  bool has_id = r.pattern.find(":id") != std::string::npos;
  bool valid = s.who == Who::a || s.who == Who::b || s.who == Who::admin;
  bool show = r.method == "GET" && has_id;
  bool posts = r.pattern == "/api/posts/:id";
  if (show && !is_uuid(m.id)) return 400;
  if (r.auth != Auth::none && s.who == Who::forged) return 401;
  if ((r.auth == Auth::user || r.auth == Auth::admin) && !valid) return 401;
  if (r.auth == Auth::admin && s.who != Who::admin) return 403;
  if (has_id && !is_uuid(m.id)) return 400;
  const std::string& type = s.content_type;
  if (!r.fields.empty() && !type.empty() && !is_json_type(type)) return 415;
  std::string id = lower(m.id);
  if (show && id == w.a_draft && s.who != Who::a && s.who != Who::admin) return 404;
  if (posts && r.method == "DELETE") {
    if ((id == w.a_published && s.who == Who::b) || (id == w.b_published && s.who == Who::a)) return 403;
    if (id == w.a_draft && s.who == Who::b) return 404;
  }
  return std::nullopt;
}

std::string describe(const Sent& s) {
  std::string out = printable(s.method, 20) + " " + printable(s.target, 160);
  for (const auto& [name, value] : s.headers)
    if (name != "X-Request-Id") out += " [" + name + ": " + printable(value, 60) + "]";
  if (!s.body.empty()) out += " body " + printable(s.body, 160);
  return out;
}

// The server's log lines about a request id (a 5xx is logged with it).
std::string log_lines(const ServerProcess& server, const std::string& request_id) {
  if (request_id.empty()) return {};
  std::string out, log = server.log();
  for (std::size_t pos = log.find(request_id); pos != std::string::npos && out.size() < 600;
       pos = log.find(request_id, pos + 1)) {
    auto start = log.rfind('\n', pos);
    start = start == std::string::npos ? 0 : start + 1;
    out += " | log: " + printable(log.substr(start, log.find('\n', pos) - start), 300);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Malformed HTTP for raw sockets.

enum class RawExpect { below_500, client_error_or_close, status_413, status_431 };

struct RawCase {
  std::string bytes;
  RawExpect expect;
  const char* what;
};

// A well-formed request to a random route: the seed that mutations start from. Never a valid
// token: raw requests change nothing that exists.
std::string raw_request(Rng& rng, const World& w, const std::string& extra_headers = {}) {
  const Route& r = rng.pick(routes());
  std::string target = r.pattern;
  if (auto at = target.find(":id"); at != std::string::npos)
    target.replace(at, 3, rng.pick(std::vector<std::string>{w.a_published, w.a_draft, rng.uuid(), "not-a-uuid"}));
  std::string body = r.fields.empty() ? "" : rng.chance(0.5) ? "{\"email\":\"raw@fuzz.test\"}" : "{\"title\":\"raw\"}";
  std::string out = r.method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra_headers;
  if (rng.chance(0.3)) out += "Authorization: Bearer " + rng.from(kTokenAlphabet, 43) + "\r\n";
  if (!body.empty()) out += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return out + "\r\n" + body;
}

RawCase raw_case(Rng& rng, const World& w) {
  static const std::string post = "POST /api/posts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n";
  switch (rng.below(15)) {
    case 0: return {rng.bytes(1 + rng.below(300)) + "\r\n\r\n", RawExpect::client_error_or_close, "random bytes"};
    case 1:
      return {rng.pick(std::vector<std::string>{
                  "GARBAGE\r\n\r\n", "GET\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                  "GET / HTTP/1.1 x\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "get / http/1.1\r\n\r\n",
                  "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
                  std::string(16, '\0'), "GET / HTTP/1.1\r\nHost x\r\n\r\n", "GET / HTTP/1.1\r\n: no-name\r\n\r\n",
                  "GET / HTTP/1.1\r\nHost : x\r\n\r\n", "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
                  "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"s, "GET / HTTP/1.1\rHost: x\r\n\r\n", "GET /\x7f HTTP/1.1\r\n\r\n",
                  "\r\n\r\n\r\n", "GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\n\x01\r\n\r\n"}),
              RawExpect::client_error_or_close, "a malformed request line or header"};
    case 2: {
      std::string value =
          rng.pick(std::vector<std::string>{"abc", "-1", "1.5", "", "5,6", "0x10", "+5", "99999999999999999999999",
                                            "2\r\nContent-Length: 3", "2\r\nTransfer-Encoding: chunked", "100"});
      return {post + "Content-Length: " + value + "\r\n\r\n{}", RawExpect::client_error_or_close,
              "a bad Content-Length"};
    }
    case 3: {
      std::string chunks = rng.pick(
          std::vector<std::string>{"zz\r\n", "-1\r\n", "ffffffffffffffffff\r\n", "5\r\nabc\r\n0\r\n\r\n",
                                   "2\r\n{}0\r\n\r\n", "2\r\n{}\r\n", "0x2\r\n{}\r\n0\r\n\r\n", "2 \r\n{}\r\n0\r\n\r\n",
                                   "2;ext=1\r\n{}\r\n0\r\n\r\n", "\r\n", "2\r\n{}\r\n0\r\nX\r\n\r\n"});
      std::string te = rng.pick(std::vector<std::string>{"chunked", "chunked", "gzip", "chunked, chunked", "identity"});
      return {post + "Transfer-Encoding: " + te + "\r\n\r\n" + chunks, RawExpect::client_error_or_close,
              "a chunked body with a bad chunk"};
    }
    case 4: {
      std::string big;
      if (rng.chance(0.5))
        big = "X-Big: " + std::string(16 * 1024 + rng.below(24 * 1024), 'h') + "\r\n";
      else
        for (int i = 0; i < 1800; ++i) big += "X-H" + std::to_string(i) + ": v\r\n";
      return {"GET /api/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n" + big + "\r\n", RawExpect::status_431,
              "headers over 16 KiB"};
    }
    case 5: {
      if (!rng.chance(0.15)) return raw_case(rng, w);  // rare: a megabyte each
      std::size_t size = kMiB + 1 + rng.below(kMiB);
      switch (rng.below(3)) {
        case 0:
          return {post + "Content-Length: " + std::to_string(size) + "\r\n\r\n" + std::string(size, 'b'),
                  RawExpect::status_413, "a body over 1 MiB"};
        case 1:
          return {post + "Content-Length: " + std::to_string(size) + "\r\n\r\n", RawExpect::status_413,
                  "a Content-Length over 1 MiB, no body"};
        default: {
          std::string chunked = post + "Transfer-Encoding: chunked\r\n\r\n";
          for (std::size_t sent = 0; sent <= kMiB; sent += 65536)
            chunked += "10000\r\n" + std::string(65536, 'c') + "\r\n";
          return {chunked + "0\r\n\r\n", RawExpect::status_413, "a chunked body over 1 MiB"};
        }
      }
    }
    case 6: {
      std::string target =
          rng.pick(std::vector<std::string>{"/api/posts?limit=%zz", "/api/posts?cursor=%4", "/api/posts?limit=%",
                                            "/api/posts/%zz", "/api/posts?limit=%E0%A4%A", "/api/posts?cursor=%00"});
      return {"GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", RawExpect::client_error_or_close,
              "a bad percent-escape"};
    }
    case 7: {
      std::string target = rng.pick(std::vector<std::string>{"/api/\xff\xfe", "/api/posts/\xc3\x28", "/\xed\xa0\x80",
                                                             "/api/posts?cursor=\xff", "/api/health/\xc0\xaf"});
      return {"GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", RawExpect::client_error_or_close,
              "invalid UTF-8 in the target"};
    }
    case 8: {
      std::string dup = rng.pick(std::vector<std::string>{
          "Authorization: Bearer " + rng.from(kTokenAlphabet, 43) + "\r\nAuthorization: Basic eDp5\r\n",
          "Content-Type: text/plain\r\nContent-Type: application/json\r\n", "Host: a\r\nHost: b\r\n",
          "X-Request-Id: a\r\nX-Request-Id: b\r\n", "Connection: close, keep-alive\r\n", "Expect: 100-continue\r\n",
          "Expect: something-else\r\n", "Transfer-Encoding: identity\r\n"});
      return {raw_request(rng, w, dup), RawExpect::below_500, "duplicated or odd headers"};
    }
    case 9: {
      std::string s = raw_request(rng, w);
      for (std::size_t i = 0, n = 1 + rng.below(4); i < n; ++i) {
        std::size_t at = rng.below(s.size());
        switch (rng.below(5)) {
          case 0: s[at] = static_cast<char>(s[at] ^ (1 << rng.below(8))); break;
          case 1: s.insert(at, rng.bytes(1 + rng.below(3))); break;
          case 2: s.erase(at, 1 + rng.below(5)); break;
          case 3: s.insert(at, "\r\n"); break;
          default: s.insert(at, s.substr(at, rng.below(30))); break;
        }
      }
      return {s, RawExpect::below_500, "a mutated request"};
    }
    case 10:
      return {raw_request(rng, w) + raw_request(rng, w) + rng.bytes(1 + rng.below(40)) + "\r\n\r\n",
              RawExpect::below_500, "two requests, then garbage"};
    case 11:
      return {rng.pick(std::vector<std::string>{"GET /api/health/live HTTP/1.0\r\n\r\n",
                                                "GET /api/health/live HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                                                "GET /api/health/live HTTP/1.1\r\n\r\n",
                                                "GET http://127.0.0.1/api/health/live HTTP/1.1\r\nHost: x\r\n\r\n",
                                                "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"}),
              RawExpect::below_500, "old or odd request forms"};
    case 12: {
      std::string line(16 * 1024 + rng.below(8192), 'a');
      return {"GET /" + line + " HTTP/1.1\r\nHost: x\r\n\r\n", RawExpect::status_431, "a request line over 16 KiB"};
    }
    case 13:
      return {
          post + "Expect: 100-continue\r\nContent-Length: " + std::to_string(rng.chance(0.5) ? 2 : 20) + "\r\n\r\n{}",
          RawExpect::client_error_or_close, "Expect: 100-continue"};
    default: return {raw_request(rng, w), RawExpect::below_500, "a well-formed request"};
  }
}

// Checks one raw exchange: no 5xx, the error shape, the status its kind must get.
void check_raw(const RawCase& c, const RawResult& res, Failures& failures) {
  std::string where = std::string(c.what) + ": " + printable(c.bytes, 160);
  if (res.refused) return failures.add("raw: connection refused", where);
  if (res.timed_out) failures.add("raw: neither an answer nor a close within 10 s", where);
  for (const auto& r : res.responses)
    if (auto problem =
            reply_problem(r.status, r.body, r.headers.count("content-type") ? r.headers.at("content-type") : "");
        !problem.empty())
      failures.add("raw: " + problem, where + " -> " + std::to_string(r.status) + " " + printable(r.body, 200));
  if (!res.unparsed.empty())
    failures.add("raw: reply bytes that are not HTTP", where + " -> " + printable(res.unparsed));
  int first = 0;  // the first final status (after any 100 Continue)
  for (const auto& r : res.responses)
    if (r.status >= 200) {
      first = r.status;
      break;
    }
  bool ok = c.expect == RawExpect::below_500 || (c.expect == RawExpect::status_413 && first == 413) ||
            (c.expect == RawExpect::status_431 && first == 431) ||
            (c.expect == RawExpect::client_error_or_close && (first == 0 || (first >= 400 && first < 500)));
  if (!ok) failures.add("raw: unexpected status", where + " -> " + (first ? std::to_string(first) : "no reply"));
}
// The http_requests_total lines of /metrics with a 5xx status, and their counts.
std::map<std::string, std::string> server_errors(const std::string& metrics) {
  std::map<std::string, std::string> out;
  for (auto pos = metrics.find("http_requests_total{"); pos != std::string::npos;
       pos = metrics.find("http_requests_total{", pos + 1)) {
    std::string line = metrics.substr(pos, metrics.find('\n', pos) - pos);
    auto space = line.rfind(' ');
    if (line.find("status=\"5") != std::string::npos) out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

std::uint64_t fuzz_seed() {
  if (const char* given = std::getenv("PGKIT_FUZZ_SEED"); given && *given) return std::stoull(given);
  return (static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
}

constexpr int kKeepAliveRequests = 10'000;
constexpr int kRawRequests = 1'500;

}  // namespace

TEST(Fuzz, TenThousandRandomAndMutatedRequests) {
  const std::uint64_t seed = fuzz_seed();
  std::cout << "[ fuzz     ] seed " << seed << " (replay with PGKIT_FUZZ_SEED=" << seed << ")" << std::endl;
  RecordProperty("seed", std::to_string(seed));
  ServerProcess server({.database_url = fresh_database_url("e2e_fuzz"),
                        .env = {{"MAGIC_LINK_LIMIT_EMAIL", "1000000"}, {"MAGIC_LINK_LIMIT_ADDRESS", "1000000"}}});
  World w = make_world(server, "e2e_fuzz");
  const Snapshot before = snapshot(w);
  // Readiness polls during start-up (migrations not yet applied) were 503s, logged as errors.
  const std::size_t log_start = server.log().size();
  const auto errors_before = server_errors(HttpClient(server.port()).get("/metrics").body);
  Failures failures;
  auto started = Clock::now();

  // Malformed HTTP on raw sockets, alongside the keep-alive client.
  std::map<int, int> raw_statuses;
  int raw_closed_silently = 0;
  std::thread raw([&] {
    Rng rng(seed ^ 0x9e3779b97f4a7c15ULL);
    for (int i = 0; i < kRawRequests; ++i) {
      RawCase c = raw_case(rng, w);
      RawResult res = raw_exchange(server.port(), c.bytes);
      check_raw(c, res, failures);
      if (res.responses.empty()) ++raw_closed_silently;
      for (const auto& r : res.responses) ++raw_statuses[r.status];
    }
  });

  Fuzzer fuzzer(seed, w);
  HttpClient client(server.port());
  std::map<int, int> statuses;
  int checked_by_oracle = 0;
  for (int i = 0; i < kKeepAliveRequests; ++i) {
    Sent s = fuzzer.next(i);
    HttpReply reply;
    try {
      reply = client.request(s.method, s.target, s.body, s.headers);
    } catch (const std::exception& e) {
      failures.add("no answer", "#" + std::to_string(i) + " " + describe(s) + ": " + e.what());
      if (!server.running()) break;
      continue;
    }
    ++statuses[reply.status];
    std::string where = "#" + std::to_string(i) + " " + describe(s) + " -> " + std::to_string(reply.status) + " " +
                        printable(reply.body, 200);
    // A HEAD answer has the headers of the GET and no body to check.
    if (auto problem =
            s.method == "HEAD" ? std::string() : reply_problem(reply.status, reply.body, reply.headers["content-type"]);
        !problem.empty())
      failures.add(problem, where + log_lines(server, reply.headers["x-request-id"]));
    if (auto expected = expected_status(s, w)) {
      ++checked_by_oracle;
      if (reply.status != *expected)
        failures.add("expected " + std::to_string(*expected) + ", got " + std::to_string(reply.status), where);
    }
    if (reply.status == 405 && reply.headers["allow"].empty()) failures.add("405 without Allow", where);
    if (s.title) {  // SQL metacharacters, quotes, backslashes are data: stored and echoed as sent
      if (reply.status != 201)
        failures.add("a valid post was not created", where);
      else if (reply.json().at("post").at("title").as_string() != *s.title)
        failures.add("a post's title came back changed", where);
    }
    if (reply.status == 201 && s.target == "/api/posts")
      w.fuzz_posts.emplace_back(reply.json().at("post").at("id").as_string());
  }
  raw.join();
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  auto summary = [](const std::map<int, int>& by_status) {
    std::string out;
    for (const auto& [status, n] : by_status) out += " " + std::to_string(status) + "x" + std::to_string(n);
    return out;
  };
  std::cout << "[ fuzz     ] " << kKeepAliveRequests << " keep-alive requests (" << checked_by_oracle
            << " with a status decided by the rules):" << summary(statuses) << "\n[ fuzz     ] " << kRawRequests
            << " raw requests:" << summary(raw_statuses) << ", closed without a reply " << raw_closed_silently
            << "\n[ fuzz     ] " << seconds << " s; " << w.fuzz_posts.size() << " posts made by the fuzz" << std::endl;
  EXPECT_EQ(failures.total(), 0) << "seed " << seed << failures.report();

  // Still running, healthy, no 5xx counted, sessions alive, nothing lost.
  ASSERT_TRUE(server.running()) << server.log();
  HttpClient after(server.port());
  EXPECT_EQ(after.get("/api/health").status, 200);
  EXPECT_EQ(server_errors(after.get("/metrics").body), errors_before) << "5xx answers during the fuzz";
  for (const auto& [token, id] : std::vector<std::pair<std::string, std::string>>{
           {w.a_token, w.a_id}, {w.b_token, w.b_id}, {w.admin_token, w.admin_id}}) {
    auto me = after.get("/api/users/me", bearer(token));
    EXPECT_EQ(me.status, 200) << me.body;
    if (me.status == 200) {
      EXPECT_EQ(std::string(me.json().at("user").at("id").as_string()), id);
    }
  }
  const Snapshot end = snapshot(w);
  for (const auto& [table, n] : before.counts) EXPECT_GE(end.counts.at(table), n) << "rows lost from " << table;
  EXPECT_EQ(end.rows, before.rows) << "the users, posts and sessions made before the fuzz changed";
  EXPECT_EQ(error_lines(server.log().substr(log_start)), std::vector<std::string>{});
}
