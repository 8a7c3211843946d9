#pragma once
// With a schema.prisma (pgkit studio --schema): what it says of the tables and columns the
// studio shows — a table's model and a column's field (the names its user knows), and the
// values Prisma's client fills in that the database does not (@default(cuid()), uuid(),
// nanoid(), ulid(); @updatedAt). Tables and columns stay the catalog's: the schema only
// labels them and fills those values.
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "pgkit/catalog.hpp"
#include "pgkit/schema.hpp"

namespace pgkit::studio {

struct Change;

class SchemaModel {
 public:
  SchemaModel() = default;  ///< no schema: no names, nothing filled
  explicit SchemaModel(const schema::Schema& s);

  /// The model mapped to t (@@map, @@schema), or nullptr.
  const std::string* model(const catalog::Table& t) const;
  /// The field mapped to t's column (@map), or nullptr.
  const std::string* field(const catalog::Table& t, const std::string& column) const;
  /// What the client fills the column with when a row is created without it, as the schema
  /// writes it ("cuid()", "uuid(7)", "now (@updatedAt)"); nullopt: the database's default.
  std::optional<std::string> client_default(const catalog::Table& t, const std::string& column) const;

  /// Fills what Prisma's client would in a save's changes of t: an insert's missing
  /// uuid()/cuid()/nanoid()/ulid() values, and @updatedAt (the time now, in UTC) in inserts and
  /// updates that do not set it.
  void fill(const catalog::Table& t, std::vector<Change>& changes) const;

 private:
  struct FieldInfo {
    std::string name;
    std::optional<schema::DefaultValue> client_default;  // one the database does not compute
    bool updated_at = false;
  };
  const FieldInfo* info(const catalog::Table& t, const std::string& column) const;

  std::map<std::pair<std::string, std::string>, std::string> models_;              // (schema, table)
  std::map<std::tuple<std::string, std::string, std::string>, FieldInfo> fields_;  // (schema, table, column)
};

}  // namespace pgkit::studio
