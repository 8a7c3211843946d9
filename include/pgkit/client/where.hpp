#pragma once
/// @file client/where.hpp
/// A generated model's filters: `Where<User>` is a condition on users' rows, built from the
/// model's field descriptors (`user::email == "ada@example.com"`, field.hpp) and composed with
/// `&&`, `||` and `!`. A condition on one model cannot be given where another's is wanted.
///
/// An empty Where (`Where<User>{}`) is no condition: every row, and left out wherever it is
/// combined, as Prisma's `{}` is — so a filter can be built up at run time:
/// @code
///   Where<User> w;
///   if (q) w = w && user::name.contains(*q, insensitive);
///   if (role) w = w && user::role == *role;
/// @endcode

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pgkit/params.hpp"

namespace pgkit::client {

namespace detail {

/// In a fragment's SQL, where the next parameter goes; numbered $1… when the statement is made.
inline constexpr char kParam = '\x01';

/// A piece of SQL with its parameters. Empty SQL is "no condition".
struct Fragment {
  std::string sql;
  Params params;
};

Fragment all_of(Fragment a, Fragment b);  ///< a AND b; an empty side is left out
Fragment any_of(Fragment a, Fragment b);  ///< a OR b; an empty side is left out
Fragment negate(Fragment a);              ///< NOT a; empty stays empty
Fragment never();                         ///< no row (1=0)

/// Tag: only generated code says a filter selects at most one row (field.hpp, compound keys).
struct SchemaUnique {};

}  // namespace detail

template <class Model>
class Where {
 public:
  /// No condition: every row.
  Where() = default;
  explicit Where(detail::Fragment f) : f_(std::move(f)) {}

  /// True for no condition.
  bool empty() const noexcept { return f_.sql.empty(); }
  const detail::Fragment& fragment() const& noexcept { return f_; }
  detail::Fragment fragment() && noexcept { return std::move(f_); }

  friend Where operator&&(Where a, Where b) {
    return Where(detail::all_of(std::move(a).fragment(), std::move(b).fragment()));
  }
  friend Where operator||(Where a, Where b) {
    return Where(detail::any_of(std::move(a).fragment(), std::move(b).fragment()));
  }
  friend Where operator!(Where a) { return Where(detail::negate(std::move(a).fragment())); }

 private:
  detail::Fragment f_;
};

/// A filter that selects at most one row: equality on an @id or @unique field, or a compound
/// @@id / @@unique (field.hpp), optionally narrowed by more conditions. find_unique takes it.
template <class Model>
class UniqueWhere : public Where<Model> {
 public:
  /// key: the columns of the @id / @unique it is equality on, in the key's order; empty when
  /// narrowed by another condition.
  UniqueWhere(detail::SchemaUnique, Where<Model> w, std::vector<std::string_view> key = {})
      : Where<Model>(std::move(w)), key_(std::move(key)) {}

  /// The key columns when this is equality on the key and nothing else (upsert's ON CONFLICT).
  const std::vector<std::string_view>& key() const noexcept { return key_; }

  /// Still at most one row: the unique filter with another condition (Prisma's findUnique
  /// with non-unique fields beside the unique ones).
  friend UniqueWhere operator&&(UniqueWhere a, Where<Model> b) {
    return UniqueWhere(detail::SchemaUnique{}, Where<Model>(std::move(a)) && std::move(b));
  }
  friend UniqueWhere operator&&(Where<Model> a, UniqueWhere b) { return std::move(b) && std::move(a); }
  friend UniqueWhere operator&&(UniqueWhere a, UniqueWhere b) {
    return std::move(a) && static_cast<Where<Model>&&>(std::move(b));
  }

 private:
  std::vector<std::string_view> key_;
};

/// Every condition (Prisma's AND: [...]); none → every row.
template <class Model>
Where<Model> all_of(std::vector<Where<Model>> conditions) {
  Where<Model> out;
  for (auto& c : conditions) out = std::move(out) && std::move(c);
  return out;
}

/// Any of the conditions (Prisma's OR: [...]); none → no row, so `any_of(ids | to_conditions)`
/// on an empty list finds nothing, as Prisma's top-level OR: [] does.
template <class Model>
Where<Model> any_of(std::vector<Where<Model>> conditions) {
  if (conditions.empty()) return Where<Model>(detail::never());
  Where<Model> out = std::move(conditions[0]);
  for (std::size_t i = 1; i < conditions.size(); ++i) out = std::move(out) || std::move(conditions[i]);
  return out;
}

/// None of the conditions (Prisma's NOT: [...], "neither a nor b"); none → every row.
template <class Model>
Where<Model> none_of(std::vector<Where<Model>> conditions) {
  Where<Model> out;
  for (auto& c : conditions) out = std::move(out) && !std::move(c);
  return out;
}

}  // namespace pgkit::client
