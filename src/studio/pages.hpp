#pragma once
// A table's rows a page at a time (docs/design/studio.md, "Paging by keyset"): the page after
// a row is a condition on the sort's columns and the key, so page 10,000 costs what page 1
// costs. The statement is the generated client's (client/read.hpp): one keyset implementation,
// NULLs and mixed directions included. Every name comes from the catalog; every value is a
// parameter.
#include <optional>
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/client/read.hpp"
#include "pgkit/client/where.hpp"
#include "pgkit/params.hpp"
#include "studio/filters.hpp"

namespace pgkit::studio {

/// The columns that identify a row and order the pages: the primary key, else the first
/// unique index on NOT NULL plain columns without a predicate. Empty: the table has none (it
/// is shown read-only, paged by where its rows are: tableoid and ctid).
std::vector<std::string> row_key(const catalog::Table& t);

/// Why rows of t cannot be edited ("" when they can).
std::string read_only_reason(const catalog::Table& t, const std::vector<std::string>& key);

/// The text a column of `t` is read as in a page: its value, or for bytea its size in bytes
/// (for bytea[], how many values): a page never carries a whole binary value.
std::string page_column(const catalog::Column& c);

using client::detail::Statement;

/// ", <page_column>…" for every column of t, in order.
std::string page_columns(const catalog::Table& t);

/// One page of a view of t: the sort the user chose, then the key (tableoid and ctid without
/// one) to make the order total.
struct View {
  std::vector<SortTerm> order;
  client::detail::Fragment where;
};

/// How many values a row's cursor holds for this view: one per sort term and key column.
std::size_t cursor_size(const std::vector<std::string>& key, const View& view);

/// SELECT the row version (xmin), the cursor, then the columns (page_column), of the rows
/// view.where selects after the row whose cursor is `after` (none: the first page), in the
/// view's order, at most limit + 1 (the extra row says there is a next page).
/// Result columns: 0 xmin, 1 … cursor_size the cursor, then one per column.
Statement page_statement(const catalog::Table& t, const std::vector<std::string>& key, View view,
                         const std::vector<std::optional<std::string>>& after, int limit);

/// SELECT select_list of every row view.where selects, in the view's order (page_statement's,
/// without the keyset and the limit): what an export reads through a cursor.
Statement export_statement(const catalog::Table& t, const std::vector<std::string>& key, View view,
                           std::string_view select_list);

/// "schema"."name", quoted where PostgreSQL needs it.
std::string qualified_name(const catalog::Table& t);

}  // namespace pgkit::studio
