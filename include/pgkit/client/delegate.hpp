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
#include "pgkit/client/relation.hpp"
#include "pgkit/client/select.hpp"
#include "pgkit/client/where.hpp"
#include "pgkit/client/write.hpp"
#include "pgkit/client/write_plan.hpp"

namespace pgkit::client {

/// find_many / find_first: which rows, in which order, which page.
template <class Model>
struct FindMany {
  Where<Model> where{};
  /// Terms in order; none with take/skip/after → by the model's key, as Prisma does.
  std::vector<OrderBy<Model>> order_by{};
  std::optional<std::int64_t> take{};
  std::int64_t skip = 0;
  /// Keyset paging: only rows after this one in the order (the model's key breaks ties), by
  /// an index-friendly comparison — not Prisma's cursor, which re-reads the row by subquery and
  /// includes it.
  const Model* after = nullptr;
  /// Relations to load with the rows (`{user::posts, user::profile}`): one statement per
  /// relation for all the rows.
  std::vector<Include<Model>> include{};
};

/// find_unique: a filter on an @id, @unique or @@unique (it does not compile otherwise).
template <class Model>
struct FindUnique {
  UniqueWhere<Model> where;
  std::vector<Include<Model>> include{};
};

/// count: how many rows match; take/skip count within that page, as Prisma's do.
template <class Model>
struct Count {
  Where<Model> where{};
  std::optional<std::int64_t> take{};
  std::int64_t skip = 0;
};

/// create: the generated `UserCreate` (required fields must be set), with nested writes of
/// its relations (`.posts = {.create = {…}}`, `.author = {.connect = user::id == 1}`), all in
/// one transaction.
template <class Model>
struct Create {
  typename Writer<Model>::Create data;
};

/// create_many: rows without nested writes, in as few statements as the parameter limit
/// allows; skip_duplicates adds ON CONFLICT DO NOTHING.
template <class Model>
struct CreateMany {
  std::vector<typename Writer<Model>::Create> data{};
  bool skip_duplicates = false;
};

/// update: one row by a unique filter; data are assignments (`user::name.set("Ada")`).
template <class Model>
struct Update {
  UniqueWhere<Model> where;
  std::vector<Set<Model>> data{};
};

/// update_many: every row the filter matches (none: every row).
template <class Model>
struct UpdateMany {
  Where<Model> where{};
  std::vector<Set<Model>> data{};
};

/// upsert: update the row the unique filter finds, or create one.
template <class Model>
struct Upsert {
  UniqueWhere<Model> where;
  typename Writer<Model>::Create create;
  std::vector<Set<Model>> update{};
};

/// delete_: one row by a unique filter.
template <class Model>
struct Delete {
  UniqueWhere<Model> where;
};

/// delete_many: every row the filter matches (none: every row).
template <class Model>
struct DeleteMany {
  Where<Model> where{};
};

namespace detail {

/// The statements of a model's calls, and how their rows are read: shared by Delegate (on a
/// Pool or Transaction) and AsyncDelegate (co_await, async_delegate.hpp).
template <class Model>
struct Calls {
  using Info = ModelInfo<Model>;

  static const std::string& all_columns() {
    static const std::string columns = select_list(Info::columns);
    return columns;
  }

  /// columns: what to read (all of them; `select`'s fewer).
  static Statement read_statement(FindMany<Model>& args, std::string_view columns = all_columns()) {
    std::vector<OrderTerm> order;
    order.reserve(args.order_by.size() + Info::key.size());
    for (const auto& o : args.order_by) order.push_back(term(o));
    // A page needs an order; keyset paging needs one in which every row has one place.
    if (args.after || (order.empty() && (args.take || args.skip)))
      for (const ColumnRef<Model>* k : Info::key)
        if (!ordered_by(order, k)) order.push_back(term({k}));
    Page page{.take = args.take, .skip = args.skip};
    if (args.after) {
      if (Info::key.empty()) throw_no_key_for_after(Info::name);
      for (const auto& o : args.order_by)
        if (!o.column) throw_after_in_count_order(Info::name);
      for (const auto& o : args.order_by) page.after.push_back(value_of(*o.column, *args.after));
      for (const ColumnRef<Model>* k : Info::key)
        if (!ordered_by_field(args.order_by, k)) page.after.push_back(value_of(*k, *args.after));
    }
    Fragment where = std::move(args.where).fragment();
    std::string sql = select_statement(Info::name, columns, Info::table, where, order, page);
    return {std::move(sql), std::move(where.params)};
  }

  /// select's read: columns' parameters (a count's filter) come first.
  static Statement read_statement(FindMany<Model>& args, const Fragment& columns) {
    Statement st = read_statement(args, std::string_view(columns.sql));
    if (columns.params.size() == 0) return st;
    Params all = columns.params;
    all.append(st.params);
    st.params = std::move(all);
    return st;
  }

  static Statement count_statement(Count<Model>& args) {
    Fragment where = std::move(args.where).fragment();
    Page page{.take = args.take, .skip = args.skip};
    std::string sql = detail::count_statement(Info::name, Info::table, where, page);
    return {std::move(sql), std::move(where.params)};
  }

  static std::vector<Model> rows_of(const Result& result) {
    std::vector<Model> rows;
    rows.reserve(static_cast<std::size_t>(result.size()));
    for (const Row& row : result) rows.push_back(Info::from_row(row));
    return rows;
  }

  // The assignments, with @updatedAt set to now unless the data sets it (and not at all when
  // the data is empty, as Prisma's update_datetimes).
  static std::vector<Fragment> sets(std::vector<Set<Model>> data, WriteClock& clock) {
    std::vector<Fragment> out;
    for (auto& s : data) out.push_back(std::move(s).fragment());
    if (data.empty()) return out;
    for (std::string_view column : Info::updated_at) {
      bool given = false;
      for (const auto& s : data) given = given || s.column() == column;
      if (!given) out.push_back(assignment(column, clock.now()));
    }
    return out;
  }

  /// The native upsert's row when Prisma's conditions for one hold (see Delegate::upsert).
  static std::optional<InsertRow> native_upsert_row(const Upsert<Model>& args, WriteClock& clock) {
    const auto& key = args.where.key();
    if (key.empty() || args.update.empty() || Writer<Model>::nested(args.create)) return std::nullopt;
    InsertRow row;
    Writer<Model>::add_row(row, args.create, clock);
    if (!same_key_values(args.where.fragment(), key, row)) return std::nullopt;
    return row;
  }

  static OrderTerm term(const OrderBy<Model>& o) { return term_of(o); }
  static std::optional<Params> value_of(const ColumnRef<Model>& c, const Model& row) {
    Params p;
    if (!c.value_of(row, p)) return std::nullopt;
    return p;
  }
  static bool ordered_by(const std::vector<OrderTerm>& order, const ColumnRef<Model>* k) {
    for (const auto& t : order)
      if (t.column == k->column) return true;
    return false;
  }
  static bool ordered_by_field(const std::vector<OrderBy<Model>>& order, const ColumnRef<Model>* k) {
    for (const auto& o : order)
      if (o.column->column == k->column) return true;
    return false;
  }
};

}  // namespace detail

/// `db.post.select(post::id, post::title)`: the reads with only these fields, each row a tuple
/// of their types in this order (Prisma's select). No include: a relation is a second call.
template <class Model, class... F>
class Selection {
 public:
  using Selected = detail::Selected<Model, F...>;
  using Row = typename Selected::Row;

  Selection(Executor executor, const F&... fields) : exec_(executor), columns_(Selected::columns(fields...)) {}

  std::vector<Row> find_many(FindMany<Model> args = {},
                             std::source_location at = std::source_location::current()) const {
    if (!args.include.empty()) detail::throw_select_usage(ModelInfo<Model>::name, "include does not combine with it");
    detail::Statement st = detail::Calls<Model>::read_statement(args, columns_);
    return Selected::rows_of(exec_.at(at).run(st.sql, st.params, Repeat::safe));
  }
  std::optional<Row> find_first(FindMany<Model> args = {},
                                std::source_location at = std::source_location::current()) const {
    args.take = 1;
    return first(find_many(std::move(args), at));
  }
  std::optional<Row> find_unique(FindUnique<Model> args,
                                 std::source_location at = std::source_location::current()) const {
    return first(find_many({.where = std::move(args.where), .include = std::move(args.include)}, at));
  }

 private:
  static std::optional<Row> first(std::vector<Row> rows) {
    if (rows.empty()) return std::nullopt;
    return std::move(rows[0]);
  }

  Executor exec_;
  detail::Fragment columns_;
};

template <class Model>
class Delegate {
 public:
  using Info = ModelInfo<Model>;
  using Calls = detail::Calls<Model>;

  explicit Delegate(Executor executor) : exec_(executor) {}

  /// Reads of only these fields: `db.post.select(post::id, post::title).find_many({…})` →
  /// std::vector<std::tuple<std::string, std::string>>. A field of another model, or a relation,
  /// does not compile.
  template <class... F>
  Selection<Model, F...> select(const F&... fields) const {
    return Selection<Model, F...>(exec_, fields...);
  }

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
    auto rows = read({.where = std::move(args.where), .include = std::move(args.include)}, at);
    if (rows.empty()) return std::nullopt;
    return std::move(rows[0]);
  }
  /// @throws RecordNotFound (P2025) when no row matches
  Model find_unique_or_throw(FindUnique<Model> args, std::source_location at = std::source_location::current()) const {
    auto row = find_unique(std::move(args), at);
    if (!row) throw RecordNotFound(Info::name, "query");
    return std::move(*row);
  }
  // Writes. None is retried on its own: inside db.transaction(…) the transaction's retry reruns
  // the whole function.

  /// The row written, as the database holds it (defaults filled). Nested writes run in one
  /// transaction with it. @throws UniqueConstraintFailed (P2002), ForeignKeyConstraintFailed
  /// (P2003), RecordNotFound (P2025) for a connect that finds nothing
  Model create(Create<Model> args, std::source_location at = std::source_location::current()) const {
    detail::WriteClock clock;
    const detail::WritePlan plan = Writer<Model>::plan(args.data, clock);
    if (!plan.nested()) return Info::from_row(detail::insert(exec_.at(at), plan.target, plan.row).one());
    return exec_.at(at).transaction(
        [&](Transaction& tx) { return Info::from_row(detail::run_plan(Executor(tx).at(at), plan).one()); }, {});
  }
  /// How many rows were written (without duplicates skipped).
  std::int64_t create_many(CreateMany<Model> args, std::source_location at = std::source_location::current()) const {
    detail::WriteClock clock;
    std::vector<detail::InsertRow> rows(args.data.size());
    for (std::size_t i = 0; i < rows.size(); ++i) Writer<Model>::add_row(rows[i], args.data[i], clock);
    return detail::insert_many(exec_.at(at), detail::target_of<Model>(), rows, args.skip_duplicates);
  }
  /// The row after the update. @throws RecordNotFound (P2025) when no row matches
  Model update(Update<Model> args, std::source_location at = std::source_location::current()) const {
    if (args.data.empty()) {  // nothing to change: the row as it is (and @updatedAt left alone)
      auto row = find_unique({.where = std::move(args.where)}, at);
      if (!row) throw RecordNotFound(Info::name, "update");
      return std::move(*row);
    }
    detail::WriteClock clock;
    Result r = detail::update(exec_.at(at), detail::target_of<Model>(), Calls::sets(std::move(args.data), clock),
                              std::move(args.where).fragment(), true);
    if (r.empty()) throw RecordNotFound(Info::name, "update");
    return Info::from_row(r.one());
  }
  /// How many rows were updated.
  std::int64_t update_many(UpdateMany<Model> args, std::source_location at = std::source_location::current()) const {
    if (args.data.empty()) return 0;
    detail::WriteClock clock;
    return detail::update(exec_.at(at), detail::target_of<Model>(), Calls::sets(std::move(args.data), clock),
                          std::move(args.where).fragment(), false)
        .affected_rows();
  }
  /// The row updated or created. One INSERT … ON CONFLICT when the filter is the key and
  /// nothing else, create sets the key to the same values, and there are no nested writes —
  /// Prisma's conditions for a database upsert; else a read then an update or a create in one
  /// transaction (which, as Prisma's, can meet a concurrent create: UniqueConstraintFailed).
  Model upsert(Upsert<Model> args, std::source_location at = std::source_location::current()) const {
    detail::WriteClock clock;
    if (auto row = Calls::native_upsert_row(args, clock))
      return Info::from_row(detail::upsert(exec_.at(at), detail::target_of<Model>(), *row, args.where.key(),
                                           Calls::sets(std::move(args.update), clock))
                                .one());
    return exec_.at(at).transaction(
        [&](Transaction& tx) {
          Delegate in(Executor(tx).at(at));
          if (auto found = in.find_unique({.where = args.where}, at)) {
            if (args.update.empty()) return std::move(*found);
            return in.update({.where = std::move(args.where), .data = std::move(args.update)}, at);
          }
          return in.create({.data = std::move(args.create)}, at);
        },
        {});
  }
  /// The row deleted. @throws RecordNotFound (P2025) when no row matches
  Model delete_(Delete<Model> args, std::source_location at = std::source_location::current()) const {
    Result r = detail::remove(exec_.at(at), detail::target_of<Model>(), std::move(args.where).fragment(), true);
    if (r.empty()) throw RecordNotFound(Info::name, "delete");
    return Info::from_row(r.one());
  }
  /// How many rows were deleted.
  std::int64_t delete_many(DeleteMany<Model> args = {},
                           std::source_location at = std::source_location::current()) const {
    return detail::remove(exec_.at(at), detail::target_of<Model>(), std::move(args.where).fragment(), false)
        .affected_rows();
  }

  std::int64_t count(Count<Model> args = {}, std::source_location at = std::source_location::current()) const {
    detail::Statement st = Calls::count_statement(args);
    return exec_.at(at).run(st.sql, st.params, Repeat::safe).template scalar<std::int64_t>();
  }

 private:
  std::vector<Model> read(FindMany<Model> args, std::source_location at) const {
    detail::Statement st = Calls::read_statement(args);
    std::vector<Model> rows = Calls::rows_of(exec_.at(at).run(st.sql, st.params, Repeat::safe));
    for (const auto& include : args.include) include.load(exec_.at(at), rows);
    return rows;
  }

  Executor exec_;
};

}  // namespace pgkit::client
