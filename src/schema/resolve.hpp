#pragma once
// Private to src/schema/resolve*.cpp, relations.cpp and validate.cpp: what the resolver knows
// while it turns syntax trees into a Schema — where each model, field and attribute came from
// (for messages), name lookups, and the pieces of relation fields only validation needs.

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "schema/internal.hpp"

namespace pgkit::schema::detail {

/// Where a relation field's @relation put things (for messages) and what it resolved to.
struct RelationInfo {
  const ast::Attribute* attribute = nullptr;           ///< @relation, when written
  std::optional<std::vector<std::size_t>> fields;      ///< fields: [...], as field indices; nullopt: not given
  std::optional<std::vector<std::size_t>> references;  ///< references: [...] in the other model
  const ast::Expression* on_delete = nullptr;
  const ast::Expression* on_update = nullptr;
  const ast::Expression* map = nullptr;
};

struct FieldInfo {
  const ast::Field* ast = nullptr;
  std::size_t model = 0;   ///< relation fields: the other model's index
  bool type_known = true;  ///< false after an unknown-type error
  RelationInfo relation;
};

/// A @@id/@@unique/@@index or field-level @id/@unique, with its source.
struct IndexInfo {
  const ast::Attribute* attribute = nullptr;
  std::uint32_t file = 0;
};

struct ModelInfo {
  const ast::Block* block = nullptr;
  std::uint32_t file = 0;
  std::vector<FieldInfo> fields;  ///< parallel to Model::fields
  /// (name, index in Model::fields), sorted by name: find_field() looks names up.
  std::vector<std::pair<std::string_view, std::size_t>> field_index;
  IndexInfo primary_key;
  std::vector<IndexInfo> indexes;  ///< parallel to Model::indexes
  const ast::Attribute* map_attr = nullptr;
  const ast::Attribute* schema_attr = nullptr;
  bool broken = false;  ///< a line had a syntax error: skip checks that would mislead
};

/// The index in Model::fields of the field called name, or nullopt.
inline std::optional<std::size_t> find_field(const ModelInfo& info, std::string_view name) {
  auto it = std::lower_bound(info.field_index.begin(), info.field_index.end(), name,
                             [](const auto& e, std::string_view n) { return e.first < n; });
  if (it == info.field_index.end() || it->first != name) return std::nullopt;
  return it->second;
}

struct EnumInfo {
  const ast::Block* block = nullptr;
  std::uint32_t file = 0;
  const ast::Attribute* map_attr = nullptr;
  const ast::Attribute* schema_attr = nullptr;
};

struct Context {
  const std::vector<SchemaFile>& files;
  const std::vector<ast::File>& trees;
  Problems& problems;
  Schema& schema;

  std::vector<ModelInfo> models;  ///< parallel to schema.models
  std::vector<EnumInfo> enums;    ///< parallel to schema.enums
  std::unordered_map<std::string_view, std::size_t> model_index, enum_index;
  std::unordered_set<std::string_view> composite_types;  ///< `type` blocks: reported, their fields skipped
  std::set<std::string, std::less<>> preview_features;
  std::string datasource_name = "db";               ///< the prefix of native types: @db.Text
  const ast::Property* schemas_property = nullptr;  ///< `schemas = [...]`: every model needs @@schema

  void error(std::uint32_t file, std::uint32_t offset, std::string message) {
    problems.error(file, offset, std::move(message));
  }
  void warning(std::uint32_t file, std::uint32_t offset, std::string message) {
    problems.warning(file, offset, std::move(message));
  }
};

/// The arguments of one attribute, taken by name as the attribute's rules read them; what is
/// left over is reported by finish() with the accepted names.
class Args {
 public:
  Args(Context& ctx, std::uint32_t file, const ast::Attribute& attr, std::initializer_list<std::string_view> accepted);
  /// The argument called name, else the first unnamed one. Reports it missing when required.
  const ast::Expression* take_default(std::string_view name, bool required = true);
  const ast::Expression* take(std::string_view name);
  /// Report arguments no rule took.
  void finish();
  /// False when the list itself was malformed (reported already).
  bool ok() const { return ok_; }

 private:
  Context& ctx_;
  std::uint32_t file_;
  const ast::Attribute& attr_;
  std::array<std::string_view, 8> accepted_{};  // no attribute takes more
  std::size_t accepted_count_ = 0;
  std::uint64_t used_ = 0;  // bit i: argument i was taken (arguments past 64: never)
  bool ok_ = true;

  bool used(std::size_t i) const { return i < 64 && (used_ >> i & 1u); }
  void use(std::size_t i) {
    if (i < 64) used_ |= std::uint64_t{1} << i;
  }
};

/// The attributes of one field, enum value, model or enum, taken by name as the rules read them:
/// one that may appear once but appears twice is reported at each place, and finish() reports
/// every attribute no rule took.
class AttributeSet {
 public:
  /// The owner is "<kind> `<name>`" in messages: "field `email`", "model `User`".
  AttributeSet(Context& ctx, std::uint32_t file, const std::vector<ast::Attribute>& attrs, std::string_view kind,
               std::string_view name);
  /// The attribute, or nullptr when absent or written twice (reported).
  const ast::Attribute* single(std::string_view name);
  /// Every attribute of that name, in order.
  std::vector<const ast::Attribute*> repeated(std::string_view name);
  /// A native type attribute (`@db.Text`: any name with a dot), or nullptr.
  const ast::Attribute* native_type();
  /// Report attributes no rule took; known lists what this owner accepts.
  void finish(std::string_view known);

 private:
  Context& ctx_;
  std::uint32_t file_;
  const std::vector<ast::Attribute>& attrs_;
  std::string_view kind_, name_;
  std::uint64_t used_ = 0;  // bit i: attribute i was taken (a field with more than 64: never)

  std::string owner() const { return std::string(kind_) + " " + backquoted(name_); }
  bool used(std::size_t i) const { return i < 64 && (used_ >> i & 1u); }
  void use(std::size_t i) {
    if (i < 64) used_ |= std::uint64_t{1} << i;
  }
};

/// Where the argument `name` of a starts (its name, not its value); a's start when absent.
std::uint32_t argument_start(const ast::Attribute& a, std::string_view name);

/// The attribute as written for messages: "@default", "@@index", "@db.VarChar".
std::string attribute_label(const ast::Attribute& a);

// Coercions: nullopt after reporting "expected …, found …" at the expression.
std::optional<std::string> expect_string(Context& ctx, std::uint32_t file, const ast::Expression& e,
                                         std::string_view what);
std::optional<std::string_view> expect_constant(Context& ctx, std::uint32_t file, const ast::Expression& e,
                                                std::string_view what);
std::optional<bool> expect_bool(Context& ctx, std::uint32_t file, const ast::Expression& e, std::string_view what);
std::optional<long long> expect_integer(Context& ctx, std::uint32_t file, const ast::Expression& e,
                                        std::string_view what);

// The steps of resolve(), in order.
void resolve_config(Context& ctx);                               // resolve_config.cpp
void resolve_field_attributes(Context& ctx, std::size_t model);  // resolve_attributes.cpp
void resolve_model_attributes(Context& ctx, std::size_t model);  // resolve_model_attributes.cpp
/// where: of @unique/@@unique/@@index (a partial index) into def.
void read_predicate(Context& ctx, std::uint32_t file, const ast::Attribute& a, const ast::Expression& e, IndexDef& def);
// Literal syntax for @default values (literals.cpp).
bool valid_json(std::string_view s);
bool valid_base64(std::string_view s);
bool valid_rfc3339(std::string_view s);
bool valid_decimal(std::string_view s);
bool fits_i64(std::string_view s);

/// @default on a scalar field (resolve_defaults.cpp).
void resolve_default(Context& ctx, std::size_t model, std::size_t field, const ast::Attribute& attr);
/// @db.* on a scalar field (native_types.cpp).
void resolve_native_type(Context& ctx, std::size_t model, std::size_t field, const ast::Attribute& attr);
/// Unsupported("…") that names a type Prisma supports natively: an error suggesting it.
void check_unsupported_type(Context& ctx, std::size_t model, std::size_t field);
bool native_type_is_xml(const Field& f);
void resolve_relations(Context& ctx);  // relations.cpp
void validate_models(Context& ctx);    // validate.cpp
void validate_names(Context& ctx);     // validate_names.cpp

}  // namespace pgkit::schema::detail
