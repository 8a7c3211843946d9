#pragma once
// Private to src/schema: the syntax tree of one `.prisma` file, as Prisma's grammar
// (psl/schema-ast/src/parser/datamodel.pest) defines it. Every name is a view into the file's
// text, so the text must outlive the tree. Blocks keep their lines in source order (entries),
// comments and blank lines included, because the formatter lays them out again; the resolver
// only reads the typed vectors.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgkit::schema::ast {

/// Byte offsets [start, end) within one file.
struct Span {
  std::uint32_t start = 0;
  std::uint32_t end = 0;
};

struct Ident {
  std::string_view text;
  Span span;
};

struct Argument;

/// A value: "string", 12.5, Constant (or a dotted path), fn(args), [items] or { key: value }.
struct Expression {
  enum class Kind { string, number, constant, function, array, object };
  Kind kind = Kind::constant;
  std::string_view raw;           ///< source text; for a function, its name
  std::string value;              ///< a string's unescaped content (other kinds: use raw)
  std::vector<Argument> args;     ///< function arguments; an object's `key: value` pairs
  std::vector<Expression> items;  ///< array elements
  Span span;

  bool is(Kind k) const { return kind == k; }
  /// What the value is, for messages: "a string", "a number", "a constant", …
  const char* describe() const;
};

/// One argument of an attribute or function: `name: value`, `value`, or `name:` (no value).
struct Argument {
  Ident name;  ///< empty text: unnamed
  Expression value;
  bool has_value = true;
  Span span;
};

struct ArgumentList {
  bool present = false;  ///< parentheses were written
  std::vector<Argument> args;
  std::optional<Span> trailing_comma;
  Span span;
};

/// `@id`, `@db.VarChar(255)`, `@@index([a, b])`.
struct Attribute {
  Ident name;          ///< without the @ or @@: "id", "db.VarChar", "index"
  bool block = false;  ///< written with @@
  ArgumentList args;
  Span span;  ///< from the first @ to the closing parenthesis
};

/// A `//`, `///` or `/* … */` comment, its text as written.
struct Comment {
  enum class Kind { line, doc, block };
  Kind kind = Kind::line;
  std::string_view text;
  Span span;
  /// A `/* … */` that continues a run of comment lines: the spaces before it on its line.
  /// Prisma's grammar counts them as part of the comment and then cuts two bytes off its
  /// start instead of `/*` — the formatter and doc comments reproduce that.
  std::uint32_t leading = 0;

  /// The inside of a `/* … */` as Prisma reads it (see leading).
  std::string_view block_inner(std::string_view file_text) const {
    const std::uint32_t from = span.start - leading + 2;
    return file_text.substr(from, span.end - 2 - from);
  }
};

enum class Arity { required, optional, list, optional_list };

struct FieldType {
  Ident name;  ///< "String", "User"; "Unsupported" for Unsupported("…")
  bool unsupported = false;
  std::string_view unsupported_raw;  ///< the quoted source text of Unsupported's argument
  std::string unsupported_text;      ///< its unescaped value
  Arity arity = Arity::required;
  bool legacy_list = false;      ///< Prisma 1 `[Type]`
  bool legacy_required = false;  ///< Prisma 1 `Type!`
  Span base;                     ///< the type without ? or [] (`Unsupported("x")` whole)
  Span span;                     ///< the type with its ? or []
};

struct Field {
  Ident name;
  std::optional<FieldType> type;
  std::vector<Attribute> attributes;
  std::string doc;
  std::optional<Comment> trailing;
  bool broken = false;  ///< its line had a syntax error: what was read is kept
  Span span;
};

struct EnumValue {
  Ident name;
  std::vector<Attribute> attributes;
  std::string doc;
  std::optional<Comment> trailing;
  Span span;
};

/// `key = value` in a datasource or generator.
struct Property {
  Ident name;
  std::optional<Expression> value;
  std::optional<Comment> trailing;
  Span span;
};

/// One line-level item of a block or of the file, in source order.
struct Entry {
  enum class Kind { field, enum_value, property, attribute, comment, blank, block };
  Kind kind = Kind::blank;
  std::uint32_t index = 0;  ///< into the vector of that kind; unused for blank
};

struct Block {
  enum class Kind { model, view, type, enumeration, datasource, generator };
  Kind kind = Kind::model;
  Ident keyword;
  Ident name;
  std::vector<Field> fields;
  std::vector<EnumValue> values;
  std::vector<Property> properties;
  std::vector<Attribute> attributes;  ///< @@ attributes (and trailing comments in attribute_trailing)
  std::vector<std::optional<Comment>> attribute_trailing;
  std::vector<Comment> comments;
  std::vector<Entry> entries;
  std::string doc;
  bool unclosed = false;  ///< no `}` (reported): its contents may be cut short
  Span span;              ///< keyword to closing brace
};

struct File {
  std::vector<Block> blocks;
  std::vector<Comment> comments;  ///< top-level comments
  std::vector<Entry> entries;     ///< blocks, comments and blank lines in order
};

const char* to_string(Block::Kind kind);

}  // namespace pgkit::schema::ast
