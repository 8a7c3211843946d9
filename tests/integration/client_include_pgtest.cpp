// include and relation filters of the generated client against a real database: each relation
// kind (1-n both ways, 1-1 both ways, m-n both ways, self 1-n and self m-n), include's own where/order_by/take per
// parent, nested includes, one statement per relation level whatever the number of parents, and
// some/every/none/is/is_not/is_null.
#include <gtest/gtest.h>

#include <algorithm>

#include "client_database.hpp"
#include "pgkit/pool.hpp"
#include "testdb/client.hpp"

using namespace pgkit;
using namespace testdb::fields;
using client::Where;

namespace {

// ada: p1 "A1" [C1, C2], p2 "A2" (published), and a profile; bob: p3 "B1" [C1]; carol: nothing.
class ClientInclude : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pool_ = new Pool(test::client_database("client_include"));
    pool_->query("INSERT INTO users (id, email) VALUES (1, 'ada@x'), (2, 'bob@x'), (3, 'carol@x')");
    pool_->query("INSERT INTO \"Profile\" (bio, user_id) VALUES ('hi', 1)");
    pool_->query(
        "INSERT INTO posts (id, title, status, author_id) VALUES ('p1', 'A1', 'DRAFT', 1), ('p2', 'A2', 'PUBLISHED', 1), "
        "('p3', 'B1', 'DRAFT', 2)");
    pool_->query(
        "INSERT INTO \"Category\" (id, name, updated_at, parent_id) VALUES (1, 'C1', now(), NULL), "
        "(2, 'C2', now(), 1), (3, 'C3', now(), 1)");
    pool_->query("INSERT INTO \"_CategoryToPost\" (\"A\", \"B\") VALUES (1, 'p1'), (2, 'p1'), (1, 'p3')");
  }
  static void TearDownTestSuite() {
    delete pool_;
    pool_ = nullptr;
  }
  static testdb::Client db() { return testdb::Client(*pool_); }
  template <class T>
  static std::vector<std::string> ids(const std::vector<T>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.id);
    return out;
  }
  static std::vector<std::string> emails(Where<testdb::User> w) {
    std::vector<std::string> out;
    for (const auto& u : db().user.find_many({.where = std::move(w), .order_by = {user::id.asc()}}))
      out.push_back(u.email.substr(0, u.email.find('@')));
    return out;
  }
  static Pool* pool_;
};
Pool* ClientInclude::pool_ = nullptr;

using Ids = std::vector<std::string>;

}  // namespace

TEST_F(ClientInclude, OneToManyAndOneToOneFromEitherSide) {
  auto ada = db().user.find_unique_or_throw({.where = user::id == 1, .include = {user::posts, user::profile}});
  EXPECT_EQ(ids(*ada.posts), (Ids{"p1", "p2"}));
  ASSERT_TRUE(ada.profile.loaded());
  ASSERT_TRUE(ada.profile->has_value());
  EXPECT_EQ((*ada.profile)->bio, "hi");

  auto users = db().user.find_many({.order_by = {user::id.asc()}, .include = {user::posts, user::profile}});
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(ids(*users[1].posts), (Ids{"p3"}));
  EXPECT_TRUE(users[2].posts->empty()) << "no rows: loaded and empty";
  EXPECT_FALSE(users[1].profile->has_value()) << "no profile: loaded and empty";

  auto posts = db().post.find_many({.order_by = {post::id.asc()}, .include = {post::author}});
  for (const auto& p : posts) EXPECT_EQ(p.author->id, p.authorId) << p.id;
  auto profile = db().profile.find_first_or_throw({.include = {profile::user}});
  EXPECT_EQ(profile.user->email, "ada@x");
  // What was not asked for says so.
  auto plain = db().user.find_unique_or_throw({.where = user::id == 1});
  EXPECT_FALSE(plain.posts.loaded());
  EXPECT_THROW(static_cast<void>(plain.posts->size()), client::NotLoaded);
}

TEST_F(ClientInclude, ManyToManyBothWaysAndNested) {
  auto p1 = db().post.find_unique_or_throw(
      {.where = post::id == "p1", .include = {post::categories.order_by({category::name.asc()})}});
  ASSERT_EQ(p1.categories->size(), 2u);
  EXPECT_EQ((*p1.categories)[0].name, "C1");
  EXPECT_EQ((*p1.categories)[1].name, "C2");
  auto c1 = db().category.find_unique_or_throw({.where = category::name == "C1", .include = {category::posts}});
  auto c1_posts = ids(*c1.posts);
  std::sort(c1_posts.begin(), c1_posts.end());
  EXPECT_EQ(c1_posts, (Ids{"p1", "p3"}));
  // users → posts → categories, and posts → author again.
  auto users = db().user.find_many(
      {.order_by = {user::id.asc()},
       .include = {user::posts.order_by({post::id.asc()}).include({post::categories, post::author})}});
  EXPECT_EQ((*users[0].posts)[0].categories->size(), 2u);
  EXPECT_TRUE((*users[0].posts)[1].categories->empty());
  EXPECT_EQ((*users[1].posts)[0].author->email, "bob@x");
}

TEST_F(ClientInclude, AnIncludesOwnFilterOrderAndTakeApplyPerParent) {
  auto users = db().user.find_many(
      {.order_by = {user::id.asc()}, .include = {user::posts.order_by({post::title.desc()}).take(1)}});
  EXPECT_EQ(ids(*users[0].posts), (Ids{"p2"})) << "ada's last title, not the first row overall";
  EXPECT_EQ(ids(*users[1].posts), (Ids{"p3"}));
  auto drafts = db().user.find_many(
      {.order_by = {user::id.asc()}, .include = {user::posts.where(post::status == testdb::Status::DRAFT)}});
  EXPECT_EQ(ids(*drafts[0].posts), (Ids{"p1"}));
}

TEST_F(ClientInclude, OneStatementPerRelationLevelWhateverTheNumberOfParents) {
  Config c = pool_->config();
  c.pool.min = c.pool.max = 1;
  Pool one(c);
  testdb::Client db(one);
  auto users = db.user.find_many({.include = {user::posts.include({post::categories})}});
  ASSERT_EQ(users.size(), 3u);
  auto executions = [&](const std::string& table) { return test::prepared_executions(one, "SELECT%" + table + "%"); };
  EXPECT_EQ(executions("FROM \"public\".\"users\""), 1);
  EXPECT_EQ(executions("FROM \"public\".\"posts\" WHERE"), 1) << "posts of all users in one statement";
  EXPECT_EQ(executions("\"_CategoryToPost\" AS j"), 1) << "categories of all posts in one statement";
}

TEST_F(ClientInclude, RelationFilters) {
  EXPECT_EQ(emails(user::posts.some()), (Ids{"ada", "bob"}));
  EXPECT_EQ(emails(user::posts.some(post::status == testdb::Status::PUBLISHED)), (Ids{"ada"}));
  EXPECT_EQ(emails(user::posts.none()), (Ids{"carol"}));
  EXPECT_EQ(emails(user::posts.none(post::title.starts_with("A"))), (Ids{"bob", "carol"}));
  // every: no related row breaks it, so a user without posts matches.
  EXPECT_EQ(emails(user::posts.every(post::status == testdb::Status::DRAFT)), (Ids{"bob", "carol"}));
  EXPECT_EQ(emails(user::posts.every()), (Ids{"ada", "bob", "carol"}));
  EXPECT_EQ(emails(user::profile.is_null()), (Ids{"bob", "carol"}));
  EXPECT_EQ(emails(user::profile.is(profile::bio == "hi")), (Ids{"ada"}));
  EXPECT_EQ(emails(user::profile.is_not(profile::bio == "hi")), (Ids{"bob", "carol"}));
  auto by_author = [](Where<testdb::Post> w) {
    return ClientInclude::ids(db().post.find_many({.where = std::move(w), .order_by = {post::id.asc()}}));
  };
  EXPECT_EQ(by_author(post::author.is(user::email == "bob@x")), (Ids{"p3"}));
  EXPECT_EQ(by_author(post::author.is_not(user::email == "bob@x")), (Ids{"p1", "p2"}));
  EXPECT_EQ(by_author(post::categories.some(category::name == "C2")), (Ids{"p1"}));
  EXPECT_EQ(by_author(post::categories.none()), (Ids{"p2"}));
  // Nested: users with a post in category C1 that is a draft.
  EXPECT_EQ(
      emails(user::posts.some(post::categories.some(category::name == "C1") && post::status == testdb::Status::DRAFT)),
      (Ids{"ada", "bob"}));
  // Composes with the rest of a filter, and with itself negated.
  EXPECT_EQ(emails(!user::posts.some() || user::id == 1), (Ids{"ada", "carol"}));
}

// Self relations: a category tree (C2 and C3 under C1) and tags related to tags (implicit m-n of
// a model with itself), each read from both sides.
TEST_F(ClientInclude, SelfRelationsBothWays) {
  auto roots = db().category.find_many(
      {.where = category::parentId.is_null(), .include = {category::children.order_by({category::id.asc()})}});
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0].name, "C1");
  ASSERT_EQ(roots[0].children->size(), 2u);
  EXPECT_EQ((*roots[0].children)[0].name, "C2");
  EXPECT_EQ((*roots[0].children)[1].name, "C3");
  auto c3 = db().category.find_unique_or_throw({.where = category::id == 3, .include = {category::parent}});
  ASSERT_TRUE(c3.parent->has_value());
  EXPECT_EQ((*c3.parent)->name, "C1");
  auto with_c2 = db().category.find_many({.where = category::children.some(category::name == "C2")});
  ASSERT_EQ(with_c2.size(), 1u);
  EXPECT_EQ(with_c2[0].name, "C1");

  auto t1 = db().tag.create({.data = {.name = "self-1"}});
  auto t2 = db().tag.create({.data = {.name = "self-2", .related = {.connect = {tag::id == t1.id}}}});
  // The row Prisma Client 7.10.1 writes for the same connect (tried with its generated client):
  // the row whose field is first in name order (`related`) in "A", the row it lists in "B" — so
  // Prisma and pgkit read each other's rows alike.
  auto row = pool_->query(R"(SELECT "A"::text, "B"::text FROM "_RelatedTags")").one();
  EXPECT_EQ(row.get<std::string>(0), t2.id);
  EXPECT_EQ(row.get<std::string>(1), t1.id);
  auto t2_read = db().tag.find_unique_or_throw({.where = tag::id == t2.id, .include = {tag::related, tag::relatedBy}});
  EXPECT_EQ(ids(*t2_read.related), (Ids{t1.id}));
  EXPECT_TRUE(t2_read.relatedBy->empty());
  auto t1_read = db().tag.find_unique_or_throw({.where = tag::id == t1.id, .include = {tag::related, tag::relatedBy}});
  EXPECT_TRUE(t1_read.related->empty());
  EXPECT_EQ(ids(*t1_read.relatedBy), (Ids{t2.id}));
  EXPECT_EQ(db().tag.count({.where = tag::relatedBy.some(tag::name == "self-2")}), 1);
}

// Prisma's `_count`: relation.count(where) in an include list, for 1-n, m-n both ways and self
// relations; 0 where nothing matches; NotLoaded where nobody asked.
TEST_F(ClientInclude, RelationCountsFillUnderscoreCount) {
  auto users =
      db().user.find_many({.order_by = {user::id.asc()},
                           .include = {user::posts.count(), user::posts.where(post::status == testdb::Status::DRAFT)}});
  ASSERT_EQ(users.size(), 3u);
  EXPECT_EQ(*users[0]._count.posts, 2);
  EXPECT_EQ(*users[1]._count.posts, 1);
  EXPECT_EQ(*users[2]._count.posts, 0) << "no posts: a count of 0, not NotLoaded";
  EXPECT_EQ(ids(*users[0].posts), (Ids{"p1"})) << "a count and the rows of one relation, side by side";
  auto published = db().user.find_many(
      {.order_by = {user::id.asc()}, .include = {user::posts.count(post::status == testdb::Status::PUBLISHED)}});
  EXPECT_EQ(*published[0]._count.posts, 1);
  EXPECT_EQ(*published[1]._count.posts, 0);

  auto posts = db().post.find_many({.order_by = {post::id.asc()}, .include = {post::categories.count()}});
  EXPECT_EQ(*posts[0]._count.categories, 2);  // p1
  EXPECT_EQ(*posts[1]._count.categories, 0);  // p2
  EXPECT_EQ(*posts[2]._count.categories, 1);  // p3
  auto categories = db().category.find_many(
      {.order_by = {category::id.asc()}, .include = {category::posts.count(), category::children.count()}});
  EXPECT_EQ(*categories[0]._count.posts, 2) << "C1: p1 and p3, m-n from the other side";
  EXPECT_EQ(*categories[0]._count.children, 2) << "C1: C2 and C3, a self relation";
  EXPECT_EQ(*categories[1]._count.children, 0);

  // In a nested include: each user's posts, with their categories counted.
  auto nested = db().user.find_unique_or_throw(
      {.where = user::id == 1,
       .include = {user::posts.order_by({post::id.asc()}).include({post::categories.count()})}});
  EXPECT_EQ(*(*nested.posts)[0]._count.categories, 2);
  EXPECT_EQ(*(*nested.posts)[1]._count.categories, 0);

  auto plain = db().user.find_unique_or_throw({.where = user::id == 1});
  EXPECT_FALSE(plain._count.posts.loaded());
  EXPECT_THROW(static_cast<void>(*plain._count.posts), client::NotLoaded);
}

TEST_F(ClientInclude, ASelfManyToManyCountsEachSide) {
  auto a = db().tag.create({.data = {.name = "count-a"}});
  db().tag.create({.data = {.name = "count-b", .related = {.connect = {tag::id == a.id}}}});
  db().tag.create({.data = {.name = "count-c", .related = {.connect = {tag::id == a.id}}}});
  auto tags = db().tag.find_many({.where = tag::name.starts_with("count-"),
                                  .order_by = {tag::name.asc()},
                                  .include = {tag::related.count(), tag::relatedBy.count()}});
  ASSERT_EQ(tags.size(), 3u);
  EXPECT_EQ(*tags[0]._count.related, 0);
  EXPECT_EQ(*tags[0]._count.relatedBy, 2) << "a is listed by b and c";
  EXPECT_EQ(*tags[1]._count.related, 1);
  EXPECT_EQ(*tags[2]._count.relatedBy, 0);
}

TEST_F(ClientInclude, ACountIsOneStatementForEveryParent) {
  Config c = pool_->config();
  c.pool.min = c.pool.max = 1;
  Pool one(c);
  testdb::Client db(one);
  auto users = db.user.find_many({.include = {user::posts.count(post::title.starts_with("A"))}});
  ASSERT_EQ(users.size(), 3u);
  auto executions = test::prepared_executions(one, R"(SELECT %count(*) FROM "public"."posts"%GROUP BY 1)");
  EXPECT_EQ(executions, 1);
}

// A count as a select term (Prisma's `select: { email: true, _count: { select: { posts } } }`):
// a correlated subquery, its parameters numbered before the read's own.
TEST_F(ClientInclude, ACountIsASelectTerm) {
  auto rows = db().user.select(user::email, user::posts.count(post::title.starts_with("A")))
                  .find_many({.where = user::email.ends_with("@x"), .order_by = {user::id.asc()}});
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], std::make_tuple(std::string("ada@x"), std::int64_t{2}));
  EXPECT_EQ(rows[1], std::make_tuple(std::string("bob@x"), std::int64_t{0}));
  EXPECT_EQ(std::get<1>(rows[2]), 0);
  // A self relation: the count is of each row's own children.
  auto tree =
      db().category.select(category::name, category::children.count()).find_many({.order_by = {category::id.asc()}});
  EXPECT_EQ(std::get<1>(tree[0]), 2);
  EXPECT_EQ(std::get<1>(tree[1]), 0);
  // m-n, from either side.
  auto p1 = db().post.select(post::categories.count(category::name == "C2")).find_unique({.where = post::id == "p1"});
  EXPECT_EQ(std::get<0>(*p1), 1);
  auto c1 = db().category.select(category::posts.count()).find_unique({.where = category::name == "C1"});
  EXPECT_EQ(std::get<0>(*c1), 2);
}

// Prisma's `orderBy: { posts: { _count: 'desc' } }`: an order by a relation's count, in a read
// and in an include's own order; with `after` or a filtered count, a UsageError that says so.
TEST_F(ClientInclude, AnOrderByARelationsCount) {
  auto by_posts = db().user.find_many({.order_by = {user::posts.count().desc(), user::id.asc()}});
  ASSERT_EQ(by_posts.size(), 3u);
  EXPECT_EQ(by_posts[0].email, "ada@x");
  EXPECT_EQ(by_posts[1].email, "bob@x");
  EXPECT_EQ(by_posts[2].email, "carol@x");
  auto fewest = db().user.find_first_or_throw({.order_by = {user::posts.count().asc(), user::id.asc()}});
  EXPECT_EQ(fewest.email, "carol@x");
  // C1's children by how many posts each has (C2: p1; C3: none), a self relation in an include.
  auto c1 = db().category.find_unique_or_throw(
      {.where = category::id == 1, .include = {category::children.order_by({category::posts.count().desc()})}});
  ASSERT_EQ(c1.children->size(), 2u);
  EXPECT_EQ((*c1.children)[0].name, "C2");
  auto first = by_posts[0];
  EXPECT_THROW(db().user.find_many({.order_by = {user::posts.count().desc()}, .after = &first}), UsageError);
  EXPECT_THROW(static_cast<void>(user::posts.count(post::title == "x").desc()), UsageError);
}
