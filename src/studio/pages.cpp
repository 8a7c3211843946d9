#include "studio/pages.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pgkit/client/read.hpp"

namespace pgkit::studio {

namespace {

// The cursor's columns: the sort's, then the key's not sorted on already (ctid without a key).
struct CursorColumn {
  std::string expression;  // t."name"
  bool descending;
  bool nullable;
};

std::vector<CursorColumn> cursor_columns(const std::vector<std::string>& key, const View& view) {
  std::vector<CursorColumn> out;
  for (const auto& s : view.order)
    out.push_back({"t." + catalog::quote_ident(s.column->name), s.descending, !s.column->not_null});
  // Without a key, where the row is: ctid, with the table it is in (a partitioned or inherited
  // table's rows come from several, whose ctids repeat).
  if (key.empty()) {
    out.push_back({"t.tableoid", false, false});
    out.push_back({"t.ctid", false, false});
  }
  for (const auto& k : key) {
    std::string expression = "t." + catalog::quote_ident(k);
    if (std::none_of(out.begin(), out.end(), [&](const CursorColumn& c) { return c.expression == expression; }))
      out.push_back({std::move(expression), false, false});
  }
  return out;
}

// The statement's ORDER BY: the cursor's columns (the terms point into `cursor`).
std::vector<client::detail::OrderTerm> order_terms(const std::vector<CursorColumn>& cursor) {
  std::vector<client::detail::OrderTerm> order;
  for (const auto& c : cursor)
    order.push_back({c.expression, c.expression, c.descending, client::Nulls::default_, c.nullable});
  return order;
}

}  // namespace

std::vector<std::string> row_key(const catalog::Table& t) {
  std::vector<std::string> fallback;
  for (const auto& index : t.indexes) {
    if (!index.is_unique() || !index.predicate.empty()) continue;
    std::vector<std::string> columns;
    bool plain = true;
    for (const auto& k : index.keys) {
      const catalog::Column* c = k.column.empty() ? nullptr : t.column(k.column);
      if (!c || !c->not_null) plain = false;
      if (c) columns.push_back(c->name);
    }
    if (!plain) continue;
    if (index.kind == catalog::Index::Kind::primary_key) return columns;
    if (fallback.empty()) fallback = std::move(columns);
  }
  return fallback;
}

std::string read_only_reason(const catalog::Table& t, const std::vector<std::string>& key) {
  if (!key.empty()) return "";
  return fmt::format(
      "{} has no primary key and no unique index on NOT NULL columns: a row cannot be told apart "
      "from an equal one, so it is shown read-only",
      t.name);
}

std::string page_column(const catalog::Column& c) {
  std::string name = "t." + catalog::quote_ident(c.name);
  if (c.type.builtin() && c.type.name == "bytea")
    return c.type.dimensions ? fmt::format("cardinality({})::text || ' values'", name)
                             : fmt::format("octet_length({})", name);
  return name;
}

std::string page_columns(const catalog::Table& t) {
  std::string out;
  for (const auto& c : t.columns) out += ", " + page_column(c);
  return out;
}

std::string qualified_name(const catalog::Table& t) {
  return catalog::quote_ident(t.schema) + "." + catalog::quote_ident(t.name);
}

std::size_t cursor_size(const std::vector<std::string>& key, const View& view) {
  return cursor_columns(key, view).size();
}

Statement page_statement(const catalog::Table& t, const std::vector<std::string>& key, View view,
                         const std::vector<std::optional<std::string>>& after, int limit) {
  const std::vector<CursorColumn> cursor = cursor_columns(key, view);
  const std::vector<client::detail::OrderTerm> order = order_terms(cursor);
  std::string select = "t.xmin";
  for (const auto& c : cursor) select += ", " + c.expression;
  select += page_columns(t);
  client::detail::Page page{.take = limit + 1};
  for (const auto& v : after) {
    if (!v) {
      page.after.emplace_back();
      continue;
    }
    Params p;
    p.add_text(*v);
    page.after.emplace_back(std::move(p));
  }
  client::detail::Fragment where = std::move(view.where);
  std::string sql = client::detail::select_statement(t.name, select, qualified_name(t) + " AS t", where, order, page);
  return {std::move(sql), std::move(where.params)};
}

Statement export_statement(const catalog::Table& t, const std::vector<std::string>& key, View view,
                           std::string_view select_list) {
  const std::vector<CursorColumn> cursor = cursor_columns(key, view);
  const std::vector<client::detail::OrderTerm> order = order_terms(cursor);
  client::detail::Page all;
  client::detail::Fragment where = std::move(view.where);
  std::string sql =
      client::detail::select_statement(t.name, select_list, qualified_name(t) + " AS t", where, order, all);
  return {std::move(sql), std::move(where.params)};
}

}  // namespace pgkit::studio
