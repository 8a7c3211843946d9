// Relations on foreign keys of several columns, against a real database: include from both
// sides, with its own where/order/take per parent; the relation filters; nested create and
// connect; and the one statement per level. A tenant's projects keyed by (tenant uuid, slug), and
// their tasks (tests/fixtures/client/schema.prisma).
#include <gtest/gtest.h>

#include <algorithm>

#include "client_database.hpp"
#include "pgkit/pool.hpp"
#include "testdb/client.hpp"

using namespace pgkit;
using namespace testdb::fields;
using client::Where;

namespace {

constexpr const char* kT1 = "11111111-1111-1111-1111-111111111111";
constexpr const char* kT2 = "22222222-2222-2222-2222-222222222222";

// Projects (t1, a) "Alpha", (t2, b) "Beta", (t1, c) "Gamma" (no tasks). Tasks: 1 and 2 in (t1, a);
// 3 in (t2, b); 4 is (t1, NULL), no project; 5 and 6 in (t1, b), which does not exist — the
// slug matches Beta's and the tenant Alpha's, a tuple no project has, so a match on each column
// alone would find them.
class ClientComposite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pool_ = new Pool(test::client_database("client_composite"));
    pool_->query(
        "INSERT INTO \"Project\" (tenant_id, slug, name) VALUES ($1, 'a', 'Alpha'), ($2, 'b', 'Beta'), "
        "($1, 'c', 'Gamma')",
        kT1, kT2);
    pool_->query("ALTER TABLE \"Task\" DROP CONSTRAINT \"Task_tenant_id_project_slug_fkey\"");  // for tasks 5, 6
    pool_->query(
        "INSERT INTO \"Task\" (id, title, done, tenant_id, project_slug) VALUES (1, 'one', true, $1, 'a'), "
        "(2, 'two', false, $1, 'a'), (3, 'three', false, $2, 'b'), (4, 'four', false, $1, NULL), "
        "(5, 'orphan', false, $1, 'b'), (6, 'orphan too', true, $1, 'b')",
        kT1, kT2);
    pool_->query("SELECT setval(pg_get_serial_sequence('\"Task\"', 'id'), 100)");
  }
  static void TearDownTestSuite() {
    delete pool_;
    pool_ = nullptr;
  }
  static testdb::Client db() { return testdb::Client(*pool_); }
  static std::vector<int> task_ids(const std::vector<testdb::Task>& rows) {
    std::vector<int> out;
    for (const auto& t : rows) out.push_back(t.id);
    return out;
  }
  static std::vector<std::string> project_names(Where<testdb::Project> w) {
    std::vector<std::string> out;
    for (const auto& p : db().project.find_many({.where = std::move(w), .order_by = {project::name.asc()}}))
      out.push_back(p.name);
    return out;
  }
  static std::vector<int> tasks_where(Where<testdb::Task> w) {
    return task_ids(db().task.find_many({.where = std::move(w), .order_by = {task::id.asc()}}));
  }
  static Pool* pool_;
};
Pool* ClientComposite::pool_ = nullptr;

using Ints = std::vector<int>;
using Names = std::vector<std::string>;

}  // namespace

TEST_F(ClientComposite, IncludeFromTheSideWithTheKeyMatchesWholeTuples) {
  auto tasks = db().task.find_many({.order_by = {task::id.asc()}, .include = {task::project}});
  ASSERT_EQ(tasks.size(), 6u);
  auto name_of = [](const testdb::Task& t) { return *t.project ? (*t.project)->name : std::string("-"); };
  EXPECT_EQ(name_of(tasks[0]), "Alpha");
  EXPECT_EQ(name_of(tasks[1]), "Alpha");
  EXPECT_EQ(name_of(tasks[2]), "Beta");
  EXPECT_EQ(name_of(tasks[3]), "-") << "a NULL in the key: no project";
  EXPECT_EQ(name_of(tasks[4]), "-") << "(t1, b) is no project's key, though t1 and b each are";
  EXPECT_TRUE(tasks[4].project.loaded());
}

TEST_F(ClientComposite, IncludeFromTheReferencedSideWithItsOwnWhereOrderAndTake) {
  auto projects = db().project.find_many(
      {.order_by = {project::name.asc()}, .include = {project::tasks.order_by({task::id.desc()})}});
  ASSERT_EQ(projects.size(), 3u);
  EXPECT_EQ(task_ids(*projects[0].tasks), (Ints{2, 1}));
  EXPECT_EQ(task_ids(*projects[1].tasks), (Ints{3})) << "not the orphans of (t1, b)";
  EXPECT_TRUE(projects[2].tasks->empty());
  auto paged = db().project.find_many(
      {.order_by = {project::name.asc()}, .include = {project::tasks.where(task::done == false).take(1)}});
  EXPECT_EQ(task_ids(*paged[0].tasks), (Ints{2}));
  EXPECT_EQ(task_ids(*paged[1].tasks), (Ints{3}));
  auto counted = db().project.find_many(
      {.order_by = {project::name.asc()}, .include = {project::tasks.count(task::done == false)}});
  EXPECT_EQ(*counted[0]._count.tasks, 1);
  EXPECT_EQ(*counted[1]._count.tasks, 1);
  EXPECT_EQ(*counted[2]._count.tasks, 0) << "the orphans of (t1, b) are nobody's";
  auto selected =
      db().project.select(project::name, project::tasks.count()).find_many({.order_by = {project::name.asc()}});
  EXPECT_EQ(std::get<1>(selected[0]), 2);
  EXPECT_EQ(std::get<1>(selected[1]), 1) << "a select's count matches whole tuples too";
  EXPECT_EQ(std::get<1>(selected[2]), 0);
  // Nested back up to the project: tasks → project → tasks.
  auto alpha = db().project.find_unique_or_throw(
      {.where = project::tenantId_slug(kT1, "a"), .include = {project::tasks.include({task::project})}});
  ASSERT_EQ(alpha.tasks->size(), 2u);
  for (const auto& t : *alpha.tasks) EXPECT_EQ((*t.project)->name, "Alpha");
}

TEST_F(ClientComposite, OneStatementPerLevel) {
  Config c = pool_->config();
  c.pool.min = c.pool.max = 1;
  Pool one(c);
  testdb::Client db(one);
  auto projects = db.project.find_many({.include = {project::tasks}});
  ASSERT_EQ(projects.size(), 3u);
  auto executions = test::prepared_executions(one, R"(SELECT k.pgkit_i%unnest(%WITH ORDINALITY%JOIN "public"."Task"%)");
  EXPECT_EQ(executions, 1) << "the tasks of every project in one statement";
}

TEST_F(ClientComposite, RelationFilters) {
  EXPECT_EQ(project_names(project::tasks.some()), (Names{"Alpha", "Beta"}));
  EXPECT_EQ(project_names(project::tasks.some(task::done == true)), (Names{"Alpha"}))
      << "task 6 is done, but in no project";
  EXPECT_EQ(project_names(project::tasks.none()), (Names{"Gamma"}));
  EXPECT_EQ(project_names(project::tasks.every(task::done == false)), (Names{"Beta", "Gamma"}));
  EXPECT_EQ(tasks_where(task::project.is(project::name == "Beta")), (Ints{3}));
  EXPECT_EQ(tasks_where(task::project.is_not(project::name == "Beta")), (Ints{1, 2, 4, 5, 6}));
  EXPECT_EQ(tasks_where(task::project.is_null()), (Ints{4})) << "a NULL in the key; 5 and 6 have a dangling one";
  EXPECT_EQ(tasks_where(task::project.is_not_null()), (Ints{1, 2, 3, 5, 6}));
  EXPECT_EQ(tasks_where(task::project.is()), (Ints{1, 2, 3}));
}

TEST_F(ClientComposite, NestedCreateAndConnectSetEveryColumnOfTheKey) {
  db().project.create(
      {.data = {
           .tenantId = kT2, .slug = "d", .name = "Delta", .tasks = {.create = {{.title = "d1"}, {.title = "d2"}}}}});
  auto read = db().project.find_unique_or_throw(
      {.where = project::tenantId_slug(kT2, "d"), .include = {project::tasks.order_by({task::title.asc()})}});
  ASSERT_EQ(read.tasks->size(), 2u);
  EXPECT_EQ((*read.tasks)[0].tenantId, kT2);
  EXPECT_EQ((*read.tasks)[0].projectSlug, "d");
  auto moved = db().task.create({.data = {.title = "d3", .project = {.connect = project::tenantId_slug(kT2, "d")}}});
  EXPECT_EQ(moved.tenantId, kT2);
  EXPECT_EQ(moved.projectSlug, "d");
  EXPECT_EQ(db().task.count({.where = task::project.is(project::name == "Delta")}), 3);
  // A connect to no project: P2025, and the nested create before it is rolled back.
  EXPECT_THROW(db().project.create({.data = {.tenantId = kT2,
                                             .slug = "e",
                                             .name = "Epsilon",
                                             .tasks = {.create = {{.title = "e1"}}, .connect = {task::id == 9999}}}}),
               client::RecordNotFound);
  EXPECT_EQ(db().project.count({.where = project::name == "Epsilon"}), 0);
}

TEST_F(ClientComposite, ACompositeKeyOnAUniqueOfSeveralFields) {
  // Review → Post by (authorId, title), Post's @@unique.
  pool_->query("INSERT INTO users (id, email) VALUES (71, 'rev@x')");
  pool_->query("INSERT INTO posts (id, title, author_id) VALUES ('r1', 'Same', 71), ('r2', 'Other', 71)");
  auto created = db().review.create({.data = {.stars = 5, .post = {.connect = post::authorId_title(71, "Same")}}});
  EXPECT_EQ(created.authorId, 71);
  EXPECT_EQ(created.title, "Same");
  auto review = db().review.find_unique_or_throw({.where = review::id == created.id, .include = {review::post}});
  EXPECT_EQ(review.post->id, "r1");
  auto posts =
      db().post.find_many({.where = post::authorId == 71, .order_by = {post::id.asc()}, .include = {post::reviews}});
  ASSERT_EQ(posts.size(), 2u);
  EXPECT_EQ(posts[0].reviews->size(), 1u);
  EXPECT_TRUE(posts[1].reviews->empty());
  EXPECT_EQ(db().post.count({.where = post::reviews.some(review::stars >= 4)}), 1);
}
