#pragma once
// Private to src/schema/parse*.cpp: a position in one file's text and the character classes of
// Prisma's grammar. Whitespace is spaces, tabs and the other Unicode space separators; a line
// ends at \n, \r\n or \r; an identifier starts with an ASCII letter or digit and goes on with
// letters, digits, `_` and `-` (the grammar's; names are checked further by the resolver).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "schema/ast.hpp"
#include "schema/problems.hpp"

namespace pgkit::schema::detail {

// Character classes by table: the parser asks for every byte of every name.
inline constexpr std::array<std::uint8_t, 256> kCharClass = [] {
  std::array<std::uint8_t, 256> t{};
  for (int c = 'a'; c <= 'z'; ++c) t[c] = 3;
  for (int c = 'A'; c <= 'Z'; ++c) t[c] = 3;
  for (int c = '0'; c <= '9'; ++c) t[c] = 3;
  t['_'] = 2;
  t['-'] = 2;
  return t;
}();
inline bool is_ident_start(char c) { return kCharClass[static_cast<unsigned char>(c)] == 3; }
inline bool is_ident_char(char c) { return kCharClass[static_cast<unsigned char>(c)] != 0; }

class Cursor {
 public:
  Cursor(std::string_view text, std::uint32_t file, Problems& problems)
      : text_(text), file_(file), problems_(problems) {}

  std::string_view text() const { return text_; }
  std::uint32_t file() const { return file_; }
  std::uint32_t pos() const { return static_cast<std::uint32_t>(pos_); }
  void seek(std::uint32_t pos) { pos_ = pos; }
  bool eof() const { return pos_ >= text_.size(); }
  char peek(std::size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  bool starts_with(std::string_view s) const { return text_.substr(pos_, s.size()) == s; }
  void advance(std::size_t n = 1) { pos_ += n; }

  /// Bytes of the space separator at the cursor (0 when there is none).
  std::size_t space_length() const;
  void skip_spaces() {
    while (std::size_t n = space_length()) pos_ += n;
  }
  /// Bytes of the line end at the cursor: 1 for \n or \r, 2 for \r\n, 0 when not at one.
  std::size_t newline_length() const {
    if (peek() == '\n') return 1;
    if (peek() == '\r') return peek(1) == '\n' ? 2 : 1;
    return 0;
  }
  bool at_line_end() const { return eof() || newline_length() > 0; }
  /// Past the end of the current line (its line break included).
  void next_line() {
    while (!eof() && newline_length() == 0) ++pos_;
    pos_ += newline_length();
  }
  /// True when only spaces remain before the end of the line.
  bool rest_of_line_blank() const;

  /// An identifier at the cursor, or nullopt (cursor unmoved).
  std::optional<ast::Ident> identifier();
  /// identifier ("." identifier?)*: `db.VarChar`, `Desc`.
  std::optional<ast::Ident> path();

  ast::Span span_from(std::uint32_t start) const { return {start, pos()}; }
  /// The character at the cursor as written, for messages ("end of line" at a line end).
  std::string describe_here() const;

  void error(std::uint32_t offset, std::string message) { problems_.error(file_, offset, std::move(message)); }
  void error_here(std::string message) { error(pos(), std::move(message)); }

 private:
  std::string_view text_;
  std::uint32_t file_;
  Problems& problems_;
  std::size_t pos_ = 0;
};

// Expressions and attributes (parse_expression.cpp). Each returns false after reporting an
// error at the point where the text stops making sense; the caller then skips the line.
bool parse_expression(Cursor& c, ast::Expression& out);
bool parse_arguments(Cursor& c, ast::ArgumentList& out);
/// At `@` or `@@`.
bool parse_attribute(Cursor& c, ast::Attribute& out);
/// At `"`: the unescaped value; raw gets the quoted source text.
bool parse_string(Cursor& c, std::string& value, std::string_view& raw);

// Lines of a block (parse_lines.cpp). Each moves the cursor past its line.
bool at_comment(const Cursor& c);
/// At `//` or `/*`: the comment, up to the end of its line (or its `*/`).
std::optional<ast::Comment> read_comment(Cursor& c);
/// What a line declares, for messages built only when there is an error: "field `name`".
struct LineOwner {
  std::string_view kind;
  std::string_view name;
  std::string_view hint;  ///< appended after the name in "unexpected … after" messages
  std::string text() const { return std::string(kind) + " " + backquoted(name); }
};
/// An optional trailing comment, then the end of the line; false (and an error) otherwise.
bool end_of_line(Cursor& c, std::optional<ast::Comment>& trailing, const LineOwner& owner);
void field_line(Cursor& c, ast::Block& b, std::string doc);
void enum_value_line(Cursor& c, ast::Block& b, std::string doc);
void property_line(Cursor& c, ast::Block& b);
void block_attribute_line(Cursor& c, ast::Block& b);
bool parse_field_type(Cursor& c, ast::FieldType& t);
/// The doc text of a comment: `/// text` → "text", `/* text */` → "text".
std::string_view doc_text(const ast::Comment& comment, std::string_view file_text);
void append_doc(std::string& doc, std::string_view line);

}  // namespace pgkit::schema::detail
