// `db pull` without a database: catalogs built here (as describe() reads a database) written as
// schema.prisma by Prisma's introspection rules — names, types, defaults, keys, relations,
// join tables, ignored models, documentation, warnings and re-introspection — and the
// round-trip property on calculated catalogs: introspecting what a schema builds and
// calculating the result again changes nothing.
#include <filesystem>

#include <gtest/gtest.h>

#include "pgkit/catalog_diff.hpp"
#include "pgkit/introspect.hpp"
#include "schema_test_helpers.hpp"

namespace pgkit::schema {
namespace {

namespace fs = std::filesystem;
using catalog::Action;
using catalog::Column;
using catalog::Default;
using catalog::DefaultKind;
using catalog::ForeignKey;
using catalog::Index;
using catalog::Type;

fs::path fixtures() { return fs::path(PGKIT_FIXTURES); }

// ---- Catalog builders: what describe() reads ----------------------------------------------

Type builtin(std::string name, std::vector<int> args = {}, int dimensions = 0) {
  return {.schema = "pg_catalog", .name = std::move(name), .args = std::move(args), .dimensions = dimensions};
}
Type user_type(std::string name, int dimensions = 0) {
  return {.schema = "public", .name = name, .dimensions = dimensions, .sql = "public." + name};
}
Column column(std::string name, Type type, bool not_null = true, std::optional<Default> d = std::nullopt) {
  return {.name = std::move(name), .type = std::move(type), .not_null = not_null, .default_value = std::move(d)};
}
Default value(std::string v, std::string expression = "") {
  return {.kind = DefaultKind::value, .expression = std::move(expression), .value = std::move(v)};
}
Default sequence(std::string name) {
  return {.kind = DefaultKind::sequence, .expression = "nextval(…)", .value = std::move(name)};
}
Default now() { return {.kind = DefaultKind::now, .expression = "CURRENT_TIMESTAMP"}; }
Default expression(std::string sql) { return {.kind = DefaultKind::expression, .expression = std::move(sql)}; }

Index key(Index::Kind kind, std::string name, std::vector<std::string> columns, std::string method = "btree") {
  Index i{.name = std::move(name), .kind = kind, .method = std::move(method)};
  for (auto& c : columns) i.keys.push_back({.column = std::move(c)});
  return i;
}
Index primary(std::string name, std::vector<std::string> columns) {
  return key(Index::Kind::primary_key, std::move(name), std::move(columns));
}
Index unique(std::string name, std::vector<std::string> columns) {
  return key(Index::Kind::unique, std::move(name), std::move(columns));
}
Index plain(std::string name, std::vector<std::string> columns, std::string method = "btree") {
  return key(Index::Kind::plain, std::move(name), std::move(columns), std::move(method));
}
ForeignKey foreign(std::string name, std::vector<std::string> columns, std::string table,
                   std::vector<std::string> references, Action on_delete = Action::restrict,
                   Action on_update = Action::cascade) {
  return {.name = std::move(name),
          .columns = std::move(columns),
          .referenced_schema = "public",
          .referenced_table = std::move(table),
          .referenced_columns = std::move(references),
          .on_delete = on_delete,
          .on_update = on_update};
}

catalog::Table table(std::string name, std::vector<Column> columns, std::vector<Index> indexes = {},
                     std::vector<ForeignKey> foreign_keys = {}) {
  return {.name = std::move(name),
          .columns = std::move(columns),
          .indexes = std::move(indexes),
          .foreign_keys = std::move(foreign_keys)};
}

catalog::Catalog database(std::vector<catalog::Table> tables, std::vector<catalog::Enum> enums = {}) {
  catalog::Catalog c;
  c.schemas = {"public"};
  c.tables = std::move(tables);
  c.enums = std::move(enums);
  return c;
}

using test::parse_text;

constexpr const char* kBlocks = R"P(generator client {
  provider = "prisma-client-js"
}

datasource db {
  provider = "postgresql"
}
)P";

// The models of a result, without the configuration blocks every new schema starts with.
std::string models_of(const IntrospectResult& r) {
  EXPECT_TRUE(r.text.starts_with(kBlocks)) << r.text;
  return r.text.substr(std::string(kBlocks).size() + 1);
}

// ---- Names ---------------------------------------------------------------------------------

TEST(Introspect, NewSchemaHasPrismasDefaultBlocksAndOneModelPerTable) {
  auto db = database({table(
      "User",
      {column("id", builtin("int4"), true, sequence("User_id_seq")), column("email", builtin("text")),
       column("name", builtin("varchar", {255}), false), column("createdAt", builtin("timestamp", {3}), true, now())},
      {primary("User_pkey", {"id"}), unique("User_email_key", {"email"})})});
  auto r = introspect(db);
  EXPECT_EQ(r.text, std::string(kBlocks) + R"P(
model User {
  id        Int      @id @default(autoincrement())
  email     String   @unique
  name      String?  @db.VarChar(255)
  createdAt DateTime @default(now())
}
)P");
  EXPECT_TRUE(r.warnings.empty());
  ASSERT_EQ(r.files.size(), 1u);
  EXPECT_EQ(r.files[0].path, "schema.prisma");
  EXPECT_EQ(r.files[0].text, r.text);
}

TEST(Introspect, NamesThatAreNotIdentifiersAreSanitizedAndMapped) {
  auto db = database({table("my-table",
                            {column("id", builtin("int4")), column("first name", builtin("text"), false),
                             column("1col", builtin("int4"), false), column("Ünï", builtin("int4"), false),
                             column("mood", user_type("Mood"), false, value("sad-ish"))},
                            {primary("my-table_pkey", {"id"})}),
                      table("class", {column("id", builtin("int4"))}, {primary("class_pkey", {"id"})})},
                     {{.name = "Mood", .values = {"happy", "sad-ish", "", "1st"}}});
  EXPECT_EQ(
      models_of(introspect(db)),
      R"P(/// This model has been renamed to 'Renamedclass' during introspection, because the original name 'class' is reserved.
model Renamedclass {
  id Int @id

  @@map("class")
}

model my_table {
  id         Int     @id
  first_name String? @map("first name")
  col        Int?    @map("1col")
  n_         Int?    @map("Ünï")
  mood       Mood?   @default(sad_ish)

  @@map("my-table")
}

enum Mood {
  happy
  sad_ish          @map("sad-ish")
  EMPTY_ENUM_VALUE @map("")
  st               @map("1st")
}
)P");
}

// ---- Types and defaults ----------------------------------------------------------------------

TEST(Introspect, ScalarAndNativeTypesAreThoseWhichPrismaChooses) {
  auto db = database({table("t",
                            {column("id", builtin("int8"), true, std::nullopt),
                             column("small", builtin("int2")),
                             column("real", builtin("float4")),
                             column("dbl", builtin("float8")),
                             column("dec", builtin("numeric", {65, 30})),
                             column("money", builtin("numeric", {10, 2})),
                             column("anynum", builtin("numeric")),
                             column("ts3", builtin("timestamp", {3})),
                             column("ts6", builtin("timestamp", {6})),
                             column("ts", builtin("timestamp")),
                             column("tstz", builtin("timestamptz")),
                             column("d", builtin("date")),
                             column("tm", builtin("time", {2})),
                             column("vc", builtin("varchar", {255})),
                             column("vcany", builtin("varchar")),
                             column("ch", builtin("bpchar", {3})),
                             column("txt", builtin("text")),
                             column("u", builtin("uuid")),
                             column("j", builtin("json")),
                             column("jb", builtin("jsonb")),
                             column("b", builtin("bytea")),
                             column("bits", builtin("bit", {4})),
                             column("ok", builtin("bool")),
                             column("ip", builtin("inet")),
                             column("ci", {.schema = "public", .name = "citext", .sql = "public.citext"}),
                             column("tags", builtin("text", {}, 1)),
                             column("stamps", builtin("timestamp", {}, 1)),
                             column("search", {.name = "tsvector", .sql = "tsvector"}, false),
                             column("span", {.name = "interval", .args = {3}, .sql = "interval(3)"}, false)},
                            {primary("t_pkey", {"id"})})});
  db.tables[0].columns[0].identity = catalog::Identity{};
  EXPECT_EQ(models_of(introspect(db)), R"P(model t {
  id     BigInt                      @id @default(autoincrement())
  small  Int                         @db.SmallInt
  real   Float                       @db.Real
  dbl    Float
  dec    Decimal
  money  Decimal                     @db.Decimal(10, 2)
  anynum Decimal                     @db.Decimal
  ts3    DateTime
  ts6    DateTime                    @db.Timestamp(6)
  ts     DateTime                    @db.Timestamp(6)
  tstz   DateTime                    @db.Timestamptz(6)
  d      DateTime                    @db.Date
  tm     DateTime                    @db.Time(2)
  vc     String                      @db.VarChar(255)
  vcany  String                      @db.VarChar
  ch     String                      @db.Char(3)
  txt    String
  u      String                      @db.Uuid
  j      Json                        @db.Json
  jb     Json
  b      Bytes
  bits   String                      @db.Bit(4)
  ok     Boolean
  ip     String                      @db.Inet
  ci     String                      @db.Citext
  tags   String[]
  stamps DateTime[]                  @db.Timestamp
  search Unsupported("tsvector")?
  span   Unsupported("interval(3)")?
}
)P");
}

TEST(Introspect, DefaultsAreLiteralsListsEnumValuesOrDbgenerated) {
  auto db = database(
      {table("d",
             {column("id", builtin("int4"), true, sequence("d_id_seq")),
              column("title", builtin("text"), true, value("x\"y\\z")),
              column("count", builtin("int4"), true, value("-5")),
              column("price", builtin("numeric", {10, 2}), true, value("1.50")),
              column("flag", builtin("bool"), true, value("true")),
              column("data", builtin("jsonb"), true, value("{\"a\": 1}")),
              column("blob", builtin("bytea"), true, value("\\x0102")),
              column("tags", builtin("text", {}, 1), true, value("{a,\"b c\"}")),
              column("nums", builtin("int4", {}, 1), true, value("{1,2}")),
              column("none", builtin("text", {}, 1), true, value("{}")),
              column("role", user_type("Role"), true, value("ADMIN")),
              column("roles", user_type("Role", 1), true, value("{USER,ADMIN}")),
              column("day", builtin("date"), true, expression("CURRENT_DATE")),
              column("key", builtin("uuid"), true, expression("gen_random_uuid()")),
              column("nothing", builtin("text"), false, expression("NULL::text")),
              column("at", builtin("timestamptz", {6}), true, now()), column("computed", builtin("int4"), false)},
             {primary("d_pkey", {"id"})})},
      {{.name = "Role", .values = {"USER", "ADMIN"}}});
  db.tables[0].columns.back().generated = "(count * 2)";
  EXPECT_EQ(models_of(introspect(db)), R"P(model d {
  id       Int      @id @default(autoincrement())
  title    String   @default("x\"y\\z")
  count    Int      @default(-5)
  price    Decimal  @default(1.50) @db.Decimal(10, 2)
  flag     Boolean  @default(true)
  data     Json     @default("{\"a\": 1}")
  blob     Bytes    @default("AQI=")
  tags     String[] @default(["a", "b c"])
  nums     Int[]    @default([1, 2])
  none     String[] @default([])
  role     Role     @default(ADMIN)
  roles    Role[]   @default([USER, ADMIN])
  day      DateTime @default(dbgenerated("CURRENT_DATE")) @db.Date
  key      String   @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  nothing  String?
  at       DateTime @default(now()) @db.Timestamptz(6)
  computed Int?     @default(dbgenerated("(count * 2)"))
}

enum Role {
  USER
  ADMIN
}
)P");
}

// ---- Keys and indexes ----------------------------------------------------------------------

TEST(Introspect, KeysAndIndexesNameOnlyWhatIsNotPrismasDefault) {
  Index desc = unique("p_c_desc", {"c"});
  desc.keys[0].descending = true;
  Index brin = plain("p_brin", {"a"}, "brin");
  brin.keys[0].opclass = "int4_minmax_multi_ops";
  Index gin = plain("p_gin", {"j"}, "gin");
  gin.keys[0].opclass = "jsonb_path_ops";
  Index trgm = plain("p_trgm", {"c"}, "gin");
  trgm.keys[0].opclass = "gin_trgm_ops";
  Index ordered = plain("p_a_b_idx", {"a", "b"});
  ordered.keys[1].descending = true;
  Index partial = plain("p_b_idx", {"b"});
  partial.predicate = "(b > 0)";
  auto db = database({table("p",
                            {column("a", builtin("int4")), column("b", builtin("int4")),
                             column("c", builtin("text"), false), column("j", builtin("jsonb"), false)},
                            {primary("p_pkey", {"a", "b"}), desc, unique("p_a_c_key", {"a", "c"}), brin, gin, trgm,
                             plain("p_hash", {"c"}, "hash"), ordered, partial})});
  auto r = introspect(db);
  EXPECT_EQ(r.text, R"P(generator client {
  provider        = "prisma-client-js"
  previewFeatures = ["partialIndexes"]
}

datasource db {
  provider = "postgresql"
}

model p {
  a Int
  b Int
  c String? @unique(map: "p_c_desc", sort: Desc)
  j Json?

  @@id([a, b])
  @@unique([a, c])
  @@index([a, b(sort: Desc)])
  @@index([b], where: raw("(b > 0)"))
  @@index([a(ops: Int4MinMaxMultiOps)], map: "p_brin", type: Brin)
  @@index([j(ops: JsonbPathOps)], map: "p_gin", type: Gin)
  @@index([c], map: "p_hash", type: Hash)
  @@index([c(ops: raw("gin_trgm_ops"))], map: "p_trgm", type: Gin)
}
)P");
}

// ---- Relations -----------------------------------------------------------------------------

TEST(Introspect, ForeignKeysBecomeRelationsOnBothSides) {
  auto db = database({
      table("User", {column("id", builtin("int4")), column("email", builtin("text"))},
            {primary("User_pkey", {"id"}), unique("User_email_key", {"email"})}),
      table("Post",
            {column("id", builtin("int4")), column("authorId", builtin("int4")),
             column("editorId", builtin("int4"), false)},
            {primary("Post_pkey", {"id"}), plain("Post_authorId_idx", {"authorId"})},
            {foreign("Post_authorId_fkey", {"authorId"}, "User", {"id"}, Action::cascade),
             foreign("post_editor", {"editorId"}, "User", {"id"}, Action::set_null, Action::no_action)}),
      table("Profile", {column("id", builtin("int4")), column("userEmail", builtin("text"))},
            {primary("Profile_pkey", {"id"}), unique("Profile_userEmail_key", {"userEmail"})},
            {foreign("Profile_userEmail_fkey", {"userEmail"}, "User", {"email"})}),
      table("Node", {column("id", builtin("int4")), column("parentId", builtin("int4"), false)},
            {primary("Node_pkey", {"id"})},
            {foreign("Node_parentId_fkey", {"parentId"}, "Node", {"id"}, Action::set_null)}),
  });
  EXPECT_EQ(models_of(introspect(db)), R"P(model Node {
  id         Int    @id
  parentId   Int?
  Node       Node?  @relation("NodeToNode", fields: [parentId], references: [id])
  other_Node Node[] @relation("NodeToNode")
}

model Post {
  id                       Int   @id
  authorId                 Int
  editorId                 Int?
  User_Post_authorIdToUser User  @relation("Post_authorIdToUser", fields: [authorId], references: [id], onDelete: Cascade)
  User_Post_editorIdToUser User? @relation("Post_editorIdToUser", fields: [editorId], references: [id], onUpdate: NoAction, map: "post_editor")

  @@index([authorId])
}

model Profile {
  id        Int    @id
  userEmail String @unique
  User      User   @relation(fields: [userEmail], references: [email])
}

model User {
  id                       Int      @id
  email                    String   @unique
  Post_Post_authorIdToUser Post[]   @relation("Post_authorIdToUser")
  Post_Post_editorIdToUser Post[]   @relation("Post_editorIdToUser")
  Profile                  Profile?
}
)P");
}

TEST(Introspect, ImplicitManyToManyJoinTableBecomesListFieldsOnBothModels) {
  auto db = database({
      table("Category", {column("id", builtin("int4"))}, {primary("Category_pkey", {"id"})}),
      table("Post", {column("id", builtin("int4"))}, {primary("Post_pkey", {"id"})}),
      table("_CategoryToPost", {column("A", builtin("int4")), column("B", builtin("int4"))},
            {primary("_CategoryToPost_AB_pkey", {"A", "B"}), plain("_CategoryToPost_B_index", {"B"})},
            {foreign("_CategoryToPost_A_fkey", {"A"}, "Category", {"id"}, Action::cascade),
             foreign("_CategoryToPost_B_fkey", {"B"}, "Post", {"id"}, Action::cascade)}),
      table("_tagged", {column("A", builtin("int4")), column("B", builtin("int4"))},
            {unique("_tagged_AB_unique", {"A", "B"}), plain("_tagged_B_index", {"B"})},
            {foreign("_tagged_A_fkey", {"A"}, "Category", {"id"}, Action::cascade),
             foreign("_tagged_B_fkey", {"B"}, "Post", {"id"}, Action::cascade)}),
  });
  EXPECT_EQ(models_of(introspect(db)), R"P(model Category {
  id                  Int    @id
  Post_CategoryToPost Post[] @relation("CategoryToPost")
  Post_tagged         Post[] @relation("tagged")
}

model Post {
  id                      Int        @id
  Category_CategoryToPost Category[] @relation("CategoryToPost")
  Category_tagged         Category[] @relation("tagged")
}
)P");
}

// ---- What Prisma cannot say ------------------------------------------------------------------

TEST(Introspect, TableWithoutUniqueCriterionIsIgnoredWithPrismasComment) {
  auto db = database({
      table("Tag", {column("id", builtin("int4"))}, {primary("Tag_pkey", {"id"})}),
      table("log", {column("tagId", builtin("int4"), false), column("line", builtin("text"))}, {},
            {foreign("log_tagId_fkey", {"tagId"}, "Tag", {"id"}, Action::no_action, Action::no_action)}),
  });
  auto r = introspect(db);
  EXPECT_EQ(models_of(r), R"P(model Tag {
  id  Int   @id
  log log[] @ignore
}

/// The underlying table does not contain a valid unique identifier and can therefore currently not be handled by Prisma Client.
model log {
  tagId Int?
  line  String
  Tag   Tag?   @relation(fields: [tagId], references: [id], onDelete: NoAction, onUpdate: NoAction)

  @@ignore
}
)P");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0],
            "The following models were ignored as they do not have a valid unique identifier or id. This is currently "
            "not supported by Prisma Client:\n  - \"log\"");
}

TEST(Introspect, ChecksExpressionIndexesAndCommentsAreDocumentedAndWarned) {
  Index lower = unique("users_email_lower_key", {});
  lower.keys.push_back({.expression = "lower(email)"});
  auto users = table(
      "users", {column("id", builtin("uuid"), true, expression("gen_random_uuid()")), column("email", builtin("text"))},
      {primary("users_pkey", {"id"}), lower});
  users.checks.push_back({.name = "users_email_check", .definition = "CHECK ((length(email) > 3))"});
  users.columns[1].comment = "where we write";
  auto r = introspect(database({users}));
  EXPECT_EQ(
      models_of(r),
      R"P(/// This table contains check constraints and requires additional setup for migrations. Visit https://pris.ly/d/check-constraints for more info.
/// This model or at least one of its fields has comments in the database, and requires an additional setup for migrations: Read more: https://pris.ly/d/database-comments
/// This model contains an expression index which requires additional setup for migrations. Visit https://pris.ly/d/expression-indexes for more info.
model users {
  id    String @id @default(dbgenerated("gen_random_uuid()")) @db.Uuid
  email String
}
)P");
  EXPECT_EQ(warnings_text(r.warnings), R"P(*** WARNING ***

These constraints are not supported by Prisma Client, because Prisma currently does not fully support check constraints. Read more: https://pris.ly/d/check-constraints
  - Model: "users", constraint: "users_email_check"

These objects have comments defined in the database, which is not yet fully supported. Read more: https://pris.ly/d/database-comments
  - Type: "field", name: "users.email"

These indexes are not supported by Prisma Client, because Prisma currently does not fully support expression indexes. Read more: https://pris.ly/d/expression-indexes
  - Model: "users", constraint: "users_email_lower_key"
)P");
}

TEST(Introspect, PrismasMigrationTablesAndPartitionsAreNotModels) {
  auto migrations =
      table("_prisma_migrations",
            {column("id", builtin("varchar", {36})), column("checksum", builtin("varchar", {64})),
             column("finished_at", builtin("timestamptz"), false), column("migration_name", builtin("varchar", {255})),
             column("logs", builtin("text"), false), column("rolled_back_at", builtin("timestamptz"), false),
             column("started_at", builtin("timestamptz")), column("applied_steps_count", builtin("int4"))},
            {primary("_prisma_migrations_pkey", {"id"})});
  auto parent = table("events", {column("id", builtin("int4"))}, {primary("events_pkey", {"id"})});
  parent.create_suffix = " PARTITION BY RANGE (id)";
  auto child = table("events_1", {column("id", builtin("int4"))}, {primary("events_1_pkey", {"id"})});
  child.attach = "ALTER TABLE ONLY public.events ATTACH PARTITION public.events_1 FOR VALUES FROM (0) TO (10);";
  auto r = introspect(database({migrations, parent, child}));
  EXPECT_EQ(
      models_of(r),
      R"P(/// This table is a partition table and requires additional setup for migrations. Visit https://pris.ly/d/partition-tables for more info.
model events {
  id Int @id
}
)P");
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0], "These tables are partition tables, which are not yet fully supported:\n  - \"events\"");
}

// ---- Re-introspection ------------------------------------------------------------------------

TEST(Introspect, ReintrospectionKeepsTheUsersNamesMapsDocsAndBlocks) {
  const std::string previous_text = R"P(// the application's schema
generator client {
  provider = "prisma-client-js"
  output   = "../generated"
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

/// People who write.
model Author {
  /// The key.
  id        Int      @id @default(autoincrement()) @map("author_id")
  fullName  String   @map("full_name")
  updatedAt DateTime @updatedAt @map("updated_at")
  token     String   @default(uuid(7))
  books     Book[]   @relation("wrote")

  @@map("authors")
}

model Book {
  id       Int    @id @default(autoincrement())
  writerId Int    @map("writer_id")
  writer   Author @relation("wrote", fields: [writerId], references: [id])
  kind     Kind   @default(Novel)

  @@map("books")
}

/// Kinds of books.
enum Kind {
  Novel  @map("novel")
  Poetry @map("poetry")

  @@map("book_kind")
}
)P";
  Schema previous = parse_text(previous_text);
  catalog::Catalog db = to_catalog(previous);
  // The database moved on: a column and a table more, one column fewer.
  db.tables[0].columns.push_back(column("nickname", builtin("text"), false));
  db.tables[1].columns.erase(db.tables[1].columns.begin() + 2);  // kind
  db.tables.push_back(table("reviews", {column("id", builtin("int4"))}, {primary("reviews_pkey", {"id"})}));
  auto r = introspect(db, {.previous = &previous});
  EXPECT_EQ(r.text, R"P(generator client {
  provider = "prisma-client-js"
  output   = "../generated"
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

/// People who write.
model Author {
  /// The key.
  id        Int      @id @default(autoincrement()) @map("author_id")
  fullName  String   @map("full_name")
  updatedAt DateTime @updatedAt @map("updated_at")
  token     String   @default(uuid(7))
  nickname  String?
  books     Book[]   @relation("wrote")

  @@map("authors")
}

model Book {
  id       Int    @id @default(autoincrement())
  writerId Int    @map("writer_id")
  writer   Author @relation("wrote", fields: [writerId], references: [id])

  @@map("books")
}

model reviews {
  id Int @id
}

/// Kinds of books.
enum Kind {
  Novel  @map("novel")
  Poetry @map("poetry")

  @@map("book_kind")
}
)P");
  EXPECT_EQ(warnings_text(r.warnings), R"P(*** WARNING ***

These fields were enriched with `@map` information taken from the previous Prisma schema:
  - Model: "Author", field: "id"
  - Model: "Author", field: "fullName"
  - Model: "Author", field: "updatedAt"
  - Model: "Book", field: "writerId"

These models were enriched with `@@map` information taken from the previous Prisma schema:
  - "Author"
  - "Book"

These enum values were enriched with `@map` information taken from the previous Prisma schema:
  - Enum: "Kind", value: "Novel"
  - Enum: "Kind", value: "Poetry"

These enums were enriched with `@@map` information taken from the previous Prisma schema:
  - "Kind"
)P");
}

TEST(Introspect, RelationModePrismaKeepsThePreviousRelationFields) {
  const std::string text = test::relation_mode_prisma_users_and_posts("\n  @@index([authorId])\n");
  Schema previous = parse_text(text);
  auto r = introspect(to_catalog(previous), {.previous = &previous});
  EXPECT_EQ(r.text, text);
}

// ---- The round trip, without a database ------------------------------------------------------

// Every schema of the corpora: its catalog introspected, parsed and calculated again is the
// same catalog, with and without the schema as the previous one.
std::vector<fs::path> round_trip_schemas() {
  std::vector<fs::path> out;
  for (const auto* dir : {"introspect/schemas", "prisma/corpus"})
    for (const auto& e : fs::directory_iterator(fixtures() / dir))
      if (e.path().extension() == ".prisma") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Introspect, CalculatedCatalogsRoundTripThroughIntrospection) {
  for (const auto& path : round_trip_schemas()) {
    SCOPED_TRACE(path.string());
    Schema original = load(path);
    catalog::Catalog built = to_catalog(original);
    // Without a previous schema only the default schema is read: multi-schema ones need theirs.
    std::vector<const Schema*> previous_schemas{&original};
    if (original.datasource.schemas.empty()) previous_schemas.insert(previous_schemas.begin(), nullptr);
    for (const Schema* previous : previous_schemas) {
      SCOPED_TRACE(previous ? "re-introspected" : "introspected");
      auto pulled = introspect(built, {.previous = previous});
      Schema again;
      ASSERT_NO_THROW(again = parse_text(pulled.text)) << pulled.text;
      auto plan = catalog::diff(built, to_catalog(again));
      EXPECT_TRUE(plan.empty()) << catalog::render_script(plan) << "\n--- the pulled schema\n" << pulled.text;
      // The other way, extensions Prisma leaves out without a previous schema would be created.
      if (previous) {
        EXPECT_TRUE(catalog::diff(to_catalog(again), built).empty());
      }
    }
  }
}

// Re-introspecting its own output is stable — after one round: like Prisma, a re-introspected
// implicit many-to-many relation gets its (generated) name written out.
TEST(Introspect, ReintrospectingTheResultReachesAFixedPoint) {
  for (const auto& path : round_trip_schemas()) {
    SCOPED_TRACE(path.string());
    catalog::Catalog built = to_catalog(load(path));
    Schema first = parse_text(introspect(built).text);
    auto second = introspect(built, {.previous = &first});
    Schema previous = parse_text(second.text);
    EXPECT_EQ(introspect(built, {.previous = &previous}).text, second.text);
  }
}

TEST(Introspect, AReintrospectedManyToManyRelationKeepsItsName) {
  auto db = database({
      table("Category", {column("id", builtin("int4"))}, {primary("Category_pkey", {"id"})}),
      table("Post", {column("id", builtin("int4"))}, {primary("Post_pkey", {"id"})}),
      table("_CategoryToPost", {column("A", builtin("int4")), column("B", builtin("int4"))},
            {primary("_CategoryToPost_AB_pkey", {"A", "B"}), plain("_CategoryToPost_B_index", {"B"})},
            {foreign("_CategoryToPost_A_fkey", {"A"}, "Category", {"id"}, Action::cascade),
             foreign("_CategoryToPost_B_fkey", {"B"}, "Post", {"id"}, Action::cascade)}),
  });
  Schema previous = parse_text(R"P(datasource db {
  provider = "postgresql"
}

model Post {
  id   Int        @id
  tags Category[]
}

model Category {
  id    Int    @id
  posts Post[]
}
)P");
  EXPECT_EQ(introspect(db, {.previous = &previous}).text, R"P(datasource db {
  provider = "postgresql"
}

model Post {
  id   Int        @id
  tags Category[] @relation("CategoryToPost")
}

model Category {
  id    Int    @id
  posts Post[] @relation("CategoryToPost")
}
)P");
}

}  // namespace
}  // namespace pgkit::schema
