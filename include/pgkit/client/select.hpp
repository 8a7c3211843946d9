#pragma once
/// @file select.hpp
/// What `select` reads (Prisma's `select`): some of a model's fields, each as its struct member's
/// type, in a tuple in the order asked — `auto [id, title] = *db.post.select(post::id,
/// post::title).find_first()`. The calls are Selection (delegate.hpp) and AsyncSelection
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
#include "pgkit/result.hpp"

namespace pgkit::client::detail {

template <class T>
struct is_field : std::false_type {};
template <auto Member, FieldKind Kind, bool Unique>
struct is_field<Field<Member, Kind, Unique>> : std::true_type {};

/// UsageError: a select field that is not one of the model's columns (cannot happen with
/// generated descriptors), or `include` with `select`.
[[noreturn]] void throw_select_usage(std::string_view model, std::string_view what);

template <class Model, class... F>
struct Selected {
  static_assert(sizeof...(F) > 0, "select: name at least one field");
  static_assert((is_field<F>::value && ...), "select: only the model's scalar fields (fields::<model>::…)");
  static_assert((std::is_same_v<typename F::Model, Model> && ...),
                "select: every field must be one of this model's (fields::<model>::…)");
  using Row = std::tuple<typename F::Stored...>;

  /// The fields' select expressions, joined, as the model's full reads write them.
  static std::string columns(const F&... fields) {
    std::string out;
    (append(out, fields.field), ...);
    return out;
  }

  static std::vector<Row> rows_of(const Result& result) {
    std::vector<Row> rows;
    rows.reserve(static_cast<std::size_t>(result.size()));
    for (const pgkit::Row& row : result) rows.push_back(read(row, std::index_sequence_for<F...>{}));
    return rows;
  }

 private:
  static void append(std::string& out, std::string_view field) {
    for (const Column& c : ModelInfo<Model>::columns)
      if (c.field == field) {
        if (!out.empty()) out += ", ";
        out += c.select;
        return;
      }
    throw_select_usage(ModelInfo<Model>::name, field);
  }
  template <std::size_t... I>
  static Row read(const pgkit::Row& row, std::index_sequence<I...>) {
    return Row(cell<typename F::Stored, F::kList>(row, static_cast<int>(I))...);
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
