#pragma once
/// @file select.hpp
/// What `select` reads (Prisma's `select`): some of a model's fields, each as its struct member's
/// type, in a tuple in the order asked — `auto [id, title] = *db.post.select(post::id,
/// post::title).find_first()`; a relation's count is a std::int64_t (`user::posts.count(…)`,
/// Prisma's `select: { _count: … }`). The calls are Selection (delegate.hpp) and AsyncSelection
/// (async_delegate.hpp); this file is what they share.

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "pgkit/client/errors.hpp"
#include "pgkit/client/field.hpp"
#include "pgkit/client/model.hpp"
#include "pgkit/client/relation.hpp"
#include "pgkit/result.hpp"

namespace pgkit::client::detail {

template <class T>
struct is_field : std::false_type {};
template <auto Member, FieldKind Kind, bool Unique>
struct is_field<Field<Member, Kind, Unique>> : std::true_type {};

/// A select term: a scalar field, or a relation's count. valid is false for anything else.
template <class F, bool = is_field<F>::value>
struct select_term {
  static constexpr bool valid = false;
  using Model = void;
};
template <class F>
struct select_term<F, true> {
  static constexpr bool valid = true;
  using Model = typename F::Model;
  using Type = typename F::Stored;
  static constexpr bool list = F::kList;
};
template <auto Member>
struct select_term<CountOf<Member>, false> {
  static constexpr bool valid = true;
  using Model = typename CountOf<Member>::Parent;
  using Type = std::int64_t;
  static constexpr bool list = false;
};

/// UsageError: a select field that is not one of the model's columns (cannot happen with
/// generated descriptors), or `include` with `select`.
[[noreturn]] void throw_select_usage(std::string_view model, std::string_view what);

template <class Model, class... F>
struct Selected {
  static_assert(sizeof...(F) > 0, "select: name at least one field");
  static_assert((select_term<F>::valid && ...),
                "select: only the model's scalar fields (fields::<model>::…) and counts of its list relations");
  static_assert((std::is_same_v<typename select_term<F>::Model, Model> && ...),
                "select: every field must be one of this model's (fields::<model>::…)");
  using Row = std::tuple<typename select_term<F>::Type...>;

  /// The terms' select expressions, joined, as the model's full reads write them; a count's
  /// filter brings its parameters (they come before the read's own).
  static Fragment columns(const F&... terms) {
    Fragment out;
    (append(out, terms), ...);
    return out;
  }

  static std::vector<Row> rows_of(const Result& result) {
    std::vector<Row> rows;
    rows.reserve(static_cast<std::size_t>(result.size()));
    for (const pgkit::Row& row : result) rows.push_back(read(row, std::index_sequence_for<F...>{}));
    return rows;
  }

 private:
  template <class T>
  static void append(Fragment& out, const T& term) {
    if (!out.sql.empty()) out.sql += ", ";
    if constexpr (is_field<T>::value) {
      out.sql += select_of(term.field);
    } else {
      Fragment count = term.select_term();
      out.sql += count.sql;
      out.params.append(count.params);
    }
  }
  static std::string_view select_of(std::string_view field) {
    for (const Column& c : ModelInfo<Model>::columns)
      if (c.field == field) return c.select;
    throw_select_usage(ModelInfo<Model>::name, field);
  }
  template <std::size_t... I>
  static Row read(const pgkit::Row& row, std::index_sequence<I...>) {
    return Row(cell<typename select_term<F>::Type, select_term<F>::list>(row, static_cast<int>(I))...);
  }
  // A list reads NULL as empty, as the model's from_row does.
  template <class T, bool List>
  static T cell(const pgkit::Row& row, int column) {
    if constexpr (List)
      return row.get<std::optional<T>>(column).value_or(T{});
    else
      return row.get<T>(column);
  }
};

}  // namespace pgkit::client::detail
