// The SQL of relations: loading the related rows of many parents in one statement (`include`),
// and relation filters as IN / NOT IN subqueries, the form Prisma's engine uses.
#include <fmt/format.h>

#include "pgkit/client/relation.hpp"

namespace pgkit::client::detail {

namespace {

const std::string kMarker(1, kParam);

// The join table's column holding this side's key, and the other side's.
std::string_view self_column(const RelationShape& r) { return r.parent_is_a ? "\"A\"" : "\"B\""; }
std::string_view other_column(const RelationShape& r) { return r.parent_is_a ? "\"B\"" : "\"A\""; }

// SELECT of the child-side values that match parents, for a filter: rows where inner holds.
Fragment matching_keys(const RelationShape& r, Fragment inner) {
  Fragment out;
  switch (r.kind) {
    case RelationKind::to_one:
      out.sql = fmt::format("SELECT {} FROM {}", r.child_column, r.child_table);
      if (!inner.sql.empty()) out.sql += " WHERE " + inner.sql;
      break;
    case RelationKind::back_one:
    case RelationKind::to_many:
      // NOT IN with a NULL in the list is never true: NULL foreign keys are left out.
      out.sql = fmt::format("SELECT {0} FROM {1} WHERE {0} IS NOT NULL", r.child_column, r.child_table);
      if (!inner.sql.empty()) out.sql += " AND " + inner.sql;
      break;
    case RelationKind::many_to_many:
      out.sql = fmt::format("SELECT j.{} FROM {} AS j JOIN {} ON {}.{} = j.{}", self_column(r), r.join_table,
                            r.child_table, r.child_table, r.child_column, other_column(r));
      if (!inner.sql.empty()) out.sql += " WHERE " + inner.sql;
      break;
  }
  out.params = std::move(inner.params);
  return out;
}

}  // namespace

std::string param_text(const Params& p) {
  if (p.size() == 0 || !p.values()[0]) return {};
  return std::string(p.values()[0], static_cast<std::size_t>(p.lengths()[0]));
}

std::string include_statement(const RelationShape& r, std::string_view child_columns, Fragment& where,
                              std::span<const OrderTerm> order, std::optional<std::int64_t> take,
                              const std::vector<std::string>& keys) {
  // The key each row belongs to, then the child's columns (ModelInfo::from_row from column 1).
  std::string key, from;
  if (r.kind == RelationKind::many_to_many) {
    key = fmt::format("j.{}", self_column(r));
    from = fmt::format("{} AS j JOIN {} ON {}.{} = j.{}", r.join_table, r.child_table, r.child_table, r.child_column,
                       other_column(r));
  } else {
    key = fmt::format("{}.{}", r.child_table, r.child_column);
    from = std::string(r.child_table);
  }
  std::string filter = key + " = ANY(" + kMarker + ")";
  if (!where.sql.empty()) filter += " AND " + where.sql;
  Params params;
  std::string array;
  ValueTraits<std::vector<std::string>>::write(array, keys);
  params.add_text(array);
  params.append(where.params);
  std::string sql;
  if (take && r.kind != RelationKind::to_one && r.kind != RelationKind::back_one) {
    // A page per parent: numbered within each parent's rows, in the include's order.
    std::string over = order_clause(order);
    sql = fmt::format(
        "SELECT * FROM (SELECT {} AS pgkit_key, {}, row_number() OVER (PARTITION BY {}{}) AS pgkit_n FROM {} WHERE {}) "
        "AS page WHERE pgkit_n <= {}",
        key, child_columns, key, over, from, filter, kMarker);
    params.add(*take);
    if (!order.empty()) sql += " ORDER BY pgkit_key, pgkit_n";
  } else {
    sql = fmt::format("SELECT {}, {} FROM {} WHERE {}", key, child_columns, from, filter);
    sql += order_clause(order);
  }
  where.params = std::move(params);
  return numbered(sql);
}

Fragment relation_filter(const RelationShape& r, RelationTest test, Fragment inner) {
  std::string parent(r.parent_column);
  switch (test) {
    case RelationTest::is_null:
    case RelationTest::is_not_null: {
      bool null = test == RelationTest::is_null;
      if (r.kind == RelationKind::to_one) return predicate(parent + (null ? " IS NULL" : " IS NOT NULL"));
      Fragment sub = matching_keys(r, {});
      return {fmt::format("{} {}IN ({})", parent, null ? "NOT " : "", sub.sql), {}};
    }
    case RelationTest::every: inner = negate(std::move(inner)); break;
    default: break;
  }
  Fragment sub = matching_keys(r, std::move(inner));
  bool in = test == RelationTest::some || test == RelationTest::is;
  if (test == RelationTest::is_not && r.kind == RelationKind::to_one)
    sub.sql = fmt::format("({0} IS NULL OR {0} NOT IN ({1}))", parent, sub.sql);
  else
    sub.sql = fmt::format("{} {}IN ({})", parent, in ? "" : "NOT ", sub.sql);
  return sub;
}

}  // namespace pgkit::client::detail
