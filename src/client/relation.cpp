// The SQL of relations: loading the related rows of many parents in one statement (`include`),
// and relation filters as IN / NOT IN subqueries, the form Prisma's engine uses.
#include <fmt/format.h>

#include <tuple>

#include "pgkit/client/relation.hpp"
#include "text_cache.hpp"

namespace pgkit::client::detail {

namespace {

const std::string kMarker(1, kParam);

// The join table's column holding this side's key, and the other side's.
std::string_view self_column(const RelationShape& r) { return r.parent_is_a ? "\"A\"" : "\"B\""; }
std::string_view other_column(const RelationShape& r) { return r.parent_is_a ? "\"B\"" : "\"A\""; }

// A side's columns of the key: one, or every column of a composite foreign key, joined by sep
// after each is put through form ("{}", "{} IS NULL"…).
std::string key_columns(const RelationShape& r, bool parent, std::string_view form, std::string_view sep) {
  std::string out;
  auto add = [&](std::string_view column) {
    if (!out.empty()) out += sep;
    out += fmt::format(fmt::runtime(form), column);
  };
  if (r.composite.empty()) add(parent ? r.parent_column : r.child_column);
  for (const auto& k : r.composite) add(parent ? k.parent_column : k.child_column);
  return out;
}
// The parent's key as an IN operand: "col" or a row "(a, b)".
std::string parent_key(const RelationShape& r) {
  std::string cols = key_columns(r, true, "{}", ", ");
  return r.composite.empty() ? cols : "(" + cols + ")";
}
// The parent's key is NULL (or not): a composite key is when any of its columns is, as in Prisma.
std::string parent_key_null(const RelationShape& r, bool null) {
  std::string test =
      null ? key_columns(r, true, "{} IS NULL", " OR ") : key_columns(r, true, "{} IS NOT NULL", " AND ");
  return r.composite.empty() ? test : "(" + test + ")";
}

// SELECT of the child-side values that match parents, for a filter: rows where inner holds.
Fragment matching_keys(const RelationShape& r, Fragment inner) {
  Fragment out;
  switch (r.kind) {
    case RelationKind::to_one:
      out.sql = fmt::format("SELECT {} FROM {}", key_columns(r, false, "{}", ", "), r.child_table);
      if (!inner.sql.empty()) out.sql += " WHERE " + inner.sql;
      break;
    case RelationKind::back_one:
    case RelationKind::to_many:
      // NOT IN with a NULL in the list is never true: NULL foreign keys are left out.
      out.sql = fmt::format("SELECT {} FROM {} WHERE {}", key_columns(r, false, "{}", ", "), r.child_table,
                            key_columns(r, false, "{} IS NOT NULL", " AND "));
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

// The key every loaded row starts with, and what it is selected from: for a composite key, the
// parents' key tuples unnested with their ordinal and joined to the child's rows.
std::pair<std::string, std::string> include_source(const RelationShape& r) {
  if (r.kind == RelationKind::many_to_many)
    return {fmt::format("j.{}", self_column(r)),
            fmt::format("{} AS j JOIN {} ON {}.{} = j.{}", r.join_table, r.child_table, r.child_table, r.child_column,
                        other_column(r))};
  if (r.composite.empty()) return {fmt::format("{}.{}", r.child_table, r.child_column), std::string(r.child_table)};
  std::string arrays, names, on;
  for (std::size_t i = 0; i < r.composite.size(); ++i) {
    const KeyPart& k = r.composite[i];
    std::string sep = i ? ", " : "";
    arrays += fmt::format("{}{}::{}", sep, kMarker, k.array_type);
    names += fmt::format("{}pgkit_k{}", sep, i + 1);
    on += fmt::format("{}{}.{} = k.pgkit_k{}", i ? " AND " : "", r.child_table, k.child_column, i + 1);
  }
  return {"k.pgkit_i",
          fmt::format("unnest({}) WITH ORDINALITY AS k({}, pgkit_i) JOIN {} ON {}", arrays, names, r.child_table, on)};
}

}  // namespace

std::string param_text(const Params& p) {
  if (p.size() == 0 || !p.values()[0]) return {};
  return std::string(p.values()[0], static_cast<std::size_t>(p.lengths()[0]));
}

namespace {

// What include and count statements share: the key each row belongs to, the FROM, and the
// WHERE (the parents' keys and the caller's where).
struct Source {
  std::string key, from, filter;
};

Source source(const RelationShape& r, std::string_view where) {
  Source s;
  std::tie(s.key, s.from) = include_source(r);
  s.filter = r.composite.empty() ? s.key + " = ANY(" + kMarker + ")" : "";
  if (!where.empty()) s.filter += (s.filter.empty() ? "" : " AND ") + std::string(where);
  if (!s.filter.empty()) s.filter = " WHERE " + s.filter;
  return s;
}

// Their parameters, in order: the keys' arrays, then the where's.
Params source_params(const Fragment& where, const std::vector<std::vector<std::string>>& keys) {
  Params params;
  for (const auto& column : keys) {
    std::string array;
    ValueTraits<std::vector<std::string>>::write(array, column);
    params.add_text(array);
  }
  params.append(where.params);
  return params;
}

}  // namespace

std::string relation_count_statement(const RelationShape& r, Fragment& where,
                                     const std::vector<std::vector<std::string>>& keys) {
  Source s = source(r, where.sql);
  where.params = source_params(where, keys);
  return numbered(fmt::format("SELECT {}, count(*) FROM {}{} GROUP BY 1", s.key, s.from, s.filter));
}

std::string include_statement(const RelationShape& r, std::string_view child_columns, Fragment& where,
                              std::span<const OrderTerm> order, std::optional<std::int64_t> take,
                              const std::vector<std::vector<std::string>>& keys) {
  // The key each row belongs to, then the child's columns (ModelInfo::from_row from column 1).
  bool paged = take && r.kind != RelationKind::to_one && r.kind != RelationKind::back_one;
  std::string over = order_clause(order);
  std::string shape(1, static_cast<char>('0' + static_cast<int>(r.kind) * 2 + (r.parent_is_a ? 1 : 0)));
  shape += paged ? 'p' : '-';
  for (auto part : {r.parent_column, r.child_table, r.child_column, r.join_table, child_columns,
                    std::string_view(where.sql), std::string_view(over)})
    key_part(shape, part);
  for (const auto& k : r.composite)
    for (auto part : {k.parent_column, k.child_column, k.array_type}) key_part(shape, part);
  std::string sql = cached_text(std::move(shape), [&] {
    Source s = source(r, where.sql);
    if (!paged) return numbered(fmt::format("SELECT {}, {} FROM {}{}{}", s.key, child_columns, s.from, s.filter, over));
    // A page per parent: numbered within each parent's rows, in the include's order.
    std::string text = fmt::format(
        "SELECT * FROM (SELECT {} AS pgkit_key, {}, row_number() OVER (PARTITION BY {}{}) AS pgkit_n FROM {}{}) "
        "AS page WHERE pgkit_n <= {}",
        s.key, child_columns, s.key, over, s.from, s.filter, kMarker);
    if (!order.empty()) text += " ORDER BY pgkit_key, pgkit_n";
    return numbered(text);
  });
  Params params = source_params(where, keys);
  if (paged) params.add(*take);
  where.params = std::move(params);
  return sql;
}

Fragment relation_count_subquery(const RelationShape& r, std::string_view outer, Fragment where) {
  // The related table is aliased, so a self relation's outer name still means the parent row;
  // the where's unqualified columns are the related rows' (the nearest scope).
  std::string sql;
  if (r.kind == RelationKind::many_to_many) {
    sql = fmt::format("(SELECT count(*) FROM {} AS j JOIN {} AS pgkit_c ON pgkit_c.{} = j.{} WHERE j.{} = {}.{}",
                      r.join_table, r.child_table, r.child_column, other_column(r), self_column(r), outer,
                      r.parent_column);
  } else {
    std::string on;
    auto pair = [&](std::string_view parent, std::string_view child) {
      on += fmt::format("{}pgkit_c.{} = {}.{}", on.empty() ? "" : " AND ", child, outer, parent);
    };
    if (r.composite.empty()) pair(r.parent_column, r.child_column);
    for (const auto& k : r.composite) pair(k.parent_column, k.child_column);
    sql = fmt::format("(SELECT count(*) FROM {} AS pgkit_c WHERE {}", r.child_table, on);
  }
  if (!where.sql.empty()) sql += " AND " + where.sql;
  where.sql = sql + ")";
  return where;
}

Fragment relation_filter(const RelationShape& r, RelationTest test, Fragment inner) {
  std::string parent = parent_key(r);
  switch (test) {
    case RelationTest::is_null:
    case RelationTest::is_not_null: {
      bool null = test == RelationTest::is_null;
      if (r.kind == RelationKind::to_one) return predicate(parent_key_null(r, null));
      Fragment sub = matching_keys(r, {});
      return {fmt::format("{} {}IN ({})", parent, null ? "NOT " : "", sub.sql), {}};
    }
    case RelationTest::every: inner = negate(std::move(inner)); break;
    default: break;
  }
  Fragment sub = matching_keys(r, std::move(inner));
  bool in = test == RelationTest::some || test == RelationTest::is;
  if (test == RelationTest::is_not && r.kind == RelationKind::to_one)
    sub.sql = fmt::format("({} OR {} NOT IN ({}))", parent_key_null(r, true), parent, sub.sql);
  else
    sub.sql = fmt::format("{} {}IN ({})", parent, in ? "" : "NOT ", sub.sql);
  return sub;
}

}  // namespace pgkit::client::detail
