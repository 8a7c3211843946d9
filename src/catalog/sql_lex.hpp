#pragma once
// Reading the SQL text the server deparses (format_type, pg_get_expr, pg_get_indexdef,
// pg_get_constraintdef, pg_get_functiondef): quoted runs, brackets, identifiers and literals.
// What the server prints is regular — identifiers quoted only where needed, keywords upper
// case, one space between words — so a small lexer reads it exactly.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgkit::catalog::detail {

/// Where a quoted run starting at text[at] ends (one past its closing quote): '…' and E'…'
/// with '' inside, "…" with "" inside, $tag$…$tag$. npos when it does not end in text.
/// at must be at the opening quote (or the E of E'…', or the first $).
std::size_t skip_quoted(std::string_view text, std::size_t at);

/// Whether a quoted run starts at text[at] (a quote, E', or a dollar-quote opening).
bool quote_starts(std::string_view text, std::size_t at);

/// The bracket closing the '(' or '[' at text[open], quotes and nesting respected; npos when
/// there is none.
std::size_t matching_close(std::string_view text, std::size_t open);

/// The first occurrence of needle at or after from that is outside quotes and brackets; npos
/// when there is none.
std::size_t find_top_level(std::string_view text, std::string_view needle, std::size_t from = 0);

/// text cut at every top-level sep (outside quotes and brackets).
std::vector<std::string_view> split_top_level(std::string_view text, std::string_view sep);

/// A word of text: its text and where it starts.
struct Word {
  std::string_view text;
  std::size_t at = 0;
};
/// text's top-level words: runs separated by spaces outside quotes and brackets
/// ("timestamp(3)", "'a b'::text", "(x + 1)" are one word each).
std::vector<Word> top_level_words(std::string_view text);

/// An identifier at the start of text, quoted ("Odd ""Name""") or bare (letters, digits, _, $,
/// bytes ≥ 0x80): its unquoted name and the length it took; length 0 when there is none.
struct Identifier {
  std::string name;
  std::size_t length = 0;
  bool quoted = false;
};
Identifier read_identifier(std::string_view text);

/// "schema.name" or "name" at the start of text, each part an identifier.
struct QualifiedName {
  std::string schema;  ///< "" when unqualified
  std::string name;
  std::size_t length = 0;  ///< 0 when there is no name
};
QualifiedName read_qualified(std::string_view text);

/// PostgreSQL's quote_literal(): 'it''s', and E'a\\b' when there is a backslash.
std::string quote_literal(std::string_view text);

/// The value of a string literal that is the whole of text ('…' or E'…', as the server and
/// quote_literal write them); nullopt when text is not one.
std::optional<std::string> unquote_literal(std::string_view text);

/// text without leading and trailing spaces.
std::string_view trim(std::string_view text);

}  // namespace pgkit::catalog::detail
