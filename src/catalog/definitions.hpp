#pragma once
// The server's text for indexes, constraints and columns, read into the catalog's fields. One
// reader for each: describe() reads what the server prints and read_snapshot() reads it back
// from a snapshot with the same functions, so both give the same fields for the same text.
#include <string>
#include <string_view>

#include "pgkit/catalog.hpp"

namespace pgkit::catalog::detail {

/// An index read from pg_get_indexdef() text ("CREATE UNIQUE INDEX n ON public.t USING btree
/// (a DESC) WHERE (…)"): kind unique or plain, method, keys, include, options, predicate; the
/// text kept as its definition. schema and table name the relation it is on.
struct IndexDefinition {
  Index index;
  std::string schema;
  std::string table;
};
/// @throws std::invalid_argument when text is not such a definition
IndexDefinition parse_index_definition(const std::string& text);

/// Adds the constraint `name` to table from its pg_get_constraintdef() text: a PRIMARY KEY,
/// UNIQUE or EXCLUDE constraint to its indexes, a FOREIGN KEY to its foreign keys, a CHECK
/// to its checks. @throws std::invalid_argument for any other text
void add_constraint(Table& table, const std::string& name, const std::string& text);

/// A column as a table block writes it: `name type [COLLATE c] [DEFAULT e | GENERATED ALWAYS AS
/// (e) STORED | GENERATED {ALWAYS|BY DEFAULT} AS IDENTITY [(…)]] [NOT NULL]` (no comment).
std::string column_text(const Column& column);

/// The inverse of column_text(), the default classified with classify_default() (catalog
/// tells which types are enums). @throws std::invalid_argument when text is not such a column
Column parse_column_text(std::string_view text, const Catalog& catalog);

/// A default as the catalog keeps a described one: classify_default()'s reading, or an
/// expression for a NULL default (which must still be printed).
Default described_default(const std::string& expression, const Type& type, bool is_enum);

}  // namespace pgkit::catalog::detail
