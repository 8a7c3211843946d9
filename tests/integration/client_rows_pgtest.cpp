// Rows of a real database read into the client generated from tests/fixtures/client/schema.prisma
// (pgkit_generate_client in tests/CMakeLists.txt): the tables come from the same schema
// (`db push`), values go in as parameters, and come back through ModelInfo's select list and
// from_row with the C++ types of docs/client.md.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "client_database.hpp"
#include "pgkit/connection.hpp"
#include "testdb/client.hpp"

using namespace pgkit;
using namespace std::chrono;
using client::ModelInfo;

namespace {

// SELECT of every column of Model, as the client's calls will read it.
template <class Model>
std::string select_all(const std::string& where) {
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < ModelInfo<Model>::columns.size(); ++i)
    sql += (i ? ", " : "") + std::string(ModelInfo<Model>::columns[i].select);
  return sql + " FROM " + std::string(ModelInfo<Model>::table) + " WHERE " + where;
}

}  // namespace

TEST(ClientRows, EveryScalarTypeIsReadAsItsCppType) {
  Connection conn(test::client_database("client_rows_scalars"));
  conn.query(
      "INSERT INTO users (email, name, role, roles, created_at, birthday, wake_up, seen_at) "
      "VALUES ($1, NULL, $2, $3, '2024-02-29 10:11:12.345', '1990-05-17', '06:30:00', "
      "'2024-02-29 10:11:12.345678+02')",
      "ada@example.com", testdb::Role::ADMIN, std::vector<testdb::Role>{testdb::Role::USER, testdb::Role::ADMIN});
  testdb::User u =
      ModelInfo<testdb::User>::from_row(conn.query(select_all<testdb::User>("email = $1"), "ada@example.com").one());
  EXPECT_GT(u.id, 0);
  EXPECT_EQ(u.email, "ada@example.com");
  EXPECT_EQ(u.name, std::nullopt);
  EXPECT_EQ(u.role, testdb::Role::ADMIN);
  EXPECT_EQ(u.roles, (std::vector<testdb::Role>{testdb::Role::USER, testdb::Role::ADMIN}));
  // timestamp(3) is read as UTC, as Prisma reads it; date as its midnight; time on 1970-01-01.
  EXPECT_EQ(u.createdAt, sys_days(2024y / 2 / 29) + 10h + 11min + 12s + 345ms);
  EXPECT_EQ(u.birthday, sys_days(1990y / 5 / 17));
  EXPECT_EQ(u.wakeUp, sys_days(1970y / 1 / 1) + 6h + 30min);
  EXPECT_EQ(u.seenAt, sys_days(2024y / 2 / 29) + 8h + 11min + 12s + 345678us);
  EXPECT_FALSE(u.posts.loaded());

  conn.query(
      "INSERT INTO posts (id, title, status, views, score, price, meta, cover, tags, ratings, flags, author_id) "
      "VALUES ('p1', $1, 'PUBLISHED', $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      "Hello, \"world\"", std::int64_t{9'000'000'000}, 2.5, Numeric{"12345678.90"}, Json{R"({"lang":"en","n":[1,2]})"},
      Bytes{0x00, 0xff, 0x10}, std::vector<std::string>{"a,b", "NULL", "c\"d"}, std::vector<std::int32_t>{1, -2},
      std::vector<bool>{true, false}, u.id);
  testdb::Post p = ModelInfo<testdb::Post>::from_row(conn.query(select_all<testdb::Post>("id = 'p1'")).one());
  EXPECT_EQ(p.title, "Hello, \"world\"");
  EXPECT_EQ(p.status, testdb::Status::PUBLISHED);
  EXPECT_EQ(p.views, 9'000'000'000);
  EXPECT_EQ(p.score, 2.5);
  EXPECT_EQ(p.price, Numeric{"12345678.90"});
  EXPECT_EQ(p.meta, boost::json::parse(R"({"lang":"en","n":[1,2]})"));
  EXPECT_EQ(p.cover, (Bytes{0x00, 0xff, 0x10}));
  EXPECT_EQ(p.tags, (std::vector<std::string>{"a,b", "NULL", "c\"d"}));
  EXPECT_EQ(p.ratings, (std::vector<std::int32_t>{1, -2}));
  EXPECT_EQ(p.flags, (std::vector<bool>{true, false}));
  EXPECT_EQ(p.authorId, u.id);
}

TEST(ClientRows, NullsReadAsEmptyOptionalsAndAreRefusedForRequiredFields) {
  Connection conn(test::client_database("client_rows_nulls"));
  conn.query("INSERT INTO users (email) VALUES ('n@example.com')");
  auto u = ModelInfo<testdb::User>::from_row(conn.query(select_all<testdb::User>("true")).one());
  EXPECT_EQ(u.birthday, std::nullopt);
  EXPECT_EQ(u.wakeUp, std::nullopt);
  EXPECT_TRUE(u.roles.empty());
  // A column the schema calls required that the database holds NULL in: the error names it.
  conn.query("ALTER TABLE users ALTER COLUMN email DROP NOT NULL");
  conn.query("UPDATE users SET email = NULL");
  try {
    ModelInfo<testdb::User>::from_row(conn.query(select_all<testdb::User>("true")).one());
    FAIL() << "a NULL was read into a std::string";
  } catch (const ConversionError& e) {
    EXPECT_NE(std::string(e.what()).find("email"), std::string::npos) << e.what();
  }
}
