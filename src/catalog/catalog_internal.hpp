#pragma once
// Shared by the catalog's files: the one order of a catalog's lists, and what describe() and
// read_snapshot() both need.
#include <cstddef>
#include <string>

#include "pgkit/catalog.hpp"

namespace pgkit::catalog::detail {

/// Puts every list of c in the catalog's order: schemas, extensions, enums, sequences and
/// tables byte-wise by (schema, name); a table's indexes primary key first, then by name; its
/// foreign keys and checks by name; others by kind (the snapshot's kind order), schema, name.
/// describe() and read_snapshot() both end with it, so equal schemas give equal catalogs.
void sort_catalog(Catalog& c);

/// Position of an Opaque's kind in the snapshot's kind order.
std::size_t other_kind_rank(const std::string& kind);

/// Whether type names one of catalog's enums (arrays of it included).
bool is_catalog_enum(const Catalog& catalog, const Type& type);

}  // namespace pgkit::catalog::detail
