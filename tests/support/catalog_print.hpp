#pragma once
// Catalogs in GoogleTest's failure messages: as their snapshot, with each column's structured
// fields (which the snapshot prints only as SQL text).
#include <ostream>

#include "pgkit/catalog.hpp"

namespace pgkit::catalog {

inline void PrintTo(const Catalog& c, std::ostream* os) {
  *os << "\n" << snapshot(c);
  for (const auto& t : c.tables)
    for (const auto& col : t.columns)
      *os << t.name << "." << col.name << ": " << col.type.schema << "." << col.type.name << " args "
          << col.type.args.size() << " dims " << col.type.dimensions << " default "
          << (col.default_value ? static_cast<int>(col.default_value->kind) : -1) << " '"
          << (col.default_value ? col.default_value->value : "") << "'\n";
}

}  // namespace pgkit::catalog
