#include "server/json_text.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "json_string.hpp"
#include "pgkit/server/db/post.hpp"
#include "pgkit/server/db/user.hpp"
#include "pgkit/types.hpp"

namespace pgkit::server {

namespace {

// ISO 8601 in UTC with milliseconds, as JavaScript's Date.toISOString() writes it.
void append_time(std::string& out, Timestamp t) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t - seconds).count();
  fmt::format_to(std::back_inserter(out), "\"{:%Y-%m-%dT%H:%M:%S}.{:03}Z\"", seconds, millis);
}

void append_time(std::string& out, const std::optional<Timestamp>& t) {
  if (t)
    append_time(out, *t);
  else
    out += "null";
}

void append_time(std::string& out, const Row& row, int column) {
  append_time(out, row.is_null(column) ? std::nullopt : std::optional<Timestamp>(row.get<Timestamp>(column)));
}

void append_member(std::string& out, const char* key, bool first) {
  out += first ? "{\"" : ",\"";
  out += key;
  out += "\":";
}

void append_bool(std::string& out, const Row& row, int column) { out += row.get<bool>(column) ? "true" : "false"; }

// One JSON object from consecutive columns, each written as its kind says.
enum class Kind { text, boolean, time };
struct Member {
  const char* key;
  Kind kind;
};

template <std::size_t N>
std::string object_json(const Row& row, int first, const Member (&members)[N], std::size_t reserve) {
  std::string out;
  out.reserve(reserve);
  for (std::size_t i = 0; i < N; ++i) {
    const int column = first + static_cast<int>(i);
    append_member(out, members[i].key, i == 0);
    switch (members[i].kind) {
      case Kind::text: detail::append_json_string(out, row.text(column)); break;
      case Kind::boolean: append_bool(out, row, column); break;
      case Kind::time: append_time(out, row, column); break;
    }
  }
  out += '}';
  return out;
}

// In the order of kUserColumns and kPostColumns (json_text.hpp).
constexpr Member kUser[] = {{"id", Kind::text},          {"email", Kind::text},       {"role", Kind::text},
                            {"isActive", Kind::boolean}, {"lastLoginAt", Kind::time}, {"createdAt", Kind::time},
                            {"updatedAt", Kind::time}};
constexpr Member kPost[] = {{"id", Kind::text},           {"title", Kind::text},    {"content", Kind::text},
                            {"published", Kind::boolean}, {"authorId", Kind::text}, {"createdAt", Kind::time},
                            {"updatedAt", Kind::time}};

}  // namespace

std::string user_json(const Row& row, int first) { return object_json(row, first, kUser, 256); }

std::string post_json(const Row& row, int first) {
  return object_json(row, first, kPost, 256 + row.text(first + 2).size());
}

std::string iso_time(Timestamp t) {
  std::string out;
  append_time(out, t);
  return out.substr(1, out.size() - 2);  // without append_time's quotes
}

std::string user_json(const db::User& u) {
  std::string out;
  out.reserve(256);
  append_member(out, "id", true);
  detail::append_json_string(out, u.id);
  append_member(out, "email", false);
  detail::append_json_string(out, u.email);
  append_member(out, "role", false);
  detail::append_json_string(out, db::to_string(u.role));
  append_member(out, "isActive", false);
  out += u.isActive ? "true" : "false";
  append_member(out, "lastLoginAt", false);
  append_time(out, u.lastLoginAt);
  append_member(out, "createdAt", false);
  append_time(out, u.createdAt);
  append_member(out, "updatedAt", false);
  append_time(out, u.updatedAt);
  out += '}';
  return out;
}

std::string post_json(const db::Post& p) {
  std::string out;
  out.reserve(256 + p.content.size());
  append_member(out, "id", true);
  detail::append_json_string(out, p.id);
  append_member(out, "title", false);
  detail::append_json_string(out, p.title);
  append_member(out, "content", false);
  detail::append_json_string(out, p.content);
  append_member(out, "published", false);
  out += p.published ? "true" : "false";
  append_member(out, "authorId", false);
  detail::append_json_string(out, p.authorId);
  append_member(out, "createdAt", false);
  append_time(out, p.createdAt);
  append_member(out, "updatedAt", false);
  append_time(out, p.updatedAt);
  out += '}';
  return out;
}

}  // namespace pgkit::server
