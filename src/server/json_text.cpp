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
void format_iso(std::string& out, Timestamp t) {
  auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t - seconds).count();
  fmt::format_to(std::back_inserter(out), "{:%Y-%m-%dT%H:%M:%S}.{:03}Z", seconds, millis);
}

void append_time(std::string& out, Timestamp t) {
  out += '"';
  format_iso(out, t);
  out += '"';
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

void append_bool(std::string& out, bool b) { out += b ? "true" : "false"; }
void append_bool(std::string& out, const Row& row, int column) { append_bool(out, row.get<bool>(column)); }

// A generated row's member as JSON, by its type.
void append_value(std::string& out, std::string_view text) { detail::append_json_string(out, text); }
void append_value(std::string& out, bool b) { append_bool(out, b); }
void append_value(std::string& out, Timestamp t) { append_time(out, t); }
void append_value(std::string& out, const std::optional<Timestamp>& t) { append_time(out, t); }

template <class V>
struct Field {
  const char* key;
  const V& value;
};

// One JSON object from a generated row's members, in the order given.
template <class... V>
std::string object_of(std::size_t reserve, const Field<V>&... fields) {
  std::string out;
  out.reserve(reserve);
  bool first = true;
  ((append_member(out, fields.key, first), append_value(out, fields.value), first = false), ...);
  out += '}';
  return out;
}

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
  format_iso(out, t);
  return out;
}

std::string user_json(const db::User& u) {
  return object_of(256, Field{"id", u.id}, Field{"email", u.email}, Field{"role", db::to_string(u.role)},
                   Field{"isActive", u.isActive}, Field{"lastLoginAt", u.lastLoginAt}, Field{"createdAt", u.createdAt},
                   Field{"updatedAt", u.updatedAt});
}

std::string post_json(const db::Post& p) {
  return object_of(256 + p.content.size(), Field{"id", p.id}, Field{"title", p.title}, Field{"content", p.content},
                   Field{"published", p.published}, Field{"authorId", p.authorId}, Field{"createdAt", p.createdAt},
                   Field{"updatedAt", p.updatedAt});
}

}  // namespace pgkit::server
