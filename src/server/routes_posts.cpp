// Posts (seed 002's example): create, read, update, delete by author or admin, and the
// published feed, newest first, with keyset pagination.
#include <boost/json/object.hpp>
#include <charconv>

#include "server/auth.hpp"
#include "server/json_body.hpp"
#include "server/json_text.hpp"
#include "server/routes.hpp"

namespace pgkit::server {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::size_t kMaxContent = 100'000;

Response post_response(int status, std::string_view post) {
  return Response{.status = status, .body = "{\"post\":" + std::string(post) + "}"};
}

HttpError no_post(const std::string& id) { return HttpError(404, "not_found", "no post with id " + id); }

asio::awaitable<Response> create(Services& s, Request& req) {
  CurrentUser user = co_await authenticate(s, req);
  JsonBody body(req);
  std::string title = body.required_string("title", 200);
  std::string content = body.optional_string("content", kMaxContent, true).value_or("");
  bool published = body.optional_bool("published").value_or(false);
  auto db = s.db();
  auto row = co_await db.query(std::string("INSERT INTO posts AS p (title, content, published, author_id) "
                                           "VALUES ($1, $2, $3, $4::uuid) RETURNING ") +
                                   kPostColumns,
                               title, content, published, user.id);
  co_return post_response(201, post_json(row.one(), 0));
}

// Unpublished posts are visible to their author and admins only; to anyone else they do not
// exist (404, not 403: their existence is not disclosed).
asio::awaitable<Response> show(Services& s, Request& req) {
  const std::string id = require_uuid(req.param("id"), "the post id in the path");
  auto viewer = co_await authenticate_if_present(s, req);
  auto db = s.db();
  auto rows = co_await db.query(
      idempotent,
      std::string("SELECT p.published, p.author_id::text, ") + kPostColumns + " FROM posts p WHERE p.id = $1::uuid",
      id);
  if (rows.empty()) throw no_post(id);
  auto row = rows.one();
  bool mine = viewer && (viewer->admin || viewer->id == row.text(1));
  if (!row.get<bool>(0) && !mine) throw no_post(id);
  co_return post_response(200, post_json(row, 2));
}

// The post, locked, after checking the user may change it. Admins changing another's post
// leave an audit row.
asio::awaitable<std::string> lock_for_change(AsyncTransaction& tx, const CurrentUser& user, const std::string& id) {
  auto rows = co_await tx.query(std::string("SELECT p.author_id::text, p.published, ") + kPostColumns +
                                    " FROM posts p WHERE p.id = $1::uuid FOR UPDATE",
                                id);
  if (rows.empty()) throw no_post(id);
  auto row = rows.one();
  bool author = row.text(0) == user.id;
  if (!author && !user.admin) {
    if (!row.get<bool>(1)) throw no_post(id);
    throw HttpError(403, "forbidden", "only the post's author or an admin may change it");
  }
  co_return author ? std::string() : post_json(row, 2);
}

asio::awaitable<void> audit(AsyncTransaction& tx, const Request& req, const CurrentUser& admin, const char* action,
                            const std::string& id, const std::string& before, const std::optional<std::string>& after) {
  co_await tx.query(
      "INSERT INTO audit_log (actor_id, action, target_type, target_id, before, after, request_id) "
      "VALUES ($1::uuid, $2, 'post', $3, $4::jsonb, $5::jsonb, $6)",
      admin.id, action, id, before, after, req.request_id);
}

asio::awaitable<Response> update(Services& s, Request& req) {
  CurrentUser user = co_await authenticate(s, req);
  const std::string id = require_uuid(req.param("id"), "the post id in the path");
  JsonBody body(req);
  auto title = body.optional_string("title", 200);
  auto content = body.optional_string("content", kMaxContent, true);
  auto published = body.optional_bool("published");
  if (!title && !content && !published)
    throw HttpError(400, "invalid_request", "send \"title\", \"content\" and/or \"published\" to change");
  auto db = s.db();
  auto work = [&](AsyncTransaction& tx) -> asio::awaitable<std::string> {
    std::string before = co_await lock_for_change(tx, user, id);
    auto rows = co_await tx.query(std::string("UPDATE posts p SET title = coalesce($2, title), "
                                              "content = coalesce($3, content), published = coalesce($4, published) "
                                              "WHERE id = $1::uuid RETURNING ") +
                                      kPostColumns,
                                  id, title, content, published);
    std::string after = post_json(rows.one(), 0);
    if (!before.empty()) co_await audit(tx, req, user, "post.update", id, before, after);
    co_return after;
  };
  std::string after = co_await db.transaction(work);
  co_return post_response(200, after);
}

asio::awaitable<Response> remove(Services& s, Request& req) {
  CurrentUser user = co_await authenticate(s, req);
  const std::string id = require_uuid(req.param("id"), "the post id in the path");
  auto db = s.db();
  auto work = [&](AsyncTransaction& tx) -> asio::awaitable<void> {
    std::string before = co_await lock_for_change(tx, user, id);
    co_await tx.query("DELETE FROM posts WHERE id = $1::uuid", id);
    if (!before.empty()) co_await audit(tx, req, user, "post.delete", id, before, std::nullopt);
  };
  co_await db.transaction(work);
  co_return json_response(200, json::object{{"deleted", true}, {"id", id}});
}

// A feed cursor: the last post's position itself, "<created_at in µs since 1970>_<id>", not
// just its id, so a page still follows when that post was deleted meanwhile.
struct FeedCursor {
  std::int64_t micros = 0;
  std::string id;
};

std::optional<FeedCursor> feed_cursor(const Request& req) {
  auto text = req.query_param("cursor");
  if (!text) return std::nullopt;
  auto bad = [] {
    return HttpError(400, "invalid_request", "query parameter \"cursor\" must be a nextCursor this API returned");
  };
  auto sep = text->find('_');
  if (sep == std::string::npos || sep == 0 || sep > 19) throw bad();
  FeedCursor c;
  auto [end, ec] = std::from_chars(text->data(), text->data() + sep, c.micros);
  if (ec != std::errc{} || end != text->data() + sep) throw bad();
  std::string id = text->substr(sep + 1);
  if (!is_uuid(id)) throw bad();
  c.id = require_uuid(id, "the cursor's id");
  return c;
}

// Published posts, newest first. The body is assembled without a JSON library: this is the
// hot read path.
asio::awaitable<Response> feed(Services& s, Request& req) {
  int limit = page_limit(req);
  auto cursor = feed_cursor(req);
  std::optional<std::int64_t> after_micros;
  std::optional<std::string> after_id;
  if (cursor) {
    after_micros = cursor->micros;
    after_id = cursor->id;
  }
  auto db = s.db();
  const std::string sql = std::string("SELECT (extract(epoch FROM p.created_at) * 1000000)::bigint, ") + kPostColumns +
                          " FROM posts p WHERE p.published AND ($1::bigint IS NULL OR (p.created_at, p.id) < "
                          "('epoch'::timestamptz + $1::bigint * interval '1 microsecond', $2::uuid))"
                          " ORDER BY p.created_at DESC, p.id DESC LIMIT $3";
  // The public feed is read-only and may be a moment stale: a replica serves it when one is in
  // rotation (DATABASE_REPLICA_URL); if it fails or is slow, the primary does.
  std::optional<Result> replica_rows;
  Pool& reader = s.database.cluster().reader();
  AsyncPool replica(reader);  // named: the awaitable below refers to it until it completes
  if (&reader != &s.database.pool()) {
    auto work = replica.query(sql, after_micros, after_id, limit + 1);
    replica_rows = co_await with_deadline(std::move(work), s.settings.replica_read_deadline);
  }
  if (!replica_rows) replica_rows = co_await db.query(idempotent, sql, after_micros, after_id, limit + 1);
  Result rows = std::move(*replica_rows);
  std::string body = "{\"posts\":[";
  int shown = std::min(rows.size(), limit);
  for (int i = 0; i < shown; ++i) {
    if (i) body += ',';
    body += post_json(rows[i], 1);
  }
  body += "],\"nextCursor\":";
  if (rows.size() > limit)
    body += "\"" + std::string(rows[shown - 1].text(0)) + "_" + std::string(rows[shown - 1].text(1)) + "\"";
  else
    body += "null";
  body += '}';
  co_return Response{.status = 200, .body = std::move(body)};
}

}  // namespace

void add_post_routes(Router& router, Services& s) {
  router.add("POST", "/api/posts", [&s](Request& r) { return create(s, r); });
  router.add("GET", "/api/posts", [&s](Request& r) { return feed(s, r); });
  router.add("GET", "/api/posts/:id", [&s](Request& r) { return show(s, r); });
  router.add("PATCH", "/api/posts/:id", [&s](Request& r) { return update(s, r); });
  router.add("DELETE", "/api/posts/:id", [&s](Request& r) { return remove(s, r); });
}

}  // namespace pgkit::server
