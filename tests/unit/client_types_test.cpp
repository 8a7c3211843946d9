// The client generated from tests/fixtures/client/schema.prisma by `pgkit generate` during the
// build (pgkit_generate_client in tests/CMakeLists.txt): its types, enums and metadata. Rows
// read from a real database: tests/integration/client_rows_pgtest.cpp.
#include <gtest/gtest.h>

#include <type_traits>

#include "testdb/client.hpp"

using namespace testdb;
using pgkit::client::ModelInfo;

TEST(ClientTypes, ScalarFieldsHaveTheTypesOfTheTable) {
  static_assert(std::is_same_v<decltype(User::id), std::int32_t>);
  static_assert(std::is_same_v<decltype(User::email), std::string>);
  static_assert(std::is_same_v<decltype(User::name), std::optional<std::string>>);
  static_assert(std::is_same_v<decltype(User::role), Role>);
  static_assert(std::is_same_v<decltype(User::roles), std::vector<Role>>);
  static_assert(std::is_same_v<decltype(User::createdAt), pgkit::Timestamp>);
  static_assert(std::is_same_v<decltype(User::birthday), std::optional<pgkit::Timestamp>>);
  static_assert(std::is_same_v<decltype(Post::id), std::string>);
  static_assert(std::is_same_v<decltype(Post::views), std::int64_t>);
  static_assert(std::is_same_v<decltype(Post::score), double>);
  static_assert(std::is_same_v<decltype(Post::price), std::optional<pgkit::Numeric>>);
  static_assert(std::is_same_v<decltype(Post::meta), std::optional<boost::json::value>>);
  static_assert(std::is_same_v<decltype(Post::cover), std::optional<pgkit::Bytes>>);
  static_assert(std::is_same_v<decltype(Post::tags), std::vector<std::string>>);
  static_assert(std::is_same_v<decltype(Post::flags), std::vector<bool>>);
  static_assert(std::is_same_v<decltype(Post::status), Status>);
  SUCCEED();
}

TEST(ClientTypes, RelationFieldsSayWhetherTheyWereLoaded) {
  static_assert(std::is_same_v<decltype(User::posts), pgkit::client::Loaded<std::vector<Post>>>);
  static_assert(std::is_same_v<decltype(User::profile), pgkit::client::Loaded<std::optional<Profile>>>);
  static_assert(std::is_same_v<decltype(Post::author), pgkit::client::Loaded<User>>);
  static_assert(std::is_same_v<decltype(Post::categories), pgkit::client::Loaded<std::vector<Category>>>);
  User u;
  EXPECT_FALSE(u.posts.loaded());
  try {
    (void)u.posts->size();
    FAIL() << "an unloaded relation was read";
  } catch (const pgkit::client::NotLoaded& e) {
    EXPECT_NE(std::string(e.what()).find("User.posts"), std::string::npos) << e.what();
  }
  Post p;
  p.title = "first";
  u.posts.set({p});
  ASSERT_TRUE(u.posts.loaded());
  User copy = u;  // deep: the copy's rows are its own
  copy.posts->at(0).title = "changed";
  EXPECT_EQ(u.posts->at(0).title, "first");
  EXPECT_EQ(copy.posts->at(0).title, "changed");
}

TEST(ClientTypes, EnumsConvertByTheirSchemaNames) {
  EXPECT_EQ(to_string(Role::ADMIN), "ADMIN");
  EXPECT_EQ(from_string<Role>("ADMIN"), Role::ADMIN);
  EXPECT_EQ(from_string<Role>("admin"), std::nullopt) << "the database name is not the schema name";
  EXPECT_EQ(from_string<Status>("PUBLISHED"), Status::PUBLISHED);
}

TEST(ClientTypes, EnumsCrossToSqlByTheirDatabaseNames) {
  std::string text;
  pgkit::ValueTraits<Role>::write(text, Role::ADMIN);
  EXPECT_EQ(text, "admin");  // @map("admin")
  EXPECT_EQ(pgkit::ValueTraits<Role>::read("USER"), Role::USER);
  EXPECT_THROW(pgkit::ValueTraits<Role>::read("ADMIN"), pgkit::ConversionError);
  std::string list;
  pgkit::ValueTraits<std::vector<Role>>::write(list, {Role::USER, Role::ADMIN});
  EXPECT_EQ(list, R"({"USER","admin"})");
  EXPECT_EQ(pgkit::ValueTraits<std::vector<Role>>::read("{USER,admin}"), (std::vector<Role>{Role::USER, Role::ADMIN}));
}

TEST(ClientTypes, ModelInfoNamesTheTableAndColumnsAsTheDatabaseDoes) {
  EXPECT_EQ(ModelInfo<User>::name, "User");
  EXPECT_EQ(ModelInfo<User>::table, R"("public"."users")");
  EXPECT_EQ(ModelInfo<Profile>::table, R"("public"."Profile")");
  std::vector<std::string> fields, selects;
  for (const auto& c : ModelInfo<User>::columns) {
    fields.emplace_back(c.field);
    selects.emplace_back(c.select);
  }
  EXPECT_EQ(fields, (std::vector<std::string>{"id", "email", "name", "role", "roles", "createdAt", "birthday", "wakeUp",
                                              "seenAt"}));
  EXPECT_EQ(selects[5], R"("created_at")");
  EXPECT_EQ(selects[6], R"("birthday"::timestamp)");
  EXPECT_EQ(selects[7], R"(('1970-01-01'::date + "wake_up"::time))");
  // Unsupported("tsvector") is not in the client, as in Prisma Client.
  for (const auto& c : ModelInfo<Post>::columns) EXPECT_NE(c.field, "legacy");
  EXPECT_EQ(ModelInfo<Post>::columns.size(), 12u);  // the 15 fields but the relations and legacy
}
