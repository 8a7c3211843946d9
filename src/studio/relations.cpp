#include "studio/relations.hpp"

#include <algorithm>

namespace pgkit::studio {

std::vector<Relation> relations_of(const catalog::Catalog& cat) {
  std::vector<Relation> out;
  for (const auto& t : cat.tables)
    for (const auto& fk : t.foreign_keys)
      if (const catalog::Table* to = cat.table(fk.referenced_schema, fk.referenced_table))
        out.push_back({fk.name, &t, fk.columns, to, fk.referenced_columns});
  return out;
}

std::vector<Relation> declared_relations(const catalog::Catalog& cat, const catalog::Catalog& declared) {
  auto has_columns = [](const catalog::Table& t, const std::vector<std::string>& columns) {
    return std::all_of(columns.begin(), columns.end(), [&](const std::string& c) { return t.column(c) != nullptr; });
  };
  std::vector<Relation> out;
  for (const auto& wanted : declared.tables) {
    const catalog::Table* from = cat.table(wanted.schema, wanted.name);
    if (!from) continue;
    for (const auto& fk : wanted.foreign_keys) {
      const catalog::Table* to = cat.table(fk.referenced_schema, fk.referenced_table);
      if (!to || !has_columns(*from, fk.columns) || !has_columns(*to, fk.referenced_columns)) continue;
      const bool in_database = std::any_of(from->foreign_keys.begin(), from->foreign_keys.end(), [&](const auto& k) {
        return k.columns == fk.columns && k.referenced_schema == fk.referenced_schema &&
               k.referenced_table == fk.referenced_table && k.referenced_columns == fk.referenced_columns;
      });
      if (!in_database) out.push_back({fk.name, from, fk.columns, to, fk.referenced_columns});
    }
  }
  return out;
}

}  // namespace pgkit::studio
