// read_snapshot(): a snapshot written by snapshot() read back into a Catalog. Blocks are found
// by their headers; quotes are followed across lines, so a header-like line inside a function
// body or a string literal is never taken for one. Columns, constraints, indexes, types and
// defaults are read by the same functions describe() uses (definitions.hpp, type_text.hpp).
#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "catalog/catalog_internal.hpp"
#include "catalog/definitions.hpp"
#include "catalog/snapshot_internal.hpp"
#include "catalog/sql_lex.hpp"
#include "catalog/snapshot_format.hpp"
#include "pgkit/error.hpp"

namespace pgkit::catalog {
namespace detail {
namespace {

using snapshot_format::kIndent;

[[noreturn]] void fail(int line, std::string_view what) {
  throw Error({.message = fmt::format("snapshot line {}: {}", line, what),
               .hint = "regenerate the snapshot with `pgkit migrate dump-schema`"});
}

struct Line {
  int number = 0;
  std::string text;
  bool in_quote = false;  // begins inside a literal, quoted name or dollar quote
};

// Follows quotes from line to line: where each line begins.
class QuoteTracker {
 public:
  bool open() const { return closing_ != 0 || !tag_.empty(); }

  void scan(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size()) {
      if (!tag_.empty()) {
        auto end = line.find(tag_, i);
        if (end == std::string_view::npos) return;
        i = end + tag_.size();
        tag_.clear();
      } else if (closing_ != 0) {
        char c = line[i];
        if (escapes_ && c == '\\') {
          i += 2;
        } else if (c == closing_ && i + 1 < line.size() && line[i + 1] == closing_) {
          i += 2;
        } else {
          if (c == closing_) closing_ = 0;
          ++i;
        }
      } else if (line.substr(i, 2) == "--") {
        return;  // a comment, to the end of the line
      } else if (quote_starts(line, i)) {
        char c = line[i];
        if (c == '$') {
          auto close = line.find('$', i + 1);
          tag_ = std::string(line.substr(i, close - i + 1));
          i = close + 1;
        } else {
          escapes_ = c == 'E' || c == 'e';
          closing_ = escapes_ ? '\'' : c;
          i += escapes_ ? 2 : 1;
        }
      } else {
        ++i;
      }
    }
  }

 private:
  char closing_ = 0;  // ' or " while inside one
  bool escapes_ = false;
  std::string tag_;  // "$fn$" while inside a dollar quote
};

struct Block {
  std::string kind;
  std::string name;
  int line = 0;  // the header's
  std::vector<Line> body;
};

// "-- table public.users" → {"table", "public.users"}, or nothing when line is no header.
std::optional<std::pair<std::string, std::string>> header(std::string_view line) {
  if (!line.starts_with("-- ")) return std::nullopt;
  line.remove_prefix(3);
  for (auto kind : snapshot_format::kKinds)
    if (line.size() > kind.size() + 1 && line.starts_with(kind) && line[kind.size()] == ' ')
      return std::make_pair(std::string(kind), std::string(line.substr(kind.size() + 1)));
  return std::nullopt;
}

std::vector<Block> blocks_of(const std::string& text) {
  std::vector<Block> blocks;
  QuoteTracker quotes;
  bool after_blank = true;
  int number = 0;
  for (auto& text_line : snapshot_format::split_lines(text)) {
    Line line{++number, std::move(text_line), quotes.open()};
    quotes.scan(line.text);
    bool blank = !line.in_quote && line.text.find_first_not_of(" \t") == std::string::npos;
    auto h = !line.in_quote && after_blank ? header(line.text) : std::nullopt;
    after_blank = blank;
    if (h) {
      blocks.push_back({h->first, h->second, line.number, {}});
    } else if (!blocks.empty()) {
      blocks.back().body.push_back(std::move(line));
    } else if (!blank && !line.text.starts_with("--")) {
      fail(line.number, "expected a comment or a block header (\"-- table public.users\")");
    }
  }
  if (quotes.open()) fail(number, "a quoted string or name does not end");
  for (auto& b : blocks) {
    while (!b.body.empty() && !b.body.back().in_quote &&
           b.body.back().text.find_first_not_of(" \t") == std::string::npos)
      b.body.pop_back();
    if (b.body.empty()) fail(b.line, fmt::format("the {} {} is empty", b.kind, b.name));
  }
  return blocks;
}

// The lines of a block as statements: a line beginning inside a quote continues the one before.
std::vector<Line> statements(const std::vector<Line>& lines, std::size_t from = 0) {
  std::vector<Line> out;
  for (std::size_t i = from; i < lines.size(); ++i) {
    if (lines[i].in_quote && !out.empty())
      (out.back().text += '\n') += lines[i].text;
    else
      out.push_back(lines[i]);
  }
  return out;
}

std::string joined(const std::vector<Line>& lines) {
  std::string text;
  for (std::size_t i = 0; i < lines.size(); ++i) (text += i ? "\n" : "") += lines[i].text;
  return text;
}

bool eat(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

// A whole name: "public.users" (qualified) or "public" (not), nothing else.
QualifiedName whole_name(const Block& b, bool want_schema) {
  auto name = read_qualified(b.name);
  if (name.length == 0 || name.length != b.name.size() || want_schema == name.schema.empty())
    fail(b.line, fmt::format("\"{}\" is not a {}name", b.name, want_schema ? "schema-qualified " : ""));
  return name;
}

// Expects text to be exactly `prefix name suffix` for this block's (quoted) name.
void expect_statement(const Line& line, std::string_view prefix, const std::string& name, std::string_view suffix) {
  if (line.text != fmt::format("{}{}{}", prefix, name, suffix))
    fail(line.number, fmt::format("expected \"{}{}{}\"", prefix, name, suffix));
}

std::int64_t number_after(const Line& line, std::string_view prefix) {
  std::string_view text = line.text;
  if (!eat(text, kIndent) || !eat(text, prefix)) fail(line.number, fmt::format("expected \"{}{}…\"", kIndent, prefix));
  if (text.ends_with(';')) text.remove_suffix(1);
  try {
    std::size_t used = 0;
    auto v = std::stoll(std::string(text), &used);
    if (used == text.size()) return v;
  } catch (const std::exception&) {}
  fail(line.number, fmt::format("\"{}\" is not a number", text));
}

Enum read_enum(const Block& b) {
  auto name = whole_name(b, true);
  Enum e{.schema = name.schema, .name = name.name};
  auto text = joined(b.body);
  std::string_view rest = text;
  auto prefix = fmt::format("CREATE TYPE {} AS ENUM ", b.name);
  if (!eat(rest, prefix) || rest.empty() || rest.front() != '(') fail(b.body[0].number, "expected \"" + prefix + "(\"");
  auto close = matching_close(rest, 0);
  if (close == std::string_view::npos || rest.substr(close) != ");") fail(b.body.back().number, "expected \");\"");
  auto inside = rest.substr(1, close - 1);
  if (inside.find_first_not_of(" \n") == std::string_view::npos) return e;
  for (auto part : split_top_level(inside, ",")) {
    auto first = part.find_first_not_of(" \n"), last = part.find_last_not_of(" \n");
    auto label = first == std::string_view::npos ? std::nullopt : unquote_literal(part.substr(first, last - first + 1));
    if (!label) fail(b.body[0].number, fmt::format("an enum label must be a quoted string: {}", part));
    e.values.push_back(std::move(*label));
  }
  return e;
}

Sequence read_sequence(const Block& b) {
  auto name = whole_name(b, true);
  Sequence s{.schema = name.schema, .name = name.name};
  const auto& l = b.body;
  if (l.size() != 8 && l.size() != 9) fail(b.line, "a sequence has 8 lines, and an OWNED BY line when owned");
  expect_statement(l[0], "CREATE SEQUENCE ", b.name, "");
  std::string_view type = l[1].text;
  if (!eat(type, kIndent) || !eat(type, "AS ")) fail(l[1].number, "expected \"    AS <type>\"");
  s.type = std::string(type);
  s.start = number_after(l[2], "START WITH ");
  s.increment = number_after(l[3], "INCREMENT BY ");
  s.min = number_after(l[4], "MINVALUE ");
  s.max = number_after(l[5], "MAXVALUE ");
  s.cache = number_after(l[6], "CACHE ");
  if (l[7].text == std::string(kIndent) + "CYCLE;")
    s.cycle = true;
  else if (l[7].text != std::string(kIndent) + "NO CYCLE;")
    fail(l[7].number, "expected \"    CYCLE;\" or \"    NO CYCLE;\"");
  if (l.size() == 9) {
    std::string_view owner = l[8].text;
    auto prefix = fmt::format("ALTER SEQUENCE {} OWNED BY ", b.name);
    auto table = eat(owner, prefix) ? read_qualified(owner) : QualifiedName{};
    auto column =
        table.length && table.length < owner.size() ? read_identifier(owner.substr(table.length + 1)) : Identifier{};
    if (column.length == 0 || table.schema != s.schema || owner.substr(table.length + 1 + column.length) != ";")
      fail(l[8].number, fmt::format("expected \"{}{}.<table>.<column>;\"", prefix, quote_ident(s.schema)));
    s.owned_by = table.name + "." + column.name;
  }
  return s;
}

Table read_table(const Block& b, const Catalog& catalog) {
  auto name = whole_name(b, true);
  Table t{.schema = name.schema, .name = name.name};
  const auto& l = b.body;
  if (l[0].text.starts_with("CREATE UNLOGGED TABLE ")) t.create_prefix = "UNLOGGED ";
  expect_statement(l[0], fmt::format("CREATE {}TABLE ", t.create_prefix), b.name, " (");

  // Columns, one a line (more when a literal holds a line break), up to the closing line.
  std::size_t i = 1;
  std::vector<Line> columns;
  for (; i < l.size() && (l[i].in_quote || !l[i].text.starts_with(")")); ++i) {
    if (l[i].in_quote && !columns.empty())
      (columns.back().text += '\n') += l[i].text;
    else if (l[i].text.starts_with(kIndent))
      columns.push_back({l[i].number, l[i].text.substr(kIndent.size()), false});
    else
      fail(l[i].number, "expected a column (four spaces, then its name and type) or \")\"");
  }
  if (i == l.size() || !l[i].text.ends_with(";")) fail(l[std::min(i, l.size() - 1)].number, "expected \")…;\"");
  t.create_suffix = l[i].text.substr(1, l[i].text.size() - 2);
  for (std::size_t c = 0; c < columns.size(); ++c) {
    std::string_view text = columns[c].text;
    if (c + 1 < columns.size() && !text.ends_with(",")) fail(columns[c].number, "expected \",\" after the column");
    if (text.ends_with(",")) text.remove_suffix(1);
    try {
      t.columns.push_back(parse_column_text(text, catalog));
    } catch (const std::invalid_argument& e) {
      fail(columns[c].number, e.what());
    }
  }

  auto qname = b.name;
  for (const auto& s : statements(l, i + 1)) {
    std::string_view rest = s.text;
    if (!rest.ends_with(";")) fail(s.number, "expected \";\" at the end of the statement");
    rest.remove_suffix(1);
    try {
      if (eat(rest, "ALTER TABLE ONLY ")) {
        auto target = read_qualified(rest);
        auto after = rest.substr(target.length);
        if (after.starts_with(" ATTACH PARTITION ")) {
          t.attach = s.text;
          continue;
        }
        if (!eat(rest, qname) || !eat(rest, snapshot_format::kAddConstraint))
          fail(s.number, "expected ADD CONSTRAINT on this table, or ATTACH PARTITION");
        auto constraint = read_identifier(rest);
        if (constraint.length == 0 || rest.substr(constraint.length, 1) != " ")
          fail(s.number, "expected a constraint name");
        add_constraint(t, constraint.name, std::string(rest.substr(constraint.length + 1)));
      } else if (eat(rest, "COMMENT ON TABLE ") && eat(rest, qname) && eat(rest, " IS ")) {
        auto comment = unquote_literal(rest);
        if (!comment) fail(s.number, "expected a quoted comment");
        t.comment = *comment;
      } else if (eat(rest, "COMMENT ON COLUMN ") && eat(rest, qname) && eat(rest, ".")) {
        auto column = read_identifier(rest);
        rest.remove_prefix(column.length);
        auto comment = eat(rest, " IS ") ? unquote_literal(rest) : std::nullopt;
        auto c =
            std::find_if(t.columns.begin(), t.columns.end(), [&](const Column& c) { return c.name == column.name; });
        if (column.length == 0 || c == t.columns.end())
          fail(s.number, "COMMENT ON COLUMN names no column of this table");
        if (!comment) fail(s.number, "expected a quoted comment");
        c->comment = *comment;
      } else {
        fail(s.number, "expected ALTER TABLE ONLY … ADD CONSTRAINT, ATTACH PARTITION or COMMENT ON");
      }
    } catch (const std::invalid_argument& e) {
      fail(s.number, e.what());
    }
  }
  return t;
}

Opaque read_other(const Block& b) {
  Opaque o{.kind = b.kind};
  for (const auto& line : b.body) o.lines.push_back(line.text);
  if (b.kind == "function" || b.kind == "procedure") {
    auto name = read_qualified(b.name);
    if (name.length == 0 || name.schema.empty() || b.name.substr(name.length, 1) != "(" || !b.name.ends_with(")"))
      fail(b.line, fmt::format("\"{}\" is not a function's name with its arguments", b.name));
    o.schema = name.schema;
    o.name = name.name + b.name.substr(name.length);
  } else if (b.kind == "trigger") {
    std::string_view rest = b.name;
    auto trigger = read_identifier(rest);
    rest.remove_prefix(trigger.length);
    auto table = eat(rest, " on ") ? read_qualified(rest) : QualifiedName{};
    if (trigger.length == 0 || table.length == 0 || table.length != rest.size() || table.schema.empty())
      fail(b.line, fmt::format("\"{}\" is not \"trigger on schema.table\"", b.name));
    o.schema = table.schema;
    o.name = trigger.name + " on " + table.name;
  } else {
    auto name = whole_name(b, true);
    o.schema = name.schema;
    o.name = name.name;
  }
  return o;
}

}  // namespace
}  // namespace detail

Catalog read_snapshot(const std::string& text) {
  using namespace detail;
  Catalog catalog;
  auto blocks = blocks_of(text);
  std::vector<const Block*> tables, indexes;
  // Whatever else goes wrong in a block is reported at its header.
  auto guarded = [](const Block& b, auto&& read) {
    try {
      read();
    } catch (const Error&) {
      throw;
    } catch (const std::exception& e) {
      fail(b.line, e.what());
    }
  };
  for (const auto& b : blocks)
    guarded(b, [&] {
      const auto& first = b.body.front();
      if (b.kind == "extension") {
        std::string_view rest = first.text;
        auto name = eat(rest, "CREATE EXTENSION IF NOT EXISTS ") ? read_identifier(rest) : Identifier{};
        rest.remove_prefix(name.length);
        auto schema = eat(rest, " WITH SCHEMA ") ? read_identifier(rest) : Identifier{};
        if (b.body.size() != 1 || name.length == 0 || schema.length == 0 || rest.substr(schema.length) != ";" ||
            quote_ident(name.name) != b.name)
          fail(first.number,
               fmt::format("expected \"CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA <schema>;\"", b.name));
        catalog.extensions.push_back({.name = name.name, .schema = schema.name});
      } else if (b.kind == "schema") {
        auto name = whole_name(b, false);
        if (b.body.size() != 1) fail(b.body[1].number, "a schema's block has one line");
        expect_statement(first, "CREATE SCHEMA ", b.name, ";");
        catalog.schemas.push_back(name.name);
      } else if (b.kind == "enum") {
        catalog.enums.push_back(read_enum(b));
      } else if (b.kind == "sequence") {
        catalog.sequences.push_back(read_sequence(b));
      } else if (b.kind == "table") {
        tables.push_back(&b);  // after the enums, which decide how defaults are read
      } else if (b.kind == "index") {
        indexes.push_back(&b);  // after the tables they belong to
      } else {
        catalog.others.push_back(read_other(b));
      }
    });
  for (const auto* b : tables) guarded(*b, [&] { catalog.tables.push_back(read_table(*b, catalog)); });
  for (const auto* b : indexes)
    guarded(*b, [&] {
      auto name = whole_name(*b, true);
      auto text = joined(b->body);
      if (!text.ends_with(";")) fail(b->body.back().number, "expected \";\" at the end of the index");
      text.pop_back();
      IndexDefinition index;
      try {
        index = parse_index_definition(text);
      } catch (const std::invalid_argument& e) {
        fail(b->body.front().number, e.what());
      }
      if (index.index.name != name.name || index.schema != name.schema)
        fail(b->body.front().number, fmt::format("the definition is not the index {}'s", b->name));
      auto table = std::find_if(catalog.tables.begin(), catalog.tables.end(),
                                [&](const Table& t) { return t.schema == index.schema && t.name == index.table; });
      if (table != catalog.tables.end())
        table->indexes.push_back(std::move(index.index));
      else
        catalog.others.push_back(read_other(*b));  // an index on a materialized view
    });
  sort_catalog(catalog);
  return catalog;
}

}  // namespace pgkit::catalog
