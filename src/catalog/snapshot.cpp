// snapshot(): a catalog as the deterministic text of `migrate dump-schema` (layout in
// catalog/snapshot_format.hpp). Objects are ordered by kind, then by their quoted names, byte-wise,
// never by the database's collation. read_snapshot.cpp reads it back.
#include <algorithm>
#include <tuple>

#include <fmt/format.h>

#include "catalog/definitions.hpp"
#include "catalog/snapshot_internal.hpp"
#include "catalog/sql_lex.hpp"
#include "catalog/snapshot_format.hpp"

namespace pgkit::catalog {
namespace detail {
namespace {

using snapshot_format::kAddConstraint;
using snapshot_format::kIndent;

struct Block {
  std::string kind;
  std::string name;      // the header's name: schema-qualified and quoted as needed
  std::string sort_key;  // orders blocks of one kind
  std::vector<std::string> lines;
};

// The column a sequence is owned by, as "schema.table.column" quoted: the table is the one of
// the sequence's schema whose name and column make up owned_by ("table.column").
std::string owner_of(const Catalog& catalog, const Sequence& s) {
  for (const auto& t : catalog.tables) {
    if (t.schema != s.schema || !s.owned_by.starts_with(t.name + ".")) continue;
    auto column = s.owned_by.substr(t.name.size() + 1);
    if (t.column(column)) return fmt::format("{}.{}", qualified(t.schema, t.name), quote_ident(column));
  }
  auto dot = s.owned_by.find('.');
  return fmt::format("{}.{}", qualified(s.schema, s.owned_by.substr(0, dot)),
                     quote_ident(dot == std::string::npos ? "" : s.owned_by.substr(dot + 1)));
}

std::vector<std::string> sequence_lines(const Catalog& catalog, const Sequence& s) {
  auto name = qualified(s.schema, s.name);
  std::vector<std::string> lines{
      "CREATE SEQUENCE " + name,
      fmt::format("{}AS {}", kIndent, s.type),
      fmt::format("{}START WITH {}", kIndent, s.start),
      fmt::format("{}INCREMENT BY {}", kIndent, s.increment),
      fmt::format("{}MINVALUE {}", kIndent, s.min),
      fmt::format("{}MAXVALUE {}", kIndent, s.max),
      fmt::format("{}CACHE {}", kIndent, s.cache),
      fmt::format("{}{};", kIndent, s.cycle ? "CYCLE" : "NO CYCLE"),
  };
  if (!s.owned_by.empty()) lines.push_back(fmt::format("ALTER SEQUENCE {} OWNED BY {};", name, owner_of(catalog, s)));
  return lines;
}

std::vector<std::string> table_lines(const Table& t) {
  auto name = qualified(t.schema, t.name);
  std::vector<std::string> lines{fmt::format("CREATE {}TABLE {} (", t.create_prefix, name)};
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    lines.push_back(fmt::format("{}{}{}", kIndent, column_text(t.columns[i]), i + 1 < t.columns.size() ? "," : ""));
  lines.push_back(fmt::format("){};", t.create_suffix));
  if (!t.attach.empty()) lines.push_back(t.attach);

  // Primary key first, then unique, exclusion, check and foreign-key constraints, each by name.
  std::vector<std::tuple<int, std::string, std::string>> constraints;
  auto add = [&](int rank, const std::string& constraint, const std::string& definition) {
    auto quoted = quote_ident(constraint);
    constraints.emplace_back(rank, quoted,
                             fmt::format("ALTER TABLE ONLY {}{}{} {};", name, kAddConstraint, quoted, definition));
  };
  for (const auto& i : t.indexes) {
    if (i.kind == Index::Kind::primary_key)
      add(0, i.name, i.definition);
    else if (i.kind == Index::Kind::unique_constraint)
      add(1, i.name, i.definition);
    else if (i.kind == Index::Kind::exclusion)
      add(2, i.name, i.definition);
  }
  for (const auto& c : t.checks) add(3, c.name, c.definition);
  for (const auto& fk : t.foreign_keys) add(4, fk.name, fk.definition);
  std::sort(constraints.begin(), constraints.end());
  for (auto& c : constraints) lines.push_back(std::move(std::get<2>(c)));

  if (!t.comment.empty()) lines.push_back(fmt::format("COMMENT ON TABLE {} IS {};", name, quote_literal(t.comment)));
  for (const auto& c : t.columns)
    if (!c.comment.empty())
      lines.push_back(
          fmt::format("COMMENT ON COLUMN {}.{} IS {};", name, quote_ident(c.name), quote_literal(c.comment)));
  return lines;
}

Block other_block(const Opaque& o) {
  Block b{.kind = o.kind, .lines = o.lines};
  if (o.kind == "function" || o.kind == "procedure") {
    b.name = function_header(o);
  } else if (o.kind == "trigger") {
    auto [trigger, table] = trigger_parts(o);
    b.name = fmt::format("{} on {}", quote_ident(trigger), qualified(o.schema, table));
    // Trigger names are per table: ordered by table, then name.
    b.sort_key = fmt::format("{}\x01{}", qualified(o.schema, table), quote_ident(trigger));
  } else {
    b.name = qualified(o.schema, o.name);
  }
  return b;
}

}  // namespace

std::string function_header(const Opaque& f) {
  // The name as pg_get_functiondef() wrote it on its first line decides where it ends in
  // "name(arguments)", whatever the name holds.
  std::string_view first = f.lines.empty() ? std::string_view{} : std::string_view(f.lines.front());
  for (std::string_view create : {"CREATE OR REPLACE FUNCTION ", "CREATE OR REPLACE PROCEDURE "}) {
    if (!first.starts_with(create)) continue;
    auto name = read_qualified(first.substr(create.size()));
    if (name.length > 0 && f.name.starts_with(name.name + "("))
      return qualified(f.schema, name.name) + f.name.substr(name.name.size());
  }
  auto open = f.name.find('(');
  return qualified(f.schema, f.name.substr(0, open)) + (open == std::string::npos ? "" : f.name.substr(open));
}

std::pair<std::string, std::string> trigger_parts(const Opaque& t) {
  // The trigger's name as pg_get_triggerdef() wrote it decides where "name on table" splits.
  std::string_view first = t.lines.empty() ? std::string_view{} : std::string_view(t.lines.front());
  for (std::string_view create : {"CREATE TRIGGER ", "CREATE CONSTRAINT TRIGGER "}) {
    if (!first.starts_with(create)) continue;
    auto name = read_identifier(first.substr(create.size()));
    if (name.length > 0 && t.name.starts_with(name.name + " on "))
      return {name.name, t.name.substr(name.name.size() + 4)};
  }
  auto on = t.name.find(" on ");
  if (on == std::string::npos) return {t.name, ""};
  return {t.name.substr(0, on), t.name.substr(on + 4)};
}

}  // namespace detail

std::string snapshot(const Catalog& catalog) {
  using detail::Block;
  std::vector<Block> blocks;
  for (const auto& x : catalog.extensions)
    blocks.push_back({"extension",
                      quote_ident(x.name),
                      {},
                      {fmt::format("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};", quote_ident(x.name),
                                   quote_ident(x.schema))}});
  for (const auto& s : catalog.schemas)
    blocks.push_back({"schema", quote_ident(s), {}, {fmt::format("CREATE SCHEMA {};", quote_ident(s))}});
  for (const auto& e : catalog.enums) {
    auto name = qualified(e.schema, e.name);
    Block b{"enum", name, {}, {fmt::format("CREATE TYPE {} AS ENUM (", name)}};
    for (std::size_t i = 0; i < e.values.size(); ++i)
      b.lines.push_back(fmt::format("{}{}{}", snapshot_format::kIndent, detail::quote_literal(e.values[i]),
                                    i + 1 < e.values.size() ? "," : ""));
    b.lines.emplace_back(");");
    blocks.push_back(std::move(b));
  }
  for (const auto& s : catalog.sequences)
    blocks.push_back({"sequence", qualified(s.schema, s.name), {}, detail::sequence_lines(catalog, s)});
  for (const auto& t : catalog.tables) {
    blocks.push_back({"table", qualified(t.schema, t.name), {}, detail::table_lines(t)});
    for (const auto& i : t.indexes)
      if (!i.is_constraint()) blocks.push_back({"index", qualified(t.schema, i.name), {}, {i.definition + ";"}});
  }
  for (const auto& o : catalog.others) blocks.push_back(detail::other_block(o));

  for (auto& b : blocks)
    if (b.sort_key.empty()) b.sort_key = b.name;
  std::sort(blocks.begin(), blocks.end(), [](const Block& a, const Block& b) {
    auto ka = snapshot_format::kind_rank(a.kind), kb = snapshot_format::kind_rank(b.kind);
    return std::tie(ka, a.sort_key, a.name) < std::tie(kb, b.sort_key, b.name);
  });
  std::string text(detail::kSnapshotTitle);
  text += '\n';
  for (const auto& b : blocks) {
    text += fmt::format("\n-- {} {}\n", b.kind, b.name);
    for (const auto& line : b.lines) (text += line) += '\n';
  }
  return text;
}

}  // namespace pgkit::catalog
