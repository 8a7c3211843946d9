#pragma once
// With a schema.prisma (pgkit studio --schema): the names its user knows — a table's model and
// a column's field — next to the database's. Tables and columns stay the catalog's: the names
// only label them.
#include <map>
#include <string>
#include <tuple>

#include "pgkit/catalog.hpp"
#include "pgkit/schema.hpp"

namespace pgkit::studio {

class ModelNames {
 public:
  ModelNames() = default;  ///< no schema: no names
  explicit ModelNames(const schema::Schema& s);

  /// The model mapped to t (@@map, @@schema), or nullptr.
  const std::string* model(const catalog::Table& t) const;
  /// The field mapped to t's column (@map), or nullptr.
  const std::string* field(const catalog::Table& t, const std::string& column) const;

 private:
  std::map<std::pair<std::string, std::string>, std::string> models_;                // (schema, table)
  std::map<std::tuple<std::string, std::string, std::string>, std::string> fields_;  // (schema, table, column)
};

}  // namespace pgkit::studio
