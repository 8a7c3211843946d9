#include "codegen/cpp_names.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>

namespace pgkit::codegen::detail {

namespace {
// C++20 keywords and alternative tokens ([lex.key], [lex.digraph]), the identifiers with a special
// meaning (final, override, import, module), std, which a member named so would shadow, and the
// macros a C++ program always has (NULL, EOF, errno, assert; linux and unix in GNU mode), which
// an enum value named so would expand.
// clang-format off
constexpr std::array<std::string_view, 103> kKeywords = {
    "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break", "case", "catch",
    "char", "char16_t", "char32_t", "char8_t", "class", "co_await", "co_return", "co_yield", "compl", "concept",
    "const", "const_cast", "consteval", "constexpr", "constinit", "continue", "decltype", "default", "delete", "do",
    "double", "dynamic_cast", "else", "enum", "explicit", "export", "extern", "false", "final", "float", "for",
    "friend", "goto", "if", "import", "inline", "int", "long", "module", "mutable", "namespace", "new", "noexcept",
    "not", "not_eq", "nullptr", "operator", "or", "or_eq", "override", "private", "protected", "public", "register",
    "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static", "static_assert", "static_cast",
    "struct", "switch", "template", "this", "thread_local", "throw", "true", "try", "typedef", "typeid", "typename",
    "union", "unsigned", "using", "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq", "std",
    "NULL", "EOF", "errno", "assert", "linux", "unix"};
// clang-format on
}  // namespace

bool is_cpp_keyword(std::string_view name) {
  return std::find(kKeywords.begin(), kKeywords.end(), name) != kKeywords.end();
}

std::string cpp_identifier(std::string_view name) {
  std::string out(name);
  // Also reserved: a leading underscore and a capital, or a double underscore, anywhere.
  bool reserved = (out.size() > 1 && out[0] == '_' && std::isupper(static_cast<unsigned char>(out[1]))) ||
                  out.find("__") != std::string::npos;
  if (is_cpp_keyword(out)) out += '_';
  if (reserved) out = "f" + out;
  return out;
}

std::string snake_case(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    bool upper = std::isupper(c);
    // A word starts at a capital after a lower-case letter or digit, or at the last capital of
    // a run followed by a lower-case letter ("HTTPRequest" → "http_request").
    if (upper && i > 0 && !out.empty() && out.back() != '_') {
      auto prev = static_cast<unsigned char>(name[i - 1]);
      bool next_lower = i + 1 < name.size() && std::islower(static_cast<unsigned char>(name[i + 1]));
      if (std::islower(prev) || std::isdigit(prev) || (std::isupper(prev) && next_lower)) out += '_';
    }
    out += static_cast<char>(std::tolower(c));
  }
  return out;
}

std::string string_literal(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c >= 0x7f) {
      // Octal escapes end after three digits, so a following digit cannot join them.
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\%03o", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

std::string sql_literal(std::string_view sql) {
  bool raw = sql.find(")\"") == std::string_view::npos;
  for (char c : sql) raw = raw && static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f;
  return raw ? "R\"(" + std::string(sql) + ")\"" : string_literal(sql);
}

std::string quoted_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace pgkit::codegen::detail
