#include "server/json_text.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

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

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
        else out += static_cast<char>(c);  // text from PostgreSQL is valid UTF-8
    }
  }
  out += '"';
}

std::string user_json(const Row& row, int first) {
  std::string out;
  out.reserve(256);
  out += "{\"id\":";
  append_json_string(out, row.text(first));
  out += ",\"email\":";
  append_json_string(out, row.text(first + 1));
  out += ",\"role\":";
  append_json_string(out, row.text(first + 2));
  out += ",\"isActive\":";
  append_bool(out, row, first + 3);
  out += ",\"lastLoginAt\":";
  append_time(out, row, first + 4);
  out += ",\"createdAt\":";
  append_time(out, row, first + 5);
  out += ",\"updatedAt\":";
  append_time(out, row, first + 6);
  out += '}';
  return out;
}

std::string post_json(const Row& row, int first) {
  std::string out;
  out.reserve(256 + row.text(first + 2).size());
  out += "{\"id\":";
  append_json_string(out, row.text(first));
  out += ",\"title\":";
  append_json_string(out, row.text(first + 1));
  out += ",\"content\":";
  append_json_string(out, row.text(first + 2));
  out += ",\"published\":";
  append_bool(out, row, first + 3);
  out += ",\"authorId\":";
  append_json_string(out, row.text(first + 4));
  out += ",\"createdAt\":";
  append_time(out, row, first + 5);
  out += ",\"updatedAt\":";
  append_time(out, row, first + 6);
  out += '}';
  return out;
}

}  // namespace pgkit::server
