#include "studio/filters.hpp"

#include <fmt/format.h>

#include "http/http.hpp"
#include "pgkit/client/field.hpp"
#include "pgkit/client/read.hpp"

namespace pgkit::studio {

namespace json = boost::json;
using client::detail::Fragment;
using client::detail::kParam;

namespace {

constexpr int kMaxDepth = 8;
const std::string kMarker(1, kParam);

[[noreturn]] void bad(const std::string& message) { throw http::HttpError(400, "invalid_filter", message); }

bool is_text(const catalog::Column& c) {
  const auto& n = c.type.name;
  return c.type.dimensions == 0 &&
         ((c.type.builtin() && (n == "text" || n == "varchar" || n == "bpchar" || n == "name")) || n == "citext");
}

const catalog::Column& column_of(const catalog::Table& t, const json::object& o) {
  const json::value* name = o.if_contains("column");
  if (!name || !name->is_string()) bad("a condition names its column: {\"column\": …}");
  const catalog::Column* c = t.column(std::string(name->as_string()));
  if (!c) bad(fmt::format("{} has no column {}", t.name, std::string(name->as_string())));
  return *c;
}

std::string text_value(const json::object& o, const std::string& column, const std::string& op) {
  const json::value* v = o.if_contains("value");
  if (!v || !v->is_string()) bad(fmt::format("{} {} takes a value (a text)", column, op));
  return std::string(v->as_string());
}

// An array literal ({"a","b",NULL}) of texts, each quoted, for `= ANY($1::type[])`.
std::string array_literal(const json::array& values, const std::string& column) {
  std::string out = "{";
  for (const auto& v : values) {
    if (out.size() > 1) out += ',';
    if (v.is_null()) {
      out += "NULL";
      continue;
    }
    if (!v.is_string()) bad(fmt::format("{} in takes a list of texts", column));
    out += '"';
    for (char c : v.as_string()) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

Fragment with_value(std::string sql, const std::string& value) {
  Fragment f{std::move(sql), {}};
  f.params.add_text(value);
  return f;
}

Fragment column_condition(const catalog::Table& t, const json::object& o) {
  const catalog::Column& c = column_of(t, o);
  const json::value* op_value = o.if_contains("op");
  if (!op_value || !op_value->is_string()) bad(fmt::format("the condition on {} needs an op", c.name));
  const std::string op(op_value->as_string());
  const json::value* insensitive_value = o.if_contains("insensitive");
  const bool insensitive = insensitive_value && insensitive_value->is_bool() && insensitive_value->as_bool();
  const std::string col = "t." + catalog::quote_ident(c.name);
  const json::value* v = o.if_contains("value");
  if (op == "isNull") return client::detail::predicate(col + " IS NULL");
  if (op == "isNotNull") return client::detail::predicate(col + " IS NOT NULL");
  if ((op == "equals" || op == "not") && (!v || v->is_null()))
    return client::detail::predicate(col + (op == "equals" ? " IS NULL" : " IS NOT NULL"));
  if (op == "equals" || op == "not") {
    std::string value = text_value(o, c.name, op);
    const char* cmp = op == "equals" ? " = " : " <> ";
    if (insensitive && is_text(c)) return with_value("lower(" + col + ")" + cmp + "lower(" + kMarker + ")", value);
    return with_value(col + cmp + kMarker, value);
  }
  for (auto [name, sql_op] : {std::pair{"lt", " < "}, {"lte", " <= "}, {"gt", " > "}, {"gte", " >= "}})
    if (op == name) return with_value(col + sql_op + kMarker, text_value(o, c.name, op));
  for (auto [name, before, after] : {std::tuple{"contains", "%", "%"}, {"startsWith", "", "%"}, {"endsWith", "%", ""}})
    if (op == name) {
      // Other types are searched as their text (a uuid, a number, a JSON document).
      std::string subject = is_text(c) ? col : col + "::text";
      return with_value(subject + (insensitive ? " ILIKE " : " LIKE ") + kMarker,
                        before + client::detail::like_escaped(text_value(o, c.name, op)) + after);
    }
  if (op == "in" || op == "notIn") {
    if (!v || !v->is_array()) bad(fmt::format("{} {} takes a list of values", c.name, op));
    if (c.type.dimensions) bad(fmt::format("{} is an array: filter it with contains", c.name));
    Fragment f =
        with_value(fmt::format("{} = ANY({}::{}[])", col, kMarker, c.type.sql), array_literal(v->as_array(), c.name));
    return op == "in" ? f : client::detail::negate(std::move(f));
  }
  bad(
      fmt::format("unknown op {} (equals, not, lt, lte, gt, gte, contains, startsWith, endsWith, in, notIn, isNull, "
                  "isNotNull)",
                  op));
}

Fragment condition(const catalog::Table& t, const json::value& where, int depth) {
  if (depth > kMaxDepth) bad("filters nest at most 8 deep");
  if (!where.is_object()) bad("a filter is an object: {\"all\": […]}, {\"any\": […]}, {\"not\": …} or a condition");
  const json::object& o = where.as_object();
  for (const char* group : {"all", "any"}) {
    const json::value* list = o.if_contains(group);
    if (!list) continue;
    if (!list->is_array()) bad(fmt::format("{} takes a list of filters", group));
    Fragment out;
    bool any = std::string_view(group) == "any";
    for (const auto& w : list->as_array()) {
      Fragment f = condition(t, w, depth + 1);
      out = any ? client::detail::any_of(std::move(out), std::move(f))
                : client::detail::all_of(std::move(out), std::move(f));
    }
    // Prisma's OR: [] selects nothing; an AND of nothing, everything.
    if (any && list->as_array().empty()) return client::detail::never();
    return out;
  }
  if (const json::value* inner = o.if_contains("not")) return client::detail::negate(condition(t, *inner, depth + 1));
  return column_condition(t, o);
}

}  // namespace

bool sortable(const catalog::Column& c) {
  const auto& n = c.type.name;
  return !(c.type.builtin() && (n == "json" || n == "xml" || n == "bytea" || n == "point"));
}

Fragment filter_of(const catalog::Table& t, const json::value& where) {
  if (where.is_null()) return {};
  return condition(t, where, 0);
}

std::vector<SortTerm> order_of(const catalog::Table& t, const json::value& order) {
  std::vector<SortTerm> out;
  if (order.is_null()) return out;
  if (!order.is_array()) bad("order is a list: [{\"column\": …, \"desc\": true}]");
  for (const auto& term : order.as_array()) {
    if (!term.is_object()) bad("order is a list: [{\"column\": …, \"desc\": true}]");
    const catalog::Column& c = column_of(t, term.as_object());
    if (!sortable(c)) bad(fmt::format("{} ({}) has no order to sort by", c.name, c.type.sql));
    const json::value* desc = term.as_object().if_contains("desc");
    out.push_back({&c, desc && desc->is_bool() && desc->as_bool()});
  }
  return out;
}

}  // namespace pgkit::studio
