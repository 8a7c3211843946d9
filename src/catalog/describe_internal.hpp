#pragma once
// Shared by describe()'s files (describe.cpp, describe_relations.cpp): what to read, as query
// parameters, and the relations to read.
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/result.hpp"

namespace pgkit {
class Connection;
}

namespace pgkit::catalog::detail {

/// DescribeOptions as every catalog query takes them: $1 and $2 the schemas ("" = any) and
/// names of the tables left out, $3 the schemas to read (empty = every user schema).
struct Scope {
  std::vector<std::string> excluded_schemas;
  std::vector<std::string> excluded_tables;
  std::vector<std::string> schemas;
};
Scope scope_of(const DescribeOptions& options);

/// Runs a catalog query with scope's three parameters.
Result query(Connection& conn, const std::string& sql, const Scope& scope);

/// A schema (n: pg_namespace) whose objects are read: a user schema, in $3 when $3 is not empty.
inline constexpr const char* kUserSchema =
    "n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(toast|temp)' "
    "AND (cardinality($3::text[]) = 0 OR n.nspname = ANY($3::text[]))";

/// The relations to read, as a CTE named rels to start a query with: in the schemas read, not
/// made by an extension, not a table left out. Each row has the relation's oid, relkind,
/// schema and name.
inline constexpr const char* kRelations = R"(WITH rels AS (
  SELECT c.oid, c.relkind::text AS relkind, n.nspname::text AS schema, c.relname::text AS name
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(toast|temp)'
    AND (cardinality($3::text[]) = 0 OR n.nspname = ANY($3::text[]))
    AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.deptype = 'e'
                    AND ((x.classid = 'pg_class'::regclass AND x.objid = c.oid)
                         OR (x.classid = 'pg_type'::regclass AND x.objid = c.reltype)))
    AND NOT EXISTS (SELECT 1 FROM unnest($1::text[], $2::text[]) AS x(s, t)
                    WHERE c.relname::text = x.t AND (x.s = '' OR n.nspname::text = x.s)))
)";

/// Reads tables (columns, constraints, indexes, comments), composite types, views,
/// materialized views (and their indexes) and triggers into catalog. Its enums must be read
/// already: they decide how defaults are classified.
void describe_relations(Connection& conn, const Scope& scope, Catalog& catalog);

/// Ends the last of lines with ";" unless it already does.
void terminate(std::vector<std::string>& lines);

}  // namespace pgkit::catalog::detail
