#include "studio/relations.hpp"

namespace pgkit::studio {

std::vector<Relation> relations_of(const catalog::Catalog& cat) {
  std::vector<Relation> out;
  for (const auto& t : cat.tables)
    for (const auto& fk : t.foreign_keys)
      if (const catalog::Table* to = cat.table(fk.referenced_schema, fk.referenced_table))
        out.push_back({fk.name, &t, fk.columns, to, fk.referenced_columns});
  return out;
}

}  // namespace pgkit::studio
