// Magic-link sign-in and sessions: POST /api/auth/magic-link, /verify, /refresh, /logout.
//
// Tokens are random (tokens.hpp) and stored hashed. A session row holds one access/refresh
// pair; refreshing marks it rotated and issues a new row, so a rotated refresh token that
// comes back is reuse — someone kept a copy — and every session of the user is revoked.
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "pgkit/log.hpp"
#include "pgkit/server/db/async_client.hpp"
#include "server/auth.hpp"
#include "server/json_body.hpp"
#include "server/routes.hpp"
#include "http/tokens.hpp"

namespace pgkit::server {

using http::looks_like_token;
using http::random_token;
using http::sha256_hex;

namespace asio = boost::asio;
namespace json = boost::json;
namespace session = db::fields::session;

namespace {

http::HttpError rate_limited(long retry_after, const char* what) {
  http::HttpError e(
      429, "rate_limited",
      std::string("too many sign-in links requested ") + what + "; try again in " + std::to_string(retry_after) + " s");
  e.headers.emplace_back("Retry-After", std::to_string(retry_after));
  return e;
}

asio::awaitable<http::Response> magic_link(Services& s, http::Request& req) {
  JsonBody body(req);
  std::string email = valid_email(body.required_string("email", 254));
  std::string key = email;
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (long wait = s.address_limiter.hit(req.client_address)) throw rate_limited(wait, "from this address");
  if (long wait = s.email_limiter.hit(key)) throw rate_limited(wait, "for this email");
  auto db = s.db();
  std::string token = random_token();
  // No link for a deleted or deactivated account, but the same answer: nobody learns which
  // addresses have accounts. Raw SQL: the check and the insert are one statement (the client
  // would need a read, then a write), and the email matches case-insensitively as the unique
  // index on lower(email) does.
  auto created = co_await db.query(
      "INSERT INTO magic_links (token_hash, email, user_id, expires_at) "
      "SELECT $1, $2, u.id, now() + $3 * interval '1 second' "
      "FROM (SELECT 1) one LEFT JOIN users u ON lower(u.email) = lower($2) "
      "WHERE u.id IS NULL OR (u.deleted_at IS NULL AND u.is_active) RETURNING id",
      sha256_hex(token), email, static_cast<std::int64_t>(s.settings.magic_link_ttl.count()));
  if (!created.empty()) s.mailer->send_magic_link(email, s.settings.app_url + "/auth/verify?token=" + token);
  co_return http::json_response(202, json::object{{"message", "if this address can sign in, a link is on its way"}});
}

// A new session for user_id; the tokens and their expiry as the API returns them.
asio::awaitable<json::object> issue_session(Services& s, db::AsyncClient& tx, const std::string& user_id,
                                            const std::optional<std::string>& device_id) {
  std::string access = random_token(), refresh = random_token();
  const Timestamp issued = now();
  db::SessionCreate data{.userId = user_id,
                         .accessTokenHash = sha256_hex(access),
                         .refreshTokenHash = sha256_hex(refresh),
                         .deviceId = device_id,
                         .accessExpiresAt = issued + s.settings.access_ttl,
                         .expiresAt = issued + s.settings.refresh_ttl};
  auto call = tx.session.create({.data = std::move(data)});
  db::Session session = co_await std::move(call);
  co_return json::object{{"tokenType", "Bearer"},
                         {"accessToken", access},
                         {"accessTokenExpiresAt", iso_time(session.accessExpiresAt)},
                         {"refreshToken", refresh},
                         {"refreshTokenExpiresAt", iso_time(session.expiresAt)}};
}

const char* const kBadLink = "this sign-in link is invalid, expired or already used: request a new one";

asio::awaitable<http::Response> verify(Services& s, http::Request& req) {
  JsonBody body(req);
  std::string token = body.required_string("token", 100);
  auto device_id = body.optional_string("deviceId", 200);
  if (!looks_like_token(token)) throw http::HttpError(401, "invalid_link", kBadLink);
  auto db = s.db();
  // Raw SQL for the link and the user: consuming the link is one conditional UPDATE … RETURNING
  // (the client's update takes a unique filter, update_many returns a count), and the user is an
  // upsert on lower(email), an expression index the schema cannot name.
  auto work = [&](AsyncTransaction& tx) -> asio::awaitable<json::object> {
    auto link = co_await tx.query(
        "UPDATE magic_links SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() "
        "RETURNING email",
        sha256_hex(token));
    if (link.empty()) throw http::HttpError(401, "invalid_link", kBadLink);
    std::string email = link.scalar<std::string>();
    auto user = (co_await tx.query(std::string("INSERT INTO users AS u (email, last_login_at) VALUES ($1, now()) "
                                               "ON CONFLICT (lower(email)) DO UPDATE SET last_login_at = now() "
                                               "RETURNING u.id::text, u.deleted_at IS NULL AND u.is_active, ") +
                                       kUserColumns,
                                   email))
                    .one();
    if (!user.get<bool>(1)) throw http::HttpError(403, "account_disabled", "this account is disabled");
    std::string user_id(user.text(0));
    db::AsyncClient client(tx);
    json::object out = co_await issue_session(s, client, user_id, device_id);
    out["user"] = json::parse(user_json(user, 2));
    co_return out;
  };
  json::object out = co_await db.transaction(work);
  co_return http::json_response(200, out);
}

enum class Refresh { rotated, unknown, reused };

asio::awaitable<http::Response> refresh(Services& s, http::Request& req) {
  JsonBody body(req);
  std::string token = body.required_string("refreshToken", 100);
  if (!looks_like_token(token))
    throw http::HttpError(401, "invalid_refresh_token", "this refresh token is not valid: sign in again");
  auto db = s.db();
  json::object out;
  // Raw SQL for the session and its user: one statement with a join, locking the session row
  // (FOR UPDATE OF s) so two refreshes of one token cannot both rotate it.
  auto work = [&](AsyncTransaction& tx) -> asio::awaitable<Refresh> {
    auto found = co_await tx.query(
        "SELECT s.id::text, s.user_id::text, s.rotated_at IS NOT NULL, "
        "s.revoked_at IS NULL AND s.expires_at > now() AND u.deleted_at IS NULL AND u.is_active, s.device_id, " +
            std::string(kUserColumns) +
            " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.refresh_token_hash = $1 FOR UPDATE OF s",
        sha256_hex(token));
    if (found.empty()) co_return Refresh::unknown;
    auto row = found.one();
    std::string session_id(row.text(0)), user_id(row.text(1));
    db::AsyncClient client(tx);
    if (row.get<bool>(2)) {
      co_await revoke_sessions(client, user_id);
      co_return Refresh::reused;  // committed: the revocation must stand
    }
    if (!row.get<bool>(3)) co_return Refresh::unknown;
    auto rotate = client.session.update({.where = session::id == session_id, .data = {session::rotatedAt.set(now())}});
    co_await std::move(rotate);
    out = co_await issue_session(s, client, user_id, row.get<std::optional<std::string>>(4));
    out["user"] = json::parse(user_json(row, 5));
    co_return Refresh::rotated;
  };
  Refresh outcome = co_await db.transaction(work);
  if (outcome == Refresh::reused) {
    log().warn("request {}: a rotated refresh token was presented again; every session of its user was revoked",
               req.request_id);
    throw http::HttpError(
        401, "refresh_token_reused",
        "this refresh token was already used; every session of the account was signed out: sign in again");
  }
  if (outcome == Refresh::unknown)
    throw http::HttpError(401, "invalid_refresh_token", "this refresh token is not valid: sign in again");
  co_return http::json_response(200, out);
}

asio::awaitable<http::Response> logout(Services& s, http::Request& req) {
  co_await authenticate(s, req);
  db::AsyncClient client(s.db());
  auto call = client.session.update_many(
      {.where = session::accessTokenHash == sha256_hex(bearer_token(req)) && session::revokedAt.is_null(),
       .data = {session::revokedAt.set(now())}});
  co_await std::move(call);
  co_return http::json_response(200, json::object{{"message", "signed out"}});
}

}  // namespace

void add_auth_routes(http::Router& router, Services& s) {
  router.add("POST", "/api/auth/magic-link", [&s](http::Request& r) { return magic_link(s, r); });
  router.add("POST", "/api/auth/verify", [&s](http::Request& r) { return verify(s, r); });
  router.add("POST", "/api/auth/refresh", [&s](http::Request& r) { return refresh(s, r); });
  router.add("POST", "/api/auth/logout", [&s](http::Request& r) { return logout(s, r); });
}

}  // namespace pgkit::server
