#pragma once
/// @file schema.hpp
/// Prisma Schema Language: a `schema.prisma` (or a folder of `.prisma` files) read, validated
/// and resolved into a plain model — models, fields, enums, relations, indexes — that the
/// migration engine turns into a catalog (to_catalog), `db pull` writes back, and the client
/// generator and the studio read. Every problem is reported at once, each as file:line:column.
///
/// @code
///   auto schema = pgkit::schema::load("prisma/schema.prisma");   // throws SchemaError
///   for (const auto& m : schema.models) std::cout << m.name << " → " << m.db_name << "\n";
///   pgkit::catalog::Catalog wanted = pgkit::schema::to_catalog(schema);
/// @endcode

#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/error.hpp"

namespace pgkit::schema {

/// One `.prisma` file as read from disk: its path as the user gave it, and its text.
struct SchemaFile {
  std::string path;
  std::string text;
};

/// Where something is: 1-based line and column (in characters) of a file.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
};

/// A problem in a schema. text(): "prisma/schema.prisma:12:3: error: …".
struct Diagnostic {
  Location where;
  std::string message;  ///< what is wrong and what to change
  bool warning = false;
  std::string text() const;
};

/// A schema with problems: every error found, in file and line order. what() lists them all.
class SchemaError : public Error {
 public:
  explicit SchemaError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

enum class ScalarType { String, Boolean, Int, BigInt, Float, Decimal, DateTime, Json, Bytes };
const char* to_string(ScalarType t);

enum class Arity { required, optional, list };

/// `@db.VarChar(255)` → {"VarChar", {"255"}}.
struct NativeType {
  std::string name;
  std::vector<std::string> args;
};

/// A field's type: a scalar, an enum, another model (a relation field) or Unsupported("…").
struct FieldType {
  enum class Kind { scalar, enumeration, model, unsupported };
  Kind kind = Kind::scalar;
  ScalarType scalar = ScalarType::String;  ///< for scalar
  std::string name;                        ///< the enum's or model's name; Unsupported's text
};

/// `@default(…)`.
struct DefaultValue {
  enum class Kind {
    literal,     ///< a string, number or boolean: value holds it (strings unescaped)
    enum_value,  ///< value holds the enum value's name
    list,        ///< items hold the elements
    autoincrement,
    now,
    uuid,    ///< version 4 or 7
    cuid,    ///< version 1 or 2
    nanoid,  ///< length (0 = Prisma's default 21)
    ulid,
    dbgenerated,  ///< value holds the SQL expression; empty for dbgenerated()
    sequence,
  };
  Kind kind = Kind::literal;
  std::string value;
  std::vector<DefaultValue> items;
  int version = 0;
  int length = 0;
  std::string map;  ///< map: "…" (constraint name, not used by PostgreSQL)
  /// True when the database computes it (autoincrement, now, dbgenerated, literals, lists);
  /// false for uuid(), cuid(), nanoid(), ulid(): the client fills those in.
  bool in_database() const;
};

/// What to do with referencing rows (`onDelete:` / `onUpdate:`).
enum class ReferentialAction { Cascade, Restrict, NoAction, SetNull, SetDefault };
/// As the schema language spells it: "Cascade", "SetNull", …
const char* to_string(ReferentialAction action) noexcept;

/// One field of a model or view, in schema order: a scalar field or a relation field.
struct Field {
  std::string name;
  std::string db_name;  ///< @map, else name
  FieldType type;
  Arity arity = Arity::required;
  std::optional<NativeType> native_type;
  std::optional<DefaultValue> default_value;
  bool updated_at = false;  ///< @updatedAt
  bool ignored = false;     ///< @ignore
  // A relation field (type.kind == model):
  std::string relation_name;                     ///< @relation("name") or @relation(name: …); "" when unnamed
  std::vector<std::string> relation_fields;      ///< fields: [...] (names of this model's fields)
  std::vector<std::string> relation_references;  ///< references: [...] (names of the other model's fields)
  std::optional<ReferentialAction> on_delete, on_update;
  std::string relation_map;  ///< map: foreign key constraint name; "" = Prisma's default
  std::string doc;           ///< `///` lines above, joined by '\n'
  Location where;

  bool is_relation() const { return type.kind == FieldType::Kind::model; }
};

/// A key part of @id, @@id, @unique, @@unique or @@index: `title(sort: Desc, ops: …)`.
struct IndexField {
  std::string field;  ///< the field's schema name
  bool descending = false;
  bool sort_given = false;    ///< sort: was written (Prisma's SQL then says ASC as well as DESC)
  std::optional<int> length;  ///< length: (MySQL only; an error on PostgreSQL)
  std::string ops;            ///< operator class: "JsonbPathOps", or raw("…")'s text
  bool ops_raw = false;
};

struct IndexDef {
  enum class Kind { id, unique, index };
  Kind kind = Kind::index;
  std::vector<IndexField> fields;
  std::string name;              ///< name: (client-facing name of @@id/@@unique); ""
  std::string map;               ///< map: (the database name); "" = Prisma's default
  std::string type;              ///< type: BTree, Hash, Gist, Gin, SpGist, Brin; "" = BTree
  bool field_attribute = false;  ///< written as @id/@unique on a field, not @@
  /// `where:` (preview feature `partialIndexes`): raw("…")'s SQL; "" = not a partial index.
  /// With predicate_object, the object form as written (`{ active: true }`), untranslated.
  std::string predicate;
  bool predicate_object = false;
  Location where;
};

struct Model {
  std::string name;
  std::string db_name;   ///< @@map, else name
  std::string schema;    ///< @@schema; "" = the datasource's default (public)
  bool view = false;     ///< a `view` block
  bool ignored = false;  ///< @@ignore
  std::vector<Field> fields;
  std::optional<IndexDef> primary_key;
  std::vector<IndexDef> indexes;  ///< @unique/@@unique/@@index in schema order
  std::string doc;
  Location where;

  const Field* field(const std::string& name) const;
};

struct EnumValue {
  std::string name;
  std::string db_name;  ///< @map, else name
  std::string doc;
};

struct Enum {
  std::string name;
  std::string db_name;  ///< @@map, else name
  std::string schema;
  std::vector<EnumValue> values;
  std::string doc;
  Location where;
};

/// `extensions = [citext, pg_trgm(schema: "ext", version: "1.6")]`.
struct ExtensionDef {
  std::string name;
  std::string db_name;  ///< map:, else name
  std::string schema;
  std::string version;
};

/// A datasource property: `env("DATABASE_URL")` or a literal.
struct UrlSetting {
  std::string env;  ///< the variable's name when env("…")
  std::string literal;
};

struct Datasource {
  std::string name = "db";
  std::string provider = "postgresql";
  std::optional<UrlSetting> url, direct_url, shadow_database_url;  ///< Prisma 7 schemas have none
  std::vector<ExtensionDef> extensions;
  std::vector<std::string> schemas;   ///< `schemas = [...]`; empty: the single default schema
  bool relation_mode_prisma = false;  ///< relationMode = "prisma": no foreign keys in the database
  Location where;
};

struct Generator {
  std::string name;
  std::vector<std::pair<std::string, std::string>> properties;  ///< as written (values' source text)
  std::string provider;                                         ///< provider's value, unquoted
  std::vector<std::string> preview_features;                    ///< previewFeatures = [...], unquoted
  Location where;
};

/// A relation between two models, resolved from its one or two relation fields.
struct Relation {
  enum class Kind { one_to_one, one_to_many, many_to_many };
  Kind kind = Kind::one_to_many;
  std::string name;  ///< explicit, or Prisma's generated "AToB" (models sorted)
  /// For 1:1 and 1:n, `referencing` holds fields/references (the foreign key's side).
  /// For implicit m:n, the two models in name order (A, B of the join table).
  std::string referencing_model, referencing_field;
  std::string referenced_model, referenced_field;  ///< back-relation field; "" when absent (1:1, 1:n only)
  /// Implicit m:n: the join table's name ("_CategoryToPost").
  std::string join_table;
  /// 1:1 and 1:n: the referencing field's fields: [...] and references: [...] (field names).
  std::vector<std::string> fields, references;
  /// 1:1 and 1:n: onDelete/onUpdate with Prisma's defaults applied — onDelete Restrict when a
  /// referencing field is required, else SetNull; onUpdate Cascade.
  ReferentialAction on_delete = ReferentialAction::Restrict;
  ReferentialAction on_update = ReferentialAction::Cascade;
  std::string map;  ///< the foreign key's name given with map:; "" = Prisma's default
};

struct Schema {
  std::vector<SchemaFile> files;
  Datasource datasource;
  std::vector<Generator> generators;
  std::vector<Model> models;  ///< models and views, in file then schema order
  std::vector<Enum> enums;
  std::vector<Relation> relations;
  std::vector<Diagnostic> warnings;  ///< problems that do not stop anything
  /// Name → index in models / enums, filled by parse(); model() and enumeration() fall back to
  /// a scan when these are out of step (a Schema built or edited by hand).
  std::unordered_map<std::string, std::size_t> model_index, enum_index;

  const Model* model(const std::string& name) const;
  const Enum* enumeration(const std::string& name) const;
  /// The datasource's default schema: the first of `schemas`, else "public".
  std::string default_schema() const;
};

/// Read one `.prisma` file, or every `.prisma` file under a folder (Prisma's multi-file
/// schema). @throws SchemaError naming a file that cannot be read or is not UTF-8
std::vector<SchemaFile> read_files(const std::filesystem::path& file_or_folder);

/// Parse, validate and resolve. @throws SchemaError with every problem found
Schema parse(std::vector<SchemaFile> files);

/// read_files then parse.
Schema load(const std::filesystem::path& file_or_folder);

/// Where pgkit looks when no schema is named: ./schema.prisma, ./prisma/schema.prisma, ./prisma/schema/.
std::optional<std::filesystem::path> find_default();

/// The canonical layout `prisma format` writes. Formatting twice changes nothing.
/// @throws SchemaError on syntax errors (the file is left as it is)
std::string format(const SchemaFile& file);

/// The database schema a schema.prisma describes, as Prisma Migrate computes it: tables,
/// columns with their types and defaults, keys, indexes, foreign keys, implicit many-to-many
/// join tables, enums and extensions.
catalog::Catalog to_catalog(const Schema& schema);
/// The same, with tables put in default_schema unless a model says @@schema (a URL's schema=).
catalog::Catalog to_catalog(const Schema& schema, const std::string& default_schema);

}  // namespace pgkit::schema
