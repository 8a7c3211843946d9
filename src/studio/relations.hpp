#pragma once
// The relations the studio follows, both ways: from a row's columns to the row they name, and
// from a row to the rows that name it. From the catalog's foreign keys: one model of the
// database for every part of the studio.
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"

namespace pgkit::studio {

struct Relation {
  std::string name;            ///< the foreign key's name
  const catalog::Table* from;  ///< the table whose columns name a row
  std::vector<std::string> columns;
  const catalog::Table* to;             ///< the table of the row they name
  std::vector<std::string> referenced;  ///< its columns, one for each of `columns`
};

/// Every foreign key of `cat` whose two tables it describes (one to a table of a schema the
/// studio does not show is left out: there is nothing to open).
std::vector<Relation> relations_of(const catalog::Catalog& cat);

/// The relations a schema.prisma declares that `cat` has no foreign key for — all of them
/// with relationMode = "prisma" — on cat's tables: `declared` is the schema's catalog with its
/// foreign keys (schema::to_catalog with relationMode "foreignKeys"). A relation whose tables
/// or columns the database does not have is left out.
std::vector<Relation> declared_relations(const catalog::Catalog& cat, const catalog::Catalog& declared);

}  // namespace pgkit::studio
