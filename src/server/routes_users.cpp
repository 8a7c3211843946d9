// GET /api/users/me; for admins GET /api/users, PATCH and DELETE /api/users/:id. Every admin
// change writes the audit log in the same transaction as the change.
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "pgkit/server/db/async_client.hpp"
#include "server/audit.hpp"
#include "server/auth.hpp"
#include "server/json_body.hpp"
#include "server/json_text.hpp"
#include "server/routes.hpp"

namespace pgkit::server {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace db::fields;

namespace {

asio::awaitable<http::Response> me(Services& s, http::Request& req) {
  CurrentUser user = co_await authenticate(s, req);
  co_return http::Response{.status = 200, .body = "{\"user\":" + user.json + "}"};
}

std::optional<bool> bool_param(const http::Request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v) return std::nullopt;
  if (*v == "true") return true;
  if (*v == "false") return false;
  throw http::HttpError(400, "invalid_request", "query parameter \"" + std::string(name) + "\" must be true or false");
}

std::optional<std::string> role_value(std::optional<std::string> role, std::string_view where) {
  if (role && *role != "USER" && *role != "ADMIN")
    throw http::HttpError(400, "invalid_request", std::string(where) + " \"role\" must be USER or ADMIN");
  return role;
}

// Keyset pagination on (created_at, id): stable under inserts, no OFFSET scans. The cursor is
// the last user's id; its row gives the position to go on from.
asio::awaitable<http::Response> list(Services& s, http::Request& req) {
  co_await authenticate_admin(s, req);
  const int limit = page_limit(req);
  auto role = role_value(req.query_param("role"), "query parameter");
  auto active = bool_param(req, "isActive");
  auto cursor = req.query_param("cursor");
  if (cursor) *cursor = require_uuid(*cursor, "query parameter \"cursor\"");
  db::AsyncClient client(s.db());
  std::optional<db::User> after;
  if (cursor) {
    auto call = client.user.find_unique({.where = user::id == *cursor});
    after = co_await std::move(call);
    if (!after) co_return http::json_response(200, json::object{{"users", json::array()}, {"nextCursor", nullptr}});
  }
  // Seed 002's soft delete: findMany({ where: { deletedAt: null } }); the other filters only
  // when asked for.
  client::Where<db::User> where = user::deletedAt.is_null();
  if (role) where = where && user::role == *db::from_string<db::UserRole>(*role);
  if (active) where = where && user::isActive == *active;
  const client::FindMany<db::User> page{.where = std::move(where),
                                        .order_by = {user::createdAt.asc(), user::id.asc()},
                                        .take = limit + 1,
                                        .after = after ? &*after : nullptr};
  std::vector<db::User> rows = co_await client.user.find_many(page);
  json::array users;
  const int shown = std::min(static_cast<int>(rows.size()), limit);
  for (int i = 0; i < shown; ++i) users.push_back(json::parse(user_json(rows[i])));
  json::object out{{"users", std::move(users)}};
  out["nextCursor"] = static_cast<int>(rows.size()) > limit ? json::value(rows[shown - 1].id) : json::value(nullptr);
  co_return http::json_response(200, out);
}

// The user an admin is about to change, locked, as JSON (the audit's "before"); 404 when there
// is none. NO KEY UPDATE: a concurrent refresh inserting a session takes KEY SHARE on this row
// (the foreign key), and FOR UPDATE would deadlock with it. Raw SQL: the client (as Prisma's)
// has no row locks.
asio::awaitable<std::string> lock_user(AsyncTransaction& tx, const std::string& id) {
  auto found = co_await tx.query(std::string("SELECT ") + kUserColumns +
                                     " FROM users u WHERE u.id = $1::uuid AND u.deleted_at IS NULL FOR NO KEY UPDATE",
                                 id);
  if (found.empty()) throw http::HttpError(404, "not_found", "no user with id " + id);
  co_return user_json(found.one(), 0);
}

asio::awaitable<http::Response> update(Services& s, http::Request& req) {
  CurrentUser admin = co_await authenticate_admin(s, req);
  const std::string id = require_uuid(req.param("id"), "the user id in the path");
  JsonBody body(req);
  auto role = role_value(body.optional_string("role", 10), "field");
  auto active = body.optional_bool("isActive");
  if (!role && !active) throw http::HttpError(400, "invalid_request", "send \"role\" and/or \"isActive\" to change");
  if (id == admin.id && (role == "USER" || active == false))
    throw http::HttpError(400, "invalid_request", "admins cannot demote or deactivate themselves");
  std::vector<client::Set<db::User>> data;
  if (role) data.push_back(user::role.set(*db::from_string<db::UserRole>(*role)));
  if (active) data.push_back(user::isActive.set(*active));
  auto work = [&](AsyncTransaction& tx) -> asio::awaitable<std::string> {
    std::string before = co_await lock_user(tx, id);
    db::AsyncClient client(tx);
    auto call =
        client.user.update({.where = user::id == id, .data = data});  // a copy: a retried transaction runs work again
    std::string after = user_json(co_await std::move(call));
    if (active == false) co_await revoke_sessions(client, id);
    co_await audit(client, req, admin.id, "user.update", "user", id, before, after);
    co_return after;
  };
  std::string after = co_await s.db().transaction(work);
  co_return http::Response{.status = 200, .body = "{\"user\":" + after + "}"};
}

// Soft delete: the row stays (posts, audit history), the account and its sessions end.
asio::awaitable<http::Response> remove(Services& s, http::Request& req) {
  CurrentUser admin = co_await authenticate_admin(s, req);
  const std::string id = require_uuid(req.param("id"), "the user id in the path");
  if (id == admin.id) throw http::HttpError(400, "invalid_request", "admins cannot delete themselves");
  auto work = [&](AsyncTransaction& tx) -> asio::awaitable<std::string> {
    std::string before = co_await lock_user(tx, id);
    db::AsyncClient client(tx);
    auto call =
        client.user.update({.where = user::id == id, .data = {user::deletedAt.set(now()), user::isActive.set(false)}});
    std::string after = user_json(co_await std::move(call));
    co_await revoke_sessions(client, id);
    co_await audit(client, req, admin.id, "user.delete", "user", id, before, after);
    co_return after;
  };
  std::string after = co_await s.db().transaction(work);
  co_return http::Response{.status = 200, .body = "{\"user\":" + after + "}"};
}

}  // namespace

void add_user_routes(http::Router& router, Services& s) {
  router.add("GET", "/api/users/me", [&s](http::Request& r) { return me(s, r); });
  router.add("GET", "/api/users", [&s](http::Request& r) { return list(s, r); });
  router.add("PATCH", "/api/users/:id", [&s](http::Request& r) { return update(s, r); });
  router.add("DELETE", "/api/users/:id", [&s](http::Request& r) { return remove(s, r); });
}

}  // namespace pgkit::server
