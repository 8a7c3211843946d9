// The SQL text the generated client's reads make (src/client/statement.cpp), for shapes whose
// text matters beyond the rows they return: parameters numbered in order whatever the nesting,
// `= ANY` for lists of values, the keyset row comparison where an index can serve it, and the
// term-by-term form where NULLs or mixed directions need it; relations on a foreign key of several
// columns (include by the key tuples' ordinal, filters as row comparisons).
#include <gtest/gtest.h>

#include "testdb/client.hpp"

using namespace pgkit;
using namespace testdb::fields;
using client::detail::OrderTerm;
using client::detail::Page;

namespace {

std::string select(client::Where<testdb::Post> w, std::vector<client::OrderBy<testdb::Post>> order = {},
                   Page page = {}) {
  client::detail::Fragment f = std::move(w).fragment();
  std::vector<OrderTerm> terms;
  for (const auto& o : order) terms.push_back(client::detail::term_of(o));
  return client::detail::select_statement("Post", "*", "posts", f, terms, page);
}

Page after(std::vector<std::optional<std::string>> values, std::optional<std::int64_t> take = 10) {
  Page p{.take = take};
  for (auto& v : values) {
    if (!v) {
      p.after.emplace_back(std::nullopt);
      continue;
    }
    Params one;
    one.add(*v);
    p.after.emplace_back(std::move(one));
  }
  return p;
}

}  // namespace

TEST(ClientStatement, ParametersAreNumberedInTheOrderTheyAppear) {
  auto w = (post::views > 1 || post::title.contains("x")) && !(post::id.in({"a", "b"}));
  EXPECT_EQ(w.fragment().params.size(), 3);
  EXPECT_EQ(select(std::move(w)),
            R"(SELECT * FROM posts WHERE (("views" > $1 OR "title" LIKE $2) AND NOT ("id" = ANY($3))))");
  EXPECT_EQ(select({}, {}, {.take = 5, .skip = 10}), "SELECT * FROM posts LIMIT $1 OFFSET $2");
}

TEST(ClientStatement, KeysetIsARowComparisonWhenNothingIsNullAndOneDirection) {
  EXPECT_EQ(select(post::views > 0, {post::views.desc(), post::id.desc()}, after({"5", "p1"})),
            R"(SELECT * FROM posts WHERE ("views" > $1 AND ("views", "id") < ($2, $3)))"
            R"( ORDER BY "views" DESC, "id" DESC LIMIT $4)");
}

TEST(ClientStatement, KeysetSpellsOutMixedDirectionsAndNulls) {
  EXPECT_EQ(select({}, {post::views.asc(), post::id.desc()}, after({"5", "p1"})),
            R"(SELECT * FROM posts WHERE ("views" > $1 OR ("views" = $2 AND "id" < $3)))"
            R"( ORDER BY "views" ASC, "id" DESC LIMIT $4)");
  // price ascending puts NULLs last: after 5.00 come larger prices and the NULLs.
  EXPECT_EQ(select({}, {post::price.asc(), post::id.asc()}, after({"5.00", "p1"})),
            R"(SELECT * FROM posts WHERE (("price" > $1 OR "price" IS NULL) OR ("price" = $2 AND "id" > $3)))"
            R"( ORDER BY "price" ASC, "id" ASC LIMIT $4)");
  // After a NULL price (last ascending), only the NULLs with a larger id.
  EXPECT_EQ(select({}, {post::price.asc(), post::id.asc()}, after({std::nullopt, "p1"})),
            R"(SELECT * FROM posts WHERE ("price" IS NULL AND "id" > $1) ORDER BY "price" ASC, "id" ASC LIMIT $2)");
  // Descending puts NULLs first: after a NULL come every price.
  EXPECT_EQ(select({}, {post::price.desc(), post::id.asc()}, after({std::nullopt, "p1"})),
            R"(SELECT * FROM posts WHERE ("price" IS NOT NULL OR ("price" IS NULL AND "id" > $1)))"
            R"( ORDER BY "price" DESC, "id" ASC LIMIT $2)");
}

TEST(ClientStatement, CountCountsWithinThePage) {
  client::detail::Fragment f = client::Where<testdb::Post>(post::views > 1).fragment();
  Page page{.take = 3};
  EXPECT_EQ(client::detail::count_statement("Post", "posts", f, page),
            R"(SELECT count(*) FROM (SELECT 1 FROM posts WHERE "views" > $1 LIMIT $2) AS page)");
}

TEST(ClientStatement, ACompositeIncludeJoinsTheKeyTuplesByTheirOrdinal) {
  client::detail::Fragment where = client::Where<testdb::Task>(task::done == false).fragment();
  std::vector<std::vector<std::string>> keys{{"t1", "t2"}, {"a", "b"}};
  EXPECT_EQ(client::detail::include_statement(project::tasks.shape(), "\"id\"", where, {}, 2, keys),
            R"(SELECT * FROM (SELECT k.pgkit_i AS pgkit_key, "id", row_number() OVER (PARTITION BY k.pgkit_i) AS )"
            R"(pgkit_n FROM unnest($1::uuid[], $2::varchar[]) WITH ORDINALITY AS k(pgkit_k1, pgkit_k2, pgkit_i) )"
            R"(JOIN "public"."Task" ON "public"."Task"."tenant_id" = k.pgkit_k1 AND )"
            R"("public"."Task"."project_slug" = k.pgkit_k2 WHERE "done" = $3) AS page WHERE pgkit_n <= $4)");
  ASSERT_EQ(where.params.size(), 4);
  EXPECT_EQ(std::string(where.params.values()[0]), R"({"t1","t2"})");
  EXPECT_EQ(std::string(where.params.values()[1]), R"({"a","b"})");
}

TEST(ClientStatement, CompositeRelationFiltersCompareRows) {
  auto text = [](auto w) { return client::detail::numbered(std::move(w).fragment().sql); };
  EXPECT_EQ(text(project::tasks.none()),
            R"(("tenant_id", "slug") NOT IN (SELECT "tenant_id", "project_slug" FROM "public"."Task" )"
            R"(WHERE "tenant_id" IS NOT NULL AND "project_slug" IS NOT NULL))");
  EXPECT_EQ(text(task::project.is_null()), R"(("tenant_id" IS NULL OR "project_slug" IS NULL))");
  EXPECT_EQ(text(task::project.is_not(project::name == "x")),
            R"((("tenant_id" IS NULL OR "project_slug" IS NULL) OR ("tenant_id", "project_slug") NOT IN )"
            R"((SELECT "tenant_id", "slug" FROM "public"."Project" WHERE "name" = $1)))");
  // One column keeps its text.
  EXPECT_EQ(text(category::parent.is_not_null()), R"("parent_id" IS NOT NULL)");
}

TEST(ClientStatement, ACountIsOneGroupedStatementForEveryParent) {
  std::vector<std::vector<std::string>> keys{{"1", "2"}};
  client::detail::Fragment where = client::Where<testdb::Post>(post::title == "x").fragment();
  EXPECT_EQ(client::detail::relation_count_statement(user::posts.shape(), where, keys),
            R"(SELECT "public"."posts"."author_id", count(*) FROM "public"."posts" )"
            R"(WHERE "public"."posts"."author_id" = ANY($1) AND "title" = $2 GROUP BY 1)");
  client::detail::Fragment none;
  EXPECT_EQ(client::detail::relation_count_statement(category::posts.shape(), none, keys),
            R"(SELECT j."A", count(*) FROM "public"."_CategoryToPost" AS j JOIN "public"."posts" )"
            R"(ON "public"."posts"."id" = j."B" WHERE j."A" = ANY($1) GROUP BY 1)");
}

TEST(ClientStatement, ASelectedCountIsCorrelatedAndItsParametersComeFirst) {
  using Email = std::remove_cvref_t<decltype(user::email)>;
  using Selected = client::detail::Selected<testdb::User, Email, client::CountOf<&testdb::User::posts>>;
  client::FindMany<testdb::User> args{.where = user::id == 1};
  auto st = client::detail::Calls<testdb::User>::read_statement(
      args, Selected::columns(user::email, user::posts.count(post::title == "x")));
  EXPECT_EQ(st.sql, R"(SELECT "email", (SELECT count(*) FROM "public"."posts" AS pgkit_c WHERE pgkit_c."author_id" = )"
                    R"("public"."users"."id" AND "title" = $1) FROM "public"."users" WHERE "id" = $2)");
  ASSERT_EQ(st.params.size(), 2);
  EXPECT_EQ(std::string(st.params.values()[0]), "x");
  EXPECT_EQ(std::string(st.params.values()[1]), "1");
}

TEST(ClientStatement, ACopiedRelationKeepsItsOwnKey) {
  auto copy = user::posts;  // a one-column descriptor points at its own field: the copy at its copy
  EXPECT_EQ(copy.parent_refs().size(), 1u);
  EXPECT_EQ(copy.parent_refs()[0], user::posts.parent_refs()[0]);
  EXPECT_NE(copy.parent_refs().data(), user::posts.parent_refs().data());
  auto composite = project::tasks;
  EXPECT_EQ(composite.parent_refs().data(), project::tasks.parent_refs().data()) << "the generator's array";
  EXPECT_EQ(client::detail::numbered(std::move(copy.some()).fragment().sql),
            client::detail::numbered(std::move(user::posts.some()).fragment().sql));
}
