#include "server/json_text.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "json_string.hpp"
#include "pgkit/types.hpp"

namespace pgkit::server {

namespace {

// ISO 8601 in UTC with milliseconds, as JavaScript's Date.toISOString() writes it.
void append_time(std::string& out, const Row& row, int column) {
  if (row.is_null(column)) {
    out += "null";
    return;
  }
  auto t = row.get<Timestamp>(column);
  auto seconds = std::chrono::floor<std::chrono::seconds>(t);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(t - seconds).count();
  fmt::format_to(std::back_inserter(out), "\"{:%Y-%m-%dT%H:%M:%S}.{:03}Z\"", seconds, millis);
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
    out += i == 0 ? "{\"" : ",\"";
    out += members[i].key;
    out += "\":";
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

}  // namespace pgkit::server
