// The SQL of a generated client's reads (docs/design/client.md, "SQL and statements"). A
// fragment marks where each parameter goes; the statement is numbered ($1…) once it is whole,
// so conditions compose in any order without renumbering.
#include <fmt/format.h>

#include <charconv>

#include "pgkit/client/read.hpp"
#include "pgkit/client/select.hpp"
#include "pgkit/error.hpp"
#include "text_cache.hpp"

namespace pgkit::client::detail {

namespace {

const std::string kMarker(1, kParam);

Fragment joined(Fragment a, std::string_view op, Fragment b) {
  if (a.sql.empty()) return b;
  if (b.sql.empty()) return a;
  a.sql = "(" + a.sql + std::string(op) + b.sql + ")";
  a.params.append(b.params);
  return a;
}

bool nulls_first(const OrderTerm& t) { return t.nulls == Nulls::first || (t.nulls == Nulls::default_ && t.descending); }

// Rows after the page's row in this order. With every column NOT NULL and one direction, a row
// comparison — `("created_at", "id") < ($1, $2)` — which a matching index serves directly;
// otherwise the same condition spelled out term by term, with NULLs where the order puts them.
Fragment keyset(std::span<const OrderTerm> order, std::vector<std::optional<Params>>& values) {
  bool simple = true;
  for (std::size_t i = 0; i < order.size(); ++i)
    if (order[i].nullable || !values[i] || order[i].descending != order[0].descending) simple = false;
  Fragment out;
  if (simple) {
    std::string columns, markers;
    for (std::size_t i = 0; i < order.size(); ++i) {
      columns += (i ? ", " : "") + std::string(order[i].column);
      markers += (i ? ", " : "") + kMarker;
      out.params.append(*values[i]);
    }
    out.sql = fmt::format("({}) {} ({})", columns, order[0].descending ? "<" : ">", markers);
    return out;
  }
  Fragment any;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const OrderTerm& t = order[i];
    Fragment beyond;
    if (values[i]) {
      beyond.sql = std::string(t.column) + (t.descending ? " < " : " > ") + kMarker;
      beyond.params = *values[i];
      if (t.nullable && !nulls_first(t))
        beyond = joined(std::move(beyond), " OR ", predicate(std::string(t.column) + " IS NULL"));
    } else if (nulls_first(t)) {
      beyond = predicate(std::string(t.column) + " IS NOT NULL");
    } else {
      continue;  // nothing sorts after NULL in this column: only ties on it go on
    }
    Fragment term;
    for (std::size_t j = 0; j < i; ++j) {
      Fragment tie;
      if (values[j]) {
        tie.sql = std::string(order[j].column) + " = " + kMarker;
        tie.params = *values[j];
      } else {
        tie = predicate(std::string(order[j].column) + " IS NULL");
      }
      term = joined(std::move(term), " AND ", std::move(tie));
    }
    term = joined(std::move(term), " AND ", std::move(beyond));
    any = joined(std::move(any), " OR ", std::move(term));
  }
  return any.sql.empty() ? never() : any;
}

void check_page(std::string_view model, const Page& page) {
  if (page.take && *page.take < 0)
    throw UsageError({.message = fmt::format("{}: take is {}; it must be 0 or more", model, *page.take),
                      .hint = "to read backwards, reverse the order_by (desc) and take the rows after"});
  if (page.skip < 0)
    throw UsageError({.message = fmt::format("{}: skip is {}; it must be 0 or more", model, page.skip)});
}

// " LIMIT $n OFFSET $m" (markers), for the values add_page_values adds.
std::string page_clause(const Page& page) {
  std::string out;
  if (page.take) out += " LIMIT " + kMarker;
  if (page.skip > 0) out += " OFFSET " + kMarker;
  return out;
}
void add_page_values(const Page& page, Params& params) {
  if (page.take) params.add(*page.take);
  if (page.skip > 0) params.add(page.skip);
}

}  // namespace

std::string like_escaped(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (char c : text) {
    if (c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  return out;
}

std::string order_clause(std::span<const OrderTerm> order) {
  std::string out;
  for (const auto& t : order) {
    out += out.empty() ? " ORDER BY " : ", ";
    out += t.column;
    out += t.descending ? " DESC" : " ASC";
    if (t.nulls != Nulls::default_) out += t.nulls == Nulls::first ? " NULLS FIRST" : " NULLS LAST";
  }
  return out;
}

std::string numbered(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  for (std::size_t from = 0;;) {
    std::size_t at = sql.find(kParam, from);
    out.append(sql.substr(from, at == std::string_view::npos ? std::string_view::npos : at - from));
    if (at == std::string_view::npos) return out;
    char digits[12] = {'$'};
    auto end = std::to_chars(digits + 1, digits + sizeof digits, ++n).ptr;
    out.append(digits, end);
    from = at + 1;
  }
}

Fragment all_of(Fragment a, Fragment b) { return joined(std::move(a), " AND ", std::move(b)); }
Fragment any_of(Fragment a, Fragment b) { return joined(std::move(a), " OR ", std::move(b)); }
Fragment negate(Fragment a) {
  if (!a.sql.empty()) a.sql = "NOT (" + a.sql + ")";
  return a;
}
Fragment never() { return predicate("FALSE"); }
Fragment predicate(std::string sql) { return {std::move(sql), {}}; }

Fragment compare(std::string_view column, std::string_view op, Params p) {
  return {fmt::format("{} {} {}", column, op, kMarker), std::move(p)};
}
Fragment any(std::string_view column, Params p) { return {fmt::format("{} = ANY({})", column, kMarker), std::move(p)}; }

Fragment like(std::string_view column, std::string_view pattern_start, std::string_view text,
              std::string_view pattern_end, Mode mode, bool negated) {
  Params p;
  p.add(std::string(pattern_start) + like_escaped(text) + std::string(pattern_end));
  std::string op = mode == Mode::insensitive ? "ILIKE" : "LIKE";
  return compare(column, negated ? "NOT " + op : op, std::move(p));
}

std::string select_list(std::span<const Column> columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + std::string(c.select);
  return out;
}

std::string select_statement(std::string_view model, std::string_view select_list, std::string_view table,
                             Fragment& where, std::span<const OrderTerm> order, Page& page) {
  check_page(model, page);
  if (!page.after.empty()) where = all_of(std::move(where), keyset(order, page.after));
  std::string over = order_clause(order);
  std::string key(page.take ? "t" : "-");
  key += page.skip > 0 ? 's' : '-';
  for (auto part : {select_list, table, std::string_view(where.sql), std::string_view(over)}) key_part(key, part);
  std::string sql = cached_text(std::move(key), [&] {
    std::string text = fmt::format("SELECT {} FROM {}", select_list, table);
    if (!where.sql.empty()) text += " WHERE " + where.sql;
    return numbered(text + over + page_clause(page));
  });
  add_page_values(page, where.params);
  return sql;
}

std::string count_statement(std::string_view model, std::string_view table, Fragment& where, Page& page) {
  check_page(model, page);
  std::string filter = where.sql.empty() ? "" : " WHERE " + where.sql;
  if (!page.take && page.skip == 0) return numbered(fmt::format("SELECT count(*) FROM {}{}", table, filter));
  std::string tail = page_clause(page);
  add_page_values(page, where.params);
  return numbered(fmt::format("SELECT count(*) FROM (SELECT 1 FROM {}{}{}) AS page", table, filter, tail));
}

void throw_no_key_for_after(std::string_view model) {
  throw UsageError({.message = fmt::format("{} has no @id or @unique field, so a page cannot start after a row", model),
                    .hint = "page with take and skip, or give the model (or view) a unique field"});
}

void throw_after_in_count_order(std::string_view model) {
  throw UsageError({.message = fmt::format("{}: `after` cannot follow an order by a relation's count", model),
                    .hint = "page with take and skip, or order by the model's fields"});
}

void throw_filtered_count_order(std::string_view model) {
  throw UsageError({.message = fmt::format("{}: an order by a relation's count takes no filter", model),
                    .hint = "order by relation.count() (as Prisma's orderBy: { posts: { _count: 'desc' } })"});
}

void throw_select_usage(std::string_view model, std::string_view what) {
  throw UsageError({.message = fmt::format("select on {}: {}", model, what),
                    .hint = "select takes the model's scalar fields (fields::<model>::…) and no include: read the "
                            "relation with a second call, or use include without select"});
}

}  // namespace pgkit::client::detail
