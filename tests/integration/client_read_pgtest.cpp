// The generated client's reads against a real database: every filter of field.hpp, AND/OR/NOT
// with empty operands, order_by, take/skip, keyset paging (checked against one ordered read for
// every direction and NULL placement), count, find_unique by each kind of key, and one prepared
// statement per call shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/parse.hpp>

#include "client_database.hpp"
#include "pgkit/pool.hpp"
#include "testdb/client.hpp"

using namespace pgkit;
using namespace std::chrono;
using namespace testdb::fields;
using client::insensitive;
using client::Nulls;
using client::Where;
using testdb::Role;
using testdb::Status;

namespace {

// Three users and six posts with NULLs, wildcards, lists and ties in them.
class ClientRead : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pool_ = new Pool(test::client_database("client_read"));
    pool_->query(
        "INSERT INTO users (id, email, name, role, roles, created_at) VALUES "
        "(1, 'ada@example.com', 'Ada Lovelace', 'admin', '{USER,admin}', '2024-01-01 10:00:00'),"
        "(2, 'bob@example.com', NULL, 'USER', '{}', '2024-02-01 10:00:00'),"
        "(3, 'carol@example.com', 'Carol 50% off_now', 'USER', '{USER}', '2024-03-01 10:00:00')");
    pool_->query(
        "INSERT INTO posts (id, title, status, views, score, price, meta, cover, tags, ratings, flags, author_id) "
        "VALUES "
        "('p1', 'Hello C++', 'PUBLISHED', 100, 1.5, 9.99, '{\"lang\":\"en\"}', '\\x0102', '{cpp,db}', '{5,4}', "
        "'{true}', 1),"
        "('p2', 'hello again', 'DRAFT', 10, 2.5, NULL, NULL, NULL, '{db}', '{}', '{}', 1),"
        "('p3', 'Pools', 'PUBLISHED', 100, 0, 19.50, '{\"lang\":\"fr\"}', NULL, '{}', '{3}', '{false}', 2),"
        "('p4', 'Zero views', 'DRAFT', 0, 0, NULL, NULL, NULL, '{cpp}', '{}', '{}', 3),"
        "('p5', 'Keyset', 'PUBLISHED', 50, 3, 5.00, NULL, NULL, '{}', '{}', '{}', 3),"
        "('p6', 'Ties', 'PUBLISHED', 50, 3, NULL, NULL, NULL, '{}', '{}', '{}', 2)");
  }
  static void TearDownTestSuite() {
    delete pool_;
    pool_ = nullptr;
  }

  static std::vector<std::string> post_ids(client::FindMany<testdb::Post> args) {
    std::vector<std::string> out;
    for (const auto& p : db().post.find_many(std::move(args))) out.push_back(p.id);
    return out;
  }
  static std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  static std::vector<std::string> matching(Where<testdb::Post> w) { return sorted(post_ids({.where = std::move(w)})); }
  static std::vector<std::string> emails(Where<testdb::User> w) {
    std::vector<std::string> out;
    for (const auto& u : db().user.find_many({.where = std::move(w), .order_by = {user::id.asc()}}))
      out.push_back(u.email.substr(0, u.email.find('@')));
    return out;
  }
  static testdb::Client db() { return testdb::Client(*pool_); }

  static Pool* pool_;
};
Pool* ClientRead::pool_ = nullptr;

using Ids = std::vector<std::string>;
using Names = std::vector<std::string>;

}  // namespace

TEST_F(ClientRead, EqualityComparisonsAndListsOfValues) {
  EXPECT_EQ(matching(post::views == 100), (Ids{"p1", "p3"}));
  EXPECT_EQ(matching(post::views != 100), (Ids{"p2", "p4", "p5", "p6"}));
  EXPECT_EQ(matching(post::views > 10 && post::views <= 50), (Ids{"p5", "p6"}));
  EXPECT_EQ(matching(post::views >= 50 && post::views < 100), (Ids{"p5", "p6"}));
  EXPECT_EQ(matching(post::score == 2.5), (Ids{"p2"}));
  EXPECT_EQ(matching(post::price == Numeric{"19.5"}), (Ids{"p3"}));
  EXPECT_EQ(matching(post::price > Numeric{"9"}), (Ids{"p1", "p3"}));
  EXPECT_EQ(matching(post::status == Status::DRAFT), (Ids{"p2", "p4"}));
  EXPECT_EQ(matching(post::id.in({})), Ids{}) << "an empty in() matches nothing";
  EXPECT_EQ(matching(post::id.in({"p1", "p4", "nope"})), (Ids{"p1", "p4"}));
  EXPECT_EQ(matching(post::authorId.in({2, 3})), (Ids{"p3", "p4", "p5", "p6"}));
  EXPECT_EQ(matching(post::status.in({Status::DRAFT})), (Ids{"p2", "p4"}));
  EXPECT_EQ(matching(post::views.not_in({0, 100})), (Ids{"p2", "p5", "p6"}));
  EXPECT_EQ(matching(post::id.not_in({})), (Ids{"p1", "p2", "p3", "p4", "p5", "p6"}));
  EXPECT_EQ(matching(post::cover == Bytes{1, 2}), (Ids{"p1"}));
  EXPECT_EQ(matching(post::meta == boost::json::parse(R"({"lang": "fr"})")), (Ids{"p3"}));
  // DateTime: a timestamp(3) column compared as UTC whatever the session's time zone.
  auto feb = sys_days(2024y / 2 / 1) + 10h;
  EXPECT_EQ(emails(user::createdAt == feb), (Names{"bob"}));
  EXPECT_EQ(emails(user::createdAt > feb), (Names{"carol"}));
  Config berlin = pool_->config();
  berlin.params["options"] = "-c TimeZone=Europe/Berlin";
  Pool in_berlin(berlin);
  EXPECT_EQ(in_berlin.query("SHOW TimeZone").scalar<std::string>(), "Europe/Berlin");
  EXPECT_EQ(testdb::Client(in_berlin).user.count({.where = user::createdAt == feb}), 1);
}

TEST_F(ClientRead, NullChecksAndNotEqualLeaveOutNulls) {
  EXPECT_EQ(emails(user::name.is_null()), (Names{"bob"}));
  EXPECT_EQ(emails(user::name.is_not_null()), (Names{"ada", "carol"}));
  // As Prisma's `not`: a NULL is not "not Ada".
  EXPECT_EQ(emails(user::name != "Ada Lovelace"), (Names{"carol"}));
  EXPECT_EQ(emails(user::name.not_in({"Ada Lovelace"})), (Names{"carol"}));
}

TEST_F(ClientRead, StringsMatchTheirTextLiterallyInEitherCase) {
  EXPECT_EQ(matching(post::title.contains("ello")), (Ids{"p1", "p2"}));
  EXPECT_EQ(matching(post::title.starts_with("hello")), (Ids{"p2"}));
  EXPECT_EQ(matching(post::title.starts_with("hello", insensitive)), (Ids{"p1", "p2"}));
  EXPECT_EQ(matching(post::title.ends_with("C++")), (Ids{"p1"}));
  EXPECT_EQ(matching(post::title.contains("O", insensitive)), (Ids{"p1", "p2", "p3", "p4"}));
  EXPECT_EQ(matching(post::title.equals("POOLS", insensitive)), (Ids{"p3"}));
  EXPECT_EQ(matching(post::title.not_equals("POOLS", insensitive)), (Ids{"p1", "p2", "p4", "p5", "p6"}));
  // %, _ and \ are text, not wildcards (Prisma's are: prisma/prisma#19506).
  EXPECT_EQ(emails(user::name.contains("50%")), (Names{"carol"}));
  EXPECT_EQ(emails(user::name.contains("0%")), (Names{"carol"}));
  EXPECT_EQ(emails(user::name.contains("_")), (Names{"carol"}));
  EXPECT_EQ(emails(user::name.contains("e_L")), Names{});
  EXPECT_EQ(emails(user::name.contains("%")), (Names{"carol"}));
  EXPECT_EQ(emails(user::name.ends_with("\\")), Names{});
}

TEST_F(ClientRead, ListFilters) {
  EXPECT_EQ(matching(post::tags.has("cpp")), (Ids{"p1", "p4"}));
  EXPECT_EQ(matching(post::tags.has_every({"cpp", "db"})), (Ids{"p1"}));
  EXPECT_EQ(matching(post::tags.has_some({"db", "nope"})), (Ids{"p1", "p2"}));
  EXPECT_EQ(matching(post::tags.is_empty()), (Ids{"p3", "p5", "p6"}));
  EXPECT_EQ(matching(post::tags.equals({"db"})), (Ids{"p2"}));
  EXPECT_EQ(matching(post::ratings.has(4)), (Ids{"p1"}));
  EXPECT_EQ(matching(post::flags.has(false)), (Ids{"p3"}));
  EXPECT_EQ(emails(user::roles.has(Role::ADMIN)), (Names{"ada"}));
  EXPECT_EQ(emails(user::roles.has_some({Role::USER})), (Names{"ada", "carol"}));
  EXPECT_EQ(emails(user::role.in({Role::ADMIN})), (Names{"ada"}));
}

TEST_F(ClientRead, AndOrNotComposeAndEmptyMeansNoCondition) {
  EXPECT_EQ(matching((post::views == 100 || post::views == 0) && !(post::status == Status::DRAFT)), (Ids{"p1", "p3"}));
  EXPECT_EQ(matching(Where<testdb::Post>{}), (Ids{"p1", "p2", "p3", "p4", "p5", "p6"}));
  // A filter built at run time: empty parts are left out wherever they are.
  Where<testdb::Post> w;
  EXPECT_EQ(matching(w && post::views == 0), (Ids{"p4"}));
  EXPECT_EQ(matching(w || post::views == 0), (Ids{"p4"}));
  EXPECT_EQ(matching(!w), matching(w));
  EXPECT_EQ(matching(client::all_of<testdb::Post>({})), matching(w));
  EXPECT_EQ(matching(client::any_of<testdb::Post>({})), Ids{}) << "OR of nothing: no row, as Prisma's OR: []";
  EXPECT_EQ(matching(client::none_of<testdb::Post>({})), matching(w));
  EXPECT_EQ(matching(client::any_of<testdb::Post>({post::id == "p1", post::id == "p2"})), (Ids{"p1", "p2"}));
  // NOT: [a, b] is "neither a nor b".
  EXPECT_EQ(matching(client::none_of<testdb::Post>({post::views == 100, post::views == 50})), (Ids{"p2", "p4"}));
}

TEST_F(ClientRead, OrderTakeSkipAndCount) {
  EXPECT_EQ(post_ids({.order_by = {post::views.desc(), post::id.asc()}}), (Ids{"p1", "p3", "p5", "p6", "p2", "p4"}));
  EXPECT_EQ(post_ids({.order_by = {post::price.asc()}, .take = 3}), (Ids{"p5", "p1", "p3"}));
  EXPECT_EQ(post_ids({.order_by = {post::price.asc(Nulls::first), post::id.desc()}, .take = 2}), (Ids{"p6", "p4"}));
  EXPECT_EQ(post_ids({.order_by = {post::price.desc(Nulls::last)}, .take = 1}), (Ids{"p3"}));
  // take/skip without order_by: by the key, as Prisma orders them.
  EXPECT_EQ(post_ids({.take = 2, .skip = 1}), (Ids{"p2", "p3"}));
  EXPECT_EQ(post_ids({.take = 0}), Ids{});
  auto db = this->db();
  EXPECT_EQ(db.post.count(), 6);
  EXPECT_EQ(db.post.count({.where = post::status == Status::PUBLISHED}), 4);
  EXPECT_EQ(db.post.count({.where = post::status == Status::PUBLISHED, .take = 2}), 2);
  EXPECT_EQ(db.post.count({.skip = 5}), 1);
  EXPECT_THROW(db.post.find_many({.take = -1}), UsageError);
  EXPECT_THROW(db.post.count({.skip = -1}), UsageError);
}

TEST_F(ClientRead, KeysetPagesReadEveryRowOnceInTheOrder) {
  using Order = std::vector<client::OrderBy<testdb::Post>>;
  std::vector<Order> orders = {
      {},
      {post::views.desc()},
      {post::views.asc(), post::score.desc()},
      {post::price.asc()},
      {post::price.desc()},
      {post::price.asc(Nulls::first)},
      {post::price.desc(Nulls::last), post::views.asc()},
      {post::title.asc(), post::id.desc()},
      {post::status.asc(), post::price.desc(), post::views.asc()},
  };
  for (std::size_t i = 0; i < orders.size(); ++i) {
    Order order = orders[i];
    if (std::none_of(order.begin(), order.end(), [](const auto& o) { return o.column == &post::id; }))
      order.push_back(post::id.asc());  // the order paging follows: the key breaks ties
    Ids whole = post_ids({.order_by = order});
    for (std::int64_t page = 1; page <= 4; ++page) {
      Ids paged;
      std::optional<testdb::Post> last;
      for (int guard = 0; guard < 10; ++guard) {
        auto rows = db().post.find_many({.order_by = orders[i], .take = page, .after = last ? &*last : nullptr});
        for (const auto& r : rows) paged.push_back(r.id);
        if (rows.size() < static_cast<std::size_t>(page)) break;
        last = rows.back();
      }
      EXPECT_EQ(paged, whole) << "order " << i << ", pages of " << page;
    }
  }
  // With a filter: the page's rows are the filter's.
  auto first = db().post.find_many({.where = post::views > 0, .order_by = {post::views.asc()}, .take = 2});
  ASSERT_EQ(first.size(), 2u);
  auto next = db().post.find_many(
      {.where = post::views > 0, .order_by = {post::views.asc()}, .take = 2, .after = &first.back()});
  EXPECT_EQ(next.size(), 2u);
  for (const auto& p : next) EXPECT_GE(p.views, first.back().views);
}

TEST_F(ClientRead, FindUniqueByIdUniqueAndCompoundKeys) {
  auto db = this->db();
  auto ada = db.user.find_unique({.where = user::email == "ada@example.com"});
  ASSERT_TRUE(ada);
  EXPECT_EQ(ada->id, 1);
  EXPECT_EQ(ada->role, Role::ADMIN);
  EXPECT_EQ(db.user.find_unique({.where = user::id == 2})->email, "bob@example.com");
  EXPECT_EQ(db.post.find_unique({.where = post::authorId_title(3, "Keyset")})->id, "p5");
  // A unique filter narrowed by another condition (Prisma's findUnique with extra fields).
  EXPECT_FALSE(db.user.find_unique({.where = user::id == 1 && user::role == Role::USER}));
  EXPECT_FALSE(db.user.find_unique({.where = user::email == "nobody@example.com"}));
  try {
    db.user.find_unique_or_throw({.where = user::email == "nobody@example.com"});
    FAIL() << "no RecordNotFound";
  } catch (const client::RecordNotFound& e) {
    EXPECT_EQ(e.model(), "User");
    EXPECT_NE(std::string(e.what()).find("No User record was found for a query"), std::string::npos) << e.what();
  }
  EXPECT_EQ(db.post.find_first({.where = post::views == 50})->id, "p5") << "the first by the key";
  EXPECT_EQ(db.post.find_first({.where = post::views == 50, .order_by = {post::id.desc()}})->id, "p6");
  EXPECT_FALSE(db.post.find_first({.where = post::views == 7}));
  EXPECT_THROW(db.post.find_first_or_throw({.where = post::views == 7}), client::RecordNotFound);
}

TEST_F(ClientRead, OneCallShapeIsOnePreparedStatement) {
  Config c = pool_->config();
  c.pool.min = c.pool.max = 1;
  Pool one(c);
  testdb::Client db(one);
  for (auto v : {0, 50, 100}) db.post.find_many({.where = post::views == v, .take = 5});
  for (const char* q : {"a", "b"}) db.post.find_many({.where = post::title.contains(q, insensitive), .take = 5});
  auto conn = one.acquire();
  auto prepared = conn->query(
      "SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT%FROM \"public\".\"posts\"%' "
      "AND statement NOT LIKE '%pg_prepared_statements%' ORDER BY statement");
  ASSERT_EQ(prepared.size(), 2) << "three calls of one shape and two of another";
  EXPECT_NE(prepared[0].get<std::string>(0).find(R"(WHERE "title" ILIKE $1 ORDER BY "id" ASC LIMIT $2)"),
            std::string::npos);
  EXPECT_NE(prepared[1].get<std::string>(0).find(R"(WHERE "views" = $1 ORDER BY "id" ASC LIMIT $2)"),
            std::string::npos);
}

TEST_F(ClientRead, ATransactionsClientSeesItsOwnWork) {
  pool_->transaction([&](Transaction& tx) {
    tx.query("INSERT INTO users (id, email) VALUES (99, 'tx@example.com')");
    testdb::Client in(tx);
    EXPECT_TRUE(in.user.find_unique({.where = user::id == 99}));
    EXPECT_FALSE(db().user.find_unique({.where = user::id == 99})) << "another connection sees nothing yet";
    tx.query("DELETE FROM users WHERE id = 99");
  });
}

TEST_F(ClientRead, SelectReadsOnlyTheFieldsAskedAsTuples) {
  // Three columns of several kinds (text, a list that may be NULL-free or empty, an enum), in the
  // order asked, with the reads' filters, order and paging.
  std::vector<std::tuple<std::string, std::vector<std::string>, Status>> rows =
      db().post.select(post::title, post::tags, post::status)
          .find_many({.where = post::authorId == 1, .order_by = {post::views.desc()}});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], std::tuple(std::string("Hello C++"), std::vector<std::string>{"cpp", "db"}, Status::PUBLISHED));
  EXPECT_EQ(std::get<0>(rows[1]), "hello again");

  auto [email, name] = *db().user.select(user::email, user::name).find_unique({.where = user::id == 2});
  EXPECT_EQ(email, "bob@example.com");
  EXPECT_EQ(name, std::nullopt);
  EXPECT_FALSE(db().user.select(user::id).find_first({.where = user::email == "nobody@example.com"}));

  // The statement names only those columns.
  Config c = pool_->config();
  c.pool.min = c.pool.max = 1;
  Pool one(c);
  testdb::Client on_one(one);
  on_one.user.select(user::email).find_many({.take = 1});
  auto conn = one.acquire();
  auto text = conn->query(
      "SELECT statement FROM pg_prepared_statements WHERE statement LIKE 'SELECT %' AND statement NOT LIKE "
      "'%pg_prepared_statements%'");
  ASSERT_EQ(text.size(), 1);
  EXPECT_EQ(text[0].get<std::string>(0).rfind(R"(SELECT "email" FROM "public"."users")", 0), 0u)
      << text[0].get<std::string>(0);

  EXPECT_THROW(db().user.select(user::email).find_many({.include = {user::posts}}), pgkit::UsageError);
}
