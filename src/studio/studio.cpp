// The studio's server: the HTTP layer's transport, the access checks of every request
// (access.hpp), the embedded front end, and the API (api.hpp).
#include "studio/studio.hpp"

#include <boost/asio/awaitable.hpp>
#include <cctype>
#include <optional>

#include <fmt/format.h>

#include "http/http_server.hpp"
#include "http/router.hpp"
#include "pgkit/async.hpp"
#include "pgkit/catalog.hpp"
#include "pgkit/error.hpp"
#include "pgkit/log.hpp"
#include "pgkit/schema.hpp"
#include "studio/access.hpp"
#include "studio/api.hpp"

namespace pgkit::studio {

namespace assets {
const std::vector<std::pair<std::string_view, std::string_view>>& files();  // studio_assets.cpp (generated)
}

namespace {

namespace asio = boost::asio;
using http::Request;
using http::Response;

constexpr std::size_t kSaveLimit = 64u << 20, kBodyLimit = 1u << 20;

// The studio's own pool: a few connections (one user), its sessions named, in the zone the
// studio shows timestamps in.
Config studio_config(Config c, const StudioOptions& o) {
  c.pool.min = 1;
  c.pool.max = 4;
  c.params["application_name"] = "pgkit studio";
  std::string& options = c.params["options"];
  options += (options.empty() ? "" : " ") + std::string("-c TimeZone=") + o.time_zone;
  // A plan for each filter's values: a generic plan of `title LIKE $1` cannot know the
  // pattern, and may walk the whole key in order for a pattern few rows match. Planning costs
  // a fraction of a millisecond; a user waits on the page.
  options += " -c plan_cache_mode=force_custom_plan";
  // bytea as hex, whatever the database's default says: downloads decode that form.
  options += " -c bytea_output=hex";
  if (o.read_only) options += " -c default_transaction_read_only=on";
  return c;
}

catalog::Catalog describe_database(Pool& pool) {
  auto conn = pool.acquire();
  return catalog::describe(*conn);
}

std::optional<schema::Schema> load_schema(const std::filesystem::path& path) {
  if (path.empty()) return std::nullopt;
  return schema::load(path);
}

std::string content_type_of(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

// On every answer: nothing of the studio may be framed, sniffed, cached, or load anything but
// its own files; and no page it opens learns the URL (which held the token at sign-in).
void secure(Response& res) {
  res.headers.emplace_back("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  res.headers.emplace_back("Cache-Control", "no-store");
}

Response page(int status, std::string_view text) {
  return Response{.status = status,
                  .body = "<!doctype html><meta charset=utf-8><title>pgkit studio</title><p>" + std::string(text),
                  .content_type = "text/html; charset=utf-8"};
}

}  // namespace

struct Studio::Impl {
  Impl(const Config& database, StudioOptions o)
      : options(std::move(o)),
        pool(studio_config(database, options)),
        model(load_schema(options.schema)),
        api(AsyncPool(pool), describe_database(pool), model ? &*model : nullptr, options.read_only, options.time_zone),
        server(
            {.address = options.host,
             .port = options.port,
             .threads = 2,
             // A save carries uploaded bytea values as text (two characters a byte): its body
             // may be large, once the request is a signed-in save; any other, 1 MiB.
             .body_limit_for =
                 [this](const Request& req) {
                   const bool save = req.method == "POST" && req.path == "/api/save";
                   return save && access && access->signed_in(req.cookie) ? kSaveLimit : kBodyLimit;
                 }},
            [this](Request& req) { return handle(req); }, [](const Request&, const Response&) {}) {
    router.add("GET", "/api/tables", [this](Request& r) { return api.tables(r); });
    router.add("GET", "/api/rows", [this](Request& r) { return api.rows(r); });
    router.add("GET", "/api/count", [this](Request& r) { return api.count(r); });
    router.add("GET", "/api/export", [this](Request& r) { return api.export_rows(r); });
    router.add("POST", "/api/save", [this](Request& r) { return api.save(r); });
    router.add("POST", "/api/sql", [this](Request& r) { return api.console(r); });
    router.add("GET", "/api/value", [this](Request& r) { return api.download(r); });
  }

  asio::awaitable<Response> handle(Request& req) {
    const auto started = std::chrono::steady_clock::now();
    Response res;
    try {
      res = co_await answer(req);
    } catch (const http::HttpError& e) {  // a malformed query string, before any route
      res = http::error_response(e.status(), e.code(), e.what());
    } catch (const std::exception&) {
      res = http::error_response(500, "internal_error", "the studio failed to answer; see its output");
    }
    secure(res);
    // How long the studio took (a streamed answer: until its first part was ready), for the
    // browser's developer tools and bench/studio_vs_prisma.cpp (PerformanceResourceTiming).
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - started;
    res.headers.emplace_back("Server-Timing", fmt::format("studio;dur={:.2f}", took.count()));
    co_return res;
  }

  asio::awaitable<Response> answer(Request& req) {
    // Before anything else: a request that names another host, or comes from another origin,
    // is not the user's browser on the studio's own page.
    if (!access->host_allowed(req.host))
      co_return http::error_response(403, "host_not_allowed",
                                     "this studio answers only to its own address; open the URL pgkit studio printed");
    if (!access->origin_allowed(req.origin) || !Access::fetch_site_allowed(req.fetch_site))
      co_return http::error_response(403, "origin_not_allowed", "requests from other sites are refused");
    if (req.path == "/login") co_return sign_in(req);
    if (!access->signed_in(req.cookie)) {
      if (req.path.starts_with("/api/"))
        co_return http::error_response(401, "unauthorized", "sign in first: open the URL pgkit studio printed");
      co_return page(401, "Open the URL <code>pgkit studio</code> printed (it signs this browser in).");
    }
    if (!req.path.starts_with("/api/")) co_return file(req.path);
    http::Router::Match match = router.match(req.method, req.path, req);
    if (!match.handler) co_return http::error_response(match.status, "not_found", "no such API call: " + req.path);
    try {
      co_return co_await (*match.handler)(req);
    } catch (const http::HttpError& e) {
      co_return http::error_response(e.status(), e.code(), e.what());
    } catch (const Timeout&) {
      co_return http::error_response(504, "timeout",
                                     "the database did not answer in time; the statement was cancelled");
    } catch (const Error& e) {
      // A value the column's type cannot read (class 22) or a statement the server rejects
      // for what the request asked (class 42): the request's to fix.
      const std::string state = e.sqlstate();
      const bool requested = state.starts_with("22") || state.starts_with("42");
      co_return http::error_response(requested ? 400 : 500, requested ? "rejected_by_database" : "database_error",
                                     mask_secrets(e.message()));
    }
  }

  Response sign_in(const Request& req) {
    auto token = req.query_param("token");
    auto session = token ? access->login(*token) : std::nullopt;
    if (!session) return page(401, "This link does not sign in: open the URL <code>pgkit studio</code> printed.");
    Response res{.status = 303, .body = "", .content_type = "text/plain"};
    res.headers.emplace_back("Location", "/");
    res.headers.emplace_back("Set-Cookie", access->cookie_for(*session));
    return res;
  }

  Response file(const std::string& path) const {
    std::string_view name = path == "/" ? "index.html" : std::string_view(path).substr(1);
    for (const auto& [file, bytes] : assets::files())
      if (file == name)
        return Response{.status = 200, .body = std::string(bytes), .content_type = content_type_of(name)};
    return page(404, "Not found.");
  }

  StudioOptions options;
  Pool pool;
  std::optional<schema::Schema> model;
  Api api;
  http::Router router;
  http::HttpServer server;
  std::unique_ptr<Access> access;  // made by listen(): the cookie's and URL's port is known then
};

Studio::Studio(const Config& database, StudioOptions options) {
  if (options.host == "localhost") options.host = "127.0.0.1";  // the transport binds addresses, not names
  if (options.host == "0.0.0.0" || options.host == "::")
    throw ConfigError({.message = "pgkit studio needs the address of one interface, not " + options.host,
                       .hint = "give --host the address browsers will use (it checks their Host header against it)"});
  if (!Access::is_loopback(options.host) && !options.allow_remote)
    throw ConfigError({.message = "pgkit studio binds " + options.host +
                                  ": anyone who reaches that address could try to use the studio",
                       .hint = "keep the default 127.0.0.1, or pass --allow-remote as well if you mean it"});
  for (char c : options.time_zone)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '+' && c != '-')
      throw ConfigError({.message = "pgkit studio: '" + options.time_zone + "' is not a time zone name",
                         .hint = "give an IANA name such as UTC or Europe/Paris"});
  impl_ = std::make_unique<Impl>(database, std::move(options));
}

Studio::~Studio() = default;

void Studio::listen() {
  impl_->server.listen();
  impl_->access = std::make_unique<Access>(impl_->options.host, impl_->server.port());
}

std::string Studio::url() const { return impl_->access ? impl_->access->login_url() : ""; }

void Studio::run() { impl_->server.run(); }

void Studio::stop() {
  impl_->server.stop(std::chrono::seconds(5));
  impl_->pool.close();
}

}  // namespace pgkit::studio
