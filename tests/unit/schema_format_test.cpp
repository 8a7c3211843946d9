// schema::format: byte for byte what `prisma format` writes. tests/fixtures/schema/format holds
// inputs (NAME.prisma) and Prisma's output for each (NAME.expected.prisma, recorded from
// @prisma/prisma-schema-wasm's format()); each input has its back-relation fields already, so
// the output is pure layout. Formatting twice changes nothing; a syntax error is thrown.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "pgkit/schema.hpp"

namespace pgkit::schema {
namespace {

namespace fs = std::filesystem;

fs::path folder() { return fs::path(PGKIT_FIXTURES) / "schema" / "format"; }

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string fmt(const std::string& text) { return format({"schema.prisma", text}); }

std::vector<fs::path> inputs() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(folder())) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".prisma" && name.find(".expected.") == std::string::npos) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(SchemaFormat, EveryFixtureFormatsAsPrismaDoes) {
  const auto files = inputs();
  ASSERT_GE(files.size(), 8u);
  for (const auto& input : files) {
    fs::path expected = input;
    expected.replace_extension(".expected.prisma");
    ASSERT_TRUE(fs::exists(expected)) << expected;
    EXPECT_EQ(format({input.string(), read(input)}), read(expected)) << input.filename();
  }
}

TEST(SchemaFormat, FormattingTwiceChangesNothing) {
  for (const auto& input : inputs()) {
    const std::string once = format({input.string(), read(input)});
    EXPECT_EQ(fmt(once), once) << input.filename();
  }
}

TEST(SchemaFormat, FormattedFixturesStillParseToTheSameModel) {
  for (const auto& input : inputs()) {
    const std::string text = read(input);
    std::vector<SchemaFile> before{{"schema.prisma", text}}, after{{"schema.prisma", fmt(text)}};
    Schema a, b;
    try {
      a = parse(before);
    } catch (const SchemaError&) {
      continue;  // layout fixtures need not be valid schemas
    }
    b = parse(after);
    ASSERT_EQ(a.models.size(), b.models.size()) << input.filename();
    for (std::size_t i = 0; i < a.models.size(); ++i) {
      EXPECT_EQ(a.models[i].fields.size(), b.models[i].fields.size());
      EXPECT_EQ(a.models[i].indexes.size(), b.models[i].indexes.size());
      EXPECT_EQ(a.models[i].doc, b.models[i].doc);
    }
    EXPECT_EQ(a.relations.size(), b.relations.size());
  }
}

TEST(SchemaFormat, AlignsColumnsWithinABlockAndRestartsAfterABlankLine) {
  EXPECT_EQ(fmt("model A {\n  id Int @id\n  longName String? @unique\n\n  x Int\n}\n"),
            "model A {\n  id       Int     @id\n  longName String? @unique\n\n  x Int\n}\n");
}

TEST(SchemaFormat, PutsAttributesInPrismasOrder) {
  EXPECT_EQ(fmt("model A {\n  id Int @map(\"x\") @default(1) @id\n  @@map(\"a\")\n  @@index([id])\n}\n"),
            "model A {\n  id Int @id @default(1) @map(\"x\")\n\n  @@index([id])\n  @@map(\"a\")\n}\n");
}

TEST(SchemaFormat, AlignsKeysOfConfigurationBlocks) {
  EXPECT_EQ(fmt("generator client {\n  provider = \"prisma-client-js\"\n  previewFeatures=[\"views\"]\n}\n"),
            "generator client {\n  provider        = \"prisma-client-js\"\n  previewFeatures = [\"views\"]\n}\n");
}

TEST(SchemaFormat, OneBlankLineBetweenBlocksAndANewlineAtTheEnd) {
  EXPECT_EQ(fmt("\n\nmodel A {\n  id Int @id\n}\nmodel B {\n  id Int @id\n}\n\n\n"),
            "model A {\n  id Int @id\n}\n\nmodel B {\n  id Int @id\n}\n");
  EXPECT_EQ(fmt(""), "\n");
  EXPECT_EQ(fmt("// only a comment"), "// only a comment\n");
}

TEST(SchemaFormat, KeepsCommentsAndMovesThoseAboveBlockAttributes) {
  EXPECT_EQ(fmt("model A {\n  id Int @id // key\n  // the index\n  @@index([id])\n  x Int\n}\n"),
            "model A {\n  id Int @id // key\n  x  Int\n\n  // the index\n  @@index([id])\n}\n");
}

TEST(SchemaFormat, NormalisesSpacingInsideAttributes) {
  EXPECT_EQ(
      fmt("model A {\n  id Int @id @default( dbgenerated( \"1\" ) )\n  t String[] @default([ \"a\",\"b\" ])\n}\n"),
      "model A {\n  id Int      @id @default(dbgenerated(\"1\"))\n  t  String[] @default([\"a\", \"b\"])\n}\n");
}

TEST(SchemaFormat, DoesNotAddMissingBackRelationFields) {
  const std::string text =
      "model User {\n  id Int @id\n}\n\nmodel Post {\n  id     Int  @id\n  userId Int\n  user   User "
      "@relation(fields: [userId], references: [id])\n}\n";
  EXPECT_EQ(fmt(text), text) << "prisma format would add `posts Post[]` to User; pgkit leaves that to the user";
}

TEST(SchemaFormat, WritesLineFeedsForCarriageReturnInput) {
  EXPECT_EQ(fmt("model A {\r\n  id Int @id\r\n}\r\n"), "model A {\n  id Int @id\n}\n");
}

TEST(SchemaFormat, ThrowsOnSyntaxErrorsWithTheirPositions) {
  try {
    fmt("model A {\n  id Int @id\n  name String @default(\"x\n}\n");
    FAIL() << "expected SchemaError";
  } catch (const SchemaError& e) {
    ASSERT_EQ(e.diagnostics().size(), 1u);
    EXPECT_EQ(e.diagnostics()[0].where.line, 3);
    EXPECT_EQ(e.diagnostics()[0].where.column, 24);
  }
}

TEST(SchemaFormat, FormatsSchemasThatDoNotValidate) {
  // Layout only: an unknown type is the validator's business, not the formatter's.
  EXPECT_EQ(fmt("model A {\n  id Int @id\n  b Nope @foo\n}\n"), "model A {\n  id Int  @id\n  b  Nope @foo\n}\n");
}

}  // namespace
}  // namespace pgkit::schema
