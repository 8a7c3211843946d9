#pragma once
// The snapshot text that dump_schema writes and diff_schema reads.
//
// A comment line, then one block per object, blocks separated by a blank line. Every block
// begins with a header `-- <kind> <name>` and holds the object's SQL. A table block holds its
// columns one per line (four spaces, then the column's name, in attnum order) between
// `CREATE TABLE … (` and `)`, then one `ALTER TABLE ONLY … ADD CONSTRAINT <name> …;` line per
// constraint, so that a difference can be pinned on a column or a constraint by name.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <vector>

namespace pgkit {
class Connection;
}

namespace pgkit::migrate::schema_text {

/// Object kinds, in the order their blocks appear (roughly: what others depend on first).
inline constexpr std::array<std::string_view, 13> kKinds = {
    "extension", "schema", "enum", "type", "domain", "sequence", "function",
    "procedure", "table", "view", "materialized view", "index", "trigger"};

/// Indent of a column line inside `CREATE TABLE … (` … `)`, and of other continuation lines.
inline constexpr std::string_view kIndent = "    ";
/// What introduces a constraint's name in a table block.
inline constexpr std::string_view kAddConstraint = " ADD CONSTRAINT ";

/// One object's block, without its header line and blank separator.
struct Object {
  std::string kind;      ///< one of kKinds
  std::string name;      ///< schema-qualified and quoted as needed ("trg on public.t" for triggers)
  std::vector<std::string> lines;
  std::string sort_key;  ///< orders objects of one kind; the name unless the kind needs better
};

/// Position of kind in kKinds; kKinds.size() when unknown.
inline std::size_t kind_rank(std::string_view kind) {
  return static_cast<std::size_t>(std::find(kKinds.begin(), kKinds.end(), kind) - kKinds.begin());
}

/// The identifier at the start of text: a bare word, or a double-quoted one ("" inside).
inline std::string_view leading_identifier(std::string_view text) {
  if (!text.empty() && text.front() == '"') {
    for (std::size_t i = 1; i < text.size(); ++i) {
      if (text[i] != '"') continue;
      if (i + 1 < text.size() && text[i + 1] == '"') { ++i; continue; }
      return text.substr(0, i + 1);
    }
    return text;
  }
  return text.substr(0, std::min(text.find_first_of(" ,"), text.size()));
}

/// text's lines, without their line ends ("\n" or "\r\n") and without the empty line a final
/// newline would leave.
inline std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  std::size_t start = 0;
  while (true) {
    auto end = std::min(text.find('\n', start), text.size());
    auto line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    if (end == text.size()) return lines;
    start = end + 1;
  }
}

// ---- Shared by the dump's files (schema_dump.cpp, schema_relations.cpp).

/// The relations to dump, as a CTE named rels to start a query with: in user schemas, not
/// made by an extension, not the tracking table ($1: its schema or '', $2: its name). Each
/// row has the relation's oid (never printed), relkind, and quoted schema-qualified qname.
inline constexpr const char* kRelations = R"(WITH rels AS (
  SELECT c.oid, c.relkind::text AS relkind, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qname
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_(toast|temp)'
    AND NOT EXISTS (SELECT 1 FROM pg_depend x WHERE x.deptype = 'e'
                    AND ((x.classid = 'pg_class'::regclass AND x.objid = c.oid)
                         OR (x.classid = 'pg_type'::regclass AND x.objid = c.reltype)))
    AND NOT (c.relname::text = $2::text AND ($1::text = '' OR n.nspname::text = $1::text)))
)";

/// Ends the last of lines with ";" unless it already does.
inline void terminate(std::vector<std::string>& lines) {
  if (!lines.empty() && (lines.back().empty() || lines.back().back() != ';')) lines.back() += ';';
}

/// Appends the blocks of tables, composite types, views, materialized views, indexes and
/// triggers to out (unordered). schema and table name the tracking table as for kRelations.
void dump_relations(Connection& conn, const std::string& schema, const std::string& table, std::vector<Object>& out);

}  // namespace pgkit::migrate::schema_text
