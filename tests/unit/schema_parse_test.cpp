// schema::parse on valid schemas: what the model holds for every block, field type, attribute,
// default and native type; relations of every kind with Prisma's generated names and join
// tables; multi-file schemas; reading files and folders. No database.
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include <gtest/gtest.h>

#include "temp_dir.hpp"
#include "pgkit/schema.hpp"
#include "schema_test_helpers.hpp"

namespace pgkit::schema {
namespace {

namespace fs = std::filesystem;

using test::kDatasource;
using test::parse_text;

Schema parse_body(const std::string& body) { return parse_text(kDatasource + body); }

fs::path fixture(const std::string& name) { return fs::path(PGKIT_FIXTURES) / "schema" / name; }

const Field& field_of(const Schema& s, const std::string& model, const std::string& field) {
  const Model* m = s.model(model);
  if (!m) throw std::runtime_error("no model " + model);
  const Field* f = m->field(field);
  if (!f) throw std::runtime_error("no field " + model + "." + field);
  return *f;
}

const Relation* relation_named(const Schema& s, const std::string& name) {
  for (const auto& r : s.relations) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

struct TempDir : test::TempDir {
  TempDir() : test::TempDir("pgkit-schema-test") {}
};

TEST(SchemaParse, SeedSchemaResolvesModelsFieldsAndRelations) {
  Schema s = load(fixture("format/seed.prisma"));
  ASSERT_EQ(s.models.size(), 4u);
  EXPECT_EQ(s.models[0].name, "User");
  EXPECT_EQ(s.models[3].name, "Post");
  ASSERT_EQ(s.generators.size(), 1u);
  EXPECT_EQ(s.generators[0].provider, "prisma-client-js");
  EXPECT_EQ(s.datasource.provider, "postgresql");
  ASSERT_TRUE(s.datasource.url);
  EXPECT_EQ(s.datasource.url->env, "DATABASE_URL");

  const Model& user = *s.model("User");
  ASSERT_TRUE(user.primary_key);
  EXPECT_TRUE(user.primary_key->field_attribute);
  EXPECT_EQ(user.primary_key->fields[0].field, "id");
  const Field& id = field_of(s, "User", "id");
  ASSERT_TRUE(id.default_value);
  EXPECT_EQ(id.default_value->kind, DefaultValue::Kind::cuid);
  EXPECT_EQ(id.default_value->version, 1);
  EXPECT_FALSE(id.default_value->in_database());
  const Field& role = field_of(s, "User", "role");
  EXPECT_EQ(role.type.kind, FieldType::Kind::enumeration);
  EXPECT_EQ(role.type.name, "UserRole");
  EXPECT_EQ(role.default_value->kind, DefaultValue::Kind::enum_value);
  EXPECT_EQ(role.default_value->value, "USER");
  EXPECT_EQ(field_of(s, "User", "isActive").default_value->value, "true");
  EXPECT_EQ(field_of(s, "User", "lastLoginAt").arity, Arity::optional);
  EXPECT_TRUE(field_of(s, "User", "updatedAt").updated_at);
  EXPECT_EQ(field_of(s, "User", "createdAt").default_value->kind, DefaultValue::Kind::now);
  EXPECT_EQ(field_of(s, "User", "posts").arity, Arity::list);
  EXPECT_TRUE(field_of(s, "User", "posts").is_relation());
  ASSERT_EQ(user.indexes.size(), 1u);
  EXPECT_EQ(user.indexes[0].kind, IndexDef::Kind::unique);
  EXPECT_TRUE(user.indexes[0].field_attribute);

  const Field& content = field_of(s, "Post", "content");
  ASSERT_TRUE(content.native_type);
  EXPECT_EQ(content.native_type->name, "Text");
  const Field& author = field_of(s, "Post", "author");
  EXPECT_EQ(author.relation_fields, std::vector<std::string>{"authorId"});
  EXPECT_EQ(author.relation_references, std::vector<std::string>{"id"});
  EXPECT_EQ(author.on_delete, ReferentialAction::Cascade);
  EXPECT_FALSE(author.on_update);
  const Model& post = *s.model("Post");
  ASSERT_EQ(post.indexes.size(), 2u);
  EXPECT_EQ(post.indexes[1].fields.size(), 2u);
  EXPECT_EQ(post.indexes[1].fields[1].field, "createdAt");

  ASSERT_EQ(s.relations.size(), 3u);
  const Relation* posts = relation_named(s, "PostToUser");
  ASSERT_TRUE(posts);
  EXPECT_EQ(posts->kind, Relation::Kind::one_to_many);
  EXPECT_EQ(posts->referencing_model, "Post");
  EXPECT_EQ(posts->referencing_field, "author");
  EXPECT_EQ(posts->referenced_model, "User");
  EXPECT_EQ(posts->referenced_field, "posts");
  EXPECT_EQ(posts->on_delete, ReferentialAction::Cascade);
  EXPECT_EQ(posts->on_update, ReferentialAction::Cascade);
  const Relation* links = relation_named(s, "MagicLinkToUser");
  ASSERT_TRUE(links);
  EXPECT_EQ(links->on_delete, ReferentialAction::SetNull) << "Prisma's default for an optional relation";
  EXPECT_EQ(relation_named(s, "SessionToUser")->on_delete, ReferentialAction::Cascade);
  EXPECT_TRUE(s.warnings.empty());
}

TEST(SchemaParse, DocCommentsGoToTheModelFieldsEnumsAndValues) {
  Schema s = parse_body(R"psl(/// A person.
/// Two lines.
model User {
  /// The key.
  id Int @id // not a doc comment
  // plain comment
  name String /// trailing doc
}

/// Colors
enum Color {
  /// the red one
  RED
}
)psl");
  EXPECT_EQ(s.models[0].doc, "A person.\nTwo lines.");
  EXPECT_EQ(field_of(s, "User", "id").doc, "The key.");
  EXPECT_EQ(field_of(s, "User", "name").doc, "trailing doc");
  EXPECT_EQ(s.enums[0].doc, "Colors");
  EXPECT_EQ(s.enums[0].values[0].doc, "the red one");
}

TEST(SchemaParse, EveryScalarTypeListAndOptional) {
  Schema s = parse_body(R"psl(model T {
  id Int @id
  s  String
  b  Boolean?
  bi BigInt
  f  Float
  d  Decimal
  dt DateTime
  j  Json
  by Bytes
  l  String[]
  u  Unsupported("circle")?
}
)psl");
  const Model& t = s.models[0];
  const std::vector<ScalarType> types = {ScalarType::Int,      ScalarType::String, ScalarType::Boolean,
                                         ScalarType::BigInt,   ScalarType::Float,  ScalarType::Decimal,
                                         ScalarType::DateTime, ScalarType::Json,   ScalarType::Bytes};
  for (std::size_t i = 0; i < types.size(); ++i) {
    EXPECT_EQ(t.fields[i].type.kind, FieldType::Kind::scalar);
    EXPECT_EQ(t.fields[i].type.scalar, types[i]) << t.fields[i].name;
  }
  EXPECT_EQ(t.fields[2].arity, Arity::optional);
  EXPECT_EQ(field_of(s, "T", "l").arity, Arity::list);
  const Field& u = field_of(s, "T", "u");
  EXPECT_EQ(u.type.kind, FieldType::Kind::unsupported);
  EXPECT_EQ(u.type.name, "circle");
  EXPECT_EQ(u.arity, Arity::optional);
}

// A PostgreSQL native type on its scalar: `x Scalar @db.Name(args…)` is read as Name and args.
struct NativeTypeCase {
  std::string scalar, name;
  std::vector<std::string> args;
};

class SchemaParseNativeType : public ::testing::TestWithParam<NativeTypeCase> {};

TEST_P(SchemaParseNativeType, IsReadOnItsScalar) {
  const NativeTypeCase& c = GetParam();
  std::string attribute = "@db." + c.name;
  for (std::size_t i = 0; i < c.args.size(); ++i) attribute += (i == 0 ? "(" : ", ") + c.args[i];
  if (!c.args.empty()) attribute += ")";
  Schema s = parse_body("model N {\n  id Int @id\n  x " + c.scalar + " " + attribute + "\n}\n");
  const Field& x = field_of(s, "N", "x");
  ASSERT_TRUE(x.native_type) << attribute;
  EXPECT_EQ(x.native_type->name, c.name);
  EXPECT_EQ(x.native_type->args, c.args);
}

const std::vector<NativeTypeCase> kNativeTypes = {{"String", "Text"},
                                                  {"String", "VarChar", {"255"}},
                                                  {"String", "VarChar"},
                                                  {"String", "Char", {"10"}},
                                                  {"String", "Uuid"},
                                                  {"String", "Citext"},
                                                  {"String", "Inet"},
                                                  {"String", "Xml"},
                                                  {"String", "Bit", {"8"}},
                                                  {"String", "VarBit", {"16"}},
                                                  {"Int", "SmallInt"},
                                                  {"Int", "Integer"},
                                                  {"BigInt", "BigInt"},
                                                  {"Int", "Oid"},
                                                  {"Float", "Real"},
                                                  {"Float", "DoublePrecision"},
                                                  {"Decimal", "Decimal", {"10", "2"}},
                                                  {"Decimal", "Money"},
                                                  {"DateTime", "Timestamp", {"3"}},
                                                  {"DateTime", "Timestamptz", {"6"}},
                                                  {"DateTime", "Date"},
                                                  {"DateTime", "Time", {"2"}},
                                                  {"DateTime", "Timetz", {"0"}},
                                                  {"Boolean", "Boolean"},
                                                  {"Json", "Json"},
                                                  {"Json", "JsonB"},
                                                  {"Bytes", "ByteA"}};

INSTANTIATE_TEST_SUITE_P(EveryPostgresType, SchemaParseNativeType, ::testing::ValuesIn(kNativeTypes),
                         [](const ::testing::TestParamInfo<NativeTypeCase>& info) {
                           std::string name = info.param.name;  // VarChar_255, Decimal_10_2
                           for (const auto& a : info.param.args) name += "_" + a;
                           return name;
                         });

TEST(SchemaParse, EveryDefaultFunctionAndLiteral) {
  Schema s = parse_body(R"psl(enum Role {
  USER
  ADMIN
}

model D {
  id     Int      @id @default(autoincrement())
  big    BigInt   @default(autoincrement())
  at     DateTime @default(now())
  u4     String   @default(uuid())
  u4b    String   @default(uuid(4))
  u7     String   @default(uuid(7))
  c1     String   @default(cuid())
  c2     String   @default(cuid(2))
  n      String   @default(nanoid())
  n8     String   @default(nanoid(8))
  ul     String   @default(ulid())
  gen    String   @default(dbgenerated("gen_random_uuid()"))
  gen0   Int      @default(dbgenerated())
  str    String   @default("it's \"quoted\"\n")
  int    Int      @default(-42)
  flt    Float    @default(1.5)
  dec    Decimal  @default("12.50")
  bool   Boolean  @default(false)
  json   Json     @default("{\"a\": [1, 2]}")
  bytes  Bytes    @default("aGk=")
  when   DateTime @default("2024-01-31T12:00:00.123+01:00")
  role   Role     @default(ADMIN)
  roles  Role[]   @default([USER, ADMIN])
  tags   String[] @default(["a", "b"])
  none   Int[]    @default([])
  named  Int      @default(5, map: "named_default")
}
)psl");
  auto kind = [&](const std::string& f) { return field_of(s, "D", f).default_value->kind; };
  using K = DefaultValue::Kind;
  EXPECT_EQ(kind("id"), K::autoincrement);
  EXPECT_EQ(kind("big"), K::autoincrement);
  EXPECT_EQ(kind("at"), K::now);
  EXPECT_EQ(field_of(s, "D", "u4").default_value->version, 4);
  EXPECT_EQ(field_of(s, "D", "u4b").default_value->version, 4);
  EXPECT_EQ(field_of(s, "D", "u7").default_value->version, 7);
  EXPECT_EQ(kind("u7"), K::uuid);
  EXPECT_EQ(field_of(s, "D", "c1").default_value->version, 1);
  EXPECT_EQ(field_of(s, "D", "c2").default_value->version, 2);
  EXPECT_EQ(field_of(s, "D", "n").default_value->length, 0);
  EXPECT_EQ(field_of(s, "D", "n8").default_value->length, 8);
  EXPECT_EQ(kind("ul"), K::ulid);
  EXPECT_EQ(kind("gen"), K::dbgenerated);
  EXPECT_EQ(field_of(s, "D", "gen").default_value->value, "gen_random_uuid()");
  EXPECT_EQ(field_of(s, "D", "gen0").default_value->value, "");
  EXPECT_EQ(field_of(s, "D", "str").default_value->value, "it's \"quoted\"\n");
  EXPECT_EQ(field_of(s, "D", "int").default_value->value, "-42");
  EXPECT_EQ(field_of(s, "D", "flt").default_value->value, "1.5");
  EXPECT_EQ(field_of(s, "D", "dec").default_value->value, "12.50");
  EXPECT_EQ(field_of(s, "D", "bool").default_value->value, "false");
  EXPECT_EQ(field_of(s, "D", "json").default_value->value, "{\"a\": [1, 2]}");
  EXPECT_EQ(field_of(s, "D", "bytes").default_value->value, "aGk=");
  EXPECT_EQ(kind("role"), K::enum_value);
  EXPECT_EQ(field_of(s, "D", "role").default_value->value, "ADMIN");
  const DefaultValue& roles = *field_of(s, "D", "roles").default_value;
  ASSERT_EQ(roles.kind, K::list);
  ASSERT_EQ(roles.items.size(), 2u);
  EXPECT_EQ(roles.items[1].kind, K::enum_value);
  EXPECT_EQ(roles.items[1].value, "ADMIN");
  const DefaultValue& tags = *field_of(s, "D", "tags").default_value;
  ASSERT_EQ(tags.items.size(), 2u);
  EXPECT_EQ(tags.items[0].value, "a");
  EXPECT_EQ(field_of(s, "D", "none").default_value->items.size(), 0u);
  EXPECT_EQ(field_of(s, "D", "named").default_value->map, "named_default");
  EXPECT_TRUE(field_of(s, "D", "at").default_value->in_database());
  EXPECT_FALSE(field_of(s, "D", "n").default_value->in_database());
}

TEST(SchemaParse, MapsIgnoreSchemaAndIndexArguments) {
  Schema s = parse_text(R"psl(datasource db {
  provider = "postgresql"
  schemas  = ["app", "audit"]
}

generator client {
  provider        = "prisma-client-js"
  previewFeatures = ["partialIndexes"]
}

enum Status {
  ACTIVE  @map("active")
  BLOCKED @map("blocked")

  @@map("status")
  @@schema("app")
}

model Account {
  id      Int    @id(map: "account_pk")
  email   String @map("email_address")
  data    Json
  name    String
  status  Status
  legacy  String @ignore

  @@unique([email, name], name: "emailName", map: "account_email_name")
  @@index([name(sort: Desc), email], map: "by_name")
  @@index([email], type: Hash)
  @@index([data(ops: JsonbPathOps)], type: Gin)
  @@index([name(ops: raw("text_pattern_ops"))])
  @@index([email], where: raw("status = 'active'"), map: "active_emails")
  @@map("accounts")
  @@schema("app")
}

model Old {
  id Int @id
  @@ignore
  @@schema("audit")
}
)psl");
  const Model& a = *s.model("Account");
  EXPECT_EQ(a.db_name, "accounts");
  EXPECT_EQ(a.schema, "app");
  EXPECT_EQ(a.primary_key->map, "account_pk");
  EXPECT_EQ(field_of(s, "Account", "email").db_name, "email_address");
  EXPECT_TRUE(field_of(s, "Account", "legacy").ignored);
  ASSERT_EQ(a.indexes.size(), 6u);
  EXPECT_EQ(a.indexes[0].kind, IndexDef::Kind::unique);
  EXPECT_EQ(a.indexes[0].name, "emailName");
  EXPECT_EQ(a.indexes[0].map, "account_email_name");
  EXPECT_EQ(a.indexes[1].map, "by_name");
  EXPECT_TRUE(a.indexes[1].fields[0].descending);
  EXPECT_FALSE(a.indexes[1].fields[1].descending);
  EXPECT_EQ(a.indexes[1].type, "");
  EXPECT_EQ(a.indexes[2].type, "Hash");
  EXPECT_EQ(a.indexes[3].type, "Gin");
  EXPECT_EQ(a.indexes[3].fields[0].ops, "JsonbPathOps");
  EXPECT_FALSE(a.indexes[3].fields[0].ops_raw);
  EXPECT_EQ(a.indexes[4].fields[0].ops, "text_pattern_ops");
  EXPECT_TRUE(a.indexes[4].fields[0].ops_raw);
  EXPECT_EQ(a.indexes[5].predicate, "status = 'active'");
  EXPECT_FALSE(a.indexes[5].predicate_object);
  EXPECT_TRUE(s.model("Old")->ignored);
  const Enum& status = *s.enumeration("Status");
  EXPECT_EQ(status.db_name, "status");
  EXPECT_EQ(status.schema, "app");
  EXPECT_EQ(status.values[1].db_name, "blocked");
  EXPECT_EQ(s.datasource.schemas, (std::vector<std::string>{"app", "audit"}));
  EXPECT_EQ(s.default_schema(), "app");
  EXPECT_EQ(s.generators[0].preview_features, std::vector<std::string>{"partialIndexes"});
}

TEST(SchemaParse, IndexNameIsPrismasOldSpellingOfMap) {
  Schema s = parse_body("model A {\n  id Int @id\n  x Int\n  @@index([x], name: \"old_style\")\n}\n");
  EXPECT_EQ(s.models[0].indexes[0].map, "old_style");
  EXPECT_EQ(s.models[0].indexes[0].name, "");
}

TEST(SchemaParse, DatasourceUrlsExtensionsAndRelationMode) {
  Schema s = parse_text(R"psl(datasource db {
  provider          = "postgresql"
  url               = env("DATABASE_URL")
  directUrl         = env("DIRECT_URL")
  shadowDatabaseUrl = "postgresql://localhost:5432/shadow"
  relationMode      = "prisma"
  extensions        = [citext, pg_trgm(schema: "ext", version: "1.6"), vector(map: "pgvector")]
}

generator client {
  provider        = "prisma-client-js"
  previewFeatures = ["postgresqlExtensions"]
}

model A {
  id Int @id
}
)psl");
  const Datasource& ds = s.datasource;
  EXPECT_EQ(ds.url->env, "DATABASE_URL");
  EXPECT_EQ(ds.direct_url->env, "DIRECT_URL");
  EXPECT_EQ(ds.shadow_database_url->literal, "postgresql://localhost:5432/shadow");
  EXPECT_TRUE(ds.relation_mode_prisma);
  ASSERT_EQ(ds.extensions.size(), 3u);
  EXPECT_EQ(ds.extensions[0].name, "citext");
  EXPECT_EQ(ds.extensions[1].schema, "ext");
  EXPECT_EQ(ds.extensions[1].version, "1.6");
  EXPECT_EQ(ds.extensions[2].db_name, "pgvector");
  EXPECT_EQ(s.default_schema(), "public");
}

TEST(SchemaParse, Prisma7DatasourceWithoutUrl) {
  Schema s = parse_body("model A {\n  id Int @id\n}\n");
  EXPECT_FALSE(s.datasource.url);
  EXPECT_EQ(s.datasource.name, "db");
}

TEST(SchemaParse, GeneratorPropertiesAreKeptAsWritten) {
  Schema s = parse_body(R"psl(generator client {
  provider      = "prisma-client-js"
  output        = "../generated"
  binaryTargets = ["native", "debian-openssl-3.0.x"]
}
model A {
  id Int @id
}
)psl");
  const Generator& g = s.generators[0];
  ASSERT_EQ(g.properties.size(), 3u);
  EXPECT_EQ(g.properties[1], (std::pair<std::string, std::string>{"output", "\"../generated\""}));
  EXPECT_EQ(g.properties[2].second, "[\"native\", \"debian-openssl-3.0.x\"]");
}

TEST(SchemaParse, ViewsAreReadWithTheViewsPreviewFeature) {
  Schema s = parse_body(R"psl(generator client {
  provider        = "prisma-client-js"
  previewFeatures = ["views"]
}
model User {
  id Int @id
}
view UserInfo {
  id    Int    @unique
  email String
}
)psl");
  ASSERT_EQ(s.models.size(), 2u);
  EXPECT_TRUE(s.model("UserInfo")->view);
  EXPECT_FALSE(s.model("User")->view);
}

TEST(SchemaParse, OneToOneRelationHasItsForeignKeyOnTheSideWithFields) {
  Schema s = parse_body(R"psl(model User {
  id      Int      @id
  profile Profile?
}
model Profile {
  id     Int  @id
  userId Int  @unique
  user   User @relation(fields: [userId], references: [id])
}
)psl");
  ASSERT_EQ(s.relations.size(), 1u);
  const Relation& r = s.relations[0];
  EXPECT_EQ(r.kind, Relation::Kind::one_to_one);
  EXPECT_EQ(r.name, "ProfileToUser");
  EXPECT_EQ(r.referencing_model, "Profile");
  EXPECT_EQ(r.referencing_field, "user");
  EXPECT_EQ(r.referenced_model, "User");
  EXPECT_EQ(r.referenced_field, "profile");
  EXPECT_EQ(r.fields, std::vector<std::string>{"userId"});
  EXPECT_EQ(r.references, std::vector<std::string>{"id"});
  EXPECT_EQ(r.on_delete, ReferentialAction::Restrict) << "Prisma's default for a required relation";
  EXPECT_EQ(r.on_update, ReferentialAction::Cascade);
}

TEST(SchemaParse, OptionalOneToOneWithTheKeyOnTheLaterModel) {
  Schema s = parse_body(R"psl(model A {
  id Int @id
  b  B?
}
model B {
  id  Int  @id
  aId Int? @unique
  a   A?   @relation(fields: [aId], references: [id], onDelete: SetNull, onUpdate: NoAction, map: "b_a_fk")
}
)psl");
  const Relation& r = s.relations[0];
  EXPECT_EQ(r.kind, Relation::Kind::one_to_one);
  EXPECT_EQ(r.referencing_model, "B");
  EXPECT_EQ(r.name, "AToB");
  EXPECT_EQ(r.on_delete, ReferentialAction::SetNull);
  EXPECT_EQ(r.on_update, ReferentialAction::NoAction);
  EXPECT_EQ(r.map, "b_a_fk");
}

TEST(SchemaParse, ImplicitManyToManyJoinTableSortsModelNames) {
  Schema s = parse_body(R"psl(model Post {
  id         Int        @id
  categories Category[]
}
model Category {
  id    Int    @id
  posts Post[]
}
)psl");
  ASSERT_EQ(s.relations.size(), 1u);
  const Relation& r = s.relations[0];
  EXPECT_EQ(r.kind, Relation::Kind::many_to_many);
  EXPECT_EQ(r.name, "CategoryToPost");
  EXPECT_EQ(r.join_table, "_CategoryToPost");
  EXPECT_EQ(r.referencing_model, "Category") << "model A of the join table is the first in name order";
  EXPECT_EQ(r.referencing_field, "posts");
  EXPECT_EQ(r.referenced_model, "Post");
  EXPECT_EQ(r.referenced_field, "categories");
}

TEST(SchemaParse, NamedManyToManyJoinTableUsesTheRelationName) {
  Schema s = parse_body(R"psl(model User {
  id        Int    @id
  following User[] @relation("follows")
  followers User[] @relation("follows")
  liked     Post[] @relation("Likes")
}
model Post {
  id      Int    @id
  likedBy User[] @relation("Likes")
}
)psl");
  ASSERT_EQ(s.relations.size(), 2u);
  const Relation* follows = relation_named(s, "follows");
  ASSERT_TRUE(follows);
  EXPECT_EQ(follows->join_table, "_follows");
  EXPECT_EQ(follows->referencing_field, "followers") << "self relations order the fields by name";
  EXPECT_EQ(follows->referenced_field, "following");
  EXPECT_EQ(relation_named(s, "Likes")->join_table, "_Likes");
}

TEST(SchemaParse, SelfRelationsOneToOneAndOneToMany) {
  Schema s = parse_body(R"psl(model Employee {
  id          Int        @id
  managerId   Int?
  manager     Employee?  @relation("Reports", fields: [managerId], references: [id])
  reports     Employee[] @relation("Reports")
  mentorId    Int?       @unique
  mentor      Employee?  @relation("Mentoring", fields: [mentorId], references: [id])
  mentee      Employee?  @relation("Mentoring")
}
)psl");
  ASSERT_EQ(s.relations.size(), 2u);
  const Relation* reports = relation_named(s, "Reports");
  EXPECT_EQ(reports->kind, Relation::Kind::one_to_many);
  EXPECT_EQ(reports->referencing_field, "manager");
  EXPECT_EQ(reports->referenced_field, "reports");
  const Relation* mentoring = relation_named(s, "Mentoring");
  EXPECT_EQ(mentoring->kind, Relation::Kind::one_to_one);
  EXPECT_EQ(mentoring->referencing_field, "mentor");
  EXPECT_EQ(mentoring->referenced_field, "mentee");
}

TEST(SchemaParse, TwoNamedRelationsBetweenTheSameModels) {
  Schema s = parse_body(R"psl(model User {
  id       Int    @id
  written  Post[] @relation("written")
  reviewed Post[] @relation("reviewed")
}
model Post {
  id         Int  @id
  authorId   Int
  reviewerId Int?
  author     User  @relation("written", fields: [authorId], references: [id])
  reviewer   User? @relation("reviewed", fields: [reviewerId], references: [id])
}
)psl");
  ASSERT_EQ(s.relations.size(), 2u);
  EXPECT_EQ(relation_named(s, "written")->referencing_field, "author");
  EXPECT_EQ(relation_named(s, "written")->on_delete, ReferentialAction::Restrict);
  EXPECT_EQ(relation_named(s, "reviewed")->referenced_field, "reviewed");
  EXPECT_EQ(relation_named(s, "reviewed")->on_delete, ReferentialAction::SetNull);
}

TEST(SchemaParse, CompoundForeignKeyToACompoundId) {
  Schema s = parse_body(R"psl(model Tenant {
  orgId  Int
  slug   String
  users  User[]

  @@id([orgId, slug])
}
model User {
  id         Int    @id
  tenantOrg  Int
  tenantSlug String
  tenant     Tenant @relation(fields: [tenantOrg, tenantSlug], references: [orgId, slug])
}
)psl");
  const Relation& r = s.relations[0];
  EXPECT_EQ(r.fields, (std::vector<std::string>{"tenantOrg", "tenantSlug"}));
  EXPECT_EQ(r.references, (std::vector<std::string>{"orgId", "slug"}));
  ASSERT_TRUE(s.model("Tenant")->primary_key);
  EXPECT_FALSE(s.model("Tenant")->primary_key->field_attribute);
}

TEST(SchemaParse, MultiFileSchemaResolvesAcrossFiles) {
  Schema s = parse({{"prisma/schema/main.prisma", kDatasource},
                    {"prisma/schema/user.prisma", "model User {\n  id Int @id\n  posts Post[]\n}\n"},
                    {"prisma/schema/post.prisma",
                     "model Post {\n  id Int @id\n  userId Int\n  user User @relation(fields: [userId], references: "
                     "[id])\n}\n"}});
  ASSERT_EQ(s.models.size(), 2u);
  EXPECT_EQ(s.models[0].name, "User");
  EXPECT_EQ(s.models[0].where.file, "prisma/schema/user.prisma");
  EXPECT_EQ(s.models[1].where.line, 1);
  EXPECT_EQ(s.relations[0].name, "PostToUser");
  EXPECT_EQ(s.files.size(), 3u);
}

TEST(SchemaParse, ReadFilesTakesEveryPrismaFileOfAFolderInPathOrder) {
  TempDir dir;
  dir.write("schema/b.prisma", "model B {\n  id Int @id\n}\n");
  dir.write("schema/a.prisma", kDatasource);
  dir.write("schema/nested/c.prisma", "model C {\n  id Int @id\n}\n");
  dir.write("schema/notes.txt", "not a schema");
  auto files = read_files(dir.path() / "schema");
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(fs::path(files[0].path).filename(), "a.prisma");
  EXPECT_EQ(fs::path(files[1].path).filename(), "b.prisma");
  EXPECT_EQ(fs::path(files[2].path).filename(), "c.prisma");
  EXPECT_EQ(load(dir.path() / "schema").models.size(), 2u);
}

TEST(SchemaParse, ReadFilesNamesANonUtf8FileWithWhereItStops) {
  TempDir dir;
  const fs::path bad = dir.write("schema.prisma", "model A {\n  id Int @id // caf\xE9\n}\n");
  try {
    read_files(bad);
    FAIL() << "expected SchemaError";
  } catch (const SchemaError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    const Diagnostic& d = e.diagnostics()[0];
    EXPECT_EQ(d.where.file, bad.string());
    EXPECT_EQ(d.where.line, 2);
    EXPECT_EQ(d.where.column, 20);
    EXPECT_NE(d.message.find("byte 29"), std::string::npos) << d.message;
    EXPECT_NE(std::string(e.what()).find("UTF-8"), std::string::npos);
  }
}

TEST(SchemaParse, ReadFilesRefusesAMissingPathAndAnEmptyFolder) {
  TempDir dir;
  EXPECT_THROW(read_files(dir.path() / "missing.prisma"), SchemaError);
  fs::create_directories(dir.path() / "empty");
  try {
    read_files(dir.path() / "empty");
    FAIL() << "expected SchemaError";
  } catch (const SchemaError& e) {
    EXPECT_NE(e.diagnostics()[0].message.find("no .prisma files"), std::string::npos);
    EXPECT_EQ(e.diagnostics()[0].text().find(":0:"), std::string::npos) << "no position for a whole folder";
  }
}

TEST(SchemaParse, ReadFilesDropsAByteOrderMark) {
  TempDir dir;
  const fs::path f = dir.write("schema.prisma", "\xEF\xBB\xBF" + kDatasource + "model A {\n  id Int @id\n}\n");
  EXPECT_EQ(read_files(f)[0].text.rfind("datasource", 0), 0u);
}

TEST(SchemaParse, FindDefaultLooksInPrismasPlacesInOrder) {
  TempDir dir;
  const fs::path before = fs::current_path();
  fs::current_path(dir.path());
  EXPECT_FALSE(find_default());
  dir.write("prisma/schema/main.prisma", kDatasource);
  EXPECT_EQ(find_default(), fs::path("prisma/schema"));
  dir.write("prisma/schema.prisma", kDatasource);
  EXPECT_EQ(find_default(), fs::path("prisma/schema.prisma"));
  dir.write("schema.prisma", kDatasource);
  EXPECT_EQ(find_default(), fs::path("schema.prisma"));
  fs::current_path(before);
}

TEST(SchemaParse, ModelLookupsStillWorkOnAHandBuiltSchema) {
  Schema s;
  s.models.push_back(Model{.name = "A"});
  s.models.push_back(Model{.name = "B"});
  s.model_index["B"] = 0;  // stale: points at A
  ASSERT_TRUE(s.model("B"));
  EXPECT_EQ(s.model("B")->name, "B");
  EXPECT_EQ(s.model("C"), nullptr);
}

}  // namespace
}  // namespace pgkit::schema
