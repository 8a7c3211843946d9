#include "catalog/sql_lex.hpp"

namespace pgkit::catalog::detail {
namespace {

bool identifier_char(char c) {
  auto u = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '$' ||
         u >= 0x80;
}

bool identifier_start(char c) { return identifier_char(c) && c != '$' && !(c >= '0' && c <= '9'); }

// The tag of a dollar quote opening at text[at] ("$$" → "", "$fn$" → "fn"), or nullopt.
std::optional<std::string_view> dollar_tag(std::string_view text, std::size_t at) {
  if (at >= text.size() || text[at] != '$') return std::nullopt;
  if (at > 0 && identifier_char(text[at - 1])) return std::nullopt;  // part of a name: a$b
  std::size_t i = at + 1;
  if (i < text.size() && text[i] != '$' && !identifier_start(text[i])) return std::nullopt;  // $1
  while (i < text.size() && text[i] != '$') {
    if (!identifier_char(text[i])) return std::nullopt;
    ++i;
  }
  if (i >= text.size()) return std::nullopt;
  return text.substr(at + 1, i - at - 1);
}

}  // namespace

bool quote_starts(std::string_view text, std::size_t at) {
  if (at >= text.size()) return false;
  char c = text[at];
  if (c == '\'' || c == '"') return true;
  if ((c == 'E' || c == 'e') && at + 1 < text.size() && text[at + 1] == '\'')
    return at == 0 || !identifier_char(text[at - 1]);
  return c == '$' && dollar_tag(text, at).has_value();
}

std::size_t skip_quoted(std::string_view text, std::size_t at) {
  char c = text[at];
  if (c == '$') {
    auto tag = dollar_tag(text, at);
    if (!tag) return std::string_view::npos;
    std::string closing = "$" + std::string(*tag) + "$";
    auto end = text.find(closing, at + closing.size());
    return end == std::string_view::npos ? end : end + closing.size();
  }
  bool escapes = false;
  if (c == 'E' || c == 'e') {
    escapes = true;
    c = '\'';
    ++at;
  }
  for (std::size_t i = at + 1; i < text.size(); ++i) {
    if (escapes && text[i] == '\\') {
      ++i;
      continue;
    }
    if (text[i] != c) continue;
    if (i + 1 < text.size() && text[i + 1] == c) {
      ++i;
      continue;
    }
    return i + 1;
  }
  return std::string_view::npos;
}

namespace {

// The first i from `from` where stop(i, depth) holds, depth being how many brackets ( [ are
// open before text[i]. Quoted text ('…', E'…', "…", $tag$…$tag$) is skipped whole, so its
// brackets do not count. npos when stop never holds or a quote is not closed.
template <class Stop>
std::size_t scan_outside_quotes(std::string_view text, std::size_t from, Stop stop) {
  int depth = 0;
  for (std::size_t i = from; i < text.size();) {
    if (stop(i, depth)) return i;
    if (quote_starts(text, i)) {
      i = skip_quoted(text, i);
      if (i == std::string_view::npos) return i;
      continue;
    }
    char c = text[i];
    if (c == '(' || c == '[')
      ++depth;
    else if ((c == ')' || c == ']') && depth > 0)
      --depth;
    ++i;
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t matching_close(std::string_view text, std::size_t open) {
  return scan_outside_quotes(
      text, open, [&](std::size_t i, int depth) { return depth == 1 && (text[i] == ')' || text[i] == ']'); });
}

std::size_t find_top_level(std::string_view text, std::string_view needle, std::size_t from) {
  return scan_outside_quotes(
      text, from, [&](std::size_t i, int depth) { return depth == 0 && text.substr(i, needle.size()) == needle; });
}

std::vector<std::string_view> split_top_level(std::string_view text, std::string_view sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    auto at = find_top_level(text, sep, start);
    if (at == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, at - start));
    start = at + sep.size();
  }
}

std::vector<Word> top_level_words(std::string_view text) {
  std::vector<Word> words;
  std::size_t start = 0;
  for (auto part : split_top_level(text, " ")) {
    if (!part.empty()) words.push_back({part, start});
    start += part.size() + 1;
  }
  return words;
}

Identifier read_identifier(std::string_view text) {
  Identifier id;
  if (text.empty()) return id;
  if (text.front() == '"') {
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (text[i] != '"') {
        id.name += text[i];
        continue;
      }
      if (i + 1 < text.size() && text[i + 1] == '"') {
        id.name += '"';
        ++i;
        continue;
      }
      id.length = i + 1;
      id.quoted = true;
      return id;
    }
    return Identifier{};  // unterminated
  }
  if (!identifier_start(text.front())) return id;
  std::size_t i = 0;
  while (i < text.size() && identifier_char(text[i])) ++i;
  id.name = std::string(text.substr(0, i));
  id.length = i;
  return id;
}

QualifiedName read_qualified(std::string_view text) {
  QualifiedName q;
  auto first = read_identifier(text);
  if (first.length == 0) return q;
  q.name = std::move(first.name);
  q.length = first.length;
  if (q.length < text.size() && text[q.length] == '.') {
    auto second = read_identifier(text.substr(q.length + 1));
    if (second.length > 0) {
      q.schema = std::move(q.name);
      q.name = std::move(second.name);
      q.length += 1 + second.length;
    }
  }
  return q;
}

std::string quote_literal(std::string_view text) {
  std::string out;
  if (text.find('\\') != std::string_view::npos) out += 'E';
  out += '\'';
  for (char c : text) {
    if (c == '\'' || c == '\\') out += c;
    out += c;
  }
  out += '\'';
  return out;
}

std::optional<std::string> unquote_literal(std::string_view text) {
  bool escapes = !text.empty() && (text.front() == 'E' || text.front() == 'e');
  if (escapes) text.remove_prefix(1);
  if (text.size() < 2 || text.front() != '\'' || text.back() != '\'') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (c == '\'') {
      if (text[i + 1] != '\'' || i + 2 >= text.size()) return std::nullopt;  // a quote ends it early
      out += '\'';
      ++i;
    } else if (escapes && c == '\\') {
      if (i + 2 >= text.size()) return std::nullopt;
      char e = text[++i];
      switch (e) {
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        default: out += e;  // \\ and \' (octal and unicode escapes are never printed by the server)
      }
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view trim(std::string_view text) {
  auto first = text.find_first_not_of(' ');
  if (first == std::string_view::npos) return {};
  auto last = text.find_last_not_of(' ');
  return text.substr(first, last - first + 1);
}

}  // namespace pgkit::catalog::detail
