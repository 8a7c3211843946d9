// schema::parse on schemas Prisma rejects: each problem reported at its file:line:column with
// what to change, all of them at once and in order, nothing returned. Warnings do not stop
// parse(). Schemas are written after a 3-line datasource, so their first line is line 4.
#include <algorithm>

#include <gtest/gtest.h>

#include "pgkit/schema.hpp"
#include "schema_test_helpers.hpp"

namespace pgkit::schema {
namespace {

using test::kDatasource;

// Every error as "line:column: message" (with "file:" first when there are several files).
std::vector<std::string> errors_of(const std::vector<SchemaFile>& files) {
  try {
    parse(files);
  } catch (const SchemaError& e) {
    std::vector<std::string> out;
    for (const auto& d : e.diagnostics()) {
      EXPECT_FALSE(d.warning);
      const std::string prefix = files.size() > 1 ? d.where.file + ":" : "";
      out.push_back(prefix + std::to_string(d.where.line) + ":" + std::to_string(d.where.column) + ": " + d.message);
    }
    return out;
  }
  return {};
}
std::vector<std::string> errors_of(const std::string& text) { return errors_of({{"schema.prisma", text}}); }
std::vector<std::string> errors_in(const std::string& body) { return errors_of(kDatasource + body); }

// The positions of the errors, in order.
std::vector<std::string> positions(const std::vector<std::string>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.substr(0, e.find(": ")));
  return out;
}

bool mentions(const std::string& error, const std::string& text) { return error.find(text) != std::string::npos; }

// Exactly one error, at position, saying `says`.
void expect_one(const std::string& body, const std::string& position, const std::string& says) {
  auto errors = errors_in(body);
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_EQ(positions(errors)[0], position) << errors[0];
  EXPECT_TRUE(mentions(errors[0], says)) << errors[0];
}

const std::string kUserPost = R"psl(model User {
  id    Int    @id
  posts Post[]
}
)psl";

// ---- syntax ----------------------------------------------------------------------------------

TEST(SchemaValidate, UnterminatedStringIsReportedWhereItStarts) {
  expect_one("model A {\n  id Int @id\n  b String @default(\"abc\n}\n", "6:21", "not closed");
}

TEST(SchemaValidate, UnclosedBlockIsReportedAtItsKeyword) {
  expect_one("model A {\n  id Int @id\n", "4:1", "model A is not closed");
}

TEST(SchemaValidate, UnclosedBlockFollowedByAnotherBlock) {
  auto errors = errors_in("model A {\n  id Int @id\nmodel B {\n  id Int @id\n}\n");
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_EQ(positions(errors)[0], "4:1");
}

TEST(SchemaValidate, LinesOutsideBlocksAndUnknownBlockKeywords) {
  auto errors = errors_in("modle A {\n  id Int @id\n}\nfoo bar\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"4:1", "7:1"}));
  EXPECT_TRUE(mentions(errors[0], "unknown block type `modle`"));
  EXPECT_TRUE(mentions(errors[1], "not part of any block"));
}

TEST(SchemaValidate, BadFieldLinesSayWhatWasExpected) {
  auto errors = errors_in("model A {\n  id Int @id\n  this is bad\n  y Int @default(\n  z Int @@map(\"x\")\n}\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"6:11", "7:18", "8:9"}));
  EXPECT_TRUE(mentions(errors[0], "unexpected `bad`"));
  EXPECT_TRUE(mentions(errors[1], "a value is missing at the end of the line"));
  EXPECT_TRUE(mentions(errors[2], "line of their own"));
}

TEST(SchemaValidate, BraceMustEndItsLine) {
  auto errors = errors_in("model A {}\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"4:1", "4:10"}));
  EXPECT_TRUE(mentions(errors[1], "must end its line"));
}

TEST(SchemaValidate, MultiLineAttributesAreRejected) {
  expect_one("model A {\n  id Int @id\n  x Int\n  @@index([x,\n    id])\n}\n", "7:14",
             "an attribute must fit on one line");
}

TEST(SchemaValidate, UnknownEscapeSequenceInAString) {
  expect_one("model A {\n  id Int @id\n  p String @default(\"C:\\qux\")\n}\n", "6:24", "escape");
}

TEST(SchemaValidate, PrismaOneSyntaxIsRejectedWithTheModernSpelling) {
  auto errors = errors_in("model A {\n  id Int @id\n  a: Int\n  b Int!\n  c [Int]\n  d Int[]?\n}\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"6:4", "7:5", "8:5", "9:5"}));
  EXPECT_TRUE(mentions(errors[0], "remove the `:`"));
  EXPECT_TRUE(mentions(errors[1], "remove the `!`"));
  EXPECT_TRUE(mentions(errors[2], "Int[]"));
  EXPECT_TRUE(mentions(errors[3], "optional lists"));
}

// ---- datasource and generators ---------------------------------------------------------------

TEST(SchemaValidate, MissingDatasourceSaysHowToWriteOne) {
  auto errors = errors_of("model A {\n  id Int @id\n}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(positions(errors)[0], "1:1");
  EXPECT_TRUE(mentions(errors[0], "provider = \"postgresql\""));
}

TEST(SchemaValidate, OtherProvidersAreRefusedNamingPostgres) {
  auto errors = errors_of("datasource db {\n  provider = \"mysql\"\n  url = \"mysql://x\"\n}\n");
  ASSERT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
  EXPECT_EQ(positions(errors)[0], "2:14");
  EXPECT_TRUE(mentions(errors[0], "pgkit supports PostgreSQL only"));
}

TEST(SchemaValidate, TwoDatasourcesAreBothReported) {
  auto errors = errors_of(kDatasource + "datasource other {\n  provider = \"postgresql\"\n}\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"1:1", "4:1"}));
}

TEST(SchemaValidate, DatasourcePropertiesAreChecked) {
  auto errors = errors_of(R"psl(datasource db {
  provider          = "postgresql"
  url               = "mysql://localhost/x"
  shadowDatabaseUrl = env("DATABASE_URL")
  directUrl         = env("DATABASE_URL")
  relationMode      = "magic"
  schemas           = []
  previewFeatures   = ["views"]
  color             = "blue"
  extensions        = [citext]
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"3:23", "4:23", "6:23", "7:23", "8:3", "9:3", "10:3"}));
  EXPECT_TRUE(mentions(errors[0], "postgresql://"));
  EXPECT_TRUE(mentions(errors[1], "same as directUrl"));
  EXPECT_TRUE(mentions(errors[2], "\"foreignKeys\" or \"prisma\""));
  EXPECT_TRUE(mentions(errors[3], "schemas is empty"));
  EXPECT_TRUE(mentions(errors[4], "generator block"));
  EXPECT_TRUE(mentions(errors[5], "unknown datasource property `color`"));
  EXPECT_TRUE(mentions(errors[6], "postgresqlExtensions"));
}

TEST(SchemaValidate, GeneratorNeedsAProviderAndAUniqueName) {
  auto errors = errors_in("generator a {\n  output = \"x\"\n}\ngenerator a {\n  provider = \"p\"\n}\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"4:1", "7:11"}));
  EXPECT_TRUE(mentions(errors[0], "no provider"));
  EXPECT_TRUE(mentions(errors[1], "defined twice"));
}

TEST(SchemaValidate, ReferentialIntegrityIsAWarningNotAnError) {
  Schema s = parse({{"schema.prisma",
                     "datasource db {\n  provider = \"postgresql\"\n  referentialIntegrity = "
                     "\"prisma\"\n}\nmodel A {\n  id Int @id\n}\n"}});
  EXPECT_TRUE(s.datasource.relation_mode_prisma);
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0].where.line, 3);
  EXPECT_TRUE(mentions(s.warnings[0].message, "relationMode"));
}

// ---- names and types -------------------------------------------------------------------------

TEST(SchemaValidate, UnknownTypeSuggestsTheNameWithTheRightCase) {
  auto errors = errors_in("model A {\n  id Int @id\n  b Strin\n  c string\n}\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"6:5", "7:5"}));
  EXPECT_TRUE(mentions(errors[0], "unknown type `Strin`"));
  EXPECT_TRUE(mentions(errors[1], "did you mean `String`?"));
}

TEST(SchemaValidate, DuplicateNamesOfEveryKind) {
  auto errors = errors_in(R"psl(model A {
  id Int @id
  id String
}
model A {
  id Int @id
}
enum E {
  X
  X
}
enum A {
  Y
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"6:3", "8:7", "13:3", "15:6"}));
  EXPECT_TRUE(mentions(errors[0], "field `id` is defined twice"));
  EXPECT_TRUE(mentions(errors[1], "model `A` clashes with the model"));
  EXPECT_TRUE(mentions(errors[2], "value `X` is defined twice"));
  EXPECT_TRUE(mentions(errors[3], "enum `A` clashes with the model"));
}

TEST(SchemaValidate, ReservedAndInvalidNames) {
  auto errors = errors_in(R"psl(model class {
  id   Int @id
  1x   Int
  my-f Int
}
enum String {
  A
}
enum Size {
  1XL
  X-L
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"4:7", "6:3", "7:3", "9:6", "13:3", "14:3"}));
  EXPECT_TRUE(mentions(errors[0], "reserved by Prisma Client"));
  EXPECT_TRUE(mentions(errors[1], "starts with a digit"));
  EXPECT_TRUE(mentions(errors[2], "has a `-`"));
  EXPECT_TRUE(mentions(errors[3], "built-in type name"));
  EXPECT_TRUE(mentions(errors[4], "@map(\"1XL\")"));
}

TEST(SchemaValidate, EmptyEnumAndFieldWithoutType) {
  auto errors = errors_in("enum E {\n}\nmodel A {\n  id Int @id\n  name\n}\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"4:1", "8:3"}));
  EXPECT_TRUE(mentions(errors[0], "no values"));
  EXPECT_TRUE(mentions(errors[1], "has no type"));
}

TEST(SchemaValidate, CompositeTypesAreForMongoDb) {
  expect_one("type Address {\n  street String\n}\nmodel A {\n  id Int @id\n  a Address\n}\n", "4:1", "MongoDB");
}

TEST(SchemaValidate, ViewsNeedThePreviewFeature) {
  expect_one("view V {\n  id Int @unique\n}\n", "4:1", "previewFeatures = [\"views\"]");
}

// ---- attributes ------------------------------------------------------------------------------

TEST(SchemaValidate, UnknownAttributesAndArguments) {
  auto errors = errors_in(R"psl(model A {
  id Int @id(foo: 1) @Id
  b  Int @unique(length: 10)
  c  Int @map("x", "y")
  d  Int @map(name:)
  e  Int @unique(map: "k",)
  @@index([b], bogus: 2)
  @@bar
}
)psl");
  EXPECT_EQ(positions(errors),
            (std::vector<std::string>{"5:14", "5:22", "6:18", "7:20", "7:20", "8:15", "9:26", "10:16", "11:3"}))
      << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors[0], "unknown argument `foo`: @id takes `map` and `sort`"));
  EXPECT_TRUE(mentions(errors[1], "unknown attribute @Id"));
  EXPECT_TRUE(mentions(errors[2], "MySQL"));
  EXPECT_TRUE(mentions(errors[3], "[\"x\", \"y\"]"));
  EXPECT_TRUE(mentions(errors[5], "`name:` has no value"));
  EXPECT_TRUE(mentions(errors[6], "trailing comma"));
  EXPECT_TRUE(mentions(errors[7], "unknown argument `bogus`"));
  EXPECT_TRUE(mentions(errors[8], "unknown attribute @@bar"));
}

TEST(SchemaValidate, AttributeGivenTwiceIsReportedAtEach) {
  auto errors = errors_in("model A {\n  id Int @id @default(1) @default(2)\n}\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"5:14", "5:26"}));
}

TEST(SchemaValidate, AttributesInTheWrongPlaceSayWhereTheyBelong) {
  auto errors = errors_in(R"psl(model User {
  id    Int    @id @relation("x")
  posts Post[] @map("p") @unique @default(1) @id
  geo   Unsupported("circle") @ignore
  a_b   Int
  a     Int
  b     Int
  @@unique([a, b])
}
model Post {
  id       Int  @id @ignore
  authorId Int
  author   User @relation("", fields: [authorId], references: [id]) @db.Text @updatedAt
  @@ignore
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"5:20", "6:3", "6:16", "6:26", "6:34", "6:46", "7:31", "11:3",
                                                         "14:3", "16:27", "16:69", "16:78"}))
      << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors[0], "@relation belongs on a relation field"));
  EXPECT_TRUE(mentions(errors[1], "add @ignore to `posts`"));
  EXPECT_TRUE(mentions(errors[2], "@relation(map:"));
  EXPECT_TRUE(mentions(errors[3], "cannot be @unique"));
  EXPECT_TRUE(mentions(errors[4], "cannot have a @default"));
  EXPECT_TRUE(mentions(errors[5], "cannot be @id"));
  EXPECT_TRUE(mentions(errors[6], "already left out of Prisma Client"));
  EXPECT_TRUE(mentions(errors[7], "name the key with name:"));
  EXPECT_TRUE(mentions(errors[8], "@@ignore'd already"));
  EXPECT_TRUE(mentions(errors[9], "relation's name is empty"));
  EXPECT_TRUE(mentions(errors[10], "put it on the scalar field"));
  EXPECT_TRUE(mentions(errors[11], "not a relation field"));
}

TEST(SchemaValidate, UpdatedAtNeedsASingleDateTime) {
  auto errors = errors_in("model A {\n  id Int @id\n  a String @updatedAt\n  b DateTime[] @updatedAt\n}\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"6:12", "7:16"}));
  EXPECT_TRUE(mentions(errors[0], "DateTime"));
  EXPECT_TRUE(mentions(errors[1], "list"));
}

TEST(SchemaValidate, IdsMustBeRequiredAndSingle) {
  auto errors = errors_in(R"psl(model A {
  id Int? @id
}
model B {
  a Int?
  b Int
  @@id([a, b])
}
model C {
  id Int @id
  d  Int @id
}
model D {
  id Int @id
  e  Int
  @@id([e])
}
model E {
  x Int
  @@id([])
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"5:11", "10:3", "14:10", "19:3", "23:3"}));
  EXPECT_TRUE(mentions(errors[0], "remove the `?`"));
  EXPECT_TRUE(mentions(errors[2], "more than one field"));
  EXPECT_TRUE(mentions(errors[3], "both @id and @@id"));
  EXPECT_TRUE(mentions(errors[4], "lists no fields"));
}

TEST(SchemaValidate, ModelWithoutAUniqueCriterion) {
  expect_one("model A {\n  name String\n  b Int? @unique\n}\n", "4:1", "no unique criterion");
}

TEST(SchemaValidate, IgnoredModelsAndViewsNeedNoUniqueCriterion) {
  EXPECT_TRUE(errors_in("model A {\n  name String\n  @@ignore\n}\n").empty());
}

TEST(SchemaValidate, IndexesReferToScalarFieldsOfTheModel) {
  auto errors = errors_in(R"psl(model A {
  id  Int @id
  bId Int
  b   B   @relation(fields: [bId], references: [id])
  @@index([nope, id])
  @@unique([b])
  @@index([id, id])
}
model B {
  id Int @id
  as A[]
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"8:12", "9:13", "10:16"}));
  EXPECT_TRUE(mentions(errors[0], "`nope`, which is not a field of model `A`"));
  EXPECT_TRUE(mentions(errors[1], "@@unique([bId])"));
  EXPECT_TRUE(mentions(errors[2], "twice"));
}

TEST(SchemaValidate, CompoundIdRefersToFieldsOfTheModel) {
  expect_one("model A {\n  a Int\n  b Int\n  @@id([a, nope])\n}\n", "7:12",
             "`nope`, which is not a field of model `A`");
}

TEST(SchemaValidate, MapClashes) {
  auto errors = errors_in(R"psl(model A {
  id Int @id
  b  Int @map("x")
  c  Int @map("x")
}
model B {
  id Int @id(map: "B_pkey")
  @@map("A")
}
enum E {
  ONE @map("one")
  TWO @map("one")
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"7:3", "11:3", "15:3"})) << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors[0], "both stored in column \"x\""));
  EXPECT_TRUE(mentions(errors[1], "both use the table \"A\""));
  EXPECT_TRUE(mentions(errors[2], "stored as \"one\""));
}

TEST(SchemaValidate, ConstraintNamesMustBeUniqueWherePostgresNeedsIt) {
  auto errors = errors_in(R"psl(model A {
  id Int @id
  x  Int
  y  Int
  @@index([x], map: "same")
  @@unique([y], map: "same")
}
model B {
  id Int @id
  z  Int
  @@index([z], map: "A_pkey")
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"5:10", "8:16", "9:17", "14:16"}));
  EXPECT_TRUE(mentions(errors[0], "another table in the same schema"));
  EXPECT_TRUE(mentions(errors[1], "used twice in table \"A\""));
}

TEST(SchemaValidate, NamesLongerThanPostgresAllows) {
  const std::string long_name(64, 'n');
  expect_one("model A {\n  id Int @id\n  x Int\n  @@index([x], map: \"" + long_name + "\")\n}\n", "7:16", "63 bytes");
}

// ---- defaults --------------------------------------------------------------------------------

TEST(SchemaValidate, DefaultsThatDoNotFitTheField) {
  auto errors = errors_in(R"psl(enum Role {
  USER
}
model A {
  id Int      @id @default("x")
  b  Role     @default(ADMIN)
  c  String   @default(autoincrement())
  d  String   @default(now())
  e  Int      @default(sequence())
  f  Json     @default("{bad")
  g  DateTime @default("yesterday")
  h  Boolean  @default(1)
  i  Int[]    @default(1)
  j  Int      @default([1])
  k  Bytes    @default("###")
  l  String   @default(uuid(5))
  m  String   @default(nanoid(1))
  n  Int      @default(foo())
  o  BigInt   @default(99999999999999999999)
  p  Decimal  @default("1.2.3")
  q  String   @default(cuid(3))
  r  Int      @default(autoincrement(), map: "x")
  s  Unsupported("circle") @default("x")
  t  Int      @default(dbgenerated(""))
}
)psl");
  // Values that do not fit are reported at @default, values that do not parse at the value.
  const std::vector<std::string> want = {"8:19",  "9:15",  "10:15", "11:15", "12:24", "13:24", "14:24",
                                         "15:15", "16:15", "17:15", "18:24", "19:15", "20:15", "21:24",
                                         "22:24", "23:24", "24:15", "25:15", "26:28", "27:36"};
  EXPECT_EQ(positions(errors), want) << ::testing::PrintToString(errors);
  ASSERT_EQ(errors.size(), want.size());
  EXPECT_TRUE(mentions(errors[0], "must be a whole number"));
  EXPECT_TRUE(mentions(errors[1], "`ADMIN` is not a value of enum `Role`: use one of USER"));
  EXPECT_TRUE(mentions(errors[2], "autoincrement() fits Int and BigInt"));
  EXPECT_TRUE(mentions(errors[3], "now() fits DateTime"));
  EXPECT_TRUE(mentions(errors[4], "CockroachDB"));
  EXPECT_TRUE(mentions(errors[5], "not valid JSON"));
  EXPECT_TRUE(mentions(errors[6], "RFC 3339"));
  EXPECT_TRUE(mentions(errors[7], "true or false"));
  EXPECT_TRUE(mentions(errors[8], "is a list"));
  EXPECT_TRUE(mentions(errors[9], "is not a list"));
  EXPECT_TRUE(mentions(errors[10], "base64"));
  EXPECT_TRUE(mentions(errors[11], "4 or 7"));
  EXPECT_TRUE(mentions(errors[12], "from 2 to 255"));
  EXPECT_TRUE(mentions(errors[13], "unknown function foo()"));
  EXPECT_TRUE(mentions(errors[14], "64 bits"));
  EXPECT_TRUE(mentions(errors[15], "decimal"));
  EXPECT_TRUE(mentions(errors[16], "1 or 2"));
  EXPECT_TRUE(mentions(errors[17], "cannot be named"));
  EXPECT_TRUE(mentions(errors[18], "dbgenerated"));
  EXPECT_TRUE(mentions(errors[19], "empty"));
}

// ---- native types ----------------------------------------------------------------------------

TEST(SchemaValidate, NativeTypesOnTheWrongScalarOrWithWrongArguments) {
  auto errors = errors_in(R"psl(enum E {
  A
}
model A {
  id Int      @id
  a  String   @db.Foo
  b  Int      @db.VarChar(3)
  c  String   @db.VarChar(1, 2)
  d  Decimal  @db.Decimal(3, 5)
  e  DateTime @db.Timestamp(7)
  f  String   @pg.Text
  g  String   @db.VarChar("x")
  h  Decimal  @db.Decimal(5)
  i  String   @db.text
  j  E        @db.Text
  k  String   @db.Text @db.VarChar(3)
  l  String   @db.Bit(0)
  m  Unsupported("Integer")
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"9:15", "10:15", "11:15", "12:15", "13:15", "14:15", "15:15",
                                                         "16:15", "17:15", "18:15", "19:24", "20:15", "21:6"}))
      << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors[0], "unknown PostgreSQL native type `Foo`"));
  EXPECT_TRUE(mentions(errors[1], "@db.VarChar fits String fields"));
  EXPECT_TRUE(mentions(errors[2], "at most 1 argument"));
  EXPECT_TRUE(mentions(errors[3], "scale"));
  EXPECT_TRUE(mentions(errors[4], "between 0 and 6"));
  EXPECT_TRUE(mentions(errors[5], "write @db.Text"));
  EXPECT_TRUE(mentions(errors[6], "whole numbers"));
  EXPECT_TRUE(mentions(errors[7], "two"));
  EXPECT_TRUE(mentions(errors[8], "did you mean @db.Text?"));
  EXPECT_TRUE(mentions(errors[9], "enum"));
  EXPECT_TRUE(mentions(errors[10], "two native types"));
  EXPECT_TRUE(mentions(errors[11], "at least 1"));
  EXPECT_TRUE(mentions(errors[12], "`m Int @db.Integer`"));
}

TEST(SchemaValidate, IndexTypesAndOperatorClassesMustFitTheField) {
  auto errors = errors_in(R"psl(model A {
  id  Int    @id
  s   String
  t   String
  j   Json
  x   String @db.Xml
  n   Int
  @@index([s], type: Gin, map: "a")
  @@index([j(ops: TextOps)], type: Gin, map: "b")
  @@index([s(sort: Desc)], type: Hash, map: "c")
  @@index([s, t], type: SpGist, map: "d")
  @@index([n(ops: Int8MinMaxOps)], type: Brin, map: "e")
  @@index([n(ops: Nope)], map: "f")
  @@index([x])
  @@unique([s(ops: JsonbOps)])
  @@fulltext([s])
}
)psl");
  EXPECT_EQ(positions(errors),
            (std::vector<std::string>{"11:3", "12:3", "13:3", "14:3", "15:3", "16:19", "17:3", "18:15", "19:3"}))
      << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors[0], "Gin index"));
  EXPECT_TRUE(mentions(errors[1], "TextOps does not work with a Gin index"));
  EXPECT_TRUE(mentions(errors[2], "Hash index has no order"));
  EXPECT_TRUE(mentions(errors[3], "SpGist index covers one field"));
  EXPECT_TRUE(mentions(errors[4], "Int8MinMaxOps does not fit"));
  EXPECT_TRUE(mentions(errors[5], "unknown operator class `Nope`"));
  EXPECT_TRUE(mentions(errors[6], "@db.Xml"));
  EXPECT_TRUE(mentions(errors[7], "@@index only"));
  EXPECT_TRUE(mentions(errors[8], "@@fulltext is for MySQL"));
}

TEST(SchemaValidate, PartialIndexesNeedThePreviewFeature) {
  expect_one("model A {\n  id Int @id\n  x Int\n  @@index([x], where: raw(\"x > 0\"))\n}\n", "7:23", "partialIndexes");
}

TEST(SchemaValidate, SchemaAttributeMustNameADatasourceSchema) {
  auto errors = errors_of(R"psl(datasource db {
  provider = "postgresql"
  schemas  = ["app"]
}
model A {
  id Int @id
  @@schema("other")
}
model B {
  id Int @id
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"7:3", "9:1"}));
  EXPECT_TRUE(mentions(errors[0], "not in the datasource's schemas"));
  EXPECT_TRUE(mentions(errors[1], "has no @@schema"));
}

// ---- relations -------------------------------------------------------------------------------

TEST(SchemaValidate, MissingBackRelationFieldSaysWhatToAdd) {
  expect_one(R"psl(model User {
  id Int @id
}
model Post {
  id     Int  @id
  userId Int
  user   User @relation(fields: [userId], references: [id])
}
)psl",
             "10:3", "add one, such as `posts Post[]`");
}

TEST(SchemaValidate, AmbiguousRelationsNeedNames) {
  auto errors = errors_in(R"psl(model User {
  id      Int    @id
  written Post[]
  edited  Post[]
}
model Post {
  id       Int  @id
  authorId Int
  editorId Int
  author   User @relation(fields: [authorId], references: [id])
  editor   User @relation(fields: [editorId], references: [id])
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"6:3", "7:3", "13:3", "14:3"}));
  EXPECT_TRUE(mentions(errors[0], "without a relation name"));
}

TEST(SchemaValidate, AmbiguousSelfRelation) {
  auto errors = errors_in(
      "model A {\n  id Int @id\n  pid Int?\n  parent A? @relation(fields: [pid], references: "
      "[id])\n  children A[]\n}\n");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"7:3", "8:3"}));
  EXPECT_TRUE(mentions(errors[0], "give both the same name"));
}

TEST(SchemaValidate, FieldsAndReferencesMustPairUpAndBeOfOneType) {
  auto errors = errors_in(R"psl(model User {
  id    Int    @id
  email String
  posts Post[]
}
model Post {
  id       Int     @id
  authorId String?
  author   User    @relation(fields: [authorId], references: [id], onDelete: Explode)
  byId     Int
  by       Other   @relation(fields: [byId, id], references: [id])
  mail     String
  other    Other2  @relation(fields: [mail], references: [email])
}
model Other {
  id    Int    @id
  posts Post[]
}
model Other2 {
  id    Int    @id
  email String
  posts Post[]
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"12:3", "12:3", "12:78", "14:20", "16:3"}))
      << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors[0], "make `author` optional"));
  EXPECT_TRUE(mentions(errors[1], "make `authorId` Int"));
  EXPECT_TRUE(mentions(errors[2], "Cascade, Restrict, NoAction, SetNull or SetDefault"));
  EXPECT_TRUE(mentions(errors[3], "list as many in each"));
  EXPECT_TRUE(mentions(errors[4], "add @unique to Other2.email"));
}

TEST(SchemaValidate, ListSideOfOneToManyTakesNoFields) {
  expect_one(R"psl(model User {
  id    Int    @id
  postId Int
  posts Post[] @relation(fields: [postId], references: [id])
}
model Post {
  id       Int  @id
  authorId Int
  author   User @relation(fields: [authorId], references: [id])
}
)psl",
             "7:3", "list side");
}

TEST(SchemaValidate, OneToOneRules) {
  auto errors = errors_in(R"psl(model User {
  id      Int     @id
  pid     Int
  profile Profile @relation(fields: [pid], references: [id])
}
model Profile {
  id   Int  @id
  user User
}
model X {
  id  Int @id
  yId Int
  y   Y   @relation(fields: [yId], references: [id])
}
model Y {
  id Int @id
  x  X?
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"7:3", "16:3"})) << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors[0], "make it optional"));
  EXPECT_TRUE(mentions(errors[1], "add @unique to `yId`"));
}

TEST(SchemaValidate, ImplicitManyToManyNeedsSingleFieldIds) {
  auto errors = errors_in(R"psl(model A {
  id Int @id
  bs B[] @relation(references: [key], onDelete: Cascade)
}
model B {
  key String @unique
  as  A[]
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"6:3", "6:3", "6:49"})) << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors[0], "no single-field @id"));
  EXPECT_TRUE(mentions(errors[1], "references: does not apply"));
  EXPECT_TRUE(mentions(errors[2], "implicit many-to-many"));
}

TEST(SchemaValidate, RelationToAnIgnoredModelMustBeIgnored) {
  expect_one(R"psl(model A {
  id Int @id
  bs B[]
}
model B {
  id  Int @id
  aId Int
  a   A   @relation(fields: [aId], references: [id])
  @@ignore
}
)psl",
             "6:3", "add @ignore to `bs`");
}

TEST(SchemaValidate, RelationModePrismaRestrictsActionsAndCycles) {
  auto errors = errors_of(R"psl(datasource db {
  provider     = "postgresql"
  relationMode = "prisma"
}
model A {
  id       Int  @id
  parentId Int?
  parent   A?   @relation("tree", fields: [parentId], references: [id])
  children A[]  @relation("tree")
  bId      Int
  b        B    @relation(fields: [bId], references: [id], onDelete: SetNull, onUpdate: NoAction)

  @@index([parentId])
  @@index([bId])
}
model B {
  id Int @id
  as A[]
}
)psl");
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"8:3", "11:70", "11:89"})) << ::testing::PrintToString(errors);
  EXPECT_TRUE(mentions(errors[0], "self-relation"));
  EXPECT_TRUE(mentions(errors[0], "onDelete defaults to SetNull"));
  EXPECT_TRUE(mentions(errors[1], "SetNull cannot clear `bId`"));
  EXPECT_TRUE(mentions(errors[2], "NoAction is not available"));
}

TEST(SchemaValidate, RelationModePrismaWarnsAboutMissingIndexes) {
  Schema s = test::parse_text(test::relation_mode_prisma_users_and_posts());
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_TRUE(s.warnings[0].warning);
  EXPECT_EQ(s.warnings[0].where.line, 14);
  EXPECT_EQ(s.warnings[0].where.column, 17);
  EXPECT_TRUE(mentions(s.warnings[0].message, "@@index([authorId])"));
  EXPECT_EQ(s.warnings[0].text().rfind("schema.prisma:14:17: warning: ", 0), 0u);
}

// ---- all at once -----------------------------------------------------------------------------

TEST(SchemaValidate, EveryProblemIsReportedTogetherSortedByFileLineAndColumn) {
  std::vector<SchemaFile> files = {
      {"b.prisma", "model B {\n  id Int @id\n  x Strng\n  y Int @default(\"y\")\n}\n"},
      {"a.prisma", kDatasource + "model A {\n  id Int @id\n  z Foo\n}\n"},
  };
  auto errors = errors_of(files);
  EXPECT_EQ(positions(errors), (std::vector<std::string>{"a.prisma:6:5", "b.prisma:3:5", "b.prisma:4:9"}));
  try {
    parse(files);
  } catch (const SchemaError& e) {
    const std::string what = e.what();
    EXPECT_TRUE(mentions(what, "3 problems in the Prisma schema:")) << what;
    EXPECT_TRUE(mentions(what, "a.prisma:6:5: error: unknown type `Foo`")) << what;
    EXPECT_TRUE(mentions(what, "nothing is applied")) << what;
  }
}

TEST(SchemaValidate, ColumnsCountCharactersNotBytes) {
  // "é☕" is 2 characters and 5 bytes: @foo is at column 27 (it would be 30 in bytes).
  auto errors = errors_in("model A {\n  id Int @id\n  /// café ☕\n  b String @default(\"é☕\") @foo\n}\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(positions(errors)[0], "7:27");
}

TEST(SchemaValidate, NoFilesAtAllIsAnError) {
  auto errors = errors_of(std::vector<SchemaFile>{});
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_TRUE(mentions(errors[0], "no .prisma files"));
}

TEST(SchemaValidate, DatasourceInAnotherFileOfAMultiFileSchema) {
  auto errors = errors_of({{"models.prisma", "model A {\n  id Int @id\n}\n"}, {"config.prisma", kDatasource}});
  EXPECT_TRUE(errors.empty()) << ::testing::PrintToString(errors);
}

}  // namespace
}  // namespace pgkit::schema
