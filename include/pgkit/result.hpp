#pragma once
/// @file result.hpp
/// A query's result: rows of fields read as C++ types. Cheap to copy (shared, immutable).
///
/// @code
///   auto r = conn.query("SELECT id, email, last_login_at FROM users WHERE role = $1", "ADMIN");
///   for (auto row : r) {
///     auto id = row.get<std::int64_t>(0);
///     auto when = row.get<std::optional<pgkit::Timestamp>>("last_login_at");
///   }
/// @endcode

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "pgkit/types.hpp"

namespace pgkit {

class Row;

/// The rows a statement returned (or none, for a command), plus the command's row count.
class Result {
 public:
  Result() = default;

  /// Number of rows.
  int size() const;
  bool empty() const { return size() == 0; }
  /// Number of columns.
  int columns() const;
  /// A column's name.
  std::string column_name(int column) const;
  /// A column's index by name. @throws UsageError when there is none.
  int column(std::string_view name) const;
  /// Rows inserted, updated, deleted, selected… as the server reported (PQcmdTuples).
  std::int64_t affected_rows() const;
  /// The command tag ("INSERT 0 1", "SELECT 3").
  std::string command_tag() const;

  /// Row i. @throws UsageError when out of range.
  Row operator[](int i) const;
  /// The first row. @throws UsageError when there are no rows.
  Row one() const;
  /// The single value of a one-row, one-column result.
  template <class T>
  T scalar() const;

  class iterator;
  iterator begin() const;
  iterator end() const;

 private:
  friend class Row;
  struct Data;                 // libpq's result
  friend struct ResultAccess;  // how the library makes a Result; not installed
  explicit Result(std::shared_ptr<const Data> data) : data_(std::move(data)) {}
  std::shared_ptr<const Data> data_;
};

/// One row of a Result. Shares the result's data, so `auto row = pool.query(…).one();` is safe.
class Row {
 public:
  Row(Result result, int index) : result_(std::move(result)), index_(index) {}

  bool is_null(int column) const;
  bool is_null(std::string_view name) const { return is_null(result_.column(name)); }
  /// The raw text of a field ("" for NULL).
  std::string_view text(int column) const;

  /// Field as T; NULL is allowed only when T is std::optional. @throws ConversionError
  template <class T>
  T get(int column) const {
    if constexpr (is_optional<T>::value) {
      if (is_null(column)) return std::nullopt;
      return get<typename T::value_type>(column);
    } else {
      if (is_null(column)) throw_null(column);
      try {
        return ValueTraits<T>::read(text(column));
      } catch (const std::exception& e) {
        throw_conversion(column, e.what());
      }
    }
  }
  template <class T>
  T get(std::string_view name) const {
    return get<T>(result_.column(name));
  }
  /// The whole row as a tuple: `auto [id, email] = row.as<std::int64_t, std::string>();`
  template <class... T>
  std::tuple<T...> as() const {
    return as_impl<T...>(std::index_sequence_for<T...>{});
  }
  int index() const { return index_; }

 private:
  template <class T>
  struct is_optional : std::false_type {};
  template <class T>
  struct is_optional<std::optional<T>> : std::true_type {};
  /// ConversionError naming the column: a NULL met a type that is not std::optional.
  [[noreturn]] void throw_null(int column) const;
  /// ConversionError naming the column: what ValueTraits<T>::read could not read.
  [[noreturn]] void throw_conversion(int column, std::string_view what) const;
  template <class... T, std::size_t... I>
  std::tuple<T...> as_impl(std::index_sequence<I...>) const {
    return {get<T>(static_cast<int>(I))...};
  }
  Result result_;
  int index_;
};

class Result::iterator {
 public:
  using value_type = Row;
  using difference_type = std::ptrdiff_t;
  iterator(const Result* r, int i) : r_(r), i_(i) {}
  Row operator*() const { return Row(*r_, i_); }
  iterator& operator++() {
    ++i_;
    return *this;
  }
  iterator operator++(int) {
    auto t = *this;
    ++i_;
    return t;
  }
  bool operator==(const iterator& o) const { return i_ == o.i_; }

 private:
  const Result* r_;
  int i_;
};

inline Result::iterator Result::begin() const { return {this, 0}; }
inline Result::iterator Result::end() const { return {this, size()}; }

template <class T>
T Result::scalar() const {
  return one().get<T>(0);
}

}  // namespace pgkit
