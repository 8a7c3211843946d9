#pragma once
// The text of one model's header and source, and of one enum, for generate_client.
#include <string>

#include "pgkit/schema.hpp"

namespace pgkit::codegen::detail {

struct Context {
  std::string name_space;  // "app" or "app::db"
  std::string banner;      // the first line of every file
  const schema::Schema* schema = nullptr;
};

/// `enum class Role { USER, ADMIN };` with to_string and from_string<Role>.
std::string enum_text(const schema::Enum& e);
/// pgkit::ValueTraits<ns::Role>: sent and read as the values' database names (@map).
std::string enum_traits_text(const schema::Enum& e, const Context& cx);

/// The struct, pgkit::client::ModelInfo's specialisation, and the related models' headers.
std::string model_header(const schema::Model& m, const Context& cx);
/// ModelInfo<…>::from_row's definition (client.cpp holds every model's).
std::string model_source(const schema::Model& m, const Context& cx);

}  // namespace pgkit::codegen::detail
