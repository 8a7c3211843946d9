#pragma once
/// @file client/relation.hpp
/// A generated model's relation fields as descriptors (`app::fields::user::posts`, in the
/// generated relations.hpp): what a call includes (`.include = {user::posts}`, with its own
/// where / order_by / take / include), and the relation filters (`user::posts.some(…)`,
/// `post::author.is(…)`). Related rows are loaded by one statement per relation level for all
/// the parents at once — never one per parent row.

#include <algorithm>
#include <exception>
#include <functional>
#include <memory>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "pgkit/client/executor.hpp"
#include "pgkit/client/field.hpp"
#include "pgkit/client/loaded.hpp"
#include "pgkit/client/model.hpp"
#include "pgkit/client/read.hpp"
#include "pgkit/client/where.hpp"

namespace pgkit::client {

/// Where a relation's foreign key is.
enum class RelationKind {
  to_one,        ///< on this model (Post.author): this row's field → the other's key
  back_one,      ///< on the other, one row (User.profile)
  to_many,       ///< on the other, many rows (User.posts)
  many_to_many,  ///< in the join table (Post.categories)
};

/// Runs the statements of include loading, blocking or awaiting: run calls done exactly once,
/// before it returns (a Pool, a Transaction) or later (an AsyncPool: async_delegate.hpp). So one
/// loader serves both clients.
class StatementRunner {
 public:
  using Done = std::function<void(std::exception_ptr, Result)>;
  virtual ~StatementRunner() = default;
  virtual void run(detail::Statement st, Done done) = 0;
};

/// Related rows to load with a call's rows (Prisma's `include`): made from a relation
/// descriptor (`user::posts`, or `user::posts.where(…).take(5)`).
template <class Parent>
class Include {
 public:
  using Finished = std::function<void(std::exception_ptr)>;
  using Loader = std::function<void(StatementRunner&, std::vector<Parent>&, Finished)>;
  explicit Include(Loader loader) : load_(std::move(loader)) {}

  /// Loads into rows, then calls finished (with the error, if one was thrown).
  void load(StatementRunner& runner, std::vector<Parent>& rows, Finished finished) const {
    load_(runner, rows, std::move(finished));
  }
  /// Loads into rows, blocking. @throws what a statement threw
  void load(const Executor& on, std::vector<Parent>& rows) const;

 private:
  Loader load_;
};

namespace detail {

template <class T>
struct loaded_of;
template <class T>
struct loaded_of<Loaded<T>> {
  using type = T;
};
}  // namespace detail

/// One column pair of a foreign key of several columns: this model's column, the other's, and
/// the array type the parents' keys are sent as ("uuid[]": the other column's type, without
/// modifiers).
struct KeyPart {
  std::string_view parent_column;
  std::string_view child_column;
  std::string_view array_type;
};

namespace detail {

/// The tables and columns of a relation, as SQL names them.
struct RelationShape {
  RelationKind kind;
  std::string_view parent_column;  ///< this model's column the relation matches on
  std::string_view child_table;
  std::string_view child_column;  ///< the other model's column it matches
  std::string_view join_table;    ///< many_to_many: "public"."_CategoryToPost"
  bool parent_is_a = false;       ///< many_to_many: this model's key is the join table's A
  /// A foreign key of several columns: every pair (parent_column and child_column are the
  /// first's); empty for one column.
  std::span<const KeyPart> composite = {};
};

/// The related rows of every parent, their first column telling which parent's they are, with
/// where and a per-parent order/take. One column: `WHERE key = ANY($1)`, keys[0] the keys' text,
/// the first column the key. Several: keys holds one array per column, joined by their ordinal
/// (`unnest(…) WITH ORDINALITY`), which is the first column (1 for keys[…][0]).
std::string include_statement(const RelationShape& r, std::string_view child_columns, Fragment& where,
                              std::span<const OrderTerm> order, std::optional<std::int64_t> take,
                              const std::vector<std::vector<std::string>>& keys);

/// SELECT key, count(*) … GROUP BY 1: how many related rows match where, for every parent at
/// once; the key and keys as include_statement's. Parents with none are not in the result.
std::string relation_count_statement(const RelationShape& r, Fragment& where,
                                     const std::vector<std::vector<std::string>>& keys);

/// `(SELECT count(*) FROM child AS pgkit_c WHERE pgkit_c.key = outer.key [AND where])`: a count
/// as a select term of the parent's read (outer: its table, as the read names it).
Fragment relation_count_subquery(const RelationShape& r, std::string_view outer, Fragment where);

enum class RelationTest { some, every, none, is, is_not, is_null, is_not_null };
/// The condition on the parent's rows (an IN / NOT IN subquery, as Prisma's).
Fragment relation_filter(const RelationShape& r, RelationTest test, Fragment inner);

/// The text a value is sent as (the key rows are matched on).
std::string param_text(const Params& p);

}  // namespace detail

template <auto Member>
class Relation;

/// Where the count of a to-many relation goes (`row._count.posts`, Prisma's `_count`): the
/// generator specialises it for every list relation, with
/// `static Loaded<std::int64_t>& of(Parent& row)`.
template <auto Member>
struct CountSlot;

/// A relation to include, with its own filter, order, page and includes.
template <auto Member>
class IncludeOf {
 public:
  using Parent = typename Relation<Member>::Parent;
  using Child = typename Relation<Member>::Child;

  explicit IncludeOf(const Relation<Member>& r) : relation_(&r) {}
  IncludeOf where(Where<Child> w) && {
    where_ = std::move(w);
    return std::move(*this);
  }
  IncludeOf order_by(std::vector<OrderBy<Child>> o) && {
    order_ = std::move(o);
    return std::move(*this);
  }
  /// At most n related rows per parent row (to-many relations).
  IncludeOf take(std::int64_t n) && {
    take_ = n;
    return std::move(*this);
  }
  IncludeOf include(std::vector<Include<Child>> nested) && {
    nested_ = std::move(nested);
    return std::move(*this);
  }

  operator Include<Parent>() && {  // NOLINT: an include list takes it as it is
    return Include<Parent>([spec = std::move(*this)](StatementRunner& runner, std::vector<Parent>& rows,
                                                     typename Include<Parent>::Finished finished) {
      spec.load(runner, rows, std::move(finished));
    });
  }

  /// One statement for the related rows of every parent, then the nested includes on those
  /// rows, then the rows attached to their parents; finished is called last.
  void load(StatementRunner& runner, std::vector<Parent>& parents, typename Include<Parent>::Finished finished) const {
    using Info = ModelInfo<Child>;
    auto level = std::make_shared<Level>();
    level->key_of.resize(parents.size());
    std::vector<std::vector<std::string>> keys = relation_->parent_keys(parents, level->key_of);
    if (keys[0].empty()) {
      for (std::size_t i = 0; i < parents.size(); ++i) attach(parents[i], level->key_of[i], *level);
      return finished(nullptr);
    }
    static const std::string columns = detail::select_list(Info::columns);
    std::vector<detail::OrderTerm> order;
    for (const auto& o : order_) order.push_back(detail::term_of(o));
    if (order.empty() && take_)
      for (const auto* k : Info::key) order.push_back({k->column, k->field, false, Nulls::default_, k->nullable});
    detail::Fragment where = where_.fragment();
    std::string sql = detail::include_statement(relation_->shape(), columns, where, order, take_, keys);
    runner.run({std::move(sql), std::move(where.params)},
               [this, &runner, &parents, level, finished = std::move(finished)](std::exception_ptr error,
                                                                                Result result) mutable {
                 if (error) return finished(error);
                 try {
                   // Room for every row at once: growing a vector of rows makes large
                   // allocations, and each makes malloc sweep its freed small chunks (in perf, a
                   // tenth of the client's user CPU in pgkit_client_bench's include).
                   const auto n = static_cast<std::size_t>(result.size());
                   level->children.reserve(n);
                   level->by_key.reserve(n);
                   for (const Row& row : result) {
                     level->by_key.emplace_back(std::string(row.text(0)), level->children.size());
                     level->children.push_back(Info::from_row(row, 1));
                   }
                   // By key, and within a key in the order read (the include's order_by).
                   std::sort(level->by_key.begin(), level->by_key.end());
                 } catch (...) {
                   return finished(std::current_exception());
                 }
                 load_nested(runner, level, 0,
                             [this, &parents, level, finished = std::move(finished)](std::exception_ptr nested_error) {
                               if (nested_error) return finished(nested_error);
                               for (std::size_t i = 0; i < parents.size(); ++i)
                                 attach(parents[i], level->key_of[i], *level);
                               finished(nullptr);
                             });
               });
  }

 private:
  using Target = typename Relation<Member>::Target;

  // What one level of loading holds until its rows are attached (it outlives the call that
  // starts it when the runner awaits).
  struct Level {
    std::vector<std::optional<std::string>> key_of;  // each parent's key
    std::vector<Child> children;
    std::vector<std::pair<std::string, std::size_t>> by_key;  // (key, index in children), sorted
  };
  // Compares by_key's entries with a key.
  struct ByKey {
    bool operator()(const std::pair<std::string, std::size_t>& e, const std::string& k) const { return e.first < k; }
    bool operator()(const std::string& k, const std::pair<std::string, std::size_t>& e) const { return k < e.first; }
  };

  void load_nested(StatementRunner& runner, const std::shared_ptr<Level>& level, std::size_t i,
                   typename Include<Child>::Finished finished) const {
    if (i == nested_.size()) return finished(nullptr);
    nested_[i].load(runner, level->children, [this, &runner, level, i, finished](std::exception_ptr error) {
      if (error) return finished(error);
      load_nested(runner, level, i + 1, finished);
    });
  }

  static void attach(Parent& parent, const std::optional<std::string>& key, const Level& level) {
    auto range = key ? std::equal_range(level.by_key.begin(), level.by_key.end(), *key, ByKey{})
                     : std::pair{level.by_key.end(), level.by_key.end()};
    if constexpr (Relation<Member>::kMany) {
      Target rows;
      for (auto it = range.first; it != range.second; ++it) rows.push_back(level.children[it->second]);
      (parent.*Member).set(std::move(rows));
    } else if constexpr (!std::is_same_v<Target, Child>) {  // optional
      (parent.*Member).set(range.first == range.second ? Target{} : Target{level.children[range.first->second]});
    } else if (range.first != range.second) {
      (parent.*Member).set(level.children[range.first->second]);
    }
  }

  const Relation<Member>* relation_;
  Where<Child> where_;
  std::vector<OrderBy<Child>> order_;
  std::optional<std::int64_t> take_;
  std::vector<Include<Child>> nested_;
};

/// How many related rows each row has (Prisma's `include: { _count: { select: { posts: … } } }`),
/// made by `user::posts.count(where)`; it goes in an include list and fills `row._count.posts`.
/// One statement for all the rows, a count per parent (0 when none match).
template <auto Member>
class CountOf {
 public:
  using Parent = typename Relation<Member>::Parent;
  using Child = typename Relation<Member>::Child;

  CountOf(const Relation<Member>& r, Where<Child> w) : relation_(&r), where_(std::move(w)) {}

  /// As an order_by term (`.order_by = {user::posts.count().desc()}`, Prisma's `orderBy: {
  /// posts: { _count: 'desc' } }`): counted per row in the statement. No filter, as Prisma's.
  OrderBy<Parent> asc() const { return order(false); }
  OrderBy<Parent> desc() const { return order(true); }

  /// As a select term (`db.user.select(user::email, user::posts.count())`): counted in the read.
  detail::Fragment select_term() const {
    return detail::relation_count_subquery(relation_->shape(), ModelInfo<Parent>::table, where_.fragment());
  }

  operator Include<Parent>() && {  // NOLINT: an include list takes it as it is
    return Include<Parent>([spec = std::move(*this)](StatementRunner& runner, std::vector<Parent>& rows,
                                                     typename Include<Parent>::Finished finished) {
      spec.load(runner, rows, std::move(finished));
    });
  }

  void load(StatementRunner& runner, std::vector<Parent>& parents, typename Include<Parent>::Finished finished) const {
    auto key_of = std::make_shared<std::vector<std::optional<std::string>>>(parents.size());
    std::vector<std::vector<std::string>> keys = relation_->parent_keys(parents, *key_of);
    if (keys[0].empty()) {
      for (auto& p : parents) CountSlot<Member>::of(p).set(0);
      return finished(nullptr);
    }
    detail::Fragment where = where_.fragment();
    std::string sql = detail::relation_count_statement(relation_->shape(), where, keys);
    runner.run({std::move(sql), std::move(where.params)},
               [&parents, key_of, finished](std::exception_ptr error, Result result) {
                 if (error) return finished(error);
                 try {
                   std::map<std::string, std::int64_t, std::less<>> counts;
                   for (const Row& row : result) counts.emplace(row.text(0), row.get<std::int64_t>(1));
                   for (std::size_t i = 0; i < parents.size(); ++i) {
                     const auto& key = (*key_of)[i];
                     auto it = key ? counts.find(*key) : counts.end();
                     CountSlot<Member>::of(parents[i]).set(it == counts.end() ? 0 : it->second);
                   }
                 } catch (...) {
                   return finished(std::current_exception());
                 }
                 finished(nullptr);
               });
  }

 private:
  OrderBy<Parent> order(bool descending) const {
    if (!where_.empty()) detail::throw_filtered_count_order(ModelInfo<Parent>::name);
    detail::Fragment count = select_term();
    return {nullptr, descending, Nulls::default_, std::make_shared<const std::string>(std::move(count.sql))};
  }

  const Relation<Member>* relation_;
  Where<Child> where_;
};

template <auto Member>
class Relation {
 public:
  using Parent = typename detail::member_pointer<decltype(Member)>::model;
  /// What the Loaded field holds: std::vector<Child>, Child or std::optional<Child>.
  using Target = typename detail::loaded_of<typename detail::member_pointer<decltype(Member)>::type>::type;
  using Child = typename detail::list_of<typename detail::optional_of<Target>::type>::type;
  static constexpr bool kMany = !std::is_same_v<Target, Child> && !detail::optional_of<Target>::optional;
  static constexpr bool kOptional = detail::optional_of<Target>::optional;

  constexpr Relation(RelationKind kind, const ColumnRef<Parent>* parent, const ColumnRef<Child>* child,
                     std::string_view join_table = {}, bool parent_is_a = false)
      : parent_(parent), parents_(&parent_, 1), shape_{single_shape(kind, parent, child, join_table, parent_is_a)} {}
  /// A foreign key of several columns (not many_to_many): this model's fields, in the order of
  /// keys, and each pair's columns. Both arrays outlive the descriptor (the generator's are
  /// `inline constexpr`).
  constexpr Relation(RelationKind kind, std::span<const ColumnRef<Parent>* const> parents,
                     std::span<const KeyPart> keys)
      : parent_(parents[0]),
        parents_(parents),
        shape_{kind, keys[0].parent_column, ModelInfo<Child>::table, keys[0].child_column, {}, false, keys} {}
  // A one-column descriptor's parents_ points at its own parent_: a copy points at its own.
  constexpr Relation(const Relation& o)
      : parent_(o.parent_),
        parents_(o.parents_.data() == &o.parent_ ? std::span<const ColumnRef<Parent>* const>(&parent_, 1) : o.parents_),
        shape_(o.shape_) {}
  Relation& operator=(const Relation&) = delete;

  // Include.
  operator Include<Parent>() const { return IncludeOf<Member>(*this); }  // NOLINT: `.include = {user::posts}`
  IncludeOf<Member> where(Where<Child> w) const { return IncludeOf<Member>(*this).where(std::move(w)); }
  IncludeOf<Member> order_by(std::vector<OrderBy<Child>> o) const {
    return IncludeOf<Member>(*this).order_by(std::move(o));
  }
  IncludeOf<Member> take(std::int64_t n) const requires kMany { return IncludeOf<Member>(*this).take(n); }
  IncludeOf<Member> include(std::vector<Include<Child>> nested) const {
    return IncludeOf<Member>(*this).include(std::move(nested));
  }

  // Filters on to-many relations: some related row matches; every one does (no related rows:
  // true); none does.
  Where<Parent> some(Where<Child> w = {}) const requires kMany { return test(detail::RelationTest::some, w); }
  Where<Parent> every(Where<Child> w = {}) const requires kMany {
    if (w.empty()) return {};
    return test(detail::RelationTest::every, w);
  }
  Where<Parent> none(Where<Child> w = {}) const requires kMany { return test(detail::RelationTest::none, w); }
  // Filters on to-one relations: the related row matches; it does not (or there is none).
  Where<Parent> is(Where<Child> w = {}) const requires(!kMany) { return test(detail::RelationTest::is, w); }
  Where<Parent> is_not(Where<Child> w = {}) const requires(!kMany) { return test(detail::RelationTest::is_not, w); }
  Where<Parent> is_null() const requires kOptional { return test(detail::RelationTest::is_null, {}); }
  Where<Parent> is_not_null() const requires kOptional { return test(detail::RelationTest::is_not_null, {}); }

  /// The related rows' count, into `row._count.<relation>` (to-many relations): an include.
  CountOf<Member> count(Where<Child> w = {}) const requires kMany && requires { CountSlot<Member>::of; }
  { return CountOf<Member>(*this, std::move(w)); }

  /// Each parent's key as the loaded rows' first column spells it, into key_of (nullopt: a NULL
  /// in it, so no related row); returns the arrays to send: one column's keys, or one array per
  /// column of the distinct key tuples, numbered from 1 in the order sent.
  std::vector<std::vector<std::string>> parent_keys(const std::vector<Parent>& parents,
                                                    std::vector<std::optional<std::string>>& key_of) const {
    const auto& refs = parents_;
    std::vector<std::vector<std::string>> keys(refs.size());
    Params p;                // one for every value: its memory is reused
    if (refs.size() == 1) {  // the common case, without a tuple per row
      keys[0].reserve(parents.size());
      for (std::size_t i = 0; i < parents.size(); ++i) {
        p.clear();
        if (!refs[0]->value_of(parents[i], p)) continue;
        key_of[i] = detail::param_text(p);
        keys[0].push_back(*key_of[i]);
      }
      return keys;
    }
    std::map<std::vector<std::string>, std::string> ordinal_of;
    for (std::size_t i = 0; i < parents.size(); ++i) {
      std::vector<std::string> parts;
      for (const auto* ref : refs) {
        p.clear();
        if (!ref->value_of(parents[i], p)) break;
        parts.push_back(detail::param_text(p));
      }
      if (parts.size() != refs.size()) continue;
      auto [it, added] = ordinal_of.try_emplace(parts, std::to_string(ordinal_of.size() + 1));
      if (added)
        for (std::size_t c = 0; c < parts.size(); ++c) keys[c].push_back(std::move(parts[c]));
      key_of[i] = it->second;
    }
    return keys;
  }

  const detail::RelationShape& shape() const noexcept { return shape_; }
  /// This model's fields the relation matches on (one, or a foreign key's several).
  std::span<const ColumnRef<Parent>* const> parent_refs() const noexcept { return parents_; }

 private:
  static constexpr detail::RelationShape single_shape(RelationKind kind, const ColumnRef<Parent>* parent,
                                                      const ColumnRef<Child>* child, std::string_view join_table,
                                                      bool parent_is_a) {
    return {kind, parent->column, ModelInfo<Child>::table, child->column, join_table, parent_is_a};
  }
  Where<Parent> test(detail::RelationTest t, const Where<Child>& w) const {
    return Where<Parent>(detail::relation_filter(shape_, t, w.fragment()));
  }

  const ColumnRef<Parent>* parent_;
  std::span<const ColumnRef<Parent>* const> parents_;
  detail::RelationShape shape_;
};

namespace detail {

/// Runs each statement before returning (a Pool: reads retried as Pool::query(idempotent, …)).
class BlockingRunner : public StatementRunner {
 public:
  explicit BlockingRunner(const Executor& on) : on_(on) {}
  void run(Statement st, Done done) override {
    Result result;
    try {
      result = on_.run(st.sql, st.params, Repeat::safe, st.prepare);
    } catch (...) {
      return done(std::current_exception(), {});
    }
    done(nullptr, std::move(result));
  }

 private:
  Executor on_;
};

}  // namespace detail

template <class Parent>
void Include<Parent>::load(const Executor& on, std::vector<Parent>& rows) const {
  detail::BlockingRunner runner(on);
  std::exception_ptr error;
  load_(runner, rows, [&](std::exception_ptr e) { error = e; });
  if (error) std::rethrow_exception(error);
}

}  // namespace pgkit::client
