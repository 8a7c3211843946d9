// GET /api/users/me; for admins GET /api/users, PATCH and DELETE /api/users/:id. Every admin
// change writes the audit log in the same transaction as the change.
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>

#include "server/auth.hpp"
#include "server/json_body.hpp"
#include "server/routes.hpp"

namespace pgkit::server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

asio::awaitable<Response> me(Services& s, Request& req) {
  CurrentUser user = co_await authenticate(s, req);
  co_return Response{.status = 200, .body = "{\"user\":" + user.json + "}"};
}

std::optional<bool> bool_param(const Request& req, std::string_view name) {
  auto v = req.query_param(name);
  if (!v) return std::nullopt;
  if (*v == "true") return true;
  if (*v == "false") return false;
  throw HttpError(400, "invalid_request", "query parameter \"" + std::string(name) + "\" must be true or false");
}

std::optional<std::string> role_value(std::optional<std::string> role, std::string_view where) {
  if (role && *role != "USER" && *role != "ADMIN")
    throw HttpError(400, "invalid_request", std::string(where) + " \"role\" must be USER or ADMIN");
  return role;
}

// Keyset pagination on (created_at, id): stable under inserts, no OFFSET scans.
asio::awaitable<Response> list(Services& s, Request& req) {
  co_await authenticate_admin(s, req);
  int limit = page_limit(req);
  auto role = role_value(req.query_param("role"), "query parameter");
  auto active = bool_param(req, "isActive");
  auto cursor = req.query_param("cursor");
  if (cursor) *cursor = require_uuid(*cursor, "query parameter \"cursor\"");
  auto db = s.db();
  auto rows = co_await db.query(
      idempotent,
      std::string("SELECT u.id::text, ") + kUserColumns +
          " FROM users u WHERE u.deleted_at IS NULL AND ($1::user_role IS NULL OR u.role = $1::user_role)"
          " AND ($2::boolean IS NULL OR u.is_active = $2::boolean)"
          " AND ($3::uuid IS NULL OR (u.created_at, u.id) > (SELECT created_at, id FROM users WHERE id = $3::uuid))"
          " ORDER BY u.created_at, u.id LIMIT $4",
      role, active, cursor, limit + 1);
  json::array users;
  std::string last;
  for (int i = 0; i < rows.size() && i < limit; ++i) {
    users.push_back(json::parse(user_json(rows[i], 1)));
    last = rows[i].text(0);
  }
  json::object out{{"users", std::move(users)}};
  out["nextCursor"] = rows.size() > limit ? json::value(last) : json::value(nullptr);
  co_return json_response(200, out);
}

// The audit row for a change made by actor to user target.
asio::awaitable<void> audit(AsyncTransaction& tx, const Request& req, const CurrentUser& actor, const char* action,
                            const std::string& target, std::string_view before, std::string_view after) {
  co_await tx.query(
      "INSERT INTO audit_log (actor_id, action, target_type, target_id, before, after, request_id) "
      "VALUES ($1::uuid, $2, 'user', $3, $4::jsonb, $5::jsonb, $6)",
      actor.id, action, target, std::string(before), std::string(after), req.request_id);
}

// The user an admin is about to change, locked, as JSON (the audit's "before"); 404 when there
// is none. NO KEY UPDATE: a concurrent refresh inserting a session takes KEY SHARE on this row
// (the foreign key), and FOR UPDATE would deadlock with it.
asio::awaitable<std::string> lock_user(AsyncTransaction& tx, const std::string& id) {
  auto found = co_await tx.query(std::string("SELECT ") + kUserColumns +
                                     " FROM users u WHERE u.id = $1::uuid AND u.deleted_at IS NULL FOR NO KEY UPDATE",
                                 id);
  if (found.empty()) throw HttpError(404, "not_found", "no user with id " + id);
  co_return user_json(found.one(), 0);
}

asio::awaitable<Response> update(Services& s, Request& req) {
  CurrentUser admin = co_await authenticate_admin(s, req);
  const std::string id = require_uuid(req.param("id"), "the user id in the path");
  JsonBody body(req);
  auto role = role_value(body.optional_string("role", 10), "field");
  auto active = body.optional_bool("isActive");
  if (!role && !active) throw HttpError(400, "invalid_request", "send \"role\" and/or \"isActive\" to change");
  if (id == admin.id && (role == "USER" || active == false))
    throw HttpError(400, "invalid_request", "admins cannot demote or deactivate themselves");
  auto db = s.db();
  auto work = [&](AsyncTransaction& tx) -> asio::awaitable<std::string> {
    std::string before = co_await lock_user(tx, id);
    auto changed = co_await tx.query(std::string("UPDATE users u SET role = coalesce($2::user_role, role), "
                                                 "is_active = coalesce($3::boolean, is_active) WHERE id = $1::uuid "
                                                 "RETURNING ") +
                                         kUserColumns,
                                     id, role, active);
    std::string after = user_json(changed.one(), 0);
    if (active == false) co_await revoke_sessions(tx, id);
    co_await audit(tx, req, admin, "user.update", id, before, after);
    co_return after;
  };
  std::string after = co_await db.transaction(work);
  co_return Response{.status = 200, .body = "{\"user\":" + after + "}"};
}

// Soft delete: the row stays (posts, audit history), the account and its sessions end.
asio::awaitable<Response> remove(Services& s, Request& req) {
  CurrentUser admin = co_await authenticate_admin(s, req);
  const std::string id = require_uuid(req.param("id"), "the user id in the path");
  if (id == admin.id) throw HttpError(400, "invalid_request", "admins cannot delete themselves");
  auto db = s.db();
  auto work = [&](AsyncTransaction& tx) -> asio::awaitable<std::string> {
    std::string before = co_await lock_user(tx, id);
    auto changed = co_await tx.query(std::string("UPDATE users u SET deleted_at = now(), is_active = false "
                                                 "WHERE id = $1::uuid RETURNING ") +
                                         kUserColumns,
                                     id);
    std::string after = user_json(changed.one(), 0);
    co_await revoke_sessions(tx, id);
    co_await audit(tx, req, admin, "user.delete", id, before, after);
    co_return after;
  };
  std::string after = co_await db.transaction(work);
  co_return Response{.status = 200, .body = "{\"user\":" + after + "}"};
}

}  // namespace

void add_user_routes(Router& router, Services& s) {
  router.add("GET", "/api/users/me", [&s](Request& r) { return me(s, r); });
  router.add("GET", "/api/users", [&s](Request& r) { return list(s, r); });
  router.add("PATCH", "/api/users/:id", [&s](Request& r) { return update(s, r); });
  router.add("DELETE", "/api/users/:id", [&s](Request& r) { return remove(s, r); });
}

}  // namespace pgkit::server
