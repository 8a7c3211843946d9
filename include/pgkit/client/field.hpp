#pragma once
/// @file client/field.hpp
/// A generated model's field descriptors: `app::fields::user::email` is a
/// `Field<&User::email, FieldKind::text, true>`, and what it offers follows from the field's
/// type — `<` on numbers, dates and strings, `contains` on strings, `has` on lists, `is_null`
/// on optional fields. A comparison with a value of another type does not compile.
///
/// @code
///   using namespace app::fields;
///   auto w = user::email == "ada@example.com" || (user::name.contains("ada", insensitive) && user::id > 10);
///   auto order = {post::created_at.desc(), post::id.asc()};
/// @endcode

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "pgkit/client/where.hpp"
#include "pgkit/params.hpp"
#include "pgkit/types.hpp"

namespace pgkit::client {

/// How strings compare: `insensitive` is Prisma's `mode: 'insensitive'` (ILIKE).
enum class Mode { sensitive, insensitive };
inline constexpr Mode insensitive = Mode::insensitive;

/// Where NULLs sort: PostgreSQL's default (last ascending, first descending), or as said.
enum class Nulls { default_, first, last };

/// What a field's type lets a filter do (chosen by the generator from the schema type).
enum class FieldKind {
  plain,    ///< Boolean, Bytes, enums: equality and lists of values
  number,   ///< Int, BigInt, Float, Decimal: also < <= > >=, and increment … in updates
  ordered,  ///< DateTime: also < <= > >=
  text,     ///< String: also contains / starts_with / ends_with, and case-insensitive forms
  json,     ///< Json: equality and null checks
  list,     ///< any T[]: has / has_every / has_some / is_empty / equals
};

/// A column of Model as SQL orders and pages by it: the quoted column, the field's schema name,
/// and how to send one row's value of it as a parameter (false: the value is NULL).
template <class Model>
struct ColumnRef {
  std::string_view column;
  std::string_view field;
  bool nullable;
  bool (*value_of)(const Model& row, Params& out);
};

/// One term of an order_by: a column, its direction, where NULLs go.
template <class Model>
struct OrderBy {
  const ColumnRef<Model>* column;  ///< nullptr for a computed term
  bool descending = false;
  Nulls nulls = Nulls::default_;
  /// A computed term's SQL (a relation's count: `user::posts.count().desc()`).
  std::shared_ptr<const std::string> expression = nullptr;
};

/// One assignment of an update: `"name" = $1`, `"views" = "views" + $1`.
template <class Model>
class Set {
 public:
  Set(std::string_view column, detail::Fragment f) : column_(column), f_(std::move(f)) {}
  std::string_view column() const noexcept { return column_; }
  const detail::Fragment& fragment() const& noexcept { return f_; }
  detail::Fragment fragment() && noexcept { return std::move(f_); }

 private:
  std::string_view column_;
  detail::Fragment f_;
};

namespace detail {

template <class T>
struct member_pointer;
template <class C, class T>
struct member_pointer<T C::*> {
  using model = C;
  using type = T;
};

template <class T>
struct optional_of {
  using type = T;
  static constexpr bool optional = false;
};
template <class T>
struct optional_of<std::optional<T>> {
  using type = T;
  static constexpr bool optional = true;
};

template <class T>
struct list_of {
  using type = T;
};
template <class T>
struct list_of<std::vector<T>> {
  using type = T;
};

/// A value as a parameter. Timestamps go untyped with their "+00", so a `timestamp` column
/// (Prisma's DateTime) reads them as UTC whatever the session's TimeZone, and a `timestamptz`,
/// `date` or `time` column reads them as what they are.
template <class T>
void add_value(Params& p, const T& v) {
  if constexpr (optional_of<T>::optional) {
    if (v)
      add_value(p, *v);
    else
      p.add_null();
  } else if constexpr (std::is_same_v<T, Timestamp>) {
    std::string text;
    ValueTraits<Timestamp>::write(text, v);
    p.add_text(text, oid::kUnknown);
  } else {
    p.add(v);
  }
}

/// `column op $n` with the one parameter in p.
Fragment compare(std::string_view column, std::string_view op, Params p);
/// `column = ANY($n)`: p holds one array.
Fragment any(std::string_view column, Params p);
Fragment like(std::string_view column, std::string_view pattern_start, std::string_view text,
              std::string_view pattern_end, Mode mode, bool negated);
Fragment predicate(std::string sql);  ///< no parameter: `"name" IS NULL`

}  // namespace detail

template <auto Member, FieldKind Kind, bool Unique = false>
class Field : public ColumnRef<typename detail::member_pointer<decltype(Member)>::model> {
 public:
  using Model = typename detail::member_pointer<decltype(Member)>::model;
  /// The field's type in the struct (std::optional<T> for an optional field).
  using Stored = typename detail::member_pointer<decltype(Member)>::type;
  /// What a comparison takes: the type without its std::optional.
  using Value = typename detail::optional_of<Stored>::type;
  static constexpr bool kOptional = detail::optional_of<Stored>::optional;
  static constexpr bool kOrdered = Kind == FieldKind::number || Kind == FieldKind::ordered || Kind == FieldKind::text;
  static constexpr bool kOrderable = Kind != FieldKind::list && Kind != FieldKind::json;
  static constexpr bool kList = Kind == FieldKind::list;
  /// What a filter returns: equality on an @id or @unique field selects at most one row.
  using Equality = std::conditional_t<Unique, UniqueWhere<Model>, Where<Model>>;

  constexpr Field(std::string_view column, std::string_view field)
      : ColumnRef<Model>{column, field, kOptional || Kind == FieldKind::list, &value_of} {}

  // Equality (Prisma's `equals`, `not`, `in`, `notIn`). `!=` and not_in leave out NULL rows,
  // as Prisma's `not` and `notIn` do.
  Equality operator==(const Value& v) const requires(Kind != FieldKind::list) {
    if constexpr (Unique)
      return Equality(detail::SchemaUnique{}, compare("=", v), {this->column});
    else
      return compare("=", v);
  }
  Where<Model> operator!=(const Value& v) const requires(Kind != FieldKind::list) { return compare("<>", v); }
  /// Rows whose value is one of values (none: no row). One statement for any number of values.
  Where<Model> in(std::vector<Value> values) const requires(Kind != FieldKind::list && Kind != FieldKind::json) {
    return Where<Model>(detail::any(this->column, params_of(values)));
  }
  /// Rows whose value is none of values (none: every row).
  Where<Model> not_in(std::vector<Value> values) const requires(Kind != FieldKind::list && Kind != FieldKind::json) {
    return !Where<Model>(detail::any(this->column, params_of(values)));
  }

  // Null checks, on optional fields only.
  Where<Model> is_null() const requires kOptional { return null_check(" IS NULL"); }
  Where<Model> is_not_null() const requires kOptional { return null_check(" IS NOT NULL"); }

  // Comparisons (lt, lte, gt, gte).
  Where<Model> operator<(const Value& v) const requires kOrdered { return compare("<", v); }
  Where<Model> operator<=(const Value& v) const requires kOrdered { return compare("<=", v); }
  Where<Model> operator>(const Value& v) const requires kOrdered { return compare(">", v); }
  Where<Model> operator>=(const Value& v) const requires kOrdered { return compare(">=", v); }

  // Strings. The text is matched as written: %, _ and \ are not wildcards (unlike Prisma's,
  // prisma/prisma#19506).
  Where<Model> contains(std::string_view s, Mode m = Mode::sensitive) const requires(Kind == FieldKind::text) {
    return Where<Model>(detail::like(this->column, "%", s, "%", m, false));
  }
  Where<Model> starts_with(std::string_view s, Mode m = Mode::sensitive) const requires(Kind == FieldKind::text) {
    return Where<Model>(detail::like(this->column, "", s, "%", m, false));
  }
  Where<Model> ends_with(std::string_view s, Mode m = Mode::sensitive) const requires(Kind == FieldKind::text) {
    return Where<Model>(detail::like(this->column, "%", s, "", m, false));
  }
  /// Equal, ignoring case when m is insensitive (Prisma's `equals` with `mode`).
  Where<Model> equals(std::string_view s, Mode m) const requires(Kind == FieldKind::text) {
    return Where<Model>(detail::like(this->column, "", s, "", m, false));
  }
  /// Not equal, ignoring case when m is insensitive (Prisma's `not` with `mode`).
  Where<Model> not_equals(std::string_view s, Mode m) const requires(Kind == FieldKind::text) {
    return Where<Model>(detail::like(this->column, "", s, "", m, true));
  }

  // Lists (Prisma's scalar list filters). A NULL list matches none of them.
  using Element = typename detail::list_of<Value>::type;
  Where<Model> has(const Element& e) const requires(Kind == FieldKind::list) {
    return list_compare("@>", std::vector<Element>{e});
  }
  Where<Model> has_every(const Value& v) const requires(Kind == FieldKind::list) { return list_compare("@>", v); }
  Where<Model> has_some(const Value& v) const requires(Kind == FieldKind::list) { return list_compare("&&", v); }
  Where<Model> equals(const Value& v) const requires(Kind == FieldKind::list) { return list_compare("=", v); }
  Where<Model> is_empty() const requires(Kind == FieldKind::list) {
    return Where<Model>(detail::predicate(std::string(this->column) + " = '{}'"));
  }

  // Updates (Prisma's `data` of update, update_many and upsert).
  /// The new value (std::nullopt for NULL, on an optional field).
  Set<Model> set(const Stored& v) const { return assign("", v); }
  Set<Model> increment(const Value& n) const requires(Kind == FieldKind::number) { return assign(" + ", n); }
  Set<Model> decrement(const Value& n) const requires(Kind == FieldKind::number) { return assign(" - ", n); }
  Set<Model> multiply(const Value& n) const requires(Kind == FieldKind::number) { return assign(" * ", n); }
  Set<Model> divide(const Value& n) const requires(Kind == FieldKind::number) { return assign(" / ", n); }
  /// Appends to a list (a NULL list becomes the values).
  Set<Model> push(const Element& e) const requires(Kind == FieldKind::list) {
    return assign(" || ", std::vector<Element>{e});
  }
  Set<Model> push(const std::vector<Element>& v) const requires(Kind == FieldKind::list) { return assign(" || ", v); }

  // Order (order_by terms).
  OrderBy<Model> asc(Nulls n = Nulls::default_) const requires kOrderable { return {this, false, n}; }
  OrderBy<Model> desc(Nulls n = Nulls::default_) const requires kOrderable { return {this, true, n}; }

 private:
  static bool value_of(const Model& row, Params& out) {
    const Stored& v = row.*Member;
    if constexpr (kOptional) {
      if (!v) return false;
      detail::add_value(out, *v);
    } else {
      detail::add_value(out, v);
    }
    return true;
  }
  static Params params_of(const auto& v) {
    Params p;
    detail::add_value(p, v);
    return p;
  }
  Where<Model> compare(std::string_view op, const Value& v) const {
    // json has no `=` operator: compared as jsonb, whichever of the two the column is.
    if constexpr (Kind == FieldKind::json)
      return Where<Model>(detail::compare(std::string(this->column) + "::jsonb", op, params_of(v)));
    else
      return Where<Model>(detail::compare(this->column, op, params_of(v)));
  }
  Where<Model> list_compare(std::string_view op, const Value& v) const {
    return Where<Model>(detail::compare(this->column, op, params_of(v)));
  }
  // `"views" = "views" + $1`, or `"name" = $1` when op is empty.
  template <class V>
  Set<Model> assign(std::string_view op, const V& v) const {
    std::string sql = std::string(this->column) + " = ";
    if (!op.empty()) sql += std::string(this->column) + std::string(op);
    return Set<Model>(this->column, detail::Fragment{sql + detail::kParam, params_of(v)});
  }
  Where<Model> null_check(const char* test) const {
    return Where<Model>(detail::predicate(std::string(this->column) + test));
  }
};

}  // namespace pgkit::client
