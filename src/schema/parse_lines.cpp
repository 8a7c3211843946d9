// The lines of a block, one function each: a field (`name Type @attributes // comment`), an
// enum value, a `key = value` property and a block attribute, plus comments and the end of a
// line. Each reports what it expected where the line stops making sense and moves the cursor
// past the line; what was read is kept (a field is marked broken) so later checks can go on.
#include <fmt/format.h>

#include "schema/cursor.hpp"

namespace pgkit::schema::detail {

bool at_comment(const Cursor& c) { return c.starts_with("//") || c.starts_with("/*"); }

// The doc text of a comment: `/// text` → "text"; `/* text */` → "text".
std::string_view doc_text(const ast::Comment& comment, std::string_view file_text) {
  std::string_view t = comment.text;
  if (comment.kind == ast::Comment::Kind::block) {
    t = comment.block_inner(file_text);
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t' || t.front() == '\n' || t.front() == '\r')) {
      t.remove_prefix(1);
    }
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r')) {
      t.remove_suffix(1);
    }
    return t;
  }
  t.remove_prefix(3);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return t;
}

void append_doc(std::string& doc, std::string_view line) {
  if (!doc.empty()) doc += '\n';
  doc += line;
}

// At `//` or `/*`: one comment, up to the end of its line (or its `*/`).
std::optional<ast::Comment> read_comment(Cursor& c) {
  const std::uint32_t start = c.pos();
  ast::Comment out;
  if (c.starts_with("/*")) {
    const auto close = c.text().find("*/", start + 2);
    if (close == std::string_view::npos) {
      c.error(start, "this comment is not closed: add `*/`");
      c.seek(static_cast<std::uint32_t>(c.text().size()));
      return std::nullopt;
    }
    c.seek(static_cast<std::uint32_t>(close + 2));
    out.kind = ast::Comment::Kind::block;
  } else {
    while (!c.at_line_end()) c.advance();
    out.kind = c.text().substr(start, 3) == "///" ? ast::Comment::Kind::doc : ast::Comment::Kind::line;
  }
  out.span = c.span_from(start);
  out.text = c.text().substr(start, out.span.end - start);
  return out;
}

// Optional trailing comment, then the end of the line. False (and an error) when something
// else is there.
bool end_of_line(Cursor& c, std::optional<ast::Comment>& trailing, const LineOwner& owner) {
  c.skip_spaces();
  if (at_comment(c)) {
    trailing = read_comment(c);
    c.skip_spaces();
  }
  if (c.at_line_end()) {
    c.next_line();
    return true;
  }
  c.error_here(fmt::format("unexpected {} after {}{}", c.describe_here(), owner.text(), owner.hint));
  c.next_line();
  return false;
}

void block_attribute_line(Cursor& c, ast::Block& b) {
  if (b.kind == ast::Block::Kind::datasource || b.kind == ast::Block::Kind::generator) {
    c.error_here(fmt::format("a {} block takes `key = value` lines, not attributes", ast::to_string(b.kind)));
    c.next_line();
    return;
  }
  ast::Attribute attr;
  if (!parse_attribute(c, attr)) {
    c.next_line();
    return;
  }
  std::optional<ast::Comment> trailing;
  const bool ok = end_of_line(c, trailing, {"block attribute", attr.name.text, ""});
  if (!ok) return;
  b.entries.push_back({ast::Entry::Kind::attribute, static_cast<std::uint32_t>(b.attributes.size())});
  b.attributes.push_back(std::move(attr));
  b.attribute_trailing.push_back(trailing);
}

// Attributes up to the end of the line; false after reporting an error.
static bool attributes(Cursor& c, std::vector<ast::Attribute>& out, const LineOwner& owner) {
  c.skip_spaces();
  if (c.peek() == '@') out.reserve(4);
  while (true) {
    c.skip_spaces();
    if (c.peek() != '@') return true;
    if (c.peek(1) == '@') {
      c.error_here(fmt::format("block attributes (@@) go on a line of their own, not after {}", owner.text()));
      return false;
    }
    ast::Attribute attr;
    if (!parse_attribute(c, attr)) return false;
    out.push_back(std::move(attr));
  }
}

void field_line(Cursor& c, ast::Block& b, std::string doc) {
  ast::Field f;
  const std::uint32_t start = c.pos();
  auto name = c.identifier();
  if (!name) {
    c.error_here(fmt::format("expected a field (`name Type @attributes`) or a block attribute (`@@…`), found {}",
                             c.describe_here()));
    c.next_line();
    return;
  }
  f.name = *name;
  f.doc = std::move(doc);
  c.skip_spaces();
  if (c.peek() == ':') {
    c.error_here(
        fmt::format("remove the `:` after {}: fields are written `name Type` (the colon is Prisma 1 "
                    "syntax)",
                    backquoted(name->text)));
    c.advance();
    c.skip_spaces();
  }
  bool ok = true;
  if (c.peek() != '@' && !c.at_line_end() && !at_comment(c)) {
    ast::FieldType type;
    ok = parse_field_type(c, type);
    if (ok) f.type = std::move(type);
  }
  const LineOwner owner{"field", name->text, " (attributes start with @)"};
  if (ok) ok = attributes(c, f.attributes, owner);
  if (ok) {
    ok = end_of_line(c, f.trailing, owner);
  } else {
    c.next_line();
  }
  if (f.trailing && f.trailing->kind == ast::Comment::Kind::doc) append_doc(f.doc, doc_text(*f.trailing, c.text()));
  f.broken = !ok;
  f.span = {start, c.pos()};
  b.entries.push_back({ast::Entry::Kind::field, static_cast<std::uint32_t>(b.fields.size())});
  b.fields.push_back(std::move(f));
}

bool parse_field_type(Cursor& c, ast::FieldType& t) {
  const std::uint32_t start = c.pos();
  if (c.starts_with("Unsupported(")) {
    t.name = {c.text().substr(start, 11), {start, start + 11}};
    c.advance(12);
    c.skip_spaces();
    if (c.peek() != '"') {
      c.error_here("Unsupported takes the database type as a string: `Unsupported(\"circle\")`");
      return false;
    }
    if (!parse_string(c, t.unsupported_text, t.unsupported_raw)) return false;
    c.skip_spaces();
    if (c.peek() != ')') {
      c.error_here(fmt::format("expected `)` to close Unsupported(…), found {}", c.describe_here()));
      return false;
    }
    c.advance();
    t.unsupported = true;
    t.base = c.span_from(start);
  } else if (c.peek() == '[') {
    c.advance();
    c.skip_spaces();
    auto name = c.identifier();
    c.skip_spaces();
    if (!name || c.peek() != ']') {
      c.error(start, "expected a field type: `Type`, `Type?` or `Type[]`");
      return false;
    }
    c.advance();
    t.name = *name;
    t.base = name->span;
    t.arity = ast::Arity::list;
    t.legacy_list = true;
    t.span = c.span_from(start);
    return true;
  } else if (auto name = c.identifier()) {
    t.name = *name;
    t.base = name->span;
  } else {
    c.error_here(fmt::format("expected the field's type, found {}", c.describe_here()));
    return false;
  }
  const std::uint32_t after_name = c.pos();
  c.skip_spaces();
  if (c.starts_with("[]")) {
    c.advance(2);
    t.arity = ast::Arity::list;
    const std::uint32_t after_list = c.pos();
    c.skip_spaces();
    if (c.peek() == '?') {  // Prisma reads `Type[]?`, then rejects it
      c.advance();
      t.arity = ast::Arity::optional_list;
    } else {
      c.seek(after_list);
    }
  } else if (c.peek() == '?') {
    c.advance();
    t.arity = ast::Arity::optional;
  } else if (c.peek() == '!') {
    c.advance();
    t.legacy_required = true;
  } else {
    c.seek(after_name);
  }
  t.span = c.span_from(start);
  return true;
}

void enum_value_line(Cursor& c, ast::Block& b, std::string doc) {
  ast::EnumValue v;
  const std::uint32_t start = c.pos();
  auto name = c.identifier();
  if (!name) {
    c.error_here(
        fmt::format("expected an enum value (a name) or a block attribute (`@@…`), found {}", c.describe_here()));
    c.next_line();
    return;
  }
  v.name = *name;
  v.doc = std::move(doc);
  const LineOwner owner{"enum value", name->text, " (one value per line)"};
  bool ok = attributes(c, v.attributes, owner);
  if (ok) {
    ok = end_of_line(c, v.trailing, owner);
  } else {
    c.next_line();
  }
  if (v.trailing && v.trailing->kind == ast::Comment::Kind::doc) append_doc(v.doc, doc_text(*v.trailing, c.text()));
  v.span = {start, c.pos()};
  b.entries.push_back({ast::Entry::Kind::enum_value, static_cast<std::uint32_t>(b.values.size())});
  b.values.push_back(std::move(v));
}

void property_line(Cursor& c, ast::Block& b) {
  ast::Property p;
  const std::uint32_t start = c.pos();
  auto name = c.identifier();
  if (!name) {
    c.error_here(
        fmt::format("expected `key = value` in this {} block, found {}", ast::to_string(b.kind), c.describe_here()));
    c.next_line();
    return;
  }
  p.name = *name;
  c.skip_spaces();
  if (c.peek() != '=') {
    c.error(start, fmt::format("{} has no value: write `{} = …`", backquoted(name->text), name->text));
    c.next_line();
    return;
  }
  c.advance();
  c.skip_spaces();
  ast::Expression value;
  if (!parse_expression(c, value)) {
    c.next_line();
    return;
  }
  p.value = std::move(value);
  if (!end_of_line(c, p.trailing, {"the value of", name->text, ""})) return;
  p.span = {start, c.pos()};
  b.entries.push_back({ast::Entry::Kind::property, static_cast<std::uint32_t>(b.properties.size())});
  b.properties.push_back(std::move(p));
}

}  // namespace pgkit::schema::detail
