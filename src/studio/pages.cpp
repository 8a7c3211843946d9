#include "studio/pages.hpp"

#include <fmt/format.h>

namespace pgkit::studio {

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
    return c.type.dimensions ? fmt::format("cardinality({})", name) : fmt::format("octet_length({})", name);
  return name;
}

std::string qualified_name(const catalog::Table& t) {
  return catalog::quote_ident(t.schema) + "." + catalog::quote_ident(t.name);
}

Statement page_statement(const catalog::Table& t, const std::vector<std::string>& key,
                         const std::vector<std::optional<std::string>>& after, int limit) {
  // The table is `t`, so that the key read twice (as the cursor, and as a column) is not an
  // ambiguous name in ORDER BY.
  std::vector<std::string> cursor;
  if (key.empty()) cursor.push_back("t.ctid");
  for (const auto& k : key) cursor.push_back("t." + catalog::quote_ident(k));
  std::string cursor_list, columns, markers;
  for (const auto& c : cursor) cursor_list += (cursor_list.empty() ? "" : ", ") + c;
  for (const auto& c : t.columns) columns += ", " + page_column(c);
  Statement st;
  for (std::size_t i = 0; i < after.size(); ++i) {
    markers += fmt::format("{}${}{}", i ? ", " : "", i + 1, key.empty() ? "::tid" : "");
    after[i] ? st.params.add_text(*after[i]) : st.params.add_null();
  }
  std::string where;
  if (!after.empty())
    where = cursor.size() > 1 ? fmt::format(" WHERE ({}) > ({})", cursor_list, markers)
                              : fmt::format(" WHERE {} > {}", cursor_list, markers);
  st.sql = fmt::format("SELECT t.xmin, {}{} FROM {} AS t{} ORDER BY {} LIMIT {}", cursor_list, columns,
                       qualified_name(t), where, cursor_list, limit + 1);
  return st;
}

}  // namespace pgkit::studio
