#pragma once
/// @file introspect.hpp
/// `db pull`: a live database written as a schema.prisma, by Prisma's introspection rules for
/// PostgreSQL — one model per table, one field per column, Prisma's scalar and `@db.*` types,
/// defaults, keys, indexes, relations from foreign keys (implicit many-to-many join tables
/// become list fields), enums, and Prisma's warnings for what a schema cannot say. With a
/// previous schema it re-introspects: the user's names, `@map`s, relation field names, doc
/// comments and configuration blocks survive.
///
/// The text is what `to_catalog(parse(text))` turns back into the database it came from:
/// diffed against the catalog it was introspected from, it gives no steps.
///
/// @code
///   pgkit::Connection conn(config);
///   auto previous = pgkit::schema::load("prisma/schema.prisma");
///   auto pulled = pgkit::schema::introspect(pgkit::catalog::describe(conn), {.previous = &previous});
///   for (const auto& w : pulled.warnings) std::cerr << w << "\n\n";
///   std::ofstream("prisma/schema.prisma") << pulled.text;
/// @endcode

#include <string>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/schema.hpp"

namespace pgkit::schema {

/// What introspect() starts from besides the database. Every field has a default.
struct IntrospectOptions {
  /// The schema being re-introspected: its model, field, enum and relation field names,
  /// `@map`/`@@map`, `@updatedAt`, `@ignore`, client-side defaults (uuid(), cuid(), …), doc
  /// comments and generator/datasource blocks are kept, matched by database name. Its
  /// datasource's `schemas` say which schemas to read (with `@@schema` on every model), and
  /// `relationMode = "prisma"` keeps its relation fields (the database has no foreign keys).
  /// Default: none — a new schema with Prisma's names and default blocks.
  const Schema* previous = nullptr;
  /// The provider of the datasource block written when there is no previous schema.
  /// Default: "postgresql".
  std::string datasource_provider = "postgresql";
  /// The schema read when the previous datasource lists no `schemas` (a URL's `?schema=`).
  /// Default: "public".
  std::string schema = "public";
};

/// A pulled schema.
struct IntrospectResult {
  /// The whole schema as one schema.prisma, as `schema::format` lays it out.
  std::string text;
  /// The same split as the previous schema's files are (Prisma's multi-file schema): each model,
  /// enum and configuration block in the file it was in, new ones in the datasource's file;
  /// every previous file listed, even one left empty. One file, `text`, for a one-file schema
  /// or none ("schema.prisma").
  std::vector<SchemaFile> files;
  /// Prisma's warnings, one a kind: a heading line, then one `  - …` line an object
  /// ("These constraints are not supported by Prisma Client, because …:\n  - Model: \"users\",
  /// constraint: \"users_email_check\""). Empty when the database says nothing a schema cannot.
  std::vector<std::string> warnings;
};

/// Write `database` as a schema.prisma by Prisma's introspection rules for PostgreSQL.
/// Tables left out: views and materialized views (Prisma's `views` preview feature is not
/// supported), partitions of a partitioned table, Prisma's migration tables, and implicit
/// many-to-many join tables (their relation becomes list fields on both models).
/// @throws SchemaError when the text written does not parse (a bug: please report it)
IntrospectResult introspect(const catalog::Catalog& database, const IntrospectOptions& options = {});

/// Prisma's `*** WARNING ***` block for warnings as `db pull` prints it; "" when there are none.
std::string warnings_text(const std::vector<std::string>& warnings);

}  // namespace pgkit::schema
