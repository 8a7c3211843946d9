#pragma once
// How schema names become C++ names and file names in the generated client, and how text
// becomes a C++ string literal.
#include <string>
#include <string_view>

namespace pgkit::codegen::detail {

/// A schema name as a C++ identifier: itself, or with a trailing '_' when it is a C++ keyword
/// or would be reserved (`class` → `class_`, `delete` → `delete_`).
std::string cpp_identifier(std::string_view name);

/// True for a C++20 keyword or alternative token.
bool is_cpp_keyword(std::string_view name);

/// "MagicLink" → "magic_link": a model's file name.
std::string snake_case(std::string_view name);

/// "text" → "\"text\"", with \\, \", control characters and non-ASCII bytes escaped.
std::string string_literal(std::string_view text);

/// SQL text as a C++ literal that reads as the SQL does: R"("users"."id")" where the text
/// allows a raw string, else string_literal.
std::string sql_literal(std::string_view sql);

/// `"schema"."table"` for SQL; quotes doubled.
std::string quoted_identifier(std::string_view name);

}  // namespace pgkit::codegen::detail
