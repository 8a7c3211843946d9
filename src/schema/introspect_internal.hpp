#pragma once
// Shared by introspect()'s files (introspection_*.rs in Prisma's sql-schema-connector):
//   introspect.cpp            the database as Prisma's describer reads it, names, the file
//   introspect_relations.cpp  relation names (relation_names.rs) and relation fields
//   introspect_fields.cpp     scalar types, native types and defaults
//   introspect_models.cpp     model and enum blocks, indexes, documentation
// Tables, enums and foreign keys are kept in the order Prisma's describer reads them (by schema
// and name, byte order), which decides field order and relation names.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/introspect.hpp"
#include "pgkit/schema.hpp"
#include "schema/reserved_names.hpp"  // is_reserved_name: db pull renames such a table

namespace pgkit::schema::detail::introspection {

// ---- Names (sanitize_datamodel_names.rs) --------------------------------------------------

/// True when `s` is not a schema identifier ([a-zA-Z][a-zA-Z0-9_]*).
bool needs_sanitation(std::string_view s);
/// Prisma's sanitize_string: leading characters that are not ASCII letters dropped, every other
/// character outside [_a-zA-Z0-9] replaced by `_` (per code point): "1st" → "st", "Ünï" → "n_".
std::string sanitize(std::string_view s);
/// A string literal as the schema language writes it: `"a\"b"`.
std::string psl_string(std::string_view s);

/// A name in the schema and the database name it stands for.
struct Name {
  std::string name;    ///< the schema's name
  std::string mapped;  ///< @map/@@map's value; "" = none
  bool from_previous = false;
  bool reserved = false;  ///< renamed "Renamed…" because the database name is reserved
};

// ---- The database as introspection reads it -----------------------------------------------

/// A foreign key of a table, with the table it references.
struct ForeignKey {
  const catalog::ForeignKey* sql = nullptr;
  std::size_t target = 0;  ///< index into Context::tables
  bool duplicate = false;  ///< same columns as an earlier key of its table: no relation of its own
};

struct Table {
  const catalog::Table* sql = nullptr;
  const Model* previous = nullptr;  ///< the previous schema's model for this table
  bool join = false;                ///< an implicit many-to-many join table: no model
  bool partitioned = false;         ///< has partitions (PARTITION BY, attached children)
  bool has_subclass = false;        ///< other tables INHERIT from it
  Name name;
  std::vector<Name> columns;                  ///< per column
  std::vector<const Field*> previous_fields;  ///< per column; nullptr when new
  /// The keys and indexes Prisma's describer reads: no expression or exclusion ones.
  /// Primary key first, then by name.
  std::vector<const catalog::Index*> indexes;
  std::vector<std::string> expression_indexes;  ///< names of indexes on expressions
  std::vector<ForeignKey> foreign_keys;         ///< by name; only those whose target is read

  const catalog::Index* primary_key() const;
  /// Whether Prisma Client can tell rows apart: a primary key or unique index whose columns
  /// are all required and of supported types.
  bool has_usable_identifier(const struct Context& ctx) const;
};

struct Enum {
  const catalog::Enum* sql = nullptr;
  const schema::Enum* previous = nullptr;
  Name name;
  std::vector<Name> values;                       ///< per value
  std::vector<const EnumValue*> previous_values;  ///< per value; nullptr when new
};

/// A foreign key by its table's index in Context::tables and its index in Table::foreign_keys.
struct FkId {
  std::size_t table = 0;
  std::size_t fk = 0;
  auto operator<=>(const FkId&) const = default;
};

/// [relation name, the forward field's name, the back field's name] (relation_names.rs).
struct RelationNames {
  std::string relation, forward, back;
};

enum class Direction { forward, back };

/// Where a relation field goes: on `table`, for the key `fk` (a join table's key for m2m).
struct RelationPosition {
  std::size_t table = 0;
  FkId fk;
  Direction direction = Direction::forward;
};

/// Prisma's warnings, in the order `db pull` prints them.
enum class Warning {
  empty_field_names,
  remapped_fields,
  empty_enum_values,
  models_without_columns,
  models_without_identifiers,
  reintrospected_id_names,
  unsupported_types,
  remapped_models,
  remapped_values,
  remapped_enums,
  reintrospected_relations,
  duplicate_names,
  partition_tables,
  inherited_tables,
  null_sort_order,
  check_constraints,
  exclusion_constraints,
  non_default_deferring,
  comments,
  expression_indexes,
};

struct Context {
  const catalog::Catalog* db = nullptr;
  const IntrospectOptions* options = nullptr;
  const Schema* previous = nullptr;
  bool uses_namespaces = false;                    ///< the previous datasource lists `schemas`: @@schema on everything
  bool foreign_keys = true;                        ///< false with relationMode = "prisma": relations come from previous
  std::string datasource = "db";                   ///< prefix of native types (@db.…)
  std::string default_schema = "public";           ///< the schema of models without @@schema
  std::vector<Table> tables;                       ///< the tables read, by schema then name
  std::vector<Enum> enums;                         ///< by schema then name
  std::map<std::string, int> top_level_names;      ///< sanitized model and enum names → how many
  std::map<FkId, RelationNames> inline_names;      ///< per foreign key, duplicates left out
  std::map<std::size_t, RelationNames> m2m_names;  ///< per join table
  std::vector<RelationPosition> inline_positions, m2m_positions;
  std::map<Warning, std::vector<std::string>> warnings;

  void warn(Warning w, std::string item) { warnings[w].push_back(std::move(item)); }
  const Table* table_of(const catalog::ForeignKey& fk) const;
  /// The enum a column type names (its element type), or nullptr.
  const Enum* enum_of(const catalog::Type& type) const;
  bool name_is_unique(std::string_view name) const;
};

/// Reads the database into ctx: tables, enums, join tables, names (introspect.cpp).
void read_database(Context& ctx, const catalog::Catalog& db, const IntrospectOptions& options);

// ---- Relations (introspect_relations.cpp) -------------------------------------------------

/// True when t is an implicit many-to-many join table (is_prisma_m_to_n_relation).
bool is_join_table(const Table& t);
/// Relation names and field positions (relation_names.rs, introspection_map.rs).
void name_relations(Context& ctx);

// ---- Text of blocks -----------------------------------------------------------------------

struct FieldText {
  std::vector<std::string> doc;
  bool commented = false;
  std::string name;
  std::string type;                     ///< with ? or []
  std::vector<std::string> attributes;  ///< "@id", "@default(now())", … in Prisma's order
};

struct BlockText {
  std::vector<std::string> doc;
  bool commented = false;
  std::string keyword;  ///< model, enum
  std::string name;
  std::vector<FieldText> fields;
  std::vector<std::string> attributes;  ///< "@@id([a, b])", …
  /// Prisma's Model::documentation: a line already in the documentation is not added again.
  void document(const std::string& text);
};

std::string render(const BlockText& block);
/// Only the documentation lines of a block.
std::string render_doc(const BlockText& block);
/// The line of the previous schema at `where` ("" when its file is not there).
std::string_view source_line(const Schema& schema, const Location& where);

/// The relation fields of a model, in Prisma's order (introspect_relations.cpp).
std::vector<FieldText> relation_fields(Context& ctx, std::size_t table);

// ---- Scalar fields (introspect_fields.cpp) ------------------------------------------------

/// A column's Prisma type: a scalar with its native type when not the default, an enum, or
/// Unsupported("…").
struct ColumnType {
  enum class Kind { scalar, enumeration, unsupported };
  Kind kind = Kind::unsupported;
  ScalarType scalar = ScalarType::String;
  std::string native;  ///< "@db.VarChar(255)"; "" when the default for the scalar
  const Enum* enumeration = nullptr;
  std::string unsupported;  ///< Unsupported's text
  bool uuid = false;        ///< uuid columns: Prisma's Uuid family (String in the schema)
};
ColumnType column_type(const Context& ctx, const catalog::Column& column, const Field* previous);
/// The field's type as written: "String?", "Int[]", "Unsupported(\"tsvector\")?".
std::string field_type_text(const ColumnType& type, const catalog::Column& column);
/// `@default(…)` for a column, or "" (introspection_pair/default.rs, rendering/defaults.rs).
std::string default_attribute(const Context& ctx, const catalog::Column& column, const ColumnType& type,
                              const Field* previous);

// ---- Models and enums (introspect_models.cpp) ---------------------------------------------

BlockText model_block(Context& ctx, std::size_t table);
BlockText enum_block(Context& ctx, std::size_t index);

/// Prisma's warnings for the database, one string a kind (introspect_warnings.cpp).
std::vector<std::string> warnings(Context& ctx);

/// A constraint definition with DEFERRABLE (Prisma cannot write it).
inline bool deferrable(const std::string& definition) {
  return definition.find("DEFERRABLE") != std::string::npos && definition.find("NOT DEFERRABLE") == std::string::npos;
}
/// Models ignored: by the previous schema's @@ignore, or for want of a usable identifier.
bool model_ignored(const Context& ctx, const Table& t);

}  // namespace pgkit::schema::detail::introspection
