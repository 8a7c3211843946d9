// classify_default(): a default's expression read as Prisma's PostgreSQL describer reads it
// (sql-schema-describer, postgres/default.rs): a small tokenizer, then one reader per column
// type family; whatever a reader does not take whole is an expression (dbgenerated).
#include <charconv>
#include <cstdint>
#include <functional>
#include <string_view>

#include "catalog/type_text.hpp"

namespace pgkit::catalog::detail {
namespace {

enum class Tok {
  comma,
  open,
  close,
  open_square,
  close_square,
  open_curly,
  close_curly,
  minus,
  dot,
  cast,
  quoted_identifier,
  string,
  escape_string,
  digits,
  identifier,
  unknown
};

struct Token {
  Tok kind;
  std::string_view text;
};

bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_digit(char c) { return c >= '0' && c <= '9'; }
bool word_char(char c) { return ascii_alpha(c) || ascii_digit(c) || c == '_' || c == '-'; }

// The position just past the literal quoted with `quote` that opens at text[open] (a doubled
// quote stands for one; with escapes, a backslash escapes the next byte), or npos when it never
// closes.
std::size_t past_quoted(std::string_view text, std::size_t open, char quote, bool escapes) {
  std::size_t i = open + 1;
  while (i < text.size()) {
    if (escapes && text[i] == '\\') {
      i += 2;
    } else if (text[i] != quote) {
      ++i;
    } else if (i + 1 < text.size() && text[i + 1] == quote) {
      i += 2;
    } else {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Tokens of text without the white space; an unterminated literal or a lone ':' ends the list
// with an `unknown` token (what follows cannot be read).
std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> out;
  std::size_t i = 0;
  auto push = [&](Tok kind, std::size_t start) { out.push_back({kind, text.substr(start, i - start)}); };
  while (i < text.size()) {
    std::size_t start = i;
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      ++i;
      continue;
    }
    if (c == '\'' || ((c == 'E' || c == 'e') && i + 1 < text.size() && text[i + 1] == '\'')) {
      const bool escapes = c != '\'';
      i = past_quoted(text, i + (escapes ? 1 : 0), '\'', escapes);
      if (i == std::string_view::npos) {
        i = text.size();
        push(Tok::unknown, start);
        return out;
      }
      push(escapes ? Tok::escape_string : Tok::string, start);
      continue;
    }
    if (c == '"') {
      i = past_quoted(text, i, '"', false);
      if (i == std::string_view::npos) {
        i = text.size();
        push(Tok::unknown, start);
        return out;
      }
      push(Tok::quoted_identifier, start);
      continue;
    }
    if (c == ':') {
      if (i + 1 < text.size() && text[i + 1] == ':') {
        i += 2;
        push(Tok::cast, start);
        continue;
      }
      ++i;
      push(Tok::unknown, start);
      return out;
    }
    if (ascii_digit(c)) {
      while (i < text.size() && ascii_digit(text[i])) ++i;
      push(Tok::digits, start);
      continue;
    }
    if (ascii_alpha(c)) {
      while (i < text.size() && word_char(text[i])) ++i;
      push(Tok::identifier, start);
      continue;
    }
    ++i;
    switch (c) {
      case ',': push(Tok::comma, start); break;
      case '(': push(Tok::open, start); break;
      case ')': push(Tok::close, start); break;
      case '[': push(Tok::open_square, start); break;
      case ']': push(Tok::close_square, start); break;
      case '{': push(Tok::open_curly, start); break;
      case '}': push(Tok::close_curly, start); break;
      case '-': push(Tok::minus, start); break;
      case '.': push(Tok::dot, start); break;
      default: push(Tok::unknown, start);
    }
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::optional<std::int64_t> to_int64(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

// A decimal number as Prisma's BigDecimal reads one: [+-]digits[.digits][e[+-]digits].
bool is_decimal(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && ascii_digit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && ascii_digit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exponent = 0;
    while (i < s.size() && ascii_digit(s[i])) ++i, ++exponent;
    if (exponent == 0) return false;
  }
  return i == s.size();
}

struct Parser {
  std::vector<Token> tokens;
  std::size_t at = 0;

  std::optional<Tok> peek() const { return at < tokens.size() ? std::optional<Tok>(tokens[at].kind) : std::nullopt; }
  std::optional<Token> next() { return at < tokens.size() ? std::optional<Token>(tokens[at++]) : std::nullopt; }
  std::optional<std::string_view> expect(Tok kind) {
    if (peek() != kind) return std::nullopt;
    return tokens[at++].text;
  }
  bool finished() const { return at >= tokens.size(); }
};

// "::type" after a literal: names, dots, a modifier list, one "[]". False when it is garbled.
bool eat_cast(Parser& p) {
  if (!p.expect(Tok::cast)) return true;
  while (p.peek() == Tok::quoted_identifier || p.peek() == Tok::identifier || p.peek() == Tok::dot) p.next();
  if (p.peek() == Tok::open) {
    while (true) {
      auto t = p.next();
      if (!t) return false;
      if (t->kind == Tok::close) break;
    }
  }
  if (p.peek() == Tok::open_square) return p.expect(Tok::open_square) && p.expect(Tok::close_square);
  return true;
}

std::string unquote_identifier(std::string_view quoted) {
  std::string out;
  for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
    out += quoted[i];
    if (quoted[i] == '"') ++i;  // "" inside
  }
  return out;
}

// A string literal's value, and the cast after it.
std::optional<std::string> string_value(Parser& p) {
  std::string out;
  if (auto s = p.expect(Tok::string)) {
    for (std::size_t i = 1; i + 1 < s->size(); ++i) {
      out += (*s)[i];
      if ((*s)[i] == '\'') ++i;  // '' inside
    }
  } else if (auto e = p.expect(Tok::escape_string)) {
    for (std::size_t i = 2; i + 1 < e->size(); ++i) {
      char c = (*e)[i];
      if (c == '\'') {
        out += c;
        ++i;
        continue;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      char n = (*e)[++i];
      out += n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : n == 'b' ? '\b' : n == 'f' ? '\f' : n;
    }
  } else {
    return std::nullopt;
  }
  if (!eat_cast(p)) return std::nullopt;
  return out;
}

Default value_of(std::string v) { return {.kind = DefaultKind::value, .value = std::move(v)}; }

using Reader = std::function<std::optional<Default>(Parser&)>;

std::optional<Default> read_string(Parser& p) {
  auto s = string_value(p);
  return s ? std::optional<Default>(value_of(std::move(*s))) : std::nullopt;
}

std::optional<Default> read_int(Parser& p) {
  switch (p.peek().value_or(Tok::unknown)) {
    case Tok::digits: {
      auto v = to_int64(*p.expect(Tok::digits));
      return v ? std::optional<Default>(value_of(std::to_string(*v))) : std::nullopt;
    }
    case Tok::minus: {
      p.next();
      auto digits = p.expect(Tok::digits);
      auto v = digits ? to_int64(*digits) : std::nullopt;
      return v ? std::optional<Default>(value_of(std::to_string(-*v))) : std::nullopt;
    }
    case Tok::string: {
      auto s = string_value(p);
      auto v = s ? to_int64(*s) : std::nullopt;
      return v ? std::optional<Default>(value_of(std::to_string(*v))) : std::nullopt;
    }
    case Tok::identifier: {
      if (!iequals(*p.expect(Tok::identifier), "nextval") || !p.expect(Tok::open)) return std::nullopt;
      p.expect(Tok::open);  // nextval(('s'::text)::regclass)
      auto name = string_value(p);
      if (!name) return std::nullopt;
      // 'schema.name' or 'name', each part quoted as needed: the sequence is the last part.
      Parser inner{tokenize(*name)};
      std::string sequence;
      for (bool first = true;; first = false) {
        auto t = inner.next();
        if (!t || (t->kind != Tok::identifier && t->kind != Tok::quoted_identifier)) return std::nullopt;
        sequence = t->kind == Tok::identifier ? std::string(t->text) : unquote_identifier(t->text);
        if (!first || !inner.expect(Tok::dot)) break;
      }
      while (true) {
        auto t = p.next();
        if (!t) return std::nullopt;
        if (t->kind == Tok::close) break;
      }
      if (!eat_cast(p)) return std::nullopt;
      p.expect(Tok::close);
      if (!eat_cast(p)) return std::nullopt;
      return Default{.kind = DefaultKind::sequence, .value = sequence};
    }
    default: return std::nullopt;
  }
}

std::optional<Default> read_decimal(Parser& p) {
  bool parenthesized = false;
  if (p.peek() == Tok::open) {
    p.next();
    parenthesized = true;
  } else if (p.peek() == Tok::string || p.peek() == Tok::escape_string) {
    auto s = string_value(p);  // '1.5'::double precision: the number inside the quotes
    if (!s) return std::nullopt;
    Parser inner{tokenize(*s)};
    auto v = read_decimal(inner);
    return v && inner.finished() ? v : std::nullopt;
  }
  std::string text;
  if (p.expect(Tok::minus)) text = "-";
  auto integer = p.expect(Tok::digits);
  if (!integer) return std::nullopt;
  text += *integer;
  if (p.expect(Tok::dot)) {
    auto fraction = p.expect(Tok::digits);
    if (!fraction) return std::nullopt;
    (text += '.') += *fraction;
  }
  if (parenthesized && !p.expect(Tok::close)) return std::nullopt;
  if (!eat_cast(p)) return std::nullopt;
  return value_of(std::move(text));
}

std::optional<Default> read_bool(Parser& p) {
  auto word = p.expect(Tok::identifier);
  if (!word) return std::nullopt;
  if (iequals(*word, "t") || iequals(*word, "true")) return value_of("true");
  if (iequals(*word, "f") || iequals(*word, "false")) return value_of("false");
  return std::nullopt;
}

std::optional<Default> read_datetime(Parser& p) {
  auto name = p.expect(Tok::identifier);
  if (!name) return std::nullopt;
  if (p.peek() == Tok::open && !(p.expect(Tok::open) && p.expect(Tok::close))) return std::nullopt;
  if (!eat_cast(p)) return std::nullopt;
  if (iequals(*name, "now") || iequals(*name, "current_timestamp")) return Default{.kind = DefaultKind::now};
  return std::nullopt;
}

std::optional<Default> read_enum(Parser& p) {
  if (auto word = p.expect(Tok::identifier)) {
    if (!eat_cast(p)) return std::nullopt;
    return value_of(std::string(*word));
  }
  return read_string(p);
}

std::optional<Default> read_binary(Parser& p) {
  auto s = string_value(p);
  if (!s || !s->starts_with("\\x") || s->size() % 2 != 0) return std::nullopt;
  for (std::size_t i = 2; i < s->size(); ++i) {
    char c = (*s)[i];
    if (!ascii_digit(c) && !((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return std::nullopt;
  }
  return value_of(std::move(*s));
}

Reader reader_for(ValueFamily family) {
  switch (family) {
    case ValueFamily::string:
    case ValueFamily::json: return read_string;
    case ValueFamily::integer: return read_int;
    case ValueFamily::decimal: return read_decimal;
    case ValueFamily::boolean: return read_bool;
    case ValueFamily::datetime: return read_datetime;
    case ValueFamily::binary: return read_binary;
    case ValueFamily::enumeration: return read_enum;
    case ValueFamily::other: break;
  }
  return [](Parser&) { return std::optional<Default>(); };
}

// An element of an array literal ('{a,b}') as a value of family (parse_literal in Prisma).
std::optional<std::string> element_value(const std::string& s, ValueFamily family) {
  switch (family) {
    case ValueFamily::integer: {
      auto v = to_int64(s);
      return v ? std::optional<std::string>(std::to_string(*v)) : std::nullopt;
    }
    case ValueFamily::decimal: return is_decimal(s) ? std::optional<std::string>(s) : std::nullopt;
    case ValueFamily::string:
    case ValueFamily::json: return s;
    case ValueFamily::boolean:
      if (iequals(s, "t") || iequals(s, "true")) return "true";
      if (iequals(s, "f") || iequals(s, "false")) return "false";
      return std::nullopt;
    case ValueFamily::enumeration: {
      Parser p{tokenize(s)};
      auto quoted = string_value(p);
      return quoted ? *quoted : s;
    }
    default: return std::nullopt;
  }
}

// '{a,b}'s elements (c_style_scalar_lists.rs in Prisma).
std::optional<std::vector<std::string>> array_literal(const std::string& text, ValueFamily family) {
  Parser p{tokenize(text)};
  if (!p.expect(Tok::open_curly)) return std::nullopt;
  std::vector<std::string> values;
  while (true) {
    auto kind = p.peek();
    if (!kind) return std::nullopt;
    if (*kind == Tok::close_curly) break;
    std::optional<std::string> v;
    if (*kind == Tok::identifier) {
      v = element_value(std::string(*p.expect(Tok::identifier)), family);
    } else if (*kind == Tok::quoted_identifier) {  // "a b": backslash escapes inside
      auto q = *p.expect(Tok::quoted_identifier);
      std::string unquoted;
      for (std::size_t i = 1; i + 1 < q.size(); ++i) {
        if (q[i] == '\\' && i + 2 < q.size()) ++i;
        unquoted += q[i];
      }
      v = element_value(unquoted, family);
    } else if (*kind == Tok::string) {
      auto s = string_value(p);
      if (s) v = element_value(*s, family);
    } else if (*kind == Tok::minus || *kind == Tok::digits) {
      if (family != ValueFamily::integer && family != ValueFamily::decimal) return std::nullopt;
      auto d = family == ValueFamily::integer ? read_int(p) : read_decimal(p);
      if (d) v = d->value;
    }
    if (!v) return std::nullopt;
    values.push_back(std::move(*v));
    if (p.expect(Tok::comma)) continue;
    if (p.peek() == Tok::close_curly) break;
    return std::nullopt;
  }
  return values;
}

// ARRAY[…] with literal elements, optionally in parentheses.
std::optional<std::vector<std::string>> array_constructor(Parser& p, ValueFamily family) {
  auto read = reader_for(family);
  p.expect(Tok::open);
  auto word = p.expect(Tok::identifier);
  if (!word || !iequals(*word, "array") || !p.expect(Tok::open_square)) return std::nullopt;
  std::vector<std::string> values;
  while (true) {
    auto kind = p.peek();
    if (!kind) return std::nullopt;
    if (*kind == Tok::close_square) {
      p.next();
      break;
    }
    auto d = read(p);
    if (!d || d->kind != DefaultKind::value) return std::nullopt;
    values.push_back(std::move(d->value));
    auto t = p.next();
    if (!t) return std::nullopt;
    if (t->kind == Tok::close_square) break;
    if (t->kind != Tok::comma) return std::nullopt;
  }
  return values;
}

std::optional<Default> read_list(Parser& p, ValueFamily family) {
  std::optional<std::vector<std::string>> values;
  if (p.peek() == Tok::string || p.peek() == Tok::escape_string) {
    if (auto s = string_value(p)) values = array_literal(*s, family);
  } else if (p.peek() == Tok::identifier || p.peek() == Tok::open) {
    values = array_constructor(p, family);
    if (values) eat_cast(p);
  }
  if (!values) return std::nullopt;
  std::string text = "{";
  for (std::size_t i = 0; i < values->size(); ++i) (text += i ? "," : "") += array_element((*values)[i]);
  return value_of(text + "}");
}

}  // namespace

std::string sql_literal(const std::string& value) {
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string array_element(const std::string& v) {
  bool quote = v.empty() || iequals(v, "NULL");
  for (char c : v)
    if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
        c == '\v' || c == '\f')
      quote = true;
  if (!quote) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

ValueFamily value_family(const Type& type, bool is_enum) {
  if (is_enum) return ValueFamily::enumeration;
  if (type.name == "citext") return ValueFamily::string;  // whichever schema the extension is in
  if (!type.builtin()) return ValueFamily::other;
  const std::string& n = type.name;
  if (n == "int2" || n == "int4" || n == "int8" || n == "oid") return ValueFamily::integer;
  if (n == "float4" || n == "float8" || n == "numeric" || n == "money") return ValueFamily::decimal;
  if (n == "bool") return ValueFamily::boolean;
  if (n == "text" || n == "varchar" || n == "bpchar" || n == "char" || n == "xml" || n == "bit" || n == "varbit" ||
      n == "inet")
    return ValueFamily::string;
  if (n == "date" || n == "time" || n == "timetz" || n == "timestamp" || n == "timestamptz")
    return ValueFamily::datetime;
  if (n == "bytea") return ValueFamily::binary;
  if (n == "json" || n == "jsonb") return ValueFamily::json;
  return ValueFamily::other;
}

std::optional<Default> classify_default(const std::string& expression, const Type& type, bool is_enum) {
  auto first = expression.find_first_not_of(" \t\n\r");
  if (first != std::string::npos && expression.compare(first, 4, "NULL") == 0) return std::nullopt;
  auto family = value_family(type, is_enum);
  Parser p{tokenize(expression)};
  std::optional<Default> found;
  if (type.dimensions > 0) {
    found = read_list(p, family);
  } else {
    found = reader_for(family)(p);
    if (found && !p.finished()) found.reset();
  }
  Default d = found.value_or(Default{.kind = DefaultKind::expression});
  d.expression = expression;
  return d;
}

}  // namespace pgkit::catalog::detail
