// The value grammar of Prisma's schema language: strings (JSON's escapes), numbers, constants,
// function calls, arrays, argument lists and attributes. Nothing here spans lines: Prisma's
// whitespace is spaces and tabs only, so an attribute that goes on to the next line is an error.
#include <cstdint>

#include <fmt/format.h>

#include "schema/cursor.hpp"

namespace pgkit::schema {

const char* ast::Expression::describe() const {
  switch (kind) {
    case Kind::string: return "a string";
    case Kind::number: return "a number";
    case Kind::constant: return "a constant";
    case Kind::function: return "a function call";
    case Kind::array: return "a list";
    case Kind::object: return "an object";
  }
  return "a value";
}

namespace detail {

std::size_t Cursor::space_length() const {
  if (eof()) return 0;
  const auto b = static_cast<unsigned char>(text_[pos_]);
  if (b == ' ' || b == '\t') return 1;
  if (b < 0xC2) return 0;
  // Unicode space separators (Zs) other than the ASCII space, as UTF-8.
  auto at = [&](std::size_t k) { return static_cast<unsigned char>(peek(k)); };
  if (b == 0xC2 && at(1) == 0xA0) return 2;                                      // U+00A0
  if (b == 0xE1 && at(1) == 0x9A && at(2) == 0x80) return 3;                     // U+1680
  if (b == 0xE2 && at(1) == 0x80 && (at(2) <= 0x8A || at(2) == 0xAF)) return 3;  // U+2000–200A, U+202F
  if (b == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) return 3;                     // U+205F
  if (b == 0xE3 && at(1) == 0x80 && at(2) == 0x80) return 3;                     // U+3000
  return 0;
}

bool Cursor::rest_of_line_blank() const {
  Cursor probe = *this;
  probe.skip_spaces();
  return probe.at_line_end();
}

std::optional<ast::Ident> Cursor::identifier() {
  if (!is_ident_start(peek())) return std::nullopt;
  const std::uint32_t start = pos();
  const std::size_t end = text_.size();
  std::size_t i = pos_;
  while (i < end && is_ident_char(text_[i])) ++i;
  pos_ = i;
  return ast::Ident{text_.substr(start, pos_ - start), span_from(start)};
}

std::optional<ast::Ident> Cursor::path() {
  auto first = identifier();
  if (!first) return std::nullopt;
  const std::uint32_t start = first->span.start;
  while (peek() == '.') {
    ++pos_;
    identifier();
  }
  return ast::Ident{text_.substr(start, pos_ - start), span_from(start)};
}

std::string Cursor::describe_here() const {
  if (eof()) return "the end of the file";
  if (newline_length() > 0) return "the end of the line";
  std::size_t end = pos_ + 1;
  while (end < text_.size() && (static_cast<unsigned char>(text_[end]) & 0xC0) == 0x80) ++end;
  if (is_ident_char(text_[pos_])) {
    while (end < text_.size() && is_ident_char(text_[end])) ++end;
  }
  return backquoted(text_.substr(pos_, end - pos_));
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Four hex digits after `\u` at text[at]; -1 when they are not there.
int read_hex4(std::string_view text, std::size_t at) {
  if (at + 4 > text.size()) return -1;
  int value = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const int h = hex_value(text[at + k]);
    if (h < 0) return -1;
    value = value * 16 + h;
  }
  return value;
}

}  // namespace

bool parse_string(Cursor& c, std::string& value, std::string_view& raw) {
  const std::uint32_t start = c.pos();
  const std::string_view text = c.text();
  std::size_t i = start + 1;
  bool ok = true;
  value.clear();
  while (true) {
    if (i >= text.size() || static_cast<unsigned char>(text[i]) < 0x20) {
      c.seek(static_cast<std::uint32_t>(i));
      c.error(start, "this string is not closed: add the closing `\"` before the end of the line");
      return false;
    }
    const char ch = text[i];
    if (ch == '"') break;
    if (ch != '\\') {
      value += ch;
      ++i;
      continue;
    }
    const char e = i + 1 < text.size() ? text[i + 1] : '\0';
    switch (e) {
      case '"': value += '"'; break;
      case '\\': value += '\\'; break;
      case '/': value += '/'; break;
      case 'b': value += '\b'; break;
      case 'f': value += '\f'; break;
      case 'n': value += '\n'; break;
      case 'r': value += '\r'; break;
      case 't': value += '\t'; break;
      case 'u': {
        int cp = read_hex4(text, i + 2);
        std::size_t used = 6;
        if (cp >= 0xD800 && cp <= 0xDBFF && text.substr(i + 6, 2) == "\\u") {
          const int low = read_hex4(text, i + 8);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            used = 12;
          } else {
            cp = -1;
          }
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
          cp = -1;
        }
        if (cp < 0) {
          c.error(static_cast<std::uint32_t>(i),
                  "invalid unicode escape: write \\u followed by four hex digits (a surrogate pair for "
                  "characters beyond U+FFFF)");
          ok = false;
          i += 2;
          continue;
        }
        append_utf8(value, static_cast<std::uint32_t>(cp));
        i += used;
        continue;
      }
      default:
        if (e == '\0' || static_cast<unsigned char>(e) < 0x20) {
          ++i;  // the line ends after the backslash: reported as unclosed above
          continue;
        }
        c.error(static_cast<std::uint32_t>(i),
                "unknown escape sequence: a backslash in a string must be written `\\\\` (as in a Windows path); "
                "the escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX");
        ok = false;
        break;
    }
    i += 2;
  }
  c.seek(static_cast<std::uint32_t>(i + 1));
  raw = text.substr(start, i + 1 - start);
  return ok;
}

bool parse_expression(Cursor& c, ast::Expression& out) {
  const std::uint32_t start = c.pos();
  const char ch = c.peek();
  if (ch == '"') {
    out.kind = ast::Expression::Kind::string;
    const bool ok = parse_string(c, out.value, out.raw);
    out.span = c.span_from(start);
    return ok;
  }
  if (ch == '[') {
    out.kind = ast::Expression::Kind::array;
    c.advance();
    c.skip_spaces();
    if (c.peek() != ']') {
      while (true) {
        ast::Expression item;
        if (!parse_expression(c, item)) return false;
        out.items.push_back(std::move(item));
        c.skip_spaces();
        if (c.peek() == ',') {
          c.advance();
          c.skip_spaces();
          continue;
        }
        if (c.peek() == ']') break;
        c.error_here(c.at_line_end()
                         ? std::string("this list is not closed: add `]` (an attribute must fit on one line)")
                         : fmt::format("expected `,` or `]` in this list, found {}", c.describe_here()));
        return false;
      }
    }
    c.advance();
    out.span = c.span_from(start);
    out.raw = c.text().substr(start, out.span.end - start);
    return true;
  }
  if (ch == '{') {
    // `{ key: value, … }`: Prisma's object form of a partial index's where:.
    out.kind = ast::Expression::Kind::object;
    c.advance();
    c.skip_spaces();
    while (c.peek() != '}') {
      ast::Argument pair;
      const std::uint32_t pair_start = c.pos();
      auto key = c.identifier();
      c.skip_spaces();
      if (!key || c.peek() != ':') {
        c.error_here(fmt::format("expected `key: value` in this object, found {}", c.describe_here()));
        return false;
      }
      c.advance();
      c.skip_spaces();
      pair.name = *key;
      if (!parse_expression(c, pair.value)) return false;
      pair.span = c.span_from(pair_start);
      out.args.push_back(std::move(pair));
      c.skip_spaces();
      if (c.peek() == ',') {
        c.advance();
        c.skip_spaces();
      } else if (c.peek() != '}') {
        c.error_here(fmt::format("expected `,` or `}}` in this object, found {}", c.describe_here()));
        return false;
      }
    }
    c.advance();
    out.span = c.span_from(start);
    out.raw = c.text().substr(start, out.span.end - start);
    return true;
  }
  if (ch == '-' || (ch >= '0' && ch <= '9')) {
    std::size_t n = ch == '-' ? 1 : 0;
    auto digit = [&](std::size_t k) { return c.peek(k) >= '0' && c.peek(k) <= '9'; };
    if (digit(n)) {
      while (digit(n)) ++n;
      if (c.peek(n) == '.' && digit(n + 1)) {
        ++n;
        while (digit(n)) ++n;
      }
      // `1C` is a name, not a number: fall through to the path below.
      if (!is_ident_char(c.peek(n)) || ch == '-') {
        out.kind = ast::Expression::Kind::number;
        c.advance(n);
        out.span = c.span_from(start);
        out.raw = c.text().substr(start, n);
        return true;
      }
    }
  }
  if (auto name = c.path()) {
    out.raw = name->text;
    const std::uint32_t after = c.pos();
    c.skip_spaces();
    if (c.peek() == '(') {
      out.kind = ast::Expression::Kind::function;
      ast::ArgumentList args;
      if (!parse_arguments(c, args)) return false;
      out.args = std::move(args.args);
      out.span = c.span_from(start);
      if (args.trailing_comma) {
        c.error(args.trailing_comma->start, "remove the trailing comma: it is not allowed in function arguments");
      }
      return true;
    }
    c.seek(after);
    out.kind = ast::Expression::Kind::constant;
    out.span = name->span;
    return true;
  }
  c.error_here(c.at_line_end()
                   ? std::string("a value is missing at the end of the line: finish the value and close the brackets "
                                 "on this line (an attribute must fit on one line)")
                   : fmt::format("expected a value (a string, number, constant, function call or list), found {}",
                                 c.describe_here()));
  return false;
}

bool parse_arguments(Cursor& c, ast::ArgumentList& out) {
  const std::uint32_t start = c.pos();
  out.present = true;
  c.advance();  // (
  c.skip_spaces();
  if (c.peek() != ')') out.args.reserve(4);  // most take one to three: one allocation, no moves
  while (c.peek() != ')') {
    ast::Argument arg;
    const std::uint32_t arg_start = c.pos();
    if (auto name = c.identifier()) {
      c.skip_spaces();
      if (c.peek() == ':') {
        c.advance();
        c.skip_spaces();
        arg.name = *name;
        if (c.peek() == ',' || c.peek() == ')') arg.has_value = false;
      } else {
        c.seek(arg_start);
      }
    }
    if (arg.has_value && !parse_expression(c, arg.value)) return false;
    arg.span = c.span_from(arg_start);
    out.args.push_back(std::move(arg));
    c.skip_spaces();
    if (c.peek() == ',') {
      const std::uint32_t comma = c.pos();
      c.advance();
      c.skip_spaces();
      if (c.peek() == ')') out.trailing_comma = ast::Span{comma, comma + 1};
      continue;
    }
    if (c.peek() != ')') {
      c.error_here(c.at_line_end() ? std::string("the argument list is not closed: add `)` (an attribute must fit "
                                                 "on one line)")
                                   : fmt::format("expected `,` or `)` after an argument, found {}", c.describe_here()));
      return false;
    }
  }
  c.advance();
  out.span = c.span_from(start);
  return true;
}

bool parse_attribute(Cursor& c, ast::Attribute& out) {
  const std::uint32_t start = c.pos();
  c.advance();
  if (c.peek() == '@') {
    out.block = true;
    c.advance();
  }
  c.skip_spaces();
  auto name = c.path();
  if (!name) {
    c.error_here(
        fmt::format("expected an attribute name after `{}`, found {}", out.block ? "@@" : "@", c.describe_here()));
    return false;
  }
  out.name = *name;
  const std::uint32_t after = c.pos();
  c.skip_spaces();
  if (c.peek() == '(') {
    if (!parse_arguments(c, out.args)) return false;
  } else {
    c.seek(after);
  }
  out.span = c.span_from(start);
  return true;
}

}  // namespace detail
}  // namespace pgkit::schema
