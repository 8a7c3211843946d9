#pragma once
// The names Prisma Client reserves (parser-database's reserved_model_names.rs): `pgkit schema
// validate` refuses a model or enum named so, and db pull renames such a table "Renamed<name>"
// with @@map, as Prisma does.
#include <algorithm>
#include <array>
#include <string_view>

namespace pgkit::schema::detail {

inline constexpr std::array<std::string_view, 45> kReservedNames = {
    "PrismaClient", "break",   "case",       "catch",     "class",  "const",      "continue",  "debugger", "default",
    "delete",       "do",      "else",       "enum",      "export", "extends",    "false",     "finally",  "for",
    "function",     "if",      "implements", "import",    "in",     "instanceof", "interface", "let",      "new",
    "null",         "package", "private",    "protected", "public", "return",     "super",     "switch",   "this",
    "throw",        "true",    "try",        "typeof",    "var",    "void",       "while",     "with",     "yield"};

inline bool is_reserved_name(std::string_view name) {
  return std::find(kReservedNames.begin(), kReservedNames.end(), name) != kReservedNames.end();
}

}  // namespace pgkit::schema::detail
