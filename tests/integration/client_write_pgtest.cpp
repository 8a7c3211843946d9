// The generated client's writes against a real database: create with the defaults Prisma fills
// in the client, create_many, update (assignments, atomic operations, @updatedAt), upsert (one
// statement under concurrency), delete, the typed errors (P2002, P2003, P2025) naming fields,
// nested creates and connects of each relation kind rolled back together, transactions, and
// many threads writing through one client.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <functional>
#include <regex>
#include <set>
#include <thread>

#include "client_database.hpp"
#include "pgkit/pool.hpp"
#include "testdb/client.hpp"

using namespace pgkit;
using namespace std::chrono;
using namespace testdb::fields;
using client::ForeignKeyConstraintFailed;
using client::RecordNotFound;
using client::UniqueConstraintFailed;

namespace {

class ClientWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    pool_ = std::make_unique<Pool>(test::client_database(test::identifier(std::string("cw_") + info->name())));
  }
  testdb::Client db() { return testdb::Client(*pool_); }
  std::int64_t rows(const std::string& table) {
    return pool_->query("SELECT count(*) FROM " + table).scalar<std::int64_t>();
  }
  std::unique_ptr<Pool> pool_;
};

bool matches(const std::string& text, const char* pattern) { return std::regex_match(text, std::regex(pattern)); }

// Runs call(thread, i) calls times in each of threads threads at once; the exceptions they threw.
int failures_in_threads(int threads, int calls, const std::function<void(int, int)>& call) {
  std::vector<std::thread> running;
  std::atomic<int> failures{0};
  for (int t = 0; t < threads; ++t)
    running.emplace_back([&, t] {
      for (int i = 0; i < calls; ++i) {
        try {
          call(t, i);
        } catch (const std::exception& e) {
          ADD_FAILURE() << "thread " << t << ", call " << i << ": " << e.what();
          ++failures;
        }
      }
    });
  for (auto& th : running) th.join();
  return failures.load();
}

}  // namespace

TEST_F(ClientWrite, CreateFillsDefaultsAsPrismaDoesAndReturnsTheRow) {
  auto before = time_point_cast<milliseconds>(system_clock::now());
  testdb::User u = db().user.create({.data = {.email = "ada@example.com", .name = "Ada"}});
  auto after = system_clock::now();
  EXPECT_GT(u.id, 0) << "autoincrement, from the database";
  EXPECT_EQ(u.email, "ada@example.com");
  EXPECT_EQ(u.role, testdb::Role::USER) << "the database's default";
  EXPECT_GE(u.createdAt, before);
  EXPECT_LE(u.createdAt, after);
  EXPECT_EQ(u.createdAt, time_point_cast<milliseconds>(u.createdAt)) << "milliseconds, as JavaScript's Date";

  testdb::Post p = db().post.create({.data = {.title = "Hello", .authorId = u.id}});
  EXPECT_TRUE(matches(p.id, "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")) << p.id;
  EXPECT_EQ(p.status, testdb::Status::DRAFT);
  EXPECT_EQ(db().post.find_unique_or_throw({.where = post::id == p.id}).title, "Hello");

  testdb::Token t = db().token.create({.data = {}});
  EXPECT_TRUE(matches(t.id, "c[0-9a-z]{24}")) << t.id;
  EXPECT_TRUE(matches(t.cuid2, "[a-z][0-9a-z]{23}")) << t.cuid2;
  EXPECT_TRUE(matches(t.uuid7, "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")) << t.uuid7;
  EXPECT_TRUE(matches(t.short_, "[A-Za-z0-9_-]{8}")) << t.short_;
  EXPECT_TRUE(matches(t.ulid, "[0-7][0-9A-HJKMNP-TV-Z]{25}")) << t.ulid;
  // A value given wins over the default.
  EXPECT_EQ(db().token.create({.data = {.id = "mine", .label = "x"}}).id, "mine");

  // One time for every row of one call: createdAt and @updatedAt are equal.
  testdb::Category c = db().category.create({.data = {.name = "C++"}});
  EXPECT_EQ(c.createdAt, c.updatedAt);
}

TEST_F(ClientWrite, ConstraintErrorsNameTheSchemasFields) {
  auto u = db().user.create({.data = {.email = "ada@example.com"}});
  try {
    db().user.create({.data = {.email = "ada@example.com"}});
    FAIL() << "no UniqueConstraintFailed";
  } catch (const UniqueConstraintFailed& e) {
    EXPECT_EQ(e.fields(), std::vector<std::string>{"email"});
    EXPECT_EQ(e.message(), "Unique constraint failed on the fields: (`email`)");
    EXPECT_EQ(e.constraint(), "users_email_key");
  }
  db().post.create({.data = {.title = "Same", .authorId = u.id}});
  try {
    db().post.create({.data = {.title = "Same", .authorId = u.id}});
    FAIL() << "no UniqueConstraintFailed";
  } catch (const UniqueConstraintFailed& e) {
    EXPECT_EQ(e.fields(), (std::vector<std::string>{"authorId", "title"})) << "schema names, not author_id";
    EXPECT_EQ(e.message(), "Unique constraint failed on the fields: (`authorId`,`title`)");
  }
  try {
    db().post.create({.data = {.title = "Orphan", .authorId = 999}});
    FAIL() << "no ForeignKeyConstraintFailed";
  } catch (const ForeignKeyConstraintFailed& e) {
    EXPECT_EQ(e.fields(), std::vector<std::string>{"authorId"});
    EXPECT_EQ(e.message(), "Foreign key constraint violated on the fields: (`authorId`)");
  }
  // Still pgkit's own errors, for handlers written against those.
  EXPECT_THROW(db().user.create({.data = {.email = "ada@example.com"}}), UniqueViolation);
  // A relation that must be set, and is not.
  try {
    db().post.create({.data = {.title = "Nobody's"}});
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("Post.author is required"), std::string::npos) << e.what();
  }
}

TEST_F(ClientWrite, UpdateAssignsAndCountsAndRefusesAMissingRow) {
  auto u = db().user.create({.data = {.email = "ada@example.com", .name = "Ada"}});
  auto p =
      db().post.create({.data = {.title = "T", .views = 10, .tags = std::vector<std::string>{"a"}, .authorId = u.id}});
  auto updated =
      db().post.update({.where = post::id == p.id,
                        .data = {post::views.increment(5), post::score.set(2.5), post::tags.push("b"),
                                 post::price.set(Numeric{"1.50"}), post::status.set(testdb::Status::PUBLISHED)}});
  EXPECT_EQ(updated.views, 15);
  EXPECT_EQ(updated.score, 2.5);
  EXPECT_EQ(updated.tags, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(updated.price, Numeric{"1.50"});
  EXPECT_EQ(updated.status, testdb::Status::PUBLISHED);
  EXPECT_EQ(
      db().post.update({.where = post::id == p.id, .data = {post::views.multiply(2), post::price.set(std::nullopt)}})
          .views,
      30);
  EXPECT_EQ(db().post.find_unique_or_throw({.where = post::id == p.id}).price, std::nullopt);
  // A unique filter narrowed by a condition that fails: no row to update.
  try {
    db().post.update({.where = post::id == p.id && post::views > 100, .data = {post::views.set(0)}});
    FAIL() << "no RecordNotFound";
  } catch (const RecordNotFound& e) {
    EXPECT_NE(std::string(e.what()).find("No Post record was found for an update"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db().post.update_many({.where = post::views > 0, .data = {post::views.decrement(1)}}), 1);
  EXPECT_EQ(db().post.update_many({.where = post::views > 1000, .data = {post::views.set(0)}}), 0);
  EXPECT_EQ(db().post.find_unique_or_throw({.where = post::id == p.id}).views, 29);
}

TEST_F(ClientWrite, UpdatedAtMovesOnUpdatesWithDataOnly) {
  auto c = db().category.create({.data = {.name = "a"}});
  pool_->query("UPDATE \"Category\" SET updated_at = '2000-01-01', created_at = '2000-01-01'");
  auto same = db().category.update({.where = category::id == c.id, .data = {}});
  EXPECT_EQ(same.updatedAt, sys_days(2000y / 1 / 1)) << "empty data: nothing written";
  auto renamed = db().category.update({.where = category::id == c.id, .data = {category::name.set("b")}});
  EXPECT_GT(renamed.updatedAt, sys_days(2020y / 1 / 1));
  EXPECT_EQ(renamed.createdAt, sys_days(2000y / 1 / 1));
  auto given =
      db().category.update({.where = category::id == c.id, .data = {category::updatedAt.set(sys_days(2010y / 1 / 1))}});
  EXPECT_EQ(given.updatedAt, sys_days(2010y / 1 / 1)) << "a value given wins";
  EXPECT_EQ(db().category.update_many({.data = {category::name.set("c")}}), 1);
  EXPECT_GT(db().category.find_unique_or_throw({.where = category::id == c.id}).updatedAt, sys_days(2020y / 1 / 1));
}

TEST_F(ClientWrite, UpsertCreatesThenUpdatesAndIsOneStatementUnderConcurrency) {
  auto upsert = [&](const std::string& name) {
    return db().user.upsert({.where = user::email == "ada@example.com",
                             .create = {.email = "ada@example.com", .name = name},
                             .update = {user::name.set(name)}});
  };
  auto created = upsert("first");
  EXPECT_EQ(created.name, "first");
  auto updated = upsert("second");
  EXPECT_EQ(updated.id, created.id);
  EXPECT_EQ(updated.name, "second");
  // INSERT … ON CONFLICT: eight threads at once, none sees a unique violation.
  EXPECT_EQ(failures_in_threads(8, 20,
                                [&](int t, int) {
                                  db().user.upsert({.where = user::email == "race@example.com",
                                                    .create = {.email = "race@example.com", .name = "t"},
                                                    .update = {user::name.set("t" + std::to_string(t))}});
                                }),
            0);
  EXPECT_EQ(db().user.count({.where = user::email == "race@example.com"}), 1);
  Config one = pool_->config();
  one.pool.min = one.pool.max = 1;
  Pool single(one);
  testdb::Client(single).user.upsert({.where = user::email == "ada@example.com",
                                      .create = {.email = "ada@example.com"},
                                      .update = {user::name.set("z")}});
  EXPECT_EQ(single
                .query("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE "
                       "'INSERT INTO \"public\".\"users\" %ON CONFLICT (\"email\") DO UPDATE SET%'")
                .scalar<std::int64_t>(),
            1);
  // A filter that is not create's key: read, then update or create, in a transaction.
  auto by_id = db().user.upsert(
      {.where = user::id == 4242, .create = {.email = "new@example.com"}, .update = {user::name.set("x")}});
  EXPECT_EQ(by_id.email, "new@example.com");
  auto again = db().user.upsert(
      {.where = user::id == by_id.id, .create = {.email = "other@example.com"}, .update = {user::name.set("x")}});
  EXPECT_EQ(again.name, "x");
  EXPECT_EQ(db().user.count({.where = user::email == "other@example.com"}), 0);
}

TEST_F(ClientWrite, DeleteReturnsTheRowAndCounts) {
  auto a = db().user.create({.data = {.email = "a@example.com"}});
  db().user.create({.data = {.email = "b@example.com"}});
  db().user.create({.data = {.email = "c@example.com"}});
  EXPECT_EQ(db().user.delete_({.where = user::id == a.id}).email, "a@example.com");
  EXPECT_THROW(db().user.delete_({.where = user::id == a.id}), RecordNotFound);
  EXPECT_EQ(db().user.delete_many({.where = user::email == "b@example.com"}), 1);
  EXPECT_EQ(db().user.delete_many(), 1);
  EXPECT_EQ(rows("users"), 0);
}

TEST_F(ClientWrite, CreateManyWritesRowsWithTheirOwnDefaultsAndSkipsDuplicates) {
  auto n = db().token.create_many({.data = {{.label = "a"}, {}, {.id = "given"}}});
  EXPECT_EQ(n, 3);
  std::set<std::string> ids;
  for (const auto& t : db().token.find_many()) ids.insert(t.id + t.cuid2 + t.uuid7 + t.short_ + t.ulid);
  EXPECT_EQ(ids.size(), 3u) << "each row its own ids";
  EXPECT_EQ(db().token.create_many({.data = {{.id = "given"}, {.id = "fresh"}}, .skip_duplicates = true}), 1);
  EXPECT_THROW(db().token.create_many({.data = {{.id = "given"}}}), UniqueConstraintFailed);
  // Rows beyond one statement's parameter limit go in several.
  std::vector<testdb::CategoryCreate> many;
  for (int i = 0; i < 9000; ++i) many.push_back({.name = "c" + std::to_string(i)});
  EXPECT_EQ(db().category.create_many({.data = many}), 9000);
  EXPECT_EQ(pool_->query("SELECT count(DISTINCT created_at) FROM \"Category\"").scalar<std::int64_t>(), 1)
      << "one time for the whole call";
}

TEST_F(ClientWrite, NestedCreatesAndConnectsOfEachRelationKind) {
  // 1-n and 1-1 from the side without the foreign key: the children after the parent.
  auto u = db().user.create({.data = {.email = "ada@example.com",
                                      .posts = {.create = {{.title = "One"}, {.title = "Two"}}},
                                      .profile = {.create = testdb::ProfileCreate{.bio = "hi"}}}});
  EXPECT_EQ(db().post.count({.where = post::authorId == u.id}), 2);
  EXPECT_EQ(db().profile.find_unique_or_throw({.where = profile::userId == u.id}).bio, "hi");
  // n-1 from the side with the foreign key: connect an existing row, or create one first.
  auto p = db().post.create({.data = {.title = "Three", .author = {.connect = user::email == "ada@example.com"}}});
  EXPECT_EQ(p.authorId, u.id);
  auto q = db().post.create(
      {.data = {.title = "Four", .author = {.create = testdb::UserCreate{.email = "bob@example.com"}}}});
  EXPECT_EQ(db().user.find_unique_or_throw({.where = user::id == q.authorId}).email, "bob@example.com");
  // Connect existing children to a new parent.
  auto carol = db().user.create({.data = {.email = "carol@example.com", .posts = {.connect = {post::id == q.id}}}});
  EXPECT_EQ(db().post.find_unique_or_throw({.where = post::id == q.id}).authorId, carol.id);
  // m-n: through the join table, both ways.
  auto cpp = db().category.create({.data = {.name = "C++"}});
  auto r =
      db().post.create({.data = {.title = "Five",
                                 .authorId = u.id,
                                 .categories = {.create = {{.name = "DB"}}, .connect = {category::id == cpp.id}}}});
  EXPECT_EQ(pool_->query("SELECT count(*) FROM \"_CategoryToPost\" WHERE \"B\" = $1", r.id).scalar<std::int64_t>(), 2);
  auto s =
      db().category.create({.data = {.name = "Pools", .posts = {.connect = {post::id == r.id, post::id == p.id}}}});
  EXPECT_EQ(pool_->query("SELECT count(*) FROM \"_CategoryToPost\" WHERE \"A\" = $1", s.id).scalar<std::int64_t>(), 2);
  // m-n whose keys are a uuid and a text, connected from either side.
  auto first_tag = db().tag.create({.data = {.name = "first"}});
  auto labelled = db().token.create({.data = {.tags = {.connect = {tag::id == first_tag.id}}}});
  db().tag.create({.data = {.name = "second", .tokens = {.connect = {token::id == labelled.id}}}});
  auto with_tags = db().token.find_unique_or_throw({.where = token::id == labelled.id, .include = {token::tags}});
  EXPECT_EQ(with_tags.tags->size(), 2u);
}

TEST_F(ClientWrite, ANestedWriteThatFailsLeavesNothing) {
  auto before_users = rows("users"), before_posts = rows("posts");
  // The second child repeats the first's (authorId, title): the parent goes too.
  EXPECT_THROW(db().user.create(
                   {.data = {.email = "ada@example.com", .posts = {.create = {{.title = "Same"}, {.title = "Same"}}}}}),
               UniqueConstraintFailed);
  // A connect that finds nothing: P2025, and nothing written.
  try {
    db().user.create({.data = {.email = "bob@example.com", .posts = {.connect = {post::id == "missing"}}}});
    FAIL() << "no RecordNotFound";
  } catch (const RecordNotFound& e) {
    EXPECT_NE(std::string(e.what()).find("expected 1 records to be connected, found only 0"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(db().post.create({.data = {.title = "x", .author = {.connect = user::id == 999}}}), RecordNotFound);
  EXPECT_EQ(rows("users"), before_users);
  EXPECT_EQ(rows("posts"), before_posts);
}

TEST_F(ClientWrite, NestedWritesGoLevelsDeepAndRefuseAKeyGivenTwice) {
  // Three levels: a category whose new post has a new author with a new profile; each row
  // takes the key of the one it hangs from.
  auto c = db().category.create(
      {.data = {
           .name = "Deep",
           .posts = {.create = {{.title = "Down",
                                 .author = {.create = testdb::UserCreate{
                                                .email = "deep@example.com",
                                                .profile = {.create = testdb::ProfileCreate{.bio = "bottom"}}}}}}}}});
  auto read = db().category.find_unique_or_throw(
      {.where = category::id == c.id, .include = {category::posts.include({post::author.include({user::profile})})}});
  ASSERT_EQ(read.posts->size(), 1u);
  EXPECT_EQ((*read.posts)[0].author->email, "deep@example.com");
  EXPECT_EQ((*(*read.posts)[0].author->profile)->bio, "bottom");
  // A relation given both by its field and by connect/create, or a child's key given when the
  // parent sets it: refused naming the field, and nothing is left written.
  auto before = rows("users");
  try {
    db().post.create(
        {.data = {.title = "Both", .authorId = 1, .author = {.connect = user::email == "deep@example.com"}}});
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("authorId and author (connect)"), std::string::npos) << e.what();
  }
  try {
    db().user.create({.data = {.email = "twice@example.com", .posts = {.create = {{.title = "x", .authorId = 1}}}}});
    FAIL() << "no UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("authorId and its place in User.posts"), std::string::npos) << e.what();
  }
  EXPECT_EQ(rows("users"), before);
}

TEST_F(ClientWrite, TransactionsCommitRollBackAndNest) {
  auto result = db().transaction(
      [](testdb::Client& tx) {
        auto u = tx.user.create({.data = {.email = "ada@example.com"}});
        tx.post.create({.data = {.title = "T", .authorId = u.id}});
        return u.id;
      },
      {.isolation = Isolation::serializable});
  EXPECT_EQ(db().post.count({.where = post::authorId == result}), 1);
  EXPECT_THROW(db().transaction([](testdb::Client& tx) {
    tx.user.create({.data = {.email = "bob@example.com"}});
    throw std::runtime_error("changed my mind");
  }),
               std::runtime_error);
  EXPECT_EQ(db().user.count({.where = user::email == "bob@example.com"}), 0);
  // Inside a transaction, a transaction is a savepoint: its failure undoes only its own work.
  db().transaction([](testdb::Client& tx) {
    tx.user.create({.data = {.email = "carol@example.com"}});
    EXPECT_THROW(tx.transaction([](testdb::Client& inner) {
      inner.user.create({.data = {.email = "dave@example.com"}});
      inner.user.create({.data = {.email = "carol@example.com"}});  // P2002
    }),
                 UniqueConstraintFailed);
  });
  EXPECT_EQ(db().user.count({.where = user::email.in({"carol@example.com", "dave@example.com"})}), 1);
}

TEST_F(ClientWrite, ManyThreadsWriteThroughOneClient) {
  testdb::Client shared(*pool_);
  auto owner = shared.user.create({.data = {.email = "owner@example.com"}});
  EXPECT_EQ(failures_in_threads(8, 50,
                                [&](int t, int i) {
                                  auto p = shared.post.create(
                                      {.data = {.title = fmt::format("t{}-{}", t, i), .authorId = owner.id}});
                                  shared.post.update({.where = post::id == p.id, .data = {post::views.increment(1)}});
                                }),
            0);
  EXPECT_EQ(shared.post.count({.where = post::views == 1}), 400);
}
