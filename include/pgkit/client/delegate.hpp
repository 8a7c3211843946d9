#pragma once
/// @file client/delegate.hpp
/// A model's calls (Prisma Client's `prisma.user.*`): the generated client has one Delegate
/// per model (`db.user.find_many({…})`). Arguments are aggregates in Prisma's order, so a
/// Prisma call reads line by line as its C++ form:
/// @code
///   // prisma.post.findMany({ where: { deletedAt: null }, orderBy: { createdAt: 'desc' }, take: 20 })
///   auto posts = db.post.find_many({.where = post::deleted_at.is_null(),
///                                   .order_by = {post::created_at.desc()},
///                                   .take = 20});
///   auto next = db.post.find_many({…, .after = &posts.back()});   // keyset: the 20 after it
/// @endcode

#include <cstdint>
#include <optional>
#include <source_location>
#include <string>
#include <vector>

#include "pgkit/client/errors.hpp"
#include "pgkit/client/executor.hpp"
#include "pgkit/client/field.hpp"
#include "pgkit/client/model.hpp"
#include "pgkit/client/read.hpp"
#include "pgkit/client/where.hpp"

namespace pgkit::client {

/// find_many / find_first: which rows, in which order, which page.
template <class Model>
struct FindMany {
  Where<Model> where;
  /// Terms in order; none with take/skip/after → by the model's key, as Prisma does.
  std::vector<OrderBy<Model>> order_by;
  std::optional<std::int64_t> take;
  std::int64_t skip = 0;
  /// Keyset paging: only rows after this one in the order (the model's key breaks ties), by
  /// an index-friendly comparison — not Prisma's cursor, which re-reads the row by subquery and
  /// includes it.
  const Model* after = nullptr;
};

/// find_unique: a filter on an @id, @unique or @@unique (it does not compile otherwise).
template <class Model>
struct FindUnique {
  UniqueWhere<Model> where;
};

/// count: how many rows match; take/skip count within that page, as Prisma's do.
template <class Model>
struct Count {
  Where<Model> where;
  std::optional<std::int64_t> take;
  std::int64_t skip = 0;
};

template <class Model>
class Delegate {
 public:
  using Info = ModelInfo<Model>;

  explicit Delegate(Executor executor) : exec_(executor) {}

  std::vector<Model> find_many(FindMany<Model> args = {},
                               std::source_location at = std::source_location::current()) const {
    return read(std::move(args), at);
  }
  /// The first row in the order (by the model's key when none is given), or nullopt.
  std::optional<Model> find_first(FindMany<Model> args = {},
                                  std::source_location at = std::source_location::current()) const {
    args.take = 1;
    auto rows = read(std::move(args), at);
    if (rows.empty()) return std::nullopt;
    return std::move(rows[0]);
  }
  /// @throws RecordNotFound (P2025) when no row matches
  Model find_first_or_throw(FindMany<Model> args = {},
                            std::source_location at = std::source_location::current()) const {
    auto row = find_first(std::move(args), at);
    if (!row) throw RecordNotFound(Info::name, "query");
    return std::move(*row);
  }
  std::optional<Model> find_unique(FindUnique<Model> args,
                                   std::source_location at = std::source_location::current()) const {
    auto rows = read({.where = std::move(args.where)}, at);
    if (rows.empty()) return std::nullopt;
    return std::move(rows[0]);
  }
  /// @throws RecordNotFound (P2025) when no row matches
  Model find_unique_or_throw(FindUnique<Model> args, std::source_location at = std::source_location::current()) const {
    auto row = find_unique(std::move(args), at);
    if (!row) throw RecordNotFound(Info::name, "query");
    return std::move(*row);
  }
  std::int64_t count(Count<Model> args = {}, std::source_location at = std::source_location::current()) const {
    detail::Fragment where = std::move(args.where).fragment();
    detail::Page page{.take = args.take, .skip = args.skip};
    std::string sql = detail::count_statement(Info::name, Info::table, where, page);
    return exec_.run(sql, where.params, Repeat::safe, at).template scalar<std::int64_t>();
  }

 private:
  std::vector<Model> read(FindMany<Model> args, std::source_location at) const {
    static const std::string columns = detail::select_list(Info::columns);
    std::vector<detail::OrderTerm> order;
    order.reserve(args.order_by.size() + Info::key.size());
    for (const auto& o : args.order_by) order.push_back(term(o));
    // A page needs an order; keyset paging needs one in which every row has one place.
    if (args.after || (order.empty() && (args.take || args.skip)))
      for (const ColumnRef<Model>* k : Info::key)
        if (!ordered_by(order, k)) order.push_back(term({k}));
    detail::Page page{.take = args.take, .skip = args.skip};
    if (args.after) {
      if (Info::key.empty()) detail::throw_no_key_for_after(Info::name);
      for (const auto& o : args.order_by) page.after.push_back(value_of(*o.column, *args.after));
      for (const ColumnRef<Model>* k : Info::key)
        if (!ordered_by_field(args.order_by, k)) page.after.push_back(value_of(*k, *args.after));
    }
    detail::Fragment where = std::move(args.where).fragment();
    std::string sql = detail::select_statement(Info::name, columns, Info::table, where, order, page);
    Result result = exec_.run(sql, where.params, Repeat::safe, at);
    std::vector<Model> rows;
    rows.reserve(static_cast<std::size_t>(result.size()));
    for (const Row& row : result) rows.push_back(Info::from_row(row));
    return rows;
  }

  static detail::OrderTerm term(const OrderBy<Model>& o) {
    return {o.column->column, o.column->field, o.descending, o.nulls, o.column->nullable};
  }
  static std::optional<Params> value_of(const ColumnRef<Model>& c, const Model& row) {
    Params p;
    if (!c.value_of(row, p)) return std::nullopt;
    return p;
  }
  static bool ordered_by(const std::vector<detail::OrderTerm>& order, const ColumnRef<Model>* k) {
    for (const auto& t : order)
      if (t.column == k->column) return true;
    return false;
  }
  static bool ordered_by_field(const std::vector<OrderBy<Model>>& order, const ColumnRef<Model>* k) {
    for (const auto& o : order)
      if (o.column->column == k->column) return true;
    return false;
  }

  Executor exec_;
};

}  // namespace pgkit::client
