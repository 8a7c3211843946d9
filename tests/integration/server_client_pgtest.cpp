// Seed 002's calls in C++ (docs/client.md, "Seed 002 in C++"), on pgkit-server's own schema and
// generated client (prisma/schema.prisma, namespace pgkit::server::db), against a database its
// migrations built: the documented example is code that runs.
#include <gtest/gtest.h>

#include "pgkit/migrator.hpp"
#include "pgkit/pool.hpp"
#include "pgkit/server/db/client.hpp"
#include "test_server.hpp"

using namespace pgkit;
using namespace pgkit::test;
namespace db = pgkit::server::db;
using namespace db::fields;

TEST(ServerClient, Seed002CallsRunOnTheServersSchema) {
  Config config = fresh_database("server_client_seed002");
  migrate::Migrator(config, {.dir = PGKIT_SERVER_MIGRATIONS, .table = migrate::kPrismaTable}).up();
  Pool pool(config);
  db::Client prisma(pool);

  // The id is the database's (dbgenerated("gen_random_uuid()")): left out of the INSERT, read back.
  db::User user = prisma.user.create({.data = {.email = "ada@example.com"}});
  EXPECT_EQ(user.id.size(), 36u);
  EXPECT_EQ(user.role, db::UserRole::USER);
  db::Post post =
      prisma.post.create({.data = {.title = "Hello World", .content = "My first post", .authorId = user.id}});
  EXPECT_EQ(post.authorId, user.id);
  EXPECT_FALSE(post.published);

  std::optional<db::User> with_posts =
      prisma.user.find_unique({.where = user::id == user.id, .include = {user::posts}});
  ASSERT_TRUE(with_posts);
  ASSERT_EQ(with_posts->posts->size(), 1u);
  EXPECT_EQ((*with_posts->posts)[0].title, "Hello World");

  // Soft delete: findMany({ where: { deletedAt: null } }) no longer finds a deleted user.
  prisma.user.create({.data = {.email = "bob@example.com"}});
  EXPECT_EQ(prisma.user.find_many({.where = user::deletedAt.is_null()}).size(), 2u);
  prisma.user.update({.where = user::id == user.id,
                      .data = {user::deletedAt.set(
                          std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()))}});
  auto live = prisma.user.find_many({.where = user::deletedAt.is_null()});
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live[0].email, "bob@example.com");

  // What the migration added by hand holds for the client's writes too: one account per email,
  // whatever its case (users_email_lower_key), and the CHECK on a title.
  EXPECT_THROW(prisma.user.create({.data = {.email = "ADA@example.com"}}), client::UniqueConstraintFailed);
  EXPECT_THROW(prisma.post.create({.data = {.title = "", .authorId = user.id}}), Error);
}
