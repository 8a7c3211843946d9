#pragma once
// The text of one model's header and source, and of one enum, for generate_client.
#include <string>
#include <vector>

#include "pgkit/catalog.hpp"
#include "pgkit/schema.hpp"

namespace pgkit::codegen::detail {

struct Context {
  std::string name_space;  // "app" or "app::db"
  std::string banner;      // the first line of every file
  const schema::Schema* schema = nullptr;
  const catalog::Catalog* tables = nullptr;  // the schema's tables (constraint names)
};

/// Whether Prisma Client has the field: not @ignore'd, not Unsupported, not a relation to an
/// @@ignore'd model.
bool in_client(const schema::Field& f, const Context& cx);
/// The C++ type of a scalar or enum field's values, without its arity; an enum's name after
/// prefix ("" in the model's namespace, "::app::" outside it).
std::string element_type(const schema::Field& f, const std::string& prefix = "");
/// The same with its arity: std::vector<…> for a list, std::optional<…> for an optional field.
std::string value_type(const schema::Field& f, const std::string& prefix = "");

/// `enum class Role { USER, ADMIN };` with to_string and from_string<Role>.
std::string enum_text(const schema::Enum& e);
/// pgkit::ValueTraits<ns::Role>: sent and read as the values' database names (@map).
std::string enum_traits_text(const schema::Enum& e, const Context& cx);

/// The struct, pgkit::client::ModelInfo's specialisation, and the related models' headers.
std::string model_header(const schema::Model& m, const Context& cx);
/// `namespace app::fields::user { … }`: a descriptor per scalar field (pgkit/client/field.hpp)
/// and a function per compound @@id / @@unique.
std::string fields_text(const schema::Model& m, const Context& cx);
/// ModelInfo's `key`: the columns that tell rows apart (@id, else the first @unique).
std::string key_text(const schema::Model& m, const Context& cx);
/// The model's member of the generated Client ("MagicLink" → magic_link).
std::string delegate_name(const schema::Model& m);

/// The schema's relation that field f of m is a side of; nullptr when none.
const schema::Relation* relation_of(const Context& cx, const schema::Model& m, const schema::Field& f);
/// relations.hpp: every model's relation descriptors (pgkit/client/relation.hpp), after every
/// model is complete.
std::string relations_header(const std::vector<const schema::Model*>& models, const Context& cx);

/// `struct UserCreate`: what create takes (write_text.cpp).
std::string create_struct_text(const schema::Model& m, const Context& cx);
/// pgkit::client::Writer's specialisation (the header's part) and its definitions.
std::string writer_header_text(const schema::Model& m, const Context& cx);
std::string writer_source_text(const schema::Model& m, const Context& cx);
/// ModelInfo's `constraints` and `updated_at`.
std::string constraints_text(const schema::Model& m, const Context& cx, const catalog::Catalog& tables);

/// ModelInfo<…>::from_row's definition (client.cpp holds every model's).
std::string model_source(const schema::Model& m, const Context& cx);

}  // namespace pgkit::codegen::detail
