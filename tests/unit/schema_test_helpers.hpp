#pragma once
// What the schema engine's unit tests (schema_parse, schema_validate, introspect) share: the
// one-file schema they parse, its usual datasource, and the example schemas more than one of
// them reads. No database. Beside tests/support's helpers, in pgkit::test.
#include <string>

#include "pgkit/schema.hpp"

namespace pgkit::test {

/// The datasource most test schemas start with: 3 lines, so a body's first line is line 4.
inline const std::string kDatasource = "datasource db {\n  provider = \"postgresql\"\n}\n";

/// text parsed as the one file schema.prisma.
inline schema::Schema parse_text(const std::string& text) {
  return schema::parse({{.path = "schema.prisma", .text = text}});
}

/// A User with many Posts under relationMode = "prisma", laid out as `db pull` writes it; the
/// relation field `author` is on line 14, its @relation at column 17. post_tail is added at
/// the end of model Post (such as "\n  @@index([authorId])\n").
inline std::string relation_mode_prisma_users_and_posts(const std::string& post_tail = "") {
  return R"P(datasource db {
  provider     = "postgresql"
  relationMode = "prisma"
}

model User {
  id    Int    @id
  posts Post[]
}

model Post {
  id       Int  @id
  authorId Int
  author   User @relation(fields: [authorId], references: [id], onDelete: Cascade)
)P" + post_tail +
         "}\n";
}

}  // namespace pgkit::test
