#pragma once
// A table's rows a page at a time (docs/design/studio.md, "Paging by keyset"): the page after
// a row is a row comparison on the key, so page 10,000 costs what page 1 costs. Every name in
// the SQL comes from the catalog; every value is a parameter.
#include <optional>
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/params.hpp"

namespace pgkit::studio {

/// The columns that identify a row and order the pages: the primary key, else the first
/// unique index on NOT NULL plain columns without a predicate. Empty: the table has none (it
/// is shown read-only, paged by ctid).
std::vector<std::string> row_key(const catalog::Table& t);

/// Why rows of t cannot be edited ("" when they can).
std::string read_only_reason(const catalog::Table& t, const std::vector<std::string>& key);

/// The text a column of `t` is read as in a page: its value, or for bytea its size in bytes (a
/// page never carries a whole binary value).
std::string page_column(const catalog::Column& c);

struct Statement {
  std::string sql;
  Params params;
};

/// SELECT row version (xmin), the key's values and the columns (page_column), after the row
/// whose key values are `after` (none: the first page), in key order, at most limit + 1 rows
/// (the extra one says whether there is a next page). Without a key, by ctid.
/// Result columns: 0 xmin, 1 … key.size() (or 1 ctid) the cursor, then one per column.
Statement page_statement(const catalog::Table& t, const std::vector<std::string>& key,
                         const std::vector<std::optional<std::string>>& after, int limit);

/// "schema"."name", quoted where PostgreSQL needs it.
std::string qualified_name(const catalog::Table& t);

}  // namespace pgkit::studio
