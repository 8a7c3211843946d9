#pragma once
// Private to src/schema: the steps between text and Schema. parse_file() builds one file's
// syntax tree; resolve() turns the trees of all files into the Schema (names, types,
// attributes, relations) and validates it; render() lays a tree out as `prisma format` does.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pgkit/schema.hpp"
#include "schema/ast.hpp"
#include "schema/problems.hpp"

namespace pgkit::schema::detail {

/// One file's syntax tree. Syntax errors go to problems (the tree keeps what was read).
ast::File parse_file(std::string_view text, std::uint32_t file, Problems& problems);

/// The canonical layout of a tree that parsed without errors.
std::string render(const ast::File& tree, std::string_view text);

/// Every file's tree resolved into a schema; problems get every error and warning.
/// trees[i] belongs to files[i].
Schema resolve(const std::vector<SchemaFile>& files, const std::vector<ast::File>& trees, Problems& problems);

}  // namespace pgkit::schema::detail
