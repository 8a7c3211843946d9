#pragma once
// Shared by the files of to_catalog (calculate.cpp: columns and defaults; calculate_tables.cpp:
// tables, keys, indexes, foreign keys and join tables).
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/schema.hpp"

namespace pgkit::schema::detail {

/// PostgreSQL's NAMEDATALEN - 1: longer names are cut, as Prisma cuts its default names.
inline constexpr std::size_t kMaxIdentifier = 63;

/// Prisma's default constraint names (ConstraintNames): "User_pkey", "User_email_key",
/// "Post_authorId_idx", "Post_authorId_fkey", cut to fit kMaxIdentifier.
std::string primary_key_name(const std::string& table);
std::string index_name(const std::string& table, const std::vector<std::string>& columns, bool unique);
std::string foreign_key_name(const std::string& table, const std::vector<std::string>& columns);

catalog::Type column_type(const Schema& schema, const Field& f, const std::string& default_schema);
catalog::Column column_for(const Schema& schema, const Field& f, const std::string& default_schema);

/// The whole catalog, with tables in `default_schema` unless a model says @@schema.
catalog::Catalog calculate(const Schema& schema, const std::string& default_schema);

}  // namespace pgkit::schema::detail
