// The generated AsyncClient against a real database: the same calls as Client, each co_awaited
// on an AsyncPool — reads with includes (loaded level by level without blocking a thread),
// writes with the typed errors, upsert under concurrency, transactions — and many coroutines on
// two io threads at once through one client.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <thread>

#include "client_database.hpp"
#include "pgkit/async.hpp"
#include "run_on.hpp"
#include "testdb/async_client.hpp"

using namespace pgkit;
using test::run_on;
using namespace testdb::fields;
namespace asio = boost::asio;

namespace {

class ClientAsync : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    pool_ = std::make_unique<Pool>(test::client_database(test::identifier(std::string("ca_") + info->name())));
  }
  testdb::AsyncClient db() { return testdb::AsyncClient(AsyncPool(*pool_)); }
  std::unique_ptr<Pool> pool_;
};

}  // namespace

TEST_F(ClientAsync, ReadsWithIncludesAndWrites) {
  run_on(1, [&]() -> asio::awaitable<void> {
    auto db = this->db();
    // Every argument is named before its co_await: g++ 12 miscompiles a braced temporary that
    // lives across a co_await (async_delegate.hpp says more).
    client::Create<testdb::User> new_ada{.data = {.email = "ada@example.com", .name = "Ada"}};
    auto ada = co_await db.user.create(std::move(new_ada));
    client::Create<testdb::User> new_bob{.data = {.email = "bob@example.com"}};
    auto bob = co_await db.user.create(std::move(new_bob));
    for (int i = 0; i < 3; ++i) {
      client::Create<testdb::Post> post{.data = {.title = "A" + std::to_string(i), .views = i, .authorId = ada.id}};
      co_await db.post.create(std::move(post));
    }
    client::Create<testdb::Post> bobs_post{.data = {.title = "B", .authorId = bob.id}};
    co_await db.post.create(std::move(bobs_post));
    auto posts = co_await db.post.count();
    EXPECT_EQ(posts, 4);

    // Arguments with braced lists are named first: g++ 12 cannot keep an initializer list's
    // array across a co_await (async_delegate.hpp).
    client::FindMany<testdb::User> with_posts{
        .order_by = {user::id.asc()},
        .include = {user::posts.order_by({post::title.desc()}).take(2).include({post::author}), user::profile,
                    user::posts.count()}};
    auto users = co_await db.user.find_many(std::move(with_posts));
    EXPECT_EQ(users.size(), 2u);
    EXPECT_EQ(*users[0]._count.posts, 3) << "counted whole, beside a page of two";
    EXPECT_EQ(*users[1]._count.posts, 1);
    EXPECT_EQ(users[0].posts->size(), 2u);
    EXPECT_EQ((*users[0].posts)[0].title, "A2");
    EXPECT_EQ((*users[0].posts)[0].author->email, "ada@example.com") << "an include below an include";
    EXPECT_FALSE(users[1].profile->has_value());

    client::FindUnique<testdb::User> by_email{.where = user::email == "bob@example.com"};
    auto found = co_await db.user.find_unique(std::move(by_email));
    EXPECT_TRUE(found.has_value());
    client::FindMany<testdb::User> by_name{.where = user::name == "Nobody"};
    auto nobody = co_await db.user.find_first(std::move(by_name));
    EXPECT_FALSE(nobody.has_value());
    client::Update<testdb::Post> more_views{.where = post::authorId_title(ada.id, "A0"),
                                            .data = {post::views.increment(10)}};
    auto updated = co_await db.post.update(std::move(more_views));
    EXPECT_EQ(updated.views, 10);
    client::UpdateMany<testdb::Post> score{.where = post::authorId == ada.id, .data = {post::score.set(1.5)}};
    auto scored = co_await db.post.update_many(std::move(score));
    EXPECT_EQ(scored, 3);
    client::Delete<testdb::Post> by_key{.where = post::authorId_title(bob.id, "B")};
    auto deleted = co_await db.post.delete_(std::move(by_key));
    EXPECT_EQ(deleted.title, "B");
    client::DeleteMany<testdb::Post> unread{.where = post::views < 2};
    auto few_views = co_await db.post.delete_many(std::move(unread));
    EXPECT_EQ(few_views, 1) << "A1: A0 has 10 views now, B is gone";
    client::CreateMany<testdb::Token> three{.data = {{}, {}, {}}};
    auto tokens = co_await db.token.create_many(std::move(three));
    EXPECT_EQ(tokens, 3);

    // select: the selection is a temporary of the co_await's expression; its coroutine keeps
    // what it needs.
    client::FindMany<testdb::Post> by_title{.order_by = {post::title.asc()}};
    auto titles = co_await db.post.select(post::title, post::views).find_many(std::move(by_title));
    EXPECT_EQ(titles.size(), 2u);
    if (titles.size() != 2u) co_return;
    EXPECT_EQ(titles[0], std::tuple(std::string("A0"), 10));
    client::FindUnique<testdb::User> ada_by_id{.where = user::id == ada.id};
    auto name = co_await db.user.select(user::name).find_unique(std::move(ada_by_id));
    EXPECT_EQ(name, std::optional(std::tuple(std::optional<std::string>("Ada"))));
  });
}

TEST_F(ClientAsync, TypedErrorsAndTransactions) {
  run_on(1, [&]() -> asio::awaitable<void> {
    auto db = this->db();
    client::Create<testdb::User> ada{.data = {.email = "ada@example.com"}};
    co_await db.user.create(ada);
    try {
      co_await db.user.create(ada);
      ADD_FAILURE() << "no UniqueConstraintFailed";
    } catch (const client::UniqueConstraintFailed& e) {
      EXPECT_EQ(e.fields(), std::vector<std::string>{"email"});
    }
    try {
      client::FindUnique<testdb::User> missing{.where = user::id == 999};
      co_await db.user.find_unique_or_throw(std::move(missing));
      ADD_FAILURE() << "no RecordNotFound";
    } catch (const client::RecordNotFound& e) {
      EXPECT_EQ(e.model(), "User");
    }
    // A transaction that throws leaves nothing; one that returns commits.
    auto failing = [](testdb::AsyncClient& tx) -> asio::awaitable<void> {
      client::Create<testdb::User> bob{.data = {.email = "bob@example.com"}};
      co_await tx.user.create(std::move(bob));
      throw std::runtime_error("changed my mind");
    };
    try {
      co_await db.transaction(failing);
      ADD_FAILURE() << "the transaction did not throw";
    } catch (const std::runtime_error&) {}
    client::Count<testdb::User> bob_count{.where = user::email == "bob@example.com"};
    auto bobs = co_await db.user.count(std::move(bob_count));
    EXPECT_EQ(bobs, 0);
    auto committing = [](testdb::AsyncClient& tx) -> asio::awaitable<std::int32_t> {
      client::Create<testdb::User> carol{.data = {.email = "carol@example.com"}};
      auto u = co_await tx.user.create(std::move(carol));
      client::Create<testdb::Post> post{.data = {.title = "T", .authorId = u.id}};
      co_await tx.post.create(std::move(post));
      co_return u.id;
    };
    TransactionOptions serializable{.isolation = Isolation::serializable};
    auto id = co_await db.transaction(committing, serializable);
    client::Count<testdb::Post> carols{.where = post::authorId == id};
    auto carols_posts = co_await db.post.count(std::move(carols));
    EXPECT_EQ(carols_posts, 1);
    // A transaction inside a transaction is a savepoint: its failure undoes its own work only.
    auto outer = [](testdb::AsyncClient& tx) -> asio::awaitable<void> {
      client::Create<testdb::User> erin{.data = {.email = "erin@example.com"}};
      co_await tx.user.create(std::move(erin));
      auto inner = [](testdb::AsyncClient& in) -> asio::awaitable<void> {
        client::Create<testdb::User> frank{.data = {.email = "frank@example.com"}};
        co_await in.user.create(std::move(frank));
        client::Create<testdb::User> again{.data = {.email = "erin@example.com"}};
        co_await in.user.create(std::move(again));  // UniqueConstraintFailed
      };
      bool inner_failed = false;
      try {
        co_await tx.transaction(inner);
      } catch (const client::UniqueConstraintFailed&) {
        inner_failed = true;
      }
      EXPECT_TRUE(inner_failed);
      auto kept = [](testdb::AsyncClient& in) -> asio::awaitable<std::int32_t> {
        client::Create<testdb::User> gina{.data = {.email = "gina@example.com"}};
        co_return (co_await in.user.create(std::move(gina))).id;
      };
      auto gina_id = co_await tx.transaction(kept);
      EXPECT_GT(gina_id, 0);
    };
    co_await db.transaction(outer);
    for (const char* email : {"erin@example.com", "frank@example.com", "gina@example.com"}) {
      client::Count<testdb::User> with_email{.where = user::email == email};
      auto n = co_await db.user.count(std::move(with_email));
      EXPECT_EQ(n, std::string_view(email) == "frank@example.com" ? 0 : 1) << email;
    }
  });
}

TEST_F(ClientAsync, NestedWritesOfEachRelationKindAndTheirRollback) {
  run_on(1, [&]() -> asio::awaitable<void> {
    auto db = this->db();
    // 1-n and 1-1 from the side without the foreign key, with a third level (a post's new
    // category) below.
    client::Create<testdb::User> ada_with_posts{
        .data = {.email = "ada@example.com",
                 .posts = {.create = {{.title = "One", .categories = {.create = {{.name = "DB"}}}}, {.title = "Two"}}},
                 .profile = {.create = testdb::ProfileCreate{.bio = "hi"}}}};
    auto ada = co_await db.user.create(std::move(ada_with_posts));
    client::FindUnique<testdb::User> ada_again{
        .where = user::id == ada.id,
        .include = {user::posts.order_by({post::title.asc()}).include({post::categories}), user::profile}};
    auto read = co_await db.user.find_unique_or_throw(std::move(ada_again));
    EXPECT_EQ(read.posts->size(), 2u);
    EXPECT_EQ((*read.posts)[0].categories->size(), 1u);
    EXPECT_EQ((*read.posts)[0].categories->at(0).name, "DB");
    EXPECT_EQ((*read.profile)->bio, "hi");
    // n-1 from the side with the foreign key: connect, or create first.
    client::Create<testdb::Post> connected{
        .data = {.title = "Three", .author = {.connect = user::email == "ada@example.com"}}};
    auto three = co_await db.post.create(std::move(connected));
    EXPECT_EQ(three.authorId, ada.id);
    client::Create<testdb::Post> with_new_author{
        .data = {.title = "Four", .author = {.create = testdb::UserCreate{.email = "bob@example.com"}}}};
    auto four = co_await db.post.create(std::move(with_new_author));
    EXPECT_NE(four.authorId, ada.id);
    // Existing children moved to a new parent; m-n connected from the other side.
    client::Create<testdb::User> carol_takes_four{
        .data = {.email = "carol@example.com", .posts = {.connect = {post::id == four.id}}}};
    auto carol = co_await db.user.create(std::move(carol_takes_four));
    client::Create<testdb::Category> pools{
        .data = {.name = "Pools", .posts = {.connect = {post::id == three.id, post::id == four.id}}}};
    auto pools_row = co_await db.category.create(std::move(pools));
    client::FindUnique<testdb::Category> pools_again{.where = category::id == pools_row.id,
                                                     .include = {category::posts}};
    auto linked = co_await db.category.find_unique_or_throw(std::move(pools_again));
    EXPECT_EQ(linked.posts->size(), 2u);
    client::FindUnique<testdb::Post> four_again{.where = post::id == four.id};
    auto moved = co_await db.post.find_unique_or_throw(std::move(four_again));
    EXPECT_EQ(moved.authorId, carol.id);

    // A failure anywhere leaves nothing of the create. g++ 12: no co_await inside a test macro.
    auto before = co_await db.user.count();
    bool unique_failed = false, not_found = false, refused = false;
    try {  // the second child repeats the first's (authorId, title)
      client::Create<testdb::User> twice{
          .data = {.email = "dave@example.com", .posts = {.create = {{.title = "Same"}, {.title = "Same"}}}}};
      co_await db.user.create(std::move(twice));
    } catch (const client::UniqueConstraintFailed& e) {
      unique_failed = std::string(e.what()).find("`authorId`,`title`") != std::string::npos;
    }
    try {
      client::Create<testdb::User> missing{
          .data = {.email = "erin@example.com", .posts = {.connect = {post::id == "missing"}}}};
      co_await db.user.create(std::move(missing));
    } catch (const client::RecordNotFound& e) {
      not_found = std::string(e.what()).find("expected 1 records to be connected, found only 0") != std::string::npos;
    }
    try {  // the child's key is the parent's to set
      client::Create<testdb::User> key_given{
          .data = {.email = "frank@example.com", .posts = {.create = {{.title = "x", .authorId = ada.id}}}}};
      co_await db.user.create(std::move(key_given));
    } catch (const UsageError& e) {
      refused = std::string(e.what()).find("authorId") != std::string::npos;
    }
    EXPECT_TRUE(unique_failed);
    EXPECT_TRUE(not_found);
    EXPECT_TRUE(refused);
    auto after = co_await db.user.count();
    EXPECT_EQ(after, before);
  });
}

TEST_F(ClientAsync, ManyCoroutinesOnTwoThreadsThroughOneClient) {
  auto db = this->db();
  auto owner = run_on(1, [&]() -> asio::awaitable<testdb::User> {
    client::Create<testdb::User> owner{.data = {.email = "owner@example.com"}};
    co_return co_await db.user.create(std::move(owner));
  });
  std::atomic<int> failures{0};
  run_on(2, [&]() -> asio::awaitable<void> {
    auto ex = co_await asio::this_coro::executor;
    for (int c = 0; c < 32; ++c)
      asio::co_spawn(
          ex,
          [&, c]() -> asio::awaitable<void> {
            for (int i = 0; i < 10; ++i) {
              try {
                client::Create<testdb::Post> post{
                    .data = {.title = "c" + std::to_string(c) + "-" + std::to_string(i), .authorId = owner.id}};
                auto p = co_await db.post.create(std::move(post));
                client::Upsert<testdb::User> count{.where = user::email == "counter@example.com",
                                                   .create = {.email = "counter@example.com", .name = "0"},
                                                   .update = {user::name.set(p.title)}};
                co_await db.user.upsert(std::move(count));
              } catch (const std::exception& e) {
                ADD_FAILURE() << e.what();
                ++failures;
              }
            }
          },
          asio::detached);
    co_return;
  });
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(testdb::Client(*pool_).post.count({.where = post::authorId == owner.id}), 320);
  EXPECT_EQ(testdb::Client(*pool_).user.count({.where = user::email == "counter@example.com"}), 1);
}
