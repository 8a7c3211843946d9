#pragma once
/// @file client/model.hpp
/// What the client runtime knows of a generated model. The generated code specialises
/// ModelInfo for each model; nothing here is written by hand per model.

#include <string_view>

namespace pgkit::client {

/// One scalar field as SQL reads it: its schema name, and the expression the select list uses
/// (the quoted column, cast where PostgreSQL's text form is not the C++ type's: a `date` or
/// `time` column read as a timestamp).
struct Column {
  std::string_view field;
  std::string_view select;
};

/// Specialised by the generated code, per model:
///   static constexpr std::string_view name;     // the model's schema name ("User")
///   static constexpr std::string_view table;    // quoted, schema-qualified ("\"public\".\"users\"")
///   static constexpr std::array<Column, N> columns;   // scalar fields, schema order
///   static Model from_row(const Row& row, int first_column = 0);  // columns in that order
template <class Model>
struct ModelInfo;

/// ConversionError: text is no database name of the enum's values (generated enums' read()).
[[noreturn]] void throw_not_an_enum_value(std::string_view enum_name, std::string_view text);

}  // namespace pgkit::client
