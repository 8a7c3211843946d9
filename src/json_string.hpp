#pragma once
// One JSON string writer for every layer: the schema language's string literals (`db pull`
// writes Prisma's string_literal, which is JSON's) and the server's response bodies. It lives
// below both, header-only, so the server may use it without the schema engine knowing the server.
#include <string>
#include <string_view>

namespace pgkit::detail {

/// s as a JSON string, quotes included, appended to out: `"` and `\` escaped, newline, return
/// and tab as \n \r \t, every other ASCII control character (DEL too, as Rust's
/// is_ascii_control and so Prisma's schema writer do) as \u00xx. Other bytes are copied: the
/// text is taken to be UTF-8 already.
inline void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

}  // namespace pgkit::detail
