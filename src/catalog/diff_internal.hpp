#pragma once
// Shared by the differ's files: how two columns, indexes and foreign keys compare.
#include <string>

#include "pgkit/catalog.hpp"
#include "pgkit/catalog_diff.hpp"

namespace pgkit::catalog::detail {

enum class Arity { required, nullable, list };
Arity arity(const Column& c);
const char* to_string(Arity a);

bool is_enum(const Catalog& catalog, const Type& type);
bool is_autoincrement(const Column& c);

/// What differs between two versions of a column (Prisma's column differ).
ColumnChanges column_changes(const Catalog& from, const Column& a, const Catalog& to, const Column& b, bool full);

/// Two indexes that differ at most by name (same key columns, order, kind, method, operator
/// classes; in full mode also expressions, predicate, INCLUDE and options).
bool indexes_match(const Index& a, const Index& b, bool full);

/// Whether a type change of a column makes two foreign keys on it different.
bool foreign_keys_match(const Catalog& from, const Table& ta, const ForeignKey& a, const Catalog& to, const Table& tb,
                        const ForeignKey& b, bool full);

/// A join table of an implicit many-to-many relation: two columns, "A" and "B".
bool is_implicit_join_table(const Table& t);

}  // namespace pgkit::catalog::detail
