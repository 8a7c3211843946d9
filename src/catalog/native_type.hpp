#pragma once
// A column type as Prisma's PostgreSQL connector knows it ("native types"): the differ asks
// whether a change of type can be cast safely, and the renderer spells types as Prisma does
// (INTEGER, SERIAL, VARCHAR(255), TIMESTAMP(3), "Role"[]).
#include <optional>
#include <string>

#include "pgkit/catalog.hpp"
#include "pgkit/catalog_diff.hpp"

namespace pgkit::catalog::detail {

enum class Known {
  SmallInt,
  Integer,
  BigInt,
  Decimal,
  Real,
  DoublePrecision,
  Money,
  Oid,
  VarChar,
  Char,
  Text,
  Citext,
  ByteA,
  Uuid,
  Xml,
  Json,
  JsonB,
  Inet,
  Timestamp,
  Timestamptz,
  Date,
  Time,
  Timetz,
  Boolean,
  Bit,
  VarBit,
};

/// A known type and its arguments (a: length or precision, b: scale). Char and Bit without
/// a length are length 1, as PostgreSQL makes them.
struct NativeType {
  Known known = Known::Text;
  std::optional<int> a, b;
  bool operator==(const NativeType&) const = default;
};

/// The native type of a catalog type (its element type, for arrays); nullopt for enums and
/// types Prisma does not know (Unsupported).
std::optional<NativeType> native_type(const Type& type);

/// How a value of type `from` becomes one of type `to` (Prisma's cast table for PostgreSQL).
/// Cast::none when they are the same type.
Cast cast_between(const NativeType& from, const NativeType& to);

/// Prisma's spelling of a column type: "INTEGER", "SERIAL" (autoincrement), "VARCHAR(255)",
/// "DECIMAL(65,30)", "TIMESTAMP(3)", an enum as a quoted name, "TEXT[]". Types Prisma does not
/// know are written as the server spells them. `enum_name` is the already-quoted enum name
/// when the type is one of the catalog's enums.
std::string prisma_type(const Type& type, bool autoincrement, const std::string& enum_name = {});

/// The type's name for messages: "Int4", "VarChar(20)", "Text[]".
std::string display_type(const Type& type);

}  // namespace pgkit::catalog::detail
