// describe()'s relations: tables (columns, constraints, indexes, partitioning, comments),
// composite types, views, materialized views and their indexes, and triggers.
#include <cstdint>
#include <map>
#include <string>

#include <fmt/format.h>

#include "catalog/catalog_internal.hpp"
#include "catalog/definitions.hpp"
#include "catalog/describe_internal.hpp"
#include "catalog/type_text.hpp"
#include "catalog/snapshot_format.hpp"
#include "pgkit/connection.hpp"

namespace pgkit::catalog::detail {
namespace {

using snapshot_format::kIndent;
using snapshot_format::split_lines;

// A table or composite type being read, by oid.
struct Relation {
  bool composite = false;
  Table table;
  std::map<int, std::size_t> column_at;  // attnum → position in table.columns
};
using Relations = std::map<std::string, Relation>;

// An identity column's sequence options that differ from the defaults for its type, as
// CREATE TABLE takes them ("" when all are defaults): "(START WITH 100 INCREMENT BY 10)".
std::string identity_options(const Row& row, int first) {
  auto type = row.get<std::string>(first);
  auto start = row.get<std::int64_t>(first + 1), increment = row.get<std::int64_t>(first + 2);
  auto min = row.get<std::int64_t>(first + 3), max = row.get<std::int64_t>(first + 4);
  auto cache = row.get<std::int64_t>(first + 5);
  bool cycle = row.get<bool>(first + 6);
  std::int64_t type_max = type == "smallint" ? INT16_MAX : type == "integer" ? INT32_MAX : INT64_MAX;
  std::int64_t type_min = type == "smallint" ? INT16_MIN : type == "integer" ? INT32_MIN : INT64_MIN;
  bool ascending = increment > 0;
  std::vector<std::string> options;
  if (start != (ascending ? min : max)) options.push_back(fmt::format("START WITH {}", start));
  if (increment != 1) options.push_back(fmt::format("INCREMENT BY {}", increment));
  if (min != (ascending ? 1 : type_min)) options.push_back(fmt::format("MINVALUE {}", min));
  if (max != (ascending ? type_max : -1)) options.push_back(fmt::format("MAXVALUE {}", max));
  if (cache != 1) options.push_back(fmt::format("CACHE {}", cache));
  if (cycle) options.emplace_back("CYCLE");
  return options.empty() ? "" : fmt::format("({})", fmt::join(options, " "));
}

// Tables and composite types, without their columns.
void read_tables(Connection& conn, const Scope& scope, Relations& out) {
  auto rows = query(conn, std::string(kRelations) + R"(
SELECT r.oid::text, r.relkind, r.schema, r.name, c.relpersistence = 'u',
       CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, r.oid) END,
       (SELECT string_agg(quote_ident(pn.nspname) || '.' || quote_ident(p.relname), ', ' ORDER BY i.inhseqno)
        FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE i.inhrelid = r.oid),
       (SELECT string_agg(o, ', ' ORDER BY o COLLATE "C") FROM unnest(c.reloptions) o)
FROM rels r JOIN pg_class c ON c.oid = r.oid
WHERE r.relkind IN ('r', 'p', 'c'))",
                    scope);
  for (auto row : rows) {
    auto& rel = out[row.get<std::string>(0)];
    rel.composite = row.get<std::string>(1) == "c";
    Table& t = rel.table;
    t.schema = row.get<std::string>(2);
    t.name = row.get<std::string>(3);
    if (rel.composite) continue;
    if (row.get<bool>(4)) t.create_prefix = "UNLOGGED ";
    auto partition_key = row.get<std::optional<std::string>>(5);
    auto partition_bound = row.get<std::optional<std::string>>(6);
    auto parents = row.get<std::optional<std::string>>(7);
    auto options = row.get<std::optional<std::string>>(8);
    if (parents && !partition_bound) t.create_suffix += fmt::format(" INHERITS ({})", *parents);
    if (partition_key) t.create_suffix += " PARTITION BY " + *partition_key;
    if (options) t.create_suffix += fmt::format(" WITH ({})", *options);
    if (partition_bound && parents)
      t.attach = fmt::format("ALTER TABLE ONLY {} ATTACH PARTITION {} {};", *parents, qualified(t.schema, t.name),
                             *partition_bound);
  }
}

// Columns, in attnum order. The type's fields come from the catalogs (the element type, the
// modifiers from atttypmod), its sql from format_type().
void read_columns(Connection& conn, const Scope& scope, const Catalog& catalog, Relations& out) {
  auto rows = query(conn, std::string(kRelations) + R"(
SELECT r.oid::text, a.attnum::integer, a.attname::text, format_type(a.atttypid, a.atttypmod), a.atttypmod,
       en.nspname::text, e.typname::text, e.oid <> t.oid,
       CASE WHEN cn.nspname = 'pg_catalog' THEN '' ELSE quote_ident(cn.nspname) || '.' END || quote_ident(co.collname),
       pg_get_expr(ad.adbin, ad.adrelid), a.attnotnull, a.attgenerated = 's',
       CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END,
       format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle
FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
-- format_type's "true array" test: element type and [] for those, the type itself otherwise
JOIN pg_type e ON e.oid = CASE WHEN t.typelem <> 0 AND t.typsubscript = 'array_subscript_handler'::regproc
                                    AND t.typstorage <> 'p' THEN t.typelem ELSE t.oid END
JOIN pg_namespace en ON en.oid = e.typnamespace
LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_depend d ON a.attidentity <> '' AND d.classid = 'pg_class'::regclass AND d.deptype = 'i'
     AND d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum
LEFT JOIN pg_sequence s ON s.seqrelid = d.objid
WHERE r.relkind IN ('r', 'p', 'c')
ORDER BY r.oid, a.attnum)",
                    scope);
  for (auto row : rows) {
    auto& rel = out[row.get<std::string>(0)];
    Column c;
    c.name = row.get<std::string>(2);
    c.type.schema = row.get<std::string>(5);
    c.type.name = row.get<std::string>(6);
    c.type.args = typmod_args(c.type.schema, c.type.name, row.get<int>(4));
    c.type.dimensions = row.get<bool>(7) ? 1 : 0;  // format_type prints one [] whatever attndims says
    c.type.sql = row.get<std::string>(3);
    c.collation = row.get<std::optional<std::string>>(8).value_or("");
    if (auto expr = row.get<std::optional<std::string>>(9)) {
      if (row.get<bool>(11))
        c.generated = *expr;
      else
        c.default_value = described_default(*expr, c.type, is_catalog_enum(catalog, c.type));
    }
    c.not_null = row.get<bool>(10);
    if (auto always = row.get<std::optional<std::string>>(12)) {
      c.identity = Identity{.always = *always == "ALWAYS"};
      if (!row.is_null(13)) c.identity->options = identity_options(row, 13);
    }
    rel.column_at[row.get<int>(1)] = rel.table.columns.size();
    rel.table.columns.push_back(std::move(c));
  }
}

// Primary keys, unique, exclusion, check and foreign-key constraints (NOT NULL is the column's).
void read_constraints(Connection& conn, const Scope& scope, Relations& out) {
  auto rows = query(conn, std::string(kRelations) + R"(
SELECT r.oid::text, k.conname::text, pg_get_constraintdef(k.oid)
FROM rels r JOIN pg_constraint k ON k.conrelid = r.oid
WHERE r.relkind IN ('r', 'p') AND k.contype IN ('p', 'u', 'x', 'c', 'f'))",
                    scope);
  for (auto row : rows)
    add_constraint(out[row.get<std::string>(0)].table, row.get<std::string>(1), row.get<std::string>(2));
}

void read_comments(Connection& conn, const Scope& scope, Relations& out) {
  auto rows = query(conn, std::string(kRelations) + R"(
SELECT r.oid::text, d.objsubid, d.description
FROM rels r JOIN pg_description d ON d.objoid = r.oid AND d.classoid = 'pg_class'::regclass
WHERE r.relkind IN ('r', 'p'))",
                    scope);
  for (auto row : rows) {
    auto& rel = out[row.get<std::string>(0)];
    auto attnum = row.get<int>(1);
    if (attnum == 0)
      rel.table.comment = row.get<std::string>(2);
    else if (auto it = rel.column_at.find(attnum); it != rel.column_at.end())
      rel.table.columns[it->second].comment = row.get<std::string>(2);
  }
}

// Indexes that back no constraint (those are the constraint's): a table's go to it, a
// materialized view's are kept as text.
void read_indexes(Connection& conn, const Scope& scope, Relations& out, Catalog& catalog) {
  auto rows = query(conn, std::string(kRelations) + R"(
SELECT r.oid::text, r.relkind, n.nspname::text, ic.relname::text, pg_get_indexdef(i.indexrelid)
FROM rels r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE r.relkind IN ('r', 'p', 'm')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')))",
                    scope);
  for (auto row : rows) {
    auto definition = row.get<std::string>(4);
    if (row.get<std::string>(1) == "m") {
      catalog.others.push_back({.kind = "index",
                                .schema = row.get<std::string>(2),
                                .name = row.get<std::string>(3),
                                .lines = {definition + ';'}});
      continue;
    }
    out[row.get<std::string>(0)].table.indexes.push_back(parse_index_definition(definition).index);
  }
}

void describe_views(Connection& conn, const Scope& scope, Catalog& catalog) {
  auto rows = query(conn, std::string(kRelations) + R"(
SELECT r.schema, r.name, r.relkind = 'm', pg_get_viewdef(r.oid),
       (SELECT string_agg(o, ', ' ORDER BY o COLLATE "C") FROM unnest(c.reloptions) o)
FROM rels r JOIN pg_class c ON c.oid = r.oid
WHERE r.relkind IN ('v', 'm'))",
                    scope);
  for (auto row : rows) {
    bool materialized = row.get<bool>(2);
    Opaque view{.kind = materialized ? "materialized view" : "view",
                .schema = row.get<std::string>(0),
                .name = row.get<std::string>(1)};
    auto options = row.get<std::optional<std::string>>(4);
    view.lines.push_back(fmt::format("CREATE {}VIEW {}{} AS", materialized ? "MATERIALIZED " : "",
                                     qualified(view.schema, view.name),
                                     options ? fmt::format(" WITH ({})", *options) : ""));
    for (auto& line : split_lines(row.get<std::string>(3))) view.lines.push_back(std::move(line));
    terminate(view.lines);
    catalog.others.push_back(std::move(view));
  }
}

void describe_triggers(Connection& conn, const Scope& scope, Catalog& catalog) {
  auto rows = query(conn, std::string(kRelations) + R"(
SELECT r.schema, r.name, t.tgname::text, pg_get_triggerdef(t.oid)
FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid
WHERE NOT t.tgisinternal)",
                    scope);
  for (auto row : rows)
    catalog.others.push_back({.kind = "trigger",
                              .schema = row.get<std::string>(0),
                              .name = fmt::format("{} on {}", row.get<std::string>(2), row.get<std::string>(1)),
                              .lines = {row.get<std::string>(3) + ';'}});
}

}  // namespace

void describe_relations(Connection& conn, const Scope& scope, Catalog& catalog) {
  Relations relations;
  read_tables(conn, scope, relations);
  read_columns(conn, scope, catalog, relations);
  read_constraints(conn, scope, relations);
  read_comments(conn, scope, relations);
  read_indexes(conn, scope, relations, catalog);
  for (auto& [oid, rel] : relations) {
    if (!rel.composite) {
      catalog.tables.push_back(std::move(rel.table));
      continue;
    }
    const Table& t = rel.table;
    Opaque type{.kind = "type", .schema = t.schema, .name = t.name};
    type.lines.push_back(fmt::format("CREATE TYPE {} AS (", qualified(t.schema, t.name)));
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      type.lines.push_back(
          fmt::format("{}{}{}", kIndent, column_text(t.columns[i]), i + 1 < t.columns.size() ? "," : ""));
    type.lines.push_back(");");
    catalog.others.push_back(std::move(type));
  }
  describe_views(conn, scope, catalog);
  describe_triggers(conn, scope, catalog);
}

}  // namespace pgkit::catalog::detail
