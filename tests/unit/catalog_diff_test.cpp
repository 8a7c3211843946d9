// The differ and the renderer without a database: catalogs built by hand, steps and SQL checked
// against what Prisma's engine writes for the same change (its output recorded here).
#include <gtest/gtest.h>

#include "pgkit/catalog.hpp"
#include "pgkit/catalog_diff.hpp"

using namespace pgkit::catalog;

namespace {

Type type(const std::string& name, std::vector<int> args = {}, int dims = 0) {
  Type t;
  t.name = name;
  t.args = std::move(args);
  t.dimensions = dims;
  t.sql = name;
  return t;
}

Column column(const std::string& name, Type t, bool not_null = true) {
  Column c;
  c.name = name;
  c.type = std::move(t);
  c.not_null = not_null;
  return c;
}

Column with_default(Column c, DefaultKind kind, std::string expression, std::string value = {}) {
  c.default_value = Default{kind, std::move(expression), std::move(value)};
  return c;
}

Index index(const std::string& name, Index::Kind kind, std::vector<std::string> columns) {
  Index i;
  i.name = name;
  i.kind = kind;
  for (auto& c : columns) i.keys.push_back({.column = c});
  return i;
}

Table users() {
  Table t{.schema = "public", .name = "User"};
  t.columns = {with_default(column("id", type("int4")), DefaultKind::sequence, ""), column("email", type("text")),
               column("bio", type("text"), false)};
  t.indexes = {index("User_pkey", Index::Kind::primary_key, {"id"}),
               index("User_email_key", Index::Kind::unique, {"email"})};
  return t;
}

Catalog model(std::vector<Table> tables, std::vector<Enum> enums = {}) {
  Catalog c;
  c.source = Source::prisma_schema;
  c.schemas = {"public"};
  c.tables = std::move(tables);
  c.enums = std::move(enums);
  return c;
}

Catalog database(std::vector<Table> tables, std::vector<Enum> enums = {}) {
  Catalog c = model(std::move(tables), std::move(enums));
  c.source = Source::database;
  return c;
}

std::vector<Step::Kind> kinds(const Plan& p) {
  std::vector<Step::Kind> out;
  for (const auto& s : p.steps) out.push_back(s.kind);
  return out;
}

}  // namespace

TEST(CatalogDiff, EqualCatalogsHaveNoSteps) { EXPECT_TRUE(diff(database({users()}), model({users()})).empty()); }

TEST(CatalogDiff, CreateTableIsRenderedAsPrismaWritesIt) {
  Catalog empty;
  auto plan = diff(empty, model({users()}));
  // What Prisma's engine writes for `model User { id Int @id @default(autoincrement()) email String @unique bio String? }`.
  EXPECT_EQ(render_script(plan),
            "-- CreateSchema\n"
            "CREATE SCHEMA IF NOT EXISTS \"public\";\n"
            "\n"
            "-- CreateTable\n"
            "CREATE TABLE \"User\" (\n"
            "    \"id\" SERIAL NOT NULL,\n"
            "    \"email\" TEXT NOT NULL,\n"
            "    \"bio\" TEXT,\n"
            "\n"
            "    CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\")\n"
            ");\n"
            "\n"
            "-- CreateIndex\n"
            "CREATE UNIQUE INDEX \"User_email_key\" ON \"User\"(\"email\");\n");
}

TEST(CatalogDiff, AlterTableOrdersDropsAddsAndAltersAsPrismaDoes) {
  Table before = users();
  before.columns.push_back(column("n", type("int4")));
  before.columns.push_back(with_default(column("old", type("text")), DefaultKind::value, "'x'", "x"));
  Table after = users();
  after.columns.erase(after.columns.begin() + 2);  // bio dropped
  after.columns.push_back(column("n", type("int8")));
  after.columns.push_back(column("old", type("text"), false));
  after.columns.push_back(column("req", type("text")));
  auto plan = diff(database({before}), model({after}));
  ASSERT_EQ(kinds(plan), std::vector<Step::Kind>{Step::Kind::alter_table});
  EXPECT_EQ(render_script(plan),
            "-- AlterTable\n"
            "ALTER TABLE \"User\" DROP COLUMN \"bio\",\n"
            "ADD COLUMN     \"req\" TEXT NOT NULL,\n"
            "ALTER COLUMN \"n\" SET DATA TYPE BIGINT,\n"
            "ALTER COLUMN \"old\" DROP NOT NULL,\n"
            "ALTER COLUMN \"old\" DROP DEFAULT;\n");
}

TEST(CatalogDiff, DefaultsWrittenDifferentlyButMeaningTheSameAreNoChange) {
  Table a = users(), b = users();
  a.columns.push_back(with_default(column("price", type("numeric", {10, 2})), DefaultKind::value, "1.50", "1.50"));
  b.columns.push_back(with_default(column("price", type("numeric", {10, 2})), DefaultKind::value, "1.5", "1.5"));
  a.columns.push_back(
      with_default(column("meta", type("jsonb")), DefaultKind::value, "'{\"a\": 1}'::jsonb", "{\"a\": 1}"));
  b.columns.push_back(with_default(column("meta", type("jsonb")), DefaultKind::value, "'{\"a\":1}'", "{\"a\":1}"));
  a.columns.push_back(with_default(column("on", type("bool")), DefaultKind::value, "true", "true"));
  b.columns.push_back(with_default(column("on", type("bool")), DefaultKind::value, "true", "t"));
  EXPECT_TRUE(diff(database({a}), model({b})).empty()) << summary(diff(database({a}), model({b})));
}

TEST(CatalogDiff, ATypeWithoutACastDropsAndRecreatesTheColumn) {
  Table a = users(), b = users();
  a.columns.push_back(column("flag", type("bool"), false));
  b.columns.push_back(column("flag", type("int4"), false));
  auto plan = diff(database({a}), model({b}));
  ASSERT_EQ(plan.steps.size(), 1u);
  ASSERT_EQ(plan.steps[0].changes.size(), 1u);
  EXPECT_EQ(plan.steps[0].changes[0].kind, TableChange::Kind::recreate_column);
  EXPECT_NE(render_script(plan).find("DROP COLUMN \"flag\",\nADD COLUMN     \"flag\" INTEGER"), std::string::npos);
}

TEST(CatalogDiff, AnIndexThatOnlyChangesNameIsRenamed) {
  Table a = users(), b = users();
  b.indexes[1].name = "email_unique";
  auto plan = diff(database({a}), model({b}));
  ASSERT_EQ(kinds(plan), std::vector<Step::Kind>{Step::Kind::rename_index});
  EXPECT_EQ(render_script(plan), "-- RenameIndex\nALTER INDEX \"User_email_key\" RENAME TO \"email_unique\";\n");
}

TEST(CatalogDiff, RemovingAnEnumValueRecreatesTheTypeInOneTransaction) {
  Table a = users(), b = users();
  Type role = type("Role");
  role.schema = "public";
  a.columns.push_back(with_default(column("role", role), DefaultKind::value, "'USER'::public.\"Role\"", "USER"));
  b.columns.push_back(with_default(column("role", role), DefaultKind::value, "'ADMIN'", "ADMIN"));
  Enum before{.schema = "public", .name = "Role", .values = {"USER", "ADMIN", "GUEST"}};
  Enum after{.schema = "public", .name = "Role", .values = {"USER", "ADMIN", "OWNER"}};
  auto plan = diff(model({a}, {before}), model({b}, {after}));
  // Prisma's engine, for the same change between two schema files (enum value GUEST → OWNER,
  // default USER → ADMIN). From a live database it writes "public"."User" and "public"."Role_old".
  EXPECT_EQ(render_script(plan),
            "-- AlterEnum\n"
            "BEGIN;\n"
            "CREATE TYPE \"Role_new\" AS ENUM ('USER', 'ADMIN', 'OWNER');\n"
            "ALTER TABLE \"User\" ALTER COLUMN \"role\" DROP DEFAULT;\n"
            "ALTER TABLE \"User\" ALTER COLUMN \"role\" TYPE \"Role_new\" USING (\"role\"::text::\"Role_new\");\n"
            "ALTER TYPE \"Role\" RENAME TO \"Role_old\";\n"
            "ALTER TYPE \"Role_new\" RENAME TO \"Role\";\n"
            "DROP TYPE \"Role_old\";\n"
            "ALTER TABLE \"User\" ALTER COLUMN \"role\" SET DEFAULT 'ADMIN';\n"
            "COMMIT;\n"
            "\n"
            "-- AlterTable\n"
            "ALTER TABLE \"User\" ALTER COLUMN \"role\" SET DEFAULT 'ADMIN';\n");
  auto warnings = check_data_loss(plan);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(warnings[0].message,
            "The values [GUEST] on the enum `Role` will be removed. If these variants are still used in the database, "
            "this will fail.");
}

TEST(CatalogDiff, StepsComeInAnOrderThatAlwaysApplies) {
  Table post{.schema = "public", .name = "Post"};
  post.columns = {column("id", type("int4")), column("authorId", type("int4"))};
  post.indexes = {index("Post_pkey", Index::Kind::primary_key, {"id"})};
  post.foreign_keys = {{.name = "Post_authorId_fkey",
                        .columns = {"authorId"},
                        .referenced_schema = "public",
                        .referenced_table = "User",
                        .referenced_columns = {"id"},
                        .on_delete = Action::cascade,
                        .on_update = Action::cascade}};
  Table gone{.schema = "public", .name = "Gone"};
  gone.columns = {column("id", type("int4"))};
  auto plan = diff(database({users(), gone}), model({users(), post}));
  EXPECT_EQ(kinds(plan),
            (std::vector<Step::Kind>{Step::Kind::drop_table, Step::Kind::create_table, Step::Kind::add_foreign_key}));
  EXPECT_NE(render_script(plan).find("REFERENCES \"User\"(\"id\") ON DELETE CASCADE ON UPDATE CASCADE;"),
            std::string::npos);
  auto warnings = check_data_loss(plan);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_EQ(
      warnings[0].message,
      "You are about to drop the `Gone` table. If the table is not empty, all the data it contains will be lost.");
}

TEST(CatalogDiff, ASchemaFileLeavesAloneWhatItCannotDescribe) {
  Catalog live = database({users()});
  live.others.push_back(
      {.kind = "function", .schema = "public", .name = "public.f()", .lines = {"CREATE FUNCTION …;"}});
  live.tables[0].checks.push_back({.name = "bio_short", .definition = "CHECK ((length(bio) < 200))"});
  EXPECT_TRUE(diff(live, model({users()})).empty());
  // Between two databases, everything counts.
  EXPECT_FALSE(diff(live, database({users()})).empty());
}

TEST(CatalogDiff, RequiredColumnAddedWithoutDefaultIsUnexecutableOnATableWithRows) {
  Table b = users();
  b.columns.push_back(column("req", type("text")));
  auto warnings = check_data_loss(diff(database({users()}), model({b})));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(warnings[0].unexecutable);
  EXPECT_EQ(warnings_comment(warnings),
            "/*\n  Warnings:\n\n  - Added the required column `req` to the `User` table without a default value. "
            "This is not possible if the table is not empty.\n\n*/\n");
}

TEST(CatalogDiff, SummaryGroupsChangesByObject) {
  Table b = users();
  b.columns.erase(b.columns.begin() + 2);
  Table post{.schema = "public", .name = "Post"};
  post.columns = {column("id", type("int4"))};
  EXPECT_EQ(summary(diff(database({users()}), model({b, post}))),
            "\n[+] Added tables\n  - Post\n\n[*] Changed the `User` table\n  [-] Removed column `bio`\n");
}
