// dump_schema's relations: tables (columns, constraints, partitioning), composite types,
// views, materialized views, indexes and triggers. See schema_text.hpp for the layout.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>

#include <fmt/format.h>

#include "migrate/schema_text.hpp"
#include "pgkit/connection.hpp"

namespace pgkit::migrate::schema_text {
namespace {

struct Table {
  std::string create;                  // "CREATE TABLE public.t (" or "CREATE TYPE public.t AS ("
  std::string close = ");";            // ")", then INHERITS / PARTITION BY / WITH, then ";"
  std::vector<std::string> columns;    // in attnum order, without the separating commas
  std::vector<std::string> after;      // ATTACH PARTITION, then constraints
  std::string kind = "table";
};

// An identity column's sequence options that differ from the defaults for its type, as
// CREATE TABLE takes them ("" when all are defaults): " (START WITH 100 INCREMENT BY 10)".
std::string identity_options(const Row& row, int first) {
  auto type = row.get<std::string>(first);
  auto start = std::stoll(row.get<std::string>(first + 1)), increment = std::stoll(row.get<std::string>(first + 2));
  auto min = std::stoll(row.get<std::string>(first + 3)), max = std::stoll(row.get<std::string>(first + 4));
  auto cache = std::stoll(row.get<std::string>(first + 5));
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
  return options.empty() ? "" : fmt::format(" ({})", fmt::join(options, " "));
}

// Tables and composite types, without their columns.
void read_tables(Connection& conn, const std::string& schema, const std::string& table,
                 std::map<std::string, Table>& tables) {
  auto rows = conn.query(std::string(kRelations) + R"(
SELECT r.qname, r.relkind, c.relpersistence = 'u',
       CASE WHEN r.relkind = 'p' THEN pg_get_partkeydef(r.oid) END,
       CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, r.oid) END,
       (SELECT string_agg(quote_ident(pn.nspname) || '.' || quote_ident(p.relname), ', ' ORDER BY i.inhseqno)
        FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
        WHERE i.inhrelid = r.oid),
       (SELECT string_agg(o, ', ' ORDER BY o COLLATE "C") FROM unnest(c.reloptions) o)
FROM rels r JOIN pg_class c ON c.oid = r.oid
WHERE r.relkind IN ('r', 'p', 'c'))",
                         schema, table);
  for (auto row : rows) {
    auto name = row.get<std::string>(0);
    auto& t = tables[name];
    if (row.get<std::string>(1) == "c") {
      t.kind = "type";
      t.create = fmt::format("CREATE TYPE {} AS (", name);
      continue;
    }
    t.create = fmt::format("CREATE {}TABLE {} (", row.get<bool>(2) ? "UNLOGGED " : "", name);
    auto partition_key = row.get<std::optional<std::string>>(3);
    auto partition_bound = row.get<std::optional<std::string>>(4);
    auto parents = row.get<std::optional<std::string>>(5);
    auto options = row.get<std::optional<std::string>>(6);
    t.close = ")";
    if (parents && !partition_bound) t.close += fmt::format(" INHERITS ({})", *parents);
    if (partition_key) t.close += " PARTITION BY " + *partition_key;
    if (options) t.close += fmt::format(" WITH ({})", *options);
    t.close += ';';
    if (partition_bound && parents)
      t.after.push_back(fmt::format("ALTER TABLE ONLY {} ATTACH PARTITION {} {};", *parents, name, *partition_bound));
  }
}

// Columns, in attnum order: name type [COLLATE] [DEFAULT | GENERATED … STORED | IDENTITY] [NOT NULL].
void read_columns(Connection& conn, const std::string& schema, const std::string& table,
                  std::map<std::string, Table>& tables) {
  auto rows = conn.query(std::string(kRelations) + R"(
SELECT r.qname, quote_ident(a.attname), format_type(a.atttypid, a.atttypmod),
       CASE WHEN cn.nspname = 'pg_catalog' THEN '' ELSE quote_ident(cn.nspname) || '.' END || quote_ident(co.collname),
       pg_get_expr(ad.adbin, ad.adrelid), a.attnotnull, a.attgenerated = 's',
       CASE a.attidentity WHEN 'a' THEN 'ALWAYS' WHEN 'd' THEN 'BY DEFAULT' END,
       format_type(s.seqtypid, NULL), s.seqstart::text, s.seqincrement::text, s.seqmin::text, s.seqmax::text,
       s.seqcache::text, s.seqcycle
FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
LEFT JOIN pg_depend d ON a.attidentity <> '' AND d.classid = 'pg_class'::regclass AND d.deptype = 'i'
     AND d.refclassid = 'pg_class'::regclass AND d.refobjid = a.attrelid AND d.refobjsubid = a.attnum
LEFT JOIN pg_sequence s ON s.seqrelid = d.objid
WHERE r.relkind IN ('r', 'p', 'c')
ORDER BY r.oid, a.attnum)",
                         schema, table);
  for (auto row : rows) {
    auto column = fmt::format("{} {}", row.get<std::string>(1), row.get<std::string>(2));
    if (auto collation = row.get<std::optional<std::string>>(3)) column += " COLLATE " + *collation;
    if (auto expr = row.get<std::optional<std::string>>(4))
      column += row.get<bool>(6) ? fmt::format(" GENERATED ALWAYS AS ({}) STORED", *expr) : " DEFAULT " + *expr;
    if (auto identity = row.get<std::optional<std::string>>(7)) {
      column += fmt::format(" GENERATED {} AS IDENTITY", *identity);
      if (!row.is_null(8)) column += identity_options(row, 8);
    }
    if (row.get<bool>(5)) column += " NOT NULL";
    tables[row.get<std::string>(0)].columns.push_back(std::move(column));
  }
}

// Primary keys, unique, exclusion, check and foreign-key constraints (NOT NULL is the column's).
void read_constraints(Connection& conn, const std::string& schema, const std::string& table,
                      std::map<std::string, Table>& tables) {
  auto rows = conn.query(std::string(kRelations) + R"(
SELECT r.qname, quote_ident(k.conname), strpos('puxcf', k.contype::text), pg_get_constraintdef(k.oid)
FROM rels r JOIN pg_constraint k ON k.conrelid = r.oid
WHERE r.relkind IN ('r', 'p') AND k.contype IN ('p', 'u', 'x', 'c', 'f'))",
                         schema, table);
  std::map<std::string, std::vector<std::tuple<int, std::string, std::string>>> found;  // table → (kind, name, line)
  for (auto row : rows) {
    auto name = row.get<std::string>(0), constraint = row.get<std::string>(1);
    found[name].emplace_back(row.get<int>(2), constraint,
                             fmt::format("ALTER TABLE ONLY {}{}{} {};", name, kAddConstraint, constraint,
                                         row.get<std::string>(3)));
  }
  for (auto& [name, list] : found) {
    std::sort(list.begin(), list.end());  // primary key first, then unique, exclusion, check, foreign keys
    for (auto& entry : list) tables[name].after.push_back(std::get<2>(entry));
  }
}

void dump_views(Connection& conn, const std::string& schema, const std::string& table, std::vector<Object>& out) {
  auto rows = conn.query(std::string(kRelations) + R"(
SELECT r.qname, r.relkind = 'm', pg_get_viewdef(r.oid),
       (SELECT string_agg(o, ', ' ORDER BY o COLLATE "C") FROM unnest(c.reloptions) o)
FROM rels r JOIN pg_class c ON c.oid = r.oid
WHERE r.relkind IN ('v', 'm'))",
                         schema, table);
  for (auto row : rows) {
    auto name = row.get<std::string>(0);
    bool materialized = row.get<bool>(1);
    auto options = row.get<std::optional<std::string>>(3);
    std::vector<std::string> lines{fmt::format("CREATE {}VIEW {}{} AS", materialized ? "MATERIALIZED " : "", name,
                                               options ? fmt::format(" WITH ({})", *options) : "")};
    for (auto& line : split_lines(row.get<std::string>(2))) lines.push_back(std::move(line));
    terminate(lines);
    out.push_back({materialized ? "materialized view" : "view", name, std::move(lines), name});
  }
}

// Indexes that back no constraint (those are the constraint's), and non-internal triggers.
void dump_indexes_and_triggers(Connection& conn, const std::string& schema, const std::string& table,
                               std::vector<Object>& out) {
  auto indexes = conn.query(std::string(kRelations) + R"(
SELECT quote_ident(n.nspname) || '.' || quote_ident(ic.relname), pg_get_indexdef(i.indexrelid)
FROM rels r JOIN pg_index i ON i.indrelid = r.oid JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ic.relnamespace
WHERE r.relkind IN ('r', 'p', 'm')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u', 'x')))",
                            schema, table);
  for (auto row : indexes) {
    auto name = row.get<std::string>(0);
    out.push_back({"index", name, {row.get<std::string>(1) + ';'}, name});
  }
  auto triggers = conn.query(std::string(kRelations) + R"(
SELECT quote_ident(t.tgname), r.qname, pg_get_triggerdef(t.oid)
FROM rels r JOIN pg_trigger t ON t.tgrelid = r.oid
WHERE NOT t.tgisinternal)",
                             schema, table);
  for (auto row : triggers) {
    auto trigger = row.get<std::string>(0), on = row.get<std::string>(1);
    // Trigger names are per table: named and ordered by table, then name.
    out.push_back({"trigger", fmt::format("{} on {}", trigger, on), {row.get<std::string>(2) + ';'},
                   fmt::format("{}\x01{}", on, trigger)});
  }
}

}  // namespace

void dump_relations(Connection& conn, const std::string& schema, const std::string& table, std::vector<Object>& out) {
  std::map<std::string, Table> tables;
  read_tables(conn, schema, table, tables);
  read_columns(conn, schema, table, tables);
  read_constraints(conn, schema, table, tables);
  for (auto& [name, t] : tables) {
    std::vector<std::string> lines{t.create};
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      lines.push_back(fmt::format("{}{}{}", kIndent, t.columns[i], i + 1 < t.columns.size() ? "," : ""));
    lines.push_back(t.close);
    lines.insert(lines.end(), t.after.begin(), t.after.end());
    out.push_back({t.kind, name, std::move(lines), name});
  }
  dump_views(conn, schema, table, out);
  dump_indexes_and_triggers(conn, schema, table, out);
}

}  // namespace pgkit::migrate::schema_text
