#pragma once
/// @file client/read.hpp
/// The statements behind a generated model's reads (find_many, find_first, find_unique, count),
/// built from the call's shape: the same shape gives the same SQL text, which each connection
/// prepares once. Values are parameters; identifiers come from the generated metadata.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pgkit/client/field.hpp"
#include "pgkit/client/model.hpp"
#include "pgkit/client/where.hpp"

namespace pgkit::client::detail {

/// A statement ready to run: numbered SQL and its parameters; prepare false for text that
/// varies with the data (a batch insert).
struct Statement {
  std::string sql;
  Params params;
  bool prepare = true;
};

/// An order_by term as the statement needs it.
struct OrderTerm {
  std::string_view column;
  std::string_view field;
  bool descending;
  Nulls nulls;
  bool nullable;
};

template <class Model>
OrderTerm term_of(const OrderBy<Model>& o) {
  if (!o.column) return {*o.expression, "_count", o.descending, o.nulls, false};
  return {o.column->column, o.column->field, o.descending, o.nulls, o.column->nullable};
}

/// " ORDER BY "col" DESC NULLS LAST, …", or "" for no terms.
std::string order_clause(std::span<const OrderTerm> order);

/// take / skip (Prisma's), and keyset paging: rows after a row in the order.
struct Page {
  std::optional<std::int64_t> take;
  std::int64_t skip = 0;
  /// For `after`: the row's value of each order term, in order (nullopt: NULL). Empty: no
  /// keyset.
  std::vector<std::optional<Params>> after;
};

/// SELECT select_list FROM table WHERE … ORDER BY … LIMIT … OFFSET …; where's parameters
/// come first, then the page's. The text is numbered ($1…) and ready to run.
/// @throws UsageError for a negative take or skip
std::string select_statement(std::string_view model, std::string_view select_list, std::string_view table,
                             Fragment& where, std::span<const OrderTerm> order, Page& page);

/// SELECT count(*) …, with take/skip counted as Prisma counts them (a subquery).
std::string count_statement(std::string_view model, std::string_view table, Fragment& where, Page& page);

/// text for a LIKE pattern, matching itself: \, % and _ escaped (backslash is PostgreSQL's
/// LIKE escape).
std::string like_escaped(std::string_view text);

/// sql with each parameter marker (kParam) replaced by $1, $2, … in order.
std::string numbered(std::string_view sql);

/// The columns' select expressions joined by ", ".
std::string select_list(std::span<const Column> columns);

/// UsageError: `after` on a model without @id or @unique (a view).
[[noreturn]] void throw_no_key_for_after(std::string_view model);
/// UsageError: keyset paging (`after`) in an order by a relation's count (a row does not hold it).
[[noreturn]] void throw_after_in_count_order(std::string_view model);
/// UsageError: an order by a relation's count that has a filter (Prisma's takes none).
[[noreturn]] void throw_filtered_count_order(std::string_view model);

}  // namespace pgkit::client::detail
