// Posts (seed 002's example): create, read, update, delete by author or admin, and the
// published feed, newest first, with keyset pagination — on the client generated from
// prisma/schema.prisma (seed 002's `prisma.post.create`, `findUnique`, `findMany`).
#include <boost/json/object.hpp>
#include <charconv>

#include <fmt/format.h>

#include "pgkit/server/db/async_client.hpp"
#include "server/audit.hpp"
#include "server/auth.hpp"
#include "server/deadline.hpp"
#include "server/json_body.hpp"
#include "server/json_text.hpp"
#include "server/routes.hpp"

namespace pgkit::server {

namespace asio = boost::asio;
namespace json = boost::json;
using namespace db::fields;

namespace {

constexpr std::size_t kMaxContent = 100'000;

http::Response post_response(int status, std::string_view post) {
  return http::Response{.status = status, .body = "{\"post\":" + std::string(post) + "}"};
}

http::HttpError no_post(const std::string& id) { return http::HttpError(404, "not_found", "no post with id " + id); }

asio::awaitable<http::Response> create(Services& s, http::Request& req) {
  CurrentUser user = co_await authenticate(s, req);
  JsonBody body(req);
  db::PostCreate data{.title = body.required_string("title", 200),
                      .content = body.optional_string("content", kMaxContent, true).value_or(""),
                      .published = body.optional_bool("published").value_or(false),
                      .authorId = user.id};
  db::AsyncClient client(s.db());
  // The call is made before it is awaited: g++ 12 destroys an aggregate temporary inside a
  // co_await expression twice (docs/client.md).
  auto call = client.post.create({.data = std::move(data)});
  db::Post created = co_await std::move(call);
  co_return post_response(201, post_json(created));
}

// Unpublished posts are visible to their author and admins only; to anyone else they do not
// exist (404, not 403: their existence is not disclosed).
asio::awaitable<http::Response> show(Services& s, http::Request& req) {
  const std::string id = require_uuid(req.param("id"), "the post id in the path");
  auto viewer = co_await authenticate_if_present(s, req);
  db::AsyncClient client(s.db());
  auto call = client.post.find_unique({.where = post::id == id});
  std::optional<db::Post> found = co_await std::move(call);
  if (!found) throw no_post(id);
  bool mine = viewer && (viewer->admin || viewer->id == found->authorId);
  if (!found->published && !mine) throw no_post(id);
  co_return post_response(200, post_json(*found));
}

// The post, locked, after checking the user may change it. Admins changing another's post
// leave an audit row. Raw SQL: the client (as Prisma's) has no row locks, and without FOR UPDATE
// a change made between this read and the write would be missing from the audit's "before".
asio::awaitable<std::string> lock_for_change(AsyncTransaction& tx, const CurrentUser& user, const std::string& id) {
  auto rows = co_await tx.query(std::string("SELECT p.author_id::text, p.published, ") + kPostColumns +
                                    " FROM posts p WHERE p.id = $1::uuid FOR UPDATE",
                                id);
  if (rows.empty()) throw no_post(id);
  auto row = rows.one();
  bool author = row.text(0) == user.id;
  if (!author && !user.admin) {
    if (!row.get<bool>(1)) throw no_post(id);
    throw http::HttpError(403, "forbidden", "only the post's author or an admin may change it");
  }
  co_return author ? std::string() : post_json(row, 2);
}

asio::awaitable<http::Response> update(Services& s, http::Request& req) {
  CurrentUser user = co_await authenticate(s, req);
  const std::string id = require_uuid(req.param("id"), "the post id in the path");
  JsonBody body(req);
  auto title = body.optional_string("title", 200);
  auto content = body.optional_string("content", kMaxContent, true);
  auto published = body.optional_bool("published");
  if (!title && !content && !published)
    throw http::HttpError(400, "invalid_request", "send \"title\", \"content\" and/or \"published\" to change");
  std::vector<client::Set<db::Post>> data;
  if (title) data.push_back(post::title.set(*title));
  if (content) data.push_back(post::content.set(*content));
  if (published) data.push_back(post::published.set(*published));
  auto work = [&](AsyncTransaction& tx) -> asio::awaitable<std::string> {
    std::string before = co_await lock_for_change(tx, user, id);
    db::AsyncClient client(tx);
    auto call =
        client.post.update({.where = post::id == id, .data = data});  // a copy: a retried transaction runs work again
    std::string after = post_json(co_await std::move(call));
    if (!before.empty()) co_await audit(client, req, user.id, "post.update", "post", id, before, after);
    co_return after;
  };
  std::string after = co_await s.db().transaction(work);
  co_return post_response(200, after);
}

asio::awaitable<http::Response> remove(Services& s, http::Request& req) {
  CurrentUser user = co_await authenticate(s, req);
  const std::string id = require_uuid(req.param("id"), "the post id in the path");
  auto work = [&](AsyncTransaction& tx) -> asio::awaitable<void> {
    std::string before = co_await lock_for_change(tx, user, id);
    db::AsyncClient client(tx);
    auto call = client.post.delete_({.where = post::id == id});
    co_await std::move(call);
    if (!before.empty()) co_await audit(client, req, user.id, "post.delete", "post", id, before, std::nullopt);
  };
  co_await s.db().transaction(work);
  co_return http::json_response(200, json::object{{"deleted", true}, {"id", id}});
}

// A feed cursor: the last post's position itself, "<created_at in µs since 1970>_<id>", not
// just its id, so a page still follows when that post was deleted meanwhile.
struct FeedCursor {
  std::int64_t micros = 0;
  std::string id;
};

std::optional<FeedCursor> feed_cursor(const http::Request& req) {
  auto text = req.query_param("cursor");
  if (!text) return std::nullopt;
  auto bad = [] {
    return http::HttpError(400, "invalid_request", "query parameter \"cursor\" must be a nextCursor this API returned");
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

// Published posts, newest first: keyset paging after the cursor's post, by the row comparison
// (created_at, id) < (…) that idx_posts_published_created_at serves. The body is assembled
// without a JSON library: this is the hot read path.
asio::awaitable<http::Response> feed(Services& s, http::Request& req) {
  const int limit = page_limit(req);
  auto cursor = feed_cursor(req);
  db::Post after;
  if (cursor) {
    after.createdAt = Timestamp(std::chrono::microseconds(cursor->micros));
    after.id = cursor->id;
  }
  const client::FindMany<db::Post> page{.where = post::published == true,
                                        .order_by = {post::createdAt.desc(), post::id.desc()},
                                        .take = limit + 1,
                                        .after = cursor ? &after : nullptr};
  // The public feed is read-only and may be a moment stale: a replica serves it when one is in
  // rotation (DATABASE_REPLICA_URL); if it fails or is slow, the primary does.
  std::optional<std::vector<db::Post>> rows;
  Pool& reader = s.database.cluster().reader();
  if (&reader != &s.database.pool()) {
    db::AsyncClient replica{AsyncPool(reader)};  // named: the awaitable below refers to it until it completes
    rows = co_await with_deadline(replica.post.find_many(page), s.settings.replica_read_deadline);
  }
  if (!rows) {
    db::AsyncClient client(s.db());
    rows = co_await client.post.find_many(page);
  }
  std::string body = "{\"posts\":[";
  const int shown = std::min(static_cast<int>(rows->size()), limit);
  for (int i = 0; i < shown; ++i) {
    if (i) body += ',';
    body += post_json((*rows)[i]);
  }
  body += "],\"nextCursor\":";
  if (static_cast<int>(rows->size()) > limit) {
    const db::Post& last = (*rows)[shown - 1];
    body += fmt::format("\"{}_{}\"", last.createdAt.time_since_epoch().count(), last.id);
  } else {
    body += "null";
  }
  body += '}';
  co_return http::Response{.status = 200, .body = std::move(body)};
}

}  // namespace

void add_post_routes(http::Router& router, Services& s) {
  router.add("POST", "/api/posts", [&s](http::Request& r) { return create(s, r); });
  router.add("GET", "/api/posts", [&s](http::Request& r) { return feed(s, r); });
  router.add("GET", "/api/posts/:id", [&s](http::Request& r) { return show(s, r); });
  router.add("PATCH", "/api/posts/:id", [&s](http::Request& r) { return update(s, r); });
  router.add("DELETE", "/api/posts/:id", [&s](http::Request& r) { return remove(s, r); });
}

}  // namespace pgkit::server
