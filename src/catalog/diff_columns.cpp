// How two versions of a column, index or foreign key compare — Prisma's rules, so that pgkit
// and Prisma see the same differences (and, as important, the same non-differences: a default
// written `1.50` in one place and `1.5` in the other is no change).
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "catalog/diff_internal.hpp"
#include "catalog/native_type.hpp"

namespace pgkit::catalog::detail {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// JSON text without insignificant whitespace, so `{"a": 1}` equals `{"a":1}`.
std::string compact_json(std::string_view s) {
  std::string out;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      out += c;
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
      out += c;
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      out += c;
    }
  }
  return out;
}

// A decimal number without a leading '+', leading zeros or trailing fractional zeros: "1.50"
// and "1.5", "-0005" and "-5", "2e3" and "2000" compare equal where both parse.
bool same_number(const std::string& a, const std::string& b) {
  if (a == b) return true;
  char* end_a = nullptr;
  char* end_b = nullptr;
  long double x = std::strtold(a.c_str(), &end_a), y = std::strtold(b.c_str(), &end_b);
  if (a.empty() || b.empty() || *end_a || *end_b) return false;
  return x == y;
}

bool same_boolean(const std::string& a, const std::string& b) {
  auto norm = [](const std::string& s) {
    auto l = lower(s);
    return l == "t" || l == "true" || l == "1" || l == "yes" || l == "on";
  };
  return norm(a) == norm(b);
}

enum class Family { text, number, boolean, json, datetime, other };

Family family(const Type& type) {
  auto n = native_type(type);
  if (!n) return Family::other;
  switch (n->known) {
    case Known::SmallInt:
    case Known::Integer:
    case Known::BigInt:
    case Known::Decimal:
    case Known::Real:
    case Known::DoublePrecision:
    case Known::Oid: return Family::number;
    case Known::Boolean: return Family::boolean;
    case Known::Json:
    case Known::JsonB: return Family::json;
    case Known::Timestamp:
    case Known::Timestamptz:
    case Known::Date:
    case Known::Time:
    case Known::Timetz: return Family::datetime;
    default: return Family::text;
  }
}

bool values_match(const Column& a, const Column& b) {
  const auto &x = a.default_value->value, &y = b.default_value->value;
  Family fa = family(a.type), fb = family(b.type);
  // Datetime literals are compared by nobody: the server rewrites them (Prisma: "can't diff").
  if (fa == Family::datetime || fb == Family::datetime) return true;
  if (a.type.dimensions > 0 || b.type.dimensions > 0) return x == y;
  if (fa == Family::json && fb == Family::json) return compact_json(x) == compact_json(y);
  if (fa == Family::number && fb == Family::number) return same_number(x, y);
  if (fa == Family::boolean && fb == Family::boolean) return same_boolean(x, y);
  return x == y;
}

// Prisma's defaults_match for PostgreSQL (column.rs), case by case.
bool defaults_match(const Column& a, const Column& b) {
  const auto& p = a.default_value;
  const auto& n = b.default_value;
  if (!p && !n) return true;
  if (n && n->kind == DefaultKind::sequence) return true;  // autoincrement is compared on its own
  if (p && p->kind == DefaultKind::sequence) return !n;    // a sequence dropped: the autoincrement change covers it
  if (n && n->kind == DefaultKind::expression && n->value.empty() && n->expression.empty())
    return true;  // dbgenerated()
  if (!p || !n) return false;
  if (p->kind != n->kind) {
    // A list literal against an expression on a datetime column: not compared (Prisma).
    bool datetime = family(a.type) == Family::datetime || family(b.type) == Family::datetime;
    return datetime && (a.type.dimensions > 0 || b.type.dimensions > 0);
  }
  switch (p->kind) {
    case DefaultKind::now: return true;
    case DefaultKind::value: return values_match(a, b);
    case DefaultKind::expression: return lower(p->expression) == lower(n->expression);
    case DefaultKind::sequence: return true;
  }
  return true;
}

// Unsupported types compare by their spelling, ignoring case, spaces and the schema prefix.
std::string loose_type(const Type& t) {
  std::string s = lower(t.sql), out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c)) && c != '"') out += c;
  if (auto dot = out.find('.'); dot != std::string::npos && out.find('(') > dot) out = out.substr(dot + 1);
  return out;
}

std::optional<Cast> type_change(const Catalog& from, const Column& a, const Catalog& to, const Column& b) {
  bool ea = is_enum(from, a.type), eb = is_enum(to, b.type);
  if (ea || eb) {
    if (ea && eb && a.type.schema == b.type.schema && a.type.name == b.type.name &&
        a.type.dimensions == b.type.dimensions)
      return std::nullopt;
    return Cast::impossible;
  }
  auto na = native_type(a.type), nb = native_type(b.type);
  bool list_to_scalar = a.type.dimensions > 0 && b.type.dimensions == 0;
  bool scalar_to_list = a.type.dimensions == 0 && b.type.dimensions > 0;
  if (list_to_scalar && nb) {
    if (nb->known == Known::Text || (nb->known == Known::VarChar && !nb->a)) return Cast::safe;
    if (nb->known == Known::VarChar || nb->known == Known::Char) return Cast::risky;
  }
  if (list_to_scalar || scalar_to_list) return Cast::impossible;
  if (na && nb) {
    Cast c = cast_between(*na, *nb);
    if (c == Cast::none) return std::nullopt;
    return c;
  }
  if (!na && !nb) {
    if (loose_type(a.type) == loose_type(b.type)) return std::nullopt;
    return Cast::risky;
  }
  return Cast::risky;
}

}  // namespace

Arity arity(const Column& c) {
  if (c.type.dimensions > 0) return Arity::list;
  return c.not_null ? Arity::required : Arity::nullable;
}

const char* to_string(Arity a) {
  switch (a) {
    case Arity::required: return "Required";
    case Arity::nullable: return "Nullable";
    case Arity::list: return "List";
  }
  return "?";
}

bool is_enum(const Catalog& catalog, const Type& type) {
  return !type.builtin() && catalog.enumeration(type.schema, type.name) != nullptr;
}

bool is_autoincrement(const Column& c) { return c.default_value && c.default_value->kind == DefaultKind::sequence; }

ColumnChanges column_changes(const Catalog& from, const Column& a, const Catalog& to, const Column& b, bool full) {
  ColumnChanges changes;
  changes.arity = arity(a) != arity(b);
  if (auto cast = type_change(from, a, to, b)) {
    changes.type = true;
    changes.cast = *cast;
  }
  changes.default_value = !defaults_match(a, b);
  changes.autoincrement = is_autoincrement(a) != is_autoincrement(b);
  if (full) {
    changes.definition = a.identity != b.identity || a.generated != b.generated || a.collation != b.collation;
    // Two database catalogs: a default is compared as the server prints it.
    if (!changes.default_value && a.default_value && b.default_value && a.default_value->kind != DefaultKind::sequence)
      changes.default_value = a.default_value->expression != b.default_value->expression;
    if (!changes.type && a.type.sql != b.type.sql && !is_enum(from, a.type)) {
      changes.type = true;
      changes.cast = Cast::risky;
    }
  }
  return changes;
}

bool indexes_match(const Index& a, const Index& b, bool full) {
  if (a.is_unique() != b.is_unique() || (a.kind == Index::Kind::exclusion) != (b.kind == Index::Kind::exclusion))
    return false;
  if (a.method != b.method || a.keys.size() != b.keys.size()) return false;
  for (std::size_t i = 0; i < a.keys.size(); ++i) {
    const auto &x = a.keys[i], &y = b.keys[i];
    if (x.column != y.column || x.descending != y.descending || x.effective_opclass() != y.effective_opclass())
      return false;
    if (full && (x.expression != y.expression || x.nulls_first != y.nulls_first)) return false;
  }
  if (full) {
    if (a.predicate != b.predicate || a.include != b.include || a.options != b.options ||
        a.nulls_not_distinct != b.nulls_not_distinct || a.kind != b.kind)
      return false;
    if (a.kind == Index::Kind::exclusion && a.definition != b.definition) return false;
  }
  return true;
}

bool foreign_keys_match(const Catalog& from, const Table& ta, const ForeignKey& a, const Catalog& to, const Table& tb,
                        const ForeignKey& b, bool full) {
  if (a.referenced_table != b.referenced_table || a.referenced_schema != b.referenced_schema) return false;
  if (a.columns.size() != b.columns.size() || a.referenced_columns != b.referenced_columns) return false;
  if (a.on_delete != b.on_delete || a.on_update != b.on_update) return false;
  for (std::size_t i = 0; i < a.columns.size(); ++i) {
    if (a.columns[i] != b.columns[i]) return false;
    const Column* ca = ta.column(a.columns[i]);
    const Column* cb = tb.column(b.columns[i]);
    if (!ca || !cb) return false;
    if (type_change(from, *ca, to, *cb)) return false;
    auto pa = arity(*ca), pb = arity(*cb);
    if (pa != pb && !(pa == Arity::required && pb == Arity::nullable)) return false;
  }
  if (full && a.definition != b.definition && !a.definition.empty() && !b.definition.empty()) return false;
  return true;
}

bool is_implicit_join_table(const Table& t) { return t.columns.size() == 2 && t.column("A") && t.column("B"); }

}  // namespace pgkit::catalog::detail
