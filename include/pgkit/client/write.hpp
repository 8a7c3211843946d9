#pragma once
/// @file client/write.hpp
/// What a generated model's writes take and what they run on: the generated `UserCreate`
/// structs are built of Required, std::optional, ToOne and ToMany; an update's data is a list
/// of assignments made from the field descriptors (`user::name.set("Ada")`,
/// `post::views.increment(1)`), so each is typed and belongs to its model.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "pgkit/client/executor.hpp"
#include "pgkit/client/field.hpp"
#include "pgkit/client/model.hpp"
#include "pgkit/client/read.hpp"
#include "pgkit/client/where.hpp"
#include "pgkit/params.hpp"
#include "pgkit/types.hpp"

namespace pgkit::client {

/// A field a create must set (required, without a default): leaving it out of the designated
/// initializer does not compile.
template <class T>
class Required {
 public:
  Required() = delete;
  template <class U>
  requires std::is_constructible_v<T, U&&> Required(U&& v)  // NOLINT: implicit, as a plain field
      : value_(std::forward<U>(v)) {}
  /// A string literal, taken as a pointer: g++ 12 cannot keep an array reference in a coroutine
  /// frame ("array used as initializer" when the create is co_awaited).
  Required(const char* s) requires std::is_constructible_v<T, const char*> : value_(s) {}  // NOLINT
  const T& operator*() const noexcept { return value_; }
  const T* operator->() const noexcept { return &value_; }

 private:
  T value_;
};

/// One value on the heap, copied deeply: a nested create of a to-one relation (the models may
/// refer to each other, so the struct cannot hold the other by value).
template <class T>
class Box {
 public:
  Box() = default;
  Box(T value) : value_(std::make_unique<T>(std::move(value))) {}  // NOLINT: implicit on purpose
  Box(const Box& other) : value_(other.value_ ? std::make_unique<T>(*other.value_) : nullptr) {}
  Box(Box&&) noexcept = default;
  Box& operator=(const Box& other) {
    if (this != &other) value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  Box& operator=(Box&&) noexcept = default;
  ~Box() = default;
  explicit operator bool() const noexcept { return value_ != nullptr; }
  const T& operator*() const { return *value_; }

 private:
  std::unique_ptr<T> value_;
};

/// A to-one relation in a create: an existing row (`.connect = user::id == 1`) or a new one
/// (`.create = app::UserCreate{…}`), written in the same transaction.
template <class Related, class RelatedCreate>
struct ToOne {
  std::optional<UniqueWhere<Related>> connect{};
  Box<RelatedCreate> create{};
  bool given() const noexcept { return connect.has_value() || static_cast<bool>(create); }
};

/// A to-many relation in a create: new rows, and existing rows to attach.
template <class Related, class RelatedCreate>
struct ToMany {
  std::vector<RelatedCreate> create{};
  std::vector<UniqueWhere<Related>> connect{};
  bool given() const noexcept { return !create.empty() || !connect.empty(); }
};

/// A unique or foreign-key constraint of a model's table, with the fields it covers (schema
/// names, comma-separated), so an error names fields as the schema does.
struct Constraint {
  std::string_view name;
  std::string_view fields;
};

/// Specialised by the generated code, per model: how its Create struct becomes a row.
///   using Create = app::UserCreate;
///   static void add_row(detail::InsertRow&, const Create&, detail::WriteClock&);  // scalars and defaults
///   static bool nested(const Create&);  // whether the data holds relation writes
///   // The row with its relation writes (write_plan.hpp); filled: the relation a parent's nested
///   // create sets (User.posts' creates are Posts whose "author" is that user).
///   static detail::WritePlan plan(const Create&, detail::WriteClock&, std::string_view filled = {});
template <class Model>
struct Writer;

namespace detail {

/// The time of one write, taken once and kept: `@default(now())` and `@updatedAt` of every row
/// a call writes are equal, in milliseconds, as Prisma's are.
class WriteClock {
 public:
  Timestamp now();

 private:
  std::optional<Timestamp> now_;
};

/// The columns and values of one INSERT row.
struct InsertRow {
  std::vector<std::string_view> columns;
  Params values;

  template <class T>
  void add(std::string_view column, const T& v) {
    columns.push_back(column);
    add_value(values, v);
  }
  void reserve(std::size_t n) {
    columns.reserve(n);
    values.reserve(n);
  }
};

/// What a write needs of its model: its name, table, select list and constraints.
struct Target {
  std::string_view model;
  std::string_view table;
  std::string_view returning;  // the select list
  std::span<const Constraint> constraints;
};

/// Inside a catch block: a unique or foreign-key error thrown again as the client's
/// (UniqueConstraintFailed, ForeignKeyConstraintFailed) naming t's fields; others as they are.
[[noreturn]] void rethrow_write_error(const Target& t);
/// Runs st; errors as rethrow_write_error.
Result run_write(const Executor& on, const Statement& st, const Target& t);

// Each write's statement (shared by the blocking and the awaitable client), and the blocking
// call that runs it.
Statement insert_statement(const Target& t, const InsertRow& row);
std::vector<Statement> insert_many_statements(const Target& t, const std::vector<InsertRow>& rows,
                                              bool skip_duplicates);
Statement update_statement(const Target& t, std::vector<Fragment> sets, Fragment where, bool returning);
Statement remove_statement(const Target& t, Fragment where, bool returning);
Statement upsert_statement(const Target& t, const InsertRow& row, std::span<const std::string_view> conflict,
                           std::vector<Fragment> sets);

/// INSERT … RETURNING the select list; a constraint error names the fields.
Result insert(const Executor& on, const Target& t, const InsertRow& row);
/// INSERT of many rows (missing values DEFAULT); returns the rows written.
std::int64_t insert_many(const Executor& on, const Target& t, const std::vector<InsertRow>& rows, bool skip_duplicates);
/// UPDATE … SET … WHERE … [RETURNING]; returning empty: no RETURNING.
Result update(const Executor& on, const Target& t, std::vector<Fragment> sets, Fragment where, bool returning);
/// DELETE … WHERE … [RETURNING].
Result remove(const Executor& on, const Target& t, Fragment where, bool returning);
/// INSERT … ON CONFLICT (conflict) DO UPDATE SET … RETURNING.
Result upsert(const Executor& on, const Target& t, const InsertRow& row, std::span<const std::string_view> conflict,
              std::vector<Fragment> sets);

/// `"column" = $1` with v.
template <class T>
Fragment assignment(std::string_view column, const T& v) {
  Fragment f{std::string(column) + " = " + kParam, {}};
  add_value(f.params, v);
  return f;
}

/// Whether where's parameters (equality on key, in key order) equal row's values of those
/// columns: then an upsert may be one INSERT … ON CONFLICT.
bool same_key_values(const Fragment& where, std::span<const std::string_view> key, const InsertRow& row);

/// UsageError: a nested write of a relation whose key the client does not read (a field of an
/// Unsupported type).
[[noreturn]] void throw_nested_unsupported(std::string_view model, std::string_view relation);

/// UsageError: a create without a required relation (neither its fields nor connect/create).
[[noreturn]] void throw_missing_relation(std::string_view model, std::string_view relation, std::string_view fields);

/// The filters of a relation's connect, as fragments.
template <class Model>
std::vector<Fragment> fragments(const std::vector<UniqueWhere<Model>>& wheres) {
  std::vector<Fragment> out;
  for (const auto& w : wheres) out.push_back(w.fragment());
  return out;
}
template <class Model>
std::vector<Fragment> fragments(const UniqueWhere<Model>& where) {
  return {where.fragment()};
}

template <class Model>
Target target_of() {
  using Info = ModelInfo<Model>;
  static const std::string list = select_list(Info::columns);
  return {Info::name, Info::table, list, Info::constraints};
}

}  // namespace detail

}  // namespace pgkit::client
