// Reading pg_get_indexdef(), pg_get_constraintdef() and column text into the catalog's fields.
// The layouts are those ruleutils.c prints (pg_get_indexdef_worker, pg_get_constraintdef_worker):
// one space between words, identifiers quoted as needed, expressions parenthesized.
#include "catalog/definitions.hpp"

#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "catalog/catalog_internal.hpp"
#include "catalog/sql_lex.hpp"
#include "catalog/type_text.hpp"

namespace pgkit::catalog::detail {
namespace {

[[noreturn]] void fail(std::string_view what, std::string_view text) {
  throw std::invalid_argument(fmt::format("{}: \"{}\"", what, text));
}

// Consumes prefix from text when text starts with it.
bool eat(std::string_view& text, std::string_view prefix) {
  if (!text.starts_with(prefix)) return false;
  text.remove_prefix(prefix.size());
  return true;
}

// The parenthesized group at the start of text ("(a, b) rest"): its inside, text moved past it.
std::string_view eat_group(std::string_view& text, std::string_view whole) {
  if (text.empty() || text.front() != '(') fail("expected a parenthesized list", whole);
  auto close = matching_close(text, 0);
  if (close == std::string_view::npos) fail("unbalanced parentheses", whole);
  auto inside = text.substr(1, close - 1);
  text.remove_prefix(close + 1);
  return inside;
}

std::string eat_identifier(std::string_view& text, std::string_view whole) {
  auto id = read_identifier(text);
  if (id.length == 0) fail("expected a name", whole);
  text.remove_prefix(id.length);
  return id.name;
}

std::vector<std::string> column_list(std::string_view inside, std::string_view whole) {
  std::vector<std::string> columns;
  for (auto part : split_top_level(inside, ",")) {
    part = trim(part);
    auto id = read_identifier(part);
    if (id.length == 0 || id.length != part.size()) fail("expected a column name", whole);
    columns.push_back(id.name);
  }
  return columns;
}

// One key of an index or exclusion constraint: a column or an expression, then COLLATE,
// operator class (and its options), DESC, NULLS FIRST|LAST, WITH operator.
IndexKey parse_key(std::string_view text, std::string_view whole) {
  IndexKey key;
  std::size_t end = 0;
  if (!text.empty() && text.front() == '(') {
    end = matching_close(text, 0);
    if (end == std::string_view::npos) fail("unbalanced parentheses", whole);
    key.expression = std::string(text.substr(0, ++end));
  } else {
    auto name = read_qualified(text);
    if (name.length == 0) fail("expected an index key", whole);
    if (name.length < text.size() && text[name.length] == '(') {  // a function call: lower(name)
      end = matching_close(text, name.length);
      if (end == std::string_view::npos) fail("unbalanced parentheses", whole);
      key.expression = std::string(text.substr(0, ++end));
    } else {
      auto column = read_identifier(text);
      end = column.length;
      key.column = std::move(column.name);
    }
  }
  auto words = top_level_words(text.substr(end));
  for (std::size_t i = 0; i < words.size(); ++i) {
    auto w = words[i].text;
    bool has_next = i + 1 < words.size();
    if (w == "COLLATE" && has_next)
      key.collation = std::string(words[++i].text);
    else if (w == "DESC")
      key.descending = true;
    else if (w == "ASC")
      continue;
    else if (w == "NULLS" && has_next)
      key.nulls_first = words[++i].text == "FIRST";
    else if (w == "WITH" && has_next)
      key.exclude_operator = std::string(words[++i].text);
    else if (w.front() == '(')
      (key.opclass += ' ') += w;  // the operator class's options
    else if (key.opclass.empty())
      key.opclass = std::string(w);
    else
      fail("unexpected word in an index key", whole);
  }
  return key;
}

std::vector<IndexKey> parse_keys(std::string_view inside, std::string_view whole) {
  std::vector<IndexKey> keys;
  for (auto part : split_top_level(inside, ",")) keys.push_back(parse_key(trim(part), whole));
  return keys;
}

// What follows an index's key list: INCLUDE, NULLS NOT DISTINCT, WITH, TABLESPACE, WHERE. A
// constraint's WHERE has parentheses of its own, and DEFERRABLE and the like may follow it.
void parse_index_tail(std::string_view rest, Index& index, bool constraint, std::string_view whole) {
  while (!rest.empty()) {
    if (eat(rest, " INCLUDE ")) {
      index.include = column_list(eat_group(rest, whole), whole);
    } else if (eat(rest, " NULLS NOT DISTINCT")) {
      index.nulls_not_distinct = true;
    } else if (eat(rest, " WITH ")) {
      index.options = std::string(eat_group(rest, whole));
    } else if (eat(rest, " USING INDEX TABLESPACE ") || eat(rest, " TABLESPACE ")) {
      eat_identifier(rest, whole);
    } else if (eat(rest, " WHERE ")) {
      if (!constraint) {
        index.predicate = std::string(rest);
        return;
      }
      index.predicate = std::string(eat_group(rest, whole));
    } else if (constraint) {
      return;  // DEFERRABLE, INITIALLY DEFERRED, NOT VALID: kept in the definition only
    } else {
      fail("unexpected text after an index's keys", whole);
    }
  }
}

Action parse_action(const std::vector<Word>& words, std::size_t& i, std::string_view whole) {
  auto w = i < words.size() ? words[i].text : std::string_view{};
  auto next = i + 1 < words.size() ? words[i + 1].text : std::string_view{};
  ++i;
  if (w == "CASCADE") return Action::cascade;
  if (w == "RESTRICT") return Action::restrict;
  ++i;
  if (w == "SET" && next == "NULL") return Action::set_null;
  if (w == "SET" && next == "DEFAULT") return Action::set_default;
  if (w == "NO" && next == "ACTION") return Action::no_action;
  fail("unknown referential action", whole);
}

ForeignKey parse_foreign_key(const std::string& name, const std::string& text) {
  ForeignKey fk{.name = name, .definition = text};
  std::string_view rest = text;
  eat(rest, "FOREIGN KEY ");
  fk.columns = column_list(eat_group(rest, text), text);
  if (!eat(rest, " REFERENCES ")) fail("expected REFERENCES", text);
  auto target = read_qualified(rest);
  if (target.length == 0) fail("expected the referenced table", text);
  fk.referenced_schema = target.schema;
  fk.referenced_table = target.name;
  rest.remove_prefix(target.length);
  fk.referenced_columns = column_list(eat_group(rest, text), text);
  auto words = top_level_words(rest);
  for (std::size_t i = 0; i < words.size();) {
    auto w = words[i].text;
    auto next = i + 1 < words.size() ? words[i + 1].text : std::string_view{};
    if (w == "ON" && next == "UPDATE") {
      i += 2;
      fk.on_update = parse_action(words, i, text);
    } else if (w == "ON" && next == "DELETE") {
      i += 2;
      fk.on_delete = parse_action(words, i, text);
    } else {
      ++i;  // MATCH FULL, SET NULL's column list, DEFERRABLE…: kept in the definition only
    }
  }
  return fk;
}

}  // namespace

IndexDefinition parse_index_definition(const std::string& text) {
  IndexDefinition d;
  Index& index = d.index;
  index.definition = text;
  std::string_view rest = text;
  if (eat(rest, "CREATE UNIQUE INDEX "))
    index.kind = Index::Kind::unique;
  else if (eat(rest, "CREATE INDEX "))
    index.kind = Index::Kind::plain;
  else
    fail("not an index definition", text);
  index.name = eat_identifier(rest, text);
  if (!eat(rest, " ON ")) fail("expected ON", text);
  eat(rest, "ONLY ");
  auto table = read_qualified(rest);
  if (table.length == 0) fail("expected the indexed table", text);
  d.schema = table.schema;
  d.table = table.name;
  rest.remove_prefix(table.length);
  if (!eat(rest, " USING ")) fail("expected USING", text);
  index.method = eat_identifier(rest, text);
  if (!eat(rest, " ")) fail("expected the index's keys", text);
  index.keys = parse_keys(eat_group(rest, text), text);
  parse_index_tail(rest, index, false, text);
  return d;
}

void add_constraint(Table& table, const std::string& name, const std::string& text) {
  std::string_view rest = text;
  if (rest.starts_with("CHECK ")) {
    table.checks.push_back({name, text});
    return;
  }
  if (rest.starts_with("FOREIGN KEY ")) {
    table.foreign_keys.push_back(parse_foreign_key(name, text));
    return;
  }
  Index index{.name = name, .definition = text};
  if (eat(rest, "PRIMARY KEY ")) {
    index.kind = Index::Kind::primary_key;
  } else if (eat(rest, "UNIQUE ")) {
    index.kind = Index::Kind::unique_constraint;
    index.nulls_not_distinct = eat(rest, "NULLS NOT DISTINCT ");
  } else if (eat(rest, "EXCLUDE USING ")) {
    index.kind = Index::Kind::exclusion;
    index.method = eat_identifier(rest, text);
    if (!eat(rest, " ")) fail("expected the constraint's keys", text);
    index.keys = parse_keys(eat_group(rest, text), text);
    parse_index_tail(rest, index, true, text);
    table.indexes.push_back(std::move(index));
    return;
  } else {
    fail("not a constraint definition", text);
  }
  for (auto& column : column_list(eat_group(rest, text), text)) index.keys.push_back({.column = column});
  parse_index_tail(rest, index, true, text);
  table.indexes.push_back(std::move(index));
}

std::string column_text(const Column& c) {
  std::string text = fmt::format("{} {}", quote_ident(c.name), c.type.sql.empty() ? format_type(c.type) : c.type.sql);
  if (!c.collation.empty()) text += " COLLATE " + c.collation;
  if (!c.generated.empty())
    text += fmt::format(" GENERATED ALWAYS AS ({}) STORED", c.generated);
  else if (c.default_value)
    text += " DEFAULT " + c.default_value->expression;
  if (c.identity) {
    text += fmt::format(" GENERATED {} AS IDENTITY", c.identity->always ? "ALWAYS" : "BY DEFAULT");
    if (!c.identity->options.empty()) text += " " + c.identity->options;
  }
  if (c.not_null) text += " NOT NULL";
  return text;
}

Column parse_column_text(std::string_view text, const Catalog& catalog) {
  Column c;
  std::string_view rest = text;
  c.name = eat_identifier(rest, text);
  if (!eat(rest, " ")) fail("expected the column's type", text);
  auto words = top_level_words(rest);
  std::size_t end = rest.size(), n = words.size();
  if (n >= 2 && words[n - 2].text == "NOT" && words[n - 1].text == "NULL") {
    c.not_null = true;
    end = words[n - 2].at;
    n -= 2;
  }
  std::size_t k = 0;
  while (k < n && words[k].text != "COLLATE" && words[k].text != "DEFAULT" && words[k].text != "GENERATED") ++k;
  if (k == 0) fail("expected the column's type", text);
  c.type = parse_type_sql(std::string(trim(rest.substr(0, k < n ? words[k].at : end))));
  auto word = [&](std::size_t i) { return i < n ? words[i].text : std::string_view{}; };
  if (word(k) == "COLLATE") {
    if (k + 1 >= n) fail("expected a collation", text);
    c.collation = std::string(word(k + 1));
    k += 2;
  }
  if (word(k) == "DEFAULT") {
    if (k + 1 >= n) fail("expected the default's expression", text);
    c.default_value = described_default(std::string(trim(rest.substr(words[k + 1].at, end - words[k + 1].at))), c.type,
                                        is_catalog_enum(catalog, c.type));
    k = n;
  } else if (word(k) == "GENERATED" && word(k + 1) == "ALWAYS" && word(k + 2) == "AS" && word(k + 3).starts_with("(") &&
             word(k + 4) == "STORED") {
    auto group = word(k + 3);
    c.generated = std::string(group.substr(1, group.size() - 2));
    k += 5;
  } else if (word(k) == "GENERATED") {
    Identity identity;
    std::size_t i = k + 1;
    if (word(i) == "ALWAYS")
      identity.always = true, i += 1;
    else if (word(i) == "BY" && word(i + 1) == "DEFAULT")
      i += 2;
    else
      fail("expected ALWAYS or BY DEFAULT", text);
    if (word(i) != "AS" || word(i + 1) != "IDENTITY") fail("expected AS IDENTITY", text);
    i += 2;
    if (word(i).starts_with("(")) identity.options = std::string(word(i++));
    c.identity = std::move(identity);
    k = i;
  }
  if (k < n) fail("unexpected text in a column", text);
  return c;
}

Default described_default(const std::string& expression, const Type& type, bool is_enum) {
  return classify_default(expression, type, is_enum)
      .value_or(Default{.kind = DefaultKind::expression, .expression = expression});
}

}  // namespace pgkit::catalog::detail
