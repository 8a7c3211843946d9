#include "server/auth.hpp"

#include <cctype>

#include "pgkit/server/db/async_client.hpp"
#include "http/tokens.hpp"

namespace pgkit::server {

using http::looks_like_token;
using http::sha256_hex;

namespace asio = boost::asio;

namespace {
http::HttpError unauthorized() {
  http::HttpError e(401, "unauthorized",
                    "sign in first: send a valid access token as \"Authorization: Bearer <token>\"");
  e.headers.emplace_back("WWW-Authenticate", "Bearer");
  return e;
}

// One statement with a join, on every authenticated request: the client's include would make
// it two round trips.
const std::string kFindSession = std::string("SELECT u.id::text, u.role = 'ADMIN', ") + kUserColumns +
                                 " FROM sessions s JOIN users u ON u.id = s.user_id"
                                 " WHERE s.access_token_hash = $1 AND s.access_expires_at > now()"
                                 " AND s.revoked_at IS NULL AND s.rotated_at IS NULL"
                                 " AND u.deleted_at IS NULL AND u.is_active";
}  // namespace

std::string bearer_token(const http::Request& request) {
  std::string_view h = request.authorization;
  if (h.size() < 7) return {};
  for (std::size_t i = 0; i < 6; ++i)
    if (std::tolower(static_cast<unsigned char>(h[i])) != "bearer"[i]) return {};
  if (h[6] != ' ') return {};
  h.remove_prefix(7);
  while (!h.empty() && h.front() == ' ') h.remove_prefix(1);
  while (!h.empty() && h.back() == ' ') h.remove_suffix(1);
  return std::string(h);
}

asio::awaitable<std::optional<CurrentUser>> authenticate_if_present(Services& services, const http::Request& request) {
  if (request.authorization.empty()) co_return std::nullopt;
  std::string token = bearer_token(request);
  if (!looks_like_token(token)) throw unauthorized();
  auto db = services.db();
  auto rows = co_await db.query(idempotent, kFindSession, sha256_hex(token));
  if (rows.empty()) throw unauthorized();
  auto row = rows.one();
  co_return CurrentUser{std::string(row.text(0)), row.get<bool>(1), user_json(row, 2)};
}

asio::awaitable<CurrentUser> authenticate(Services& services, const http::Request& request) {
  auto user = co_await authenticate_if_present(services, request);
  if (!user) throw unauthorized();
  co_return std::move(*user);
}

asio::awaitable<void> revoke_sessions(db::AsyncClient& tx, const std::string& user_id) {
  using namespace db::fields;
  auto call = tx.session.update_many(
      {.where = session::userId == user_id && session::revokedAt.is_null(), .data = {session::revokedAt.set(now())}});
  co_await std::move(call);
}

asio::awaitable<CurrentUser> authenticate_admin(Services& services, const http::Request& request) {
  CurrentUser user = co_await authenticate(services, request);
  if (!user.admin) throw http::HttpError(403, "forbidden", "this needs the ADMIN role");
  co_return user;
}

}  // namespace pgkit::server
