// describe(): a live database's schema read into a Catalog, in one snapshot.
//
// Deparsing is left to the server (format_type, pg_get_expr, pg_get_constraintdef,
// pg_get_indexdef, pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef), with the session
// settings that change its output pinned, as pg_dump does (PinnedSession). Names are read
// unquoted; the structured fields are read from the catalogs or, for indexes and constraints,
// from the server's text by the readers read_snapshot() uses too (definitions.hpp).
// This file: extensions, schemas, enums, domains, sequences, functions and procedures; tables
// and the rest of the relations are describe_relations.cpp's.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "catalog/catalog_internal.hpp"
#include "catalog/describe_internal.hpp"
#include "catalog/pinned_session.hpp"
#include "catalog/snapshot_format.hpp"
#include "pgkit/connection.hpp"

namespace pgkit::catalog {
namespace detail {

using snapshot_format::kIndent;
using snapshot_format::split_lines;

Scope scope_of(const DescribeOptions& options) {
  Scope scope;
  for (const auto& t : options.exclude_tables) {
    // "app.migrations" names one table; a bare "pgkit_migrations" one in any schema.
    auto dot = t.find('.');
    scope.excluded_schemas.push_back(dot == std::string::npos ? "" : t.substr(0, dot));
    scope.excluded_tables.push_back(dot == std::string::npos ? t : t.substr(dot + 1));
  }
  scope.schemas = options.schemas;
  return scope;
}

Result query(Connection& conn, const std::string& sql, const Scope& scope) {
  return conn.query(sql, scope.excluded_schemas, scope.excluded_tables, scope.schemas);
}

void terminate(std::vector<std::string>& lines) {
  if (!lines.empty() && (lines.back().empty() || lines.back().back() != ';')) lines.back() += ';';
}

namespace {

// "Not made by CREATE EXTENSION" for an object of catalog with oid (the extension's own entry
// stands for it).
std::string not_from_extension(const char* catalog, const char* oid) {
  return fmt::format(
      "NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.classid = '{}'::regclass AND x.objid = {} "
      "AND x.deptype = 'e')",
      catalog, oid);
}

void describe_extensions_and_schemas(Connection& conn, const Scope& scope, Catalog& out) {
  // Extensions in pg_catalog (plpgsql) come with every database. The version is left out: a
  // snapshot names extensions, not their versions.
  for (auto row : query(conn,
                        "SELECT x.extname::text, n.nspname::text FROM pg_extension x "
                        "JOIN pg_namespace n ON n.oid = x.extnamespace WHERE n.nspname <> 'pg_catalog' "
                        "AND (cardinality($3::text[]) = 0 OR n.nspname = ANY($3::text[]))",
                        scope))
    out.extensions.push_back({.name = row.get<std::string>(0), .schema = row.get<std::string>(1)});
  for (auto row : query(conn,
                        fmt::format("SELECT n.nspname::text FROM pg_namespace n WHERE {} AND {}", kUserSchema,
                                    not_from_extension("pg_namespace", "n.oid")),
                        scope))
    out.schemas.push_back(row.get<std::string>(0));
}

void describe_enums(Connection& conn, const Scope& scope, Catalog& out) {
  std::map<std::string, Enum> enums;  // by oid, labels in sort order
  for (auto row : query(conn,
                        fmt::format("SELECT t.oid::text, n.nspname::text, t.typname::text, e.enumlabel::text "
                                    "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                                    "LEFT JOIN pg_enum e ON e.enumtypid = t.oid "
                                    "WHERE t.typtype = 'e' AND {} AND {} ORDER BY t.oid, e.enumsortorder",
                                    kUserSchema, not_from_extension("pg_type", "t.oid")),
                        scope)) {
    auto& e = enums[row.get<std::string>(0)];
    e.schema = row.get<std::string>(1);
    e.name = row.get<std::string>(2);
    if (auto label = row.get<std::optional<std::string>>(3)) e.values.push_back(*label);
  }
  for (auto& [oid, e] : enums) out.enums.push_back(std::move(e));
}

void describe_domains(Connection& conn, const Scope& scope, Catalog& out) {
  std::map<std::string, std::vector<std::string>> checks;  // domain oid → CONSTRAINT lines
  for (auto row : query(conn,
                        fmt::format("SELECT t.oid::text, quote_ident(k.conname), pg_get_constraintdef(k.oid) "
                                    "FROM pg_constraint k JOIN pg_type t ON t.oid = k.contypid "
                                    "JOIN pg_namespace n ON n.oid = t.typnamespace "
                                    "WHERE k.contype = 'c' AND {} AND {}",
                                    kUserSchema, not_from_extension("pg_type", "t.oid")),
                        scope)) {
    checks[row.get<std::string>(0)].push_back(
        fmt::format("{}CONSTRAINT {} {}", kIndent, row.get<std::string>(1), row.get<std::string>(2)));
  }
  auto rows = query(
      conn,
      fmt::format(
          "SELECT t.oid::text, n.nspname::text, t.typname::text, format_type(t.typbasetype, t.typtypmod), "
          "CASE WHEN t.typcollation <> b.typcollation THEN "
          "  (SELECT CASE WHEN cn.nspname = 'pg_catalog' THEN '' ELSE quote_ident(cn.nspname) || '.' END "
          "          || quote_ident(co.collname) "
          "   FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = t.typcollation) "
          "END, t.typdefault, t.typnotnull "
          "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_type b ON b.oid = t.typbasetype "
          "WHERE t.typtype = 'd' AND {} AND {}",
          kUserSchema, not_from_extension("pg_type", "t.oid")),
      scope);
  for (auto row : rows) {
    Opaque domain{.kind = "domain", .schema = row.get<std::string>(1), .name = row.get<std::string>(2)};
    auto& lines = domain.lines;
    lines.push_back(
        fmt::format("CREATE DOMAIN {} AS {}", qualified(domain.schema, domain.name), row.get<std::string>(3)));
    if (auto collation = row.get<std::optional<std::string>>(4)) lines.back() += " COLLATE " + *collation;
    if (auto def = row.get<std::optional<std::string>>(5)) lines.push_back(fmt::format("{}DEFAULT {}", kIndent, *def));
    if (row.get<bool>(6)) lines.push_back(fmt::format("{}NOT NULL", kIndent));
    auto& c = checks[row.get<std::string>(0)];
    std::sort(c.begin(), c.end());
    lines.insert(lines.end(), c.begin(), c.end());
    terminate(lines);
    out.others.push_back(std::move(domain));
  }
}

// Standalone sequences and those behind serial columns; identity sequences belong to their
// column, and sequences owned by a table left out (the tracking table) are left out too.
void describe_sequences(Connection& conn, const Scope& scope, Catalog& out) {
  auto rows = query(conn, std::string(kRelations) + R"(
SELECT r.schema, r.name, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,
       s.seqcache, s.seqcycle,
       (SELECT t.relname::text || '.' || a.attname::text
        FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
        WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass
          AND d.deptype = 'a' LIMIT 1)
FROM rels r JOIN pg_sequence s ON s.seqrelid = r.oid
WHERE r.relkind = 'S'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = r.oid
                  AND d.refclassid = 'pg_class'::regclass
                  AND (d.deptype = 'i' OR (d.deptype = 'a' AND d.refobjid NOT IN (SELECT oid FROM rels)))))",
                    scope);
  for (auto row : rows) {
    out.sequences.push_back({
        .schema = row.get<std::string>(0),
        .name = row.get<std::string>(1),
        .type = row.get<std::string>(2),
        .start = row.get<std::int64_t>(3),
        .increment = row.get<std::int64_t>(4),
        .min = row.get<std::int64_t>(5),
        .max = row.get<std::int64_t>(6),
        .cache = row.get<std::int64_t>(7),
        .cycle = row.get<bool>(8),
        .owned_by = row.get<std::optional<std::string>>(9).value_or(""),
    });
  }
}

void describe_functions(Connection& conn, const Scope& scope, Catalog& out) {
  // Aggregates and window functions have no pg_get_functiondef; functions of extensions are
  // the extension's.
  for (auto row : query(conn,
                        fmt::format("SELECT CASE p.prokind WHEN 'p' THEN 'procedure' ELSE 'function' END, "
                                    "n.nspname::text, p.proname::text || '(' || "
                                    "pg_get_function_identity_arguments(p.oid) || ')', pg_get_functiondef(p.oid) "
                                    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                                    "WHERE p.prokind IN ('f', 'p') AND {} AND {}",
                                    kUserSchema, not_from_extension("pg_proc", "p.oid")),
                        scope)) {
    Opaque f{.kind = row.get<std::string>(0),
             .schema = row.get<std::string>(1),
             .name = row.get<std::string>(2),
             .lines = split_lines(row.get<std::string>(3))};
    terminate(f.lines);
    out.others.push_back(std::move(f));
  }
}

}  // namespace
}  // namespace detail

Catalog describe(Connection& conn, const DescribeOptions& options) {
  auto scope = detail::scope_of(options);
  Catalog catalog;
  {
    detail::PinnedSession pinned(conn);
    detail::describe_extensions_and_schemas(conn, scope, catalog);
    detail::describe_enums(conn, scope, catalog);
    detail::describe_domains(conn, scope, catalog);
    detail::describe_sequences(conn, scope, catalog);
    detail::describe_functions(conn, scope, catalog);
    detail::describe_relations(conn, scope, catalog);
  }
  // One entry a line, as a snapshot reads them back: a literal with a line break in a domain's
  // default or a trigger's WHEN makes two.
  for (auto& other : catalog.others) {
    std::vector<std::string> lines;
    for (const auto& text : other.lines) {
      for (std::size_t start = 0;;) {
        auto end = text.find('\n', start);
        lines.push_back(text.substr(start, end - start));
        if (end == std::string::npos) break;
        start = end + 1;
      }
    }
    other.lines = std::move(lines);
  }
  detail::sort_catalog(catalog);
  return catalog;
}

}  // namespace pgkit::catalog
