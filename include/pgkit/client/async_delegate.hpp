#pragma once
/// @file client/async_delegate.hpp
/// A model's calls for C++20 coroutines (the generated AsyncClient, `<ns>/async_client.hpp`):
/// the same arguments, statements and rows as Delegate's, each call an asio::awaitable on a
/// pgkit::AsyncPool — no thread blocks on the database, and no hidden thread pool.
/// @code
///   pgkit::AsyncPool apool(pool);
///   app::AsyncClient db(apool);
///   auto finding = db.user.find_unique({.where = user::id == 1, .include = {user::posts}});
///   std::optional<app::User> u = co_await std::move(finding);   // (g++ 12: see the warning)
/// @endcode
/// Includes its own header (Asio's): include it only where coroutines are written.
///
/// @warning g++ 12 (Debian 12's compiler) destroys twice an aggregate temporary made inside a
/// co_await expression, which every braced argument is (`co_await db.user.create({.data = …})`
/// frees memory twice). With g++ 12, make the call first and co_await it after, or name the
/// arguments:
/// @code
///   auto creating = db.user.create({.data = {.email = e}});   // a plain call: no co_await here
///   app::User u = co_await std::move(creating);
///   client::FindMany<app::Post> page{.where = …, .take = 20};
///   auto posts = co_await db.post.find_many(std::move(page));
/// @endcode
/// The calls without arguments (`co_await db.post.count()`) are safe: they make their
/// arguments themselves, outside the caller's coroutine.

#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <memory>
#include <optional>
#include <source_location>
#include <vector>

#include "pgkit/async.hpp"
#include "pgkit/client/delegate.hpp"

// g++ 12 may report -Wmismatched-new-delete on the coroutine frames below when it inlines one
// (Asio's frames pair their own operator new and delete; GCC bug 109224), which -Werror builds
// of the server turned into an error.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace pgkit::client {

/// Where an AsyncClient's statements run: an AsyncPool (reads retried on transient failures,
/// as AsyncPool::query(idempotent, …) is), or an open AsyncTransaction.
class AsyncExecutor {
 public:
  AsyncExecutor(AsyncPool pool) noexcept : pool_(pool) {}     // NOLINT: made from either
  AsyncExecutor(AsyncTransaction& tx) noexcept : tx_(&tx) {}  // NOLINT
  AsyncExecutor at(std::source_location where) const noexcept {
    AsyncExecutor e = *this;
    e.where_ = where;
    return e;
  }

  /// st is moved into the coroutine (its text and parameters are not copied per call).
  asio::awaitable<Result> run(detail::Statement st, Repeat repeat) const;

  /// fn(AsyncTransaction&) -> awaitable<R> in a transaction on the pool (AsyncPool's retry
  /// rules), or in a SAVEPOINT of the open one: a failure inside rolls back only fn's work, as
  /// Executor::transaction's does (options apply to the outermost only).
  template <class F>
  auto transaction(F fn, TransactionOptions options) const -> std::invoke_result_t<F&, AsyncTransaction&> {
    // A coroutine, so that fn (and what it captures) lives until its awaitable is done.
    if constexpr (std::is_void_v<typename std::invoke_result_t<F&, AsyncTransaction&>::value_type>) {
      if (pool_) {
        AsyncPool pool = *pool_;
        co_await pool.transaction(std::move(fn), options);
      } else {
        co_await in_savepoint(*tx_, std::move(fn));
      }
    } else {
      if (pool_) {
        AsyncPool pool = *pool_;
        co_return co_await pool.transaction(std::move(fn), options);
      }
      co_return co_await in_savepoint(*tx_, std::move(fn));
    }
  }

 private:
  // One name serves every level: PostgreSQL's ROLLBACK TO and RELEASE take the newest savepoint
  // of a name, which is this level's as long as levels nest.
  template <class F>
  static auto in_savepoint(AsyncTransaction& tx, F fn) -> std::invoke_result_t<F&, AsyncTransaction&> {
    using R = typename std::invoke_result_t<F&, AsyncTransaction&>::value_type;
    co_await tx.query("SAVEPOINT pgkit_client");
    std::exception_ptr failed;
    std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> result;
    try {
      if constexpr (std::is_void_v<R>) {
        co_await fn(tx);
        result.emplace(true);
      } else {
        result.emplace(co_await fn(tx));
      }
    } catch (...) {
      failed = std::current_exception();
    }
    if (failed) {
      try {  // the transaction may be past saving (its connection lost): fn's error is the one to report
        co_await tx.query("ROLLBACK TO SAVEPOINT pgkit_client");
        co_await tx.query("RELEASE SAVEPOINT pgkit_client");
      } catch (...) {}
      std::rethrow_exception(failed);
    }
    co_await tx.query("RELEASE SAVEPOINT pgkit_client");
    if constexpr (!std::is_void_v<R>) co_return std::move(*result);
  }

  std::optional<AsyncPool> pool_;
  AsyncTransaction* tx_ = nullptr;
  std::source_location where_;
};

namespace detail {

/// Include loading (relation.hpp) on an AsyncExecutor: each statement in a coroutine of its
/// own on ex, the next step when it is done.
class AsyncRunner : public StatementRunner {
 public:
  AsyncRunner(AsyncExecutor on, asio::any_io_executor ex) : on_(on), ex_(std::move(ex)) {}
  void run(Statement st, Done done) override {
    asio::co_spawn(
        ex_,
        [on = on_, st = std::move(st), done = std::move(done)]() mutable -> asio::awaitable<void> {
          Result result;
          std::exception_ptr error;
          try {
            result = co_await on.run(std::move(st), Repeat::safe);
          } catch (...) {
            error = std::current_exception();
          }
          done(error, std::move(result));
        },
        asio::detached);
  }

 private:
  AsyncExecutor on_;
  asio::any_io_executor ex_;
};

template <class Model>
asio::awaitable<void> load_includes(AsyncExecutor on, const std::vector<Include<Model>>& includes,
                                    std::vector<Model>& rows) {
  auto ex = co_await asio::this_coro::executor;
  for (const auto& include : includes) {
    // Resumed, with the first error rethrown, when the include's last statement is done.
    co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
        [&](auto handler) {
          auto runner = std::make_shared<AsyncRunner>(on, ex);
          auto resume = std::make_shared<decltype(handler)>(std::move(handler));
          include.load(*runner, rows, [runner, resume, ex](std::exception_ptr error) {
            asio::post(ex, [resume, error]() mutable { std::move (*resume)(error); });
          });
        },
        asio::use_awaitable);
  }
}

/// detail::run_write's awaitable form: st's errors as rethrow_write_error.
asio::awaitable<Result> run_write(AsyncExecutor on, Statement st, Target t);
/// detail::run_plan's (write_plan.hpp): the same statements, each awaited.
asio::awaitable<Result> run_plan(AsyncExecutor on, const WritePlan& plan);

// Inside these coroutines every argument of a co_await'ed call is named first (see the warning
// at the top of this file).

/// fn(Client&) for AsyncPool::transaction: a coroutine that keeps the Client it makes alive
/// until fn's awaitable is done.
template <class Client, class F>
auto with_client(F fn) {
  using Awaitable = std::invoke_result_t<F&, Client&>;
  return [fn = std::move(fn)](AsyncTransaction& tx) -> Awaitable {
    Client in(tx);
    if constexpr (std::is_void_v<typename Awaitable::value_type>)
      co_await fn(in);
    else
      co_return co_await fn(in);
  };
}

}  // namespace detail

/// AsyncDelegate::select: Selection's reads as awaitables.
template <class Model, class... F>
class AsyncSelection {
 public:
  using Selected = detail::Selected<Model, F...>;
  using Row = typename Selected::Row;
  using Here = std::source_location;

  AsyncSelection(AsyncExecutor executor, const F&... fields)
      : exec_(executor), columns_(Selected::columns(fields...)) {}

  // The coroutines hold copies of what they use, not `this`: a selection is usually a temporary
  // (`co_await db.post.select(…).find_many(…)`).
  asio::awaitable<std::vector<Row>> find_many(FindMany<Model> args = {}, Here at = Here::current()) const {
    return do_find_many(exec_.at(at), columns_, std::move(args));
  }
  asio::awaitable<std::optional<Row>> find_first(FindMany<Model> args = {}, Here at = Here::current()) const {
    args.take = 1;
    return do_first(exec_.at(at), columns_, std::move(args));
  }
  asio::awaitable<std::optional<Row>> find_unique(FindUnique<Model> args, Here at = Here::current()) const {
    return do_first(exec_.at(at), columns_, {.where = std::move(args.where), .include = std::move(args.include)});
  }

 private:
  static asio::awaitable<std::vector<Row>> do_find_many(AsyncExecutor on, detail::Fragment columns,
                                                        FindMany<Model> args) {
    if (!args.include.empty()) detail::throw_select_usage(ModelInfo<Model>::name, "include does not combine with it");
    detail::Statement st = detail::Calls<Model>::read_statement(args, columns);
    Result result = co_await on.run(std::move(st), Repeat::safe);
    co_return Selected::rows_of(result);
  }
  static asio::awaitable<std::optional<Row>> do_first(AsyncExecutor on, detail::Fragment columns,
                                                      FindMany<Model> args) {
    std::vector<Row> rows = co_await do_find_many(on, std::move(columns), std::move(args));
    if (rows.empty()) co_return std::nullopt;
    co_return std::move(rows[0]);
  }

  AsyncExecutor exec_;
  detail::Fragment columns_;
};

template <class Model>
class AsyncDelegate {
 public:
  using Info = ModelInfo<Model>;
  using Calls = detail::Calls<Model>;
  using Here = std::source_location;

  explicit AsyncDelegate(AsyncExecutor executor) : exec_(executor) {}

  /// Delegate::select's reads as awaitables: `co_await db.post.select(post::id).find_many({…})`.
  template <class... F>
  AsyncSelection<Model, F...> select(const F&... fields) const {
    return AsyncSelection<Model, F...>(exec_, fields...);
  }

  asio::awaitable<std::vector<Model>> find_many(FindMany<Model> args, Here at = Here::current()) const {
    return do_find_many(std::move(args), at);
  }
  asio::awaitable<std::vector<Model>> find_many(Here at = Here::current()) const {
    return do_find_many(FindMany<Model>{}, at);
  }
  asio::awaitable<std::optional<Model>> find_first(FindMany<Model> args, Here at = Here::current()) const {
    return do_find_first(std::move(args), at);
  }
  asio::awaitable<std::optional<Model>> find_first(Here at = Here::current()) const {
    return do_find_first(FindMany<Model>{}, at);
  }
  asio::awaitable<Model> find_first_or_throw(FindMany<Model> args, Here at = Here::current()) const {
    return do_find_first_or_throw(std::move(args), at);
  }
  asio::awaitable<Model> find_first_or_throw(Here at = Here::current()) const {
    return do_find_first_or_throw(FindMany<Model>{}, at);
  }
  asio::awaitable<std::optional<Model>> find_unique(FindUnique<Model> args, Here at = Here::current()) const {
    return do_find_unique(std::move(args), at);
  }
  asio::awaitable<Model> find_unique_or_throw(FindUnique<Model> args, Here at = Here::current()) const {
    return do_find_unique_or_throw(std::move(args), at);
  }
  asio::awaitable<std::int64_t> count(Count<Model> args, Here at = Here::current()) const {
    return do_count(std::move(args), at);
  }
  asio::awaitable<std::int64_t> count(Here at = Here::current()) const { return do_count(Count<Model>{}, at); }
  asio::awaitable<Model> create(Create<Model> args, Here at = Here::current()) const {
    return do_create(std::move(args), at);
  }
  asio::awaitable<std::int64_t> create_many(CreateMany<Model> args, Here at = Here::current()) const {
    return do_create_many(std::move(args), at);
  }
  asio::awaitable<Model> update(Update<Model> args, Here at = Here::current()) const {
    return do_update(std::move(args), at);
  }
  asio::awaitable<std::int64_t> update_many(UpdateMany<Model> args, Here at = Here::current()) const {
    return do_update_many(std::move(args), at);
  }
  asio::awaitable<Model> upsert(Upsert<Model> args, Here at = Here::current()) const {
    return do_upsert(std::move(args), at);
  }
  asio::awaitable<Model> delete_(Delete<Model> args, Here at = Here::current()) const {
    return do_delete_(std::move(args), at);
  }
  asio::awaitable<std::int64_t> delete_many(DeleteMany<Model> args, Here at = Here::current()) const {
    return do_delete_many(std::move(args), at);
  }
  asio::awaitable<std::int64_t> delete_many(Here at = Here::current()) const {
    return do_delete_many(DeleteMany<Model>{}, at);
  }

 private:
  // The calls' coroutines. The public calls above are plain functions that hand their
  // arguments over: g++ 12 mishandles a coroutine's defaulted parameter (`= {}`).
  asio::awaitable<std::vector<Model>> do_find_many(FindMany<Model> args, Here at) const {
    AsyncExecutor on = exec_.at(at);
    detail::Statement st = Calls::read_statement(args);
    Result result = co_await on.run(std::move(st), Repeat::safe);
    std::vector<Model> rows = Calls::rows_of(result);
    co_await detail::load_includes(on, args.include, rows);
    co_return rows;
  }
  asio::awaitable<std::optional<Model>> do_find_first(FindMany<Model> args, Here at) const {
    args.take = 1;
    auto rows = co_await do_find_many(std::move(args), at);
    if (rows.empty()) co_return std::nullopt;
    co_return std::move(rows[0]);
  }
  asio::awaitable<Model> do_find_first_or_throw(FindMany<Model> args, Here at) const {
    auto row = co_await do_find_first(std::move(args), at);
    if (!row) throw RecordNotFound(Info::name, "query");
    co_return std::move(*row);
  }
  asio::awaitable<std::optional<Model>> do_find_unique(FindUnique<Model> args, Here at) const {
    FindMany<Model> many{.where = std::move(args.where), .include = std::move(args.include)};
    auto rows = co_await do_find_many(std::move(many), at);
    if (rows.empty()) co_return std::nullopt;
    co_return std::move(rows[0]);
  }
  asio::awaitable<Model> do_find_unique_or_throw(FindUnique<Model> args, Here at) const {
    auto row = co_await do_find_unique(std::move(args), at);
    if (!row) throw RecordNotFound(Info::name, "query");
    co_return std::move(*row);
  }
  asio::awaitable<std::int64_t> do_count(Count<Model> args, Here at) const {
    detail::Statement st = Calls::count_statement(args);
    AsyncExecutor on = exec_.at(at);
    Result r = co_await on.run(std::move(st), Repeat::safe);
    co_return r.template scalar<std::int64_t>();
  }

  /// As Delegate::create: nested writes run the same plan, in one transaction.
  asio::awaitable<Model> do_create(Create<Model> args, Here at) const {
    detail::WriteClock clock;
    AsyncExecutor on = exec_.at(at);
    const detail::WritePlan plan = Writer<Model>::plan(args.data, clock);
    if (!plan.nested()) {
      detail::Statement st = detail::insert_statement(plan.target, plan.row);
      Result r = co_await detail::run_write(on, st, plan.target);
      co_return Info::from_row(r.one());
    }
    // This frame, and the plan in it, outlive the transaction (and its retries).
    auto body = [&plan, at](AsyncTransaction& tx) -> asio::awaitable<Model> {
      AsyncExecutor in = AsyncExecutor(tx).at(at);
      Result r = co_await detail::run_plan(in, plan);
      co_return Info::from_row(r.one());
    };
    TransactionOptions options;
    co_return co_await on.transaction(body, options);
  }
  asio::awaitable<std::int64_t> do_create_many(CreateMany<Model> args, Here at) const {
    detail::WriteClock clock;
    std::vector<detail::InsertRow> rows(args.data.size());
    for (std::size_t i = 0; i < rows.size(); ++i) Writer<Model>::add_row(rows[i], args.data[i], clock);
    const auto t = detail::target_of<Model>();
    std::int64_t written = 0;
    for (const auto& st : detail::insert_many_statements(t, rows, args.skip_duplicates)) {
      AsyncExecutor on = exec_.at(at);
      Result r = co_await detail::run_write(on, st, t);
      written += r.affected_rows();
    }
    co_return written;
  }
  asio::awaitable<Model> do_update(Update<Model> args, Here at) const {
    if (args.data.empty()) {
      FindUnique<Model> unique{.where = std::move(args.where)};
      auto row = co_await do_find_unique(std::move(unique), at);
      if (!row) throw RecordNotFound(Info::name, "update");
      co_return std::move(*row);
    }
    detail::WriteClock clock;
    const auto t = detail::target_of<Model>();
    auto st =
        detail::update_statement(t, Calls::sets(std::move(args.data), clock), std::move(args.where).fragment(), true);
    AsyncExecutor on = exec_.at(at);
    Result r = co_await detail::run_write(on, st, t);
    if (r.empty()) throw RecordNotFound(Info::name, "update");
    co_return Info::from_row(r.one());
  }
  asio::awaitable<std::int64_t> do_update_many(UpdateMany<Model> args, Here at) const {
    if (args.data.empty()) co_return 0;
    detail::WriteClock clock;
    const auto t = detail::target_of<Model>();
    auto st =
        detail::update_statement(t, Calls::sets(std::move(args.data), clock), std::move(args.where).fragment(), false);
    AsyncExecutor on = exec_.at(at);
    Result r = co_await detail::run_write(on, st, t);
    co_return r.affected_rows();
  }
  /// As Delegate::upsert: one INSERT … ON CONFLICT under Prisma's conditions, else a read then
  /// an update or a create in one transaction.
  asio::awaitable<Model> do_upsert(Upsert<Model> args, Here at) const {
    detail::WriteClock clock;
    const auto t = detail::target_of<Model>();
    if (auto row = Calls::native_upsert_row(args, clock)) {
      auto st = detail::upsert_statement(t, *row, args.where.key(), Calls::sets(std::move(args.update), clock));
      AsyncExecutor on = exec_.at(at);
      Result r = co_await detail::run_write(on, st, t);
      co_return Info::from_row(r.one());
    }
    auto body = [&args, at](AsyncTransaction& tx) -> asio::awaitable<Model> {
      AsyncDelegate in(AsyncExecutor(tx).at(at));
      // Arguments named before each co_await: g++ 12 mishandles braced temporaries across one.
      FindUnique<Model> unique{.where = args.where};
      if (auto found = co_await in.do_find_unique(std::move(unique), at)) {
        if (args.update.empty()) co_return std::move(*found);
        Update<Model> update{.where = std::move(args.where), .data = std::move(args.update)};
        co_return co_await in.do_update(std::move(update), at);
      }
      Create<Model> create{.data = std::move(args.create)};
      co_return co_await in.do_create(std::move(create), at);
    };
    AsyncExecutor on = exec_.at(at);
    TransactionOptions options;
    co_return co_await on.transaction(body, options);
  }
  asio::awaitable<Model> do_delete_(Delete<Model> args, Here at) const {
    const auto t = detail::target_of<Model>();
    AsyncExecutor on = exec_.at(at);
    detail::Statement st = detail::remove_statement(t, std::move(args.where).fragment(), true);
    Result r = co_await detail::run_write(on, st, t);
    if (r.empty()) throw RecordNotFound(Info::name, "delete");
    co_return Info::from_row(r.one());
  }
  asio::awaitable<std::int64_t> do_delete_many(DeleteMany<Model> args, Here at) const {
    const auto t = detail::target_of<Model>();
    auto st = detail::remove_statement(t, std::move(args.where).fragment(), false);
    AsyncExecutor on = exec_.at(at);
    Result r = co_await detail::run_write(on, st, t);
    co_return r.affected_rows();
  }

  AsyncExecutor exec_;
};

}  // namespace pgkit::client

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
