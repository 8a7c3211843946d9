// Native types: which catalog types Prisma knows, how a change between two of them casts, and
// how Prisma spells them. The cast table is Prisma's (schema_differ/postgres.rs), so a
// migration pgkit writes drops and recreates a column exactly when Prisma's would.
#include "catalog/native_type.hpp"

#include <fmt/format.h>

namespace pgkit::catalog::detail {
namespace {

struct Entry {
  const char* typname;
  Known known;
  const char* prisma;  // Prisma's spelling
  int args;            // how many arguments the spelling takes (0, 1, 2)
};

constexpr Entry kTypes[] = {
    {"int2", Known::SmallInt, "SMALLINT", 0},
    {"int4", Known::Integer, "INTEGER", 0},
    {"int8", Known::BigInt, "BIGINT", 0},
    {"numeric", Known::Decimal, "DECIMAL", 2},
    {"float4", Known::Real, "REAL", 0},
    {"float8", Known::DoublePrecision, "DOUBLE PRECISION", 0},
    {"money", Known::Money, "MONEY", 0},
    {"oid", Known::Oid, "OID", 0},
    {"varchar", Known::VarChar, "VARCHAR", 1},
    {"bpchar", Known::Char, "CHAR", 1},
    {"text", Known::Text, "TEXT", 0},
    {"citext", Known::Citext, "CITEXT", 0},
    {"bytea", Known::ByteA, "BYTEA", 0},
    {"uuid", Known::Uuid, "UUID", 0},
    {"xml", Known::Xml, "XML", 0},
    {"json", Known::Json, "JSON", 0},
    {"jsonb", Known::JsonB, "JSONB", 0},
    {"inet", Known::Inet, "INET", 0},
    {"timestamp", Known::Timestamp, "TIMESTAMP", 1},
    {"timestamptz", Known::Timestamptz, "TIMESTAMPTZ", 1},
    {"date", Known::Date, "DATE", 0},
    {"time", Known::Time, "TIME", 1},
    {"timetz", Known::Timetz, "TIMETZ", 1},
    {"bool", Known::Boolean, "BOOLEAN", 0},
    {"bit", Known::Bit, "BIT", 1},
    {"varbit", Known::VarBit, "VARBIT", 1},
};

const Entry* find(const Type& type) {
  // citext comes from an extension and lives in whichever schema it was created in.
  if (!type.builtin() && type.name != "citext") return nullptr;
  for (const auto& e : kTypes)
    if (type.name == e.typname) return &e;
  return nullptr;
}

}  // namespace

std::optional<NativeType> native_type(const Type& type) {
  const Entry* e = find(type);
  if (!e) return std::nullopt;
  NativeType n{.known = e->known};
  if (e->args >= 1 && !type.args.empty()) n.a = type.args[0];
  if (e->args == 2 && type.args.size() > 1) n.b = type.args[1];
  if ((n.known == Known::Char || n.known == Known::Bit) && !n.a) n.a = 1;
  return n;
}

std::string prisma_type(const Type& type, bool autoincrement, const std::string& enum_name) {
  std::string out;
  const Entry* e = find(type);
  if (!enum_name.empty()) {
    out = enum_name;
  } else if (!e) {
    // Unsupported("…"): the server's spelling, element type only.
    out = type.sql;
    for (int d = 0; d < type.dimensions && out.size() >= 2 && out.ends_with("[]"); ++d) out.resize(out.size() - 2);
  } else if (autoincrement &&
             (e->known == Known::SmallInt || e->known == Known::Integer || e->known == Known::BigInt)) {
    out = e->known == Known::SmallInt ? "SMALLSERIAL" : e->known == Known::Integer ? "SERIAL" : "BIGSERIAL";
  } else {
    out = e->prisma;
    if (e->args == 1 && !type.args.empty()) out += fmt::format("({})", type.args[0]);
    if (e->args == 2 && type.args.size() == 2) out += fmt::format("({},{})", type.args[0], type.args[1]);
  }
  for (int d = 0; d < type.dimensions; ++d) out += "[]";
  return out;
}

std::string display_type(const Type& type) {
  const Entry* e = find(type);
  std::string out;
  if (!e) {
    out = type.name;
  } else {
    // "DOUBLE PRECISION" → "DoublePrecision": Prisma's @db names read best in messages.
    bool upper = true;
    for (const char* p = e->prisma; *p; ++p) {
      if (*p == ' ') {
        upper = true;
        continue;
      }
      out += upper ? *p : static_cast<char>(std::tolower(static_cast<unsigned char>(*p)));
      upper = false;
    }
    if (!type.args.empty()) out += fmt::format("({})", fmt::join(type.args, ","));
  }
  for (int d = 0; d < type.dimensions; ++d) out += "[]";
  return out;
}

namespace {

using K = Known;

bool is_char(const NativeType& t) { return t.known == K::Char; }
bool is_text_like(const NativeType& t) { return t.known == K::VarChar || t.known == K::Char; }

// Time-like types with an optional precision: a change to or from "no precision given" is
// no change (the server's default precision).
std::optional<Cast> same_precision_family(const NativeType& from, const NativeType& to) {
  if (from.known != to.known) return std::nullopt;
  if (!to.a || !from.a || from.a == to.a) return Cast::none;
  return std::nullopt;
}

Cast from_number(const NativeType& from, const NativeType& to, int digits, int chars) {
  switch (to.known) {
    case K::SmallInt: return from.known == K::SmallInt ? Cast::none : Cast::risky;
    case K::Integer: return from.known == K::BigInt ? Cast::risky : Cast::safe;
    case K::BigInt: return Cast::safe;
    case K::Decimal: return to.a && to.b && *to.a - *to.b < digits ? Cast::risky : Cast::safe;
    case K::Real:
    case K::DoublePrecision:
    case K::Text: return Cast::safe;
    case K::VarChar:
    case K::Char:
      if (to.a && *to.a < chars) return Cast::risky;
      if (!to.a && is_char(to)) return Cast::risky;
      return Cast::safe;
    default: return Cast::impossible;
  }
}

}  // namespace

Cast cast_between(const NativeType& from, const NativeType& to) {
  if (from == to) return Cast::none;
  switch (from.known) {
    case K::Inet:
      return to.known == K::Citext || to.known == K::Text || to.known == K::VarChar ? Cast::safe : Cast::impossible;
    case K::Money:
      return to.known == K::Citext || to.known == K::Text || to.known == K::VarChar ? Cast::safe : Cast::risky;
    case K::Citext: return to.known == K::Text || to.known == K::VarChar ? Cast::safe : Cast::risky;
    case K::Oid:
      return to.known == K::Text || to.known == K::VarChar || to.known == K::BigInt || to.known == K::Integer
                 ? Cast::safe
                 : Cast::impossible;
    case K::SmallInt: return from_number(from, to, 3, 4);
    case K::Integer: return from_number(from, to, 10, 11);
    case K::BigInt: return from_number(from, to, 19, 20);
    case K::Decimal:
      switch (to.known) {
        case K::SmallInt:
        case K::Integer:
        case K::BigInt: {
          int limit = to.known == K::SmallInt ? 2 : to.known == K::Integer ? 9 : 18;
          if (!from.a || (from.b && *from.b > 0) || *from.a > limit) return Cast::risky;
          return Cast::safe;
        }
        case K::Decimal:
          if (from.a && !to.a) return Cast::safe;
          if (!from.a && to.a) return Cast::risky;
          if (from.a && to.a &&
              (*from.a - from.b.value_or(0) > *to.a - to.b.value_or(0) || from.b.value_or(0) > to.b.value_or(0)))
            return Cast::risky;
          return Cast::safe;
        case K::Real:
        case K::DoublePrecision: return Cast::risky;
        case K::VarChar:
        case K::Char:
          if (to.a && from.a && from.b.value_or(0) == 0 && *from.a + 1 > *to.a) return Cast::risky;
          if (to.a && from.a && from.b.value_or(0) > 0 && *from.a + 2 > *to.a) return Cast::risky;
          if (to.a && !from.a && *to.a < 131073) return Cast::risky;
          if (!to.a && is_char(to)) return Cast::risky;
          return Cast::safe;
        case K::Text: return Cast::safe;
        default: return Cast::impossible;
      }
    case K::Real:
    case K::DoublePrecision:
      switch (to.known) {
        case K::SmallInt:
        case K::Integer:
        case K::BigInt:
        case K::Decimal: return Cast::risky;
        case K::Real: return from.known == K::Real ? Cast::safe : Cast::risky;
        case K::DoublePrecision:
        case K::Text: return Cast::safe;
        case K::VarChar:
        case K::Char: {
          int chars = from.known == K::Real ? 47 : 317;
          if (to.a && *to.a < chars) return Cast::risky;
          if (!to.a && is_char(to)) return Cast::risky;
          return Cast::safe;
        }
        default: return Cast::impossible;
      }
    case K::VarChar:
    case K::Char:
      if (to.known == K::Text) return Cast::safe;
      if (!is_text_like(to)) return Cast::impossible;
      if (from.known == K::VarChar && !from.a && !to.a && is_char(to)) return Cast::risky;
      if (from.known == K::VarChar && !from.a && to.a) return Cast::risky;
      if (from.known == K::Char && !from.a) return Cast::safe;
      if (from.a == 1 && !to.a) return Cast::safe;
      if (from.a && !to.a) return is_char(to) ? Cast::risky : Cast::safe;
      if (from.a && to.a && *from.a > *to.a) return Cast::risky;
      return Cast::safe;
    case K::Text:
      if (to.known == K::Text || (to.known == K::VarChar && !to.a) || to.known == K::Citext) return Cast::safe;
      return is_text_like(to) ? Cast::risky : Cast::impossible;
    case K::ByteA:
      if (to.known == K::Text || (to.known == K::VarChar && !to.a)) return Cast::safe;
      return is_text_like(to) && to.a && *to.a > 2 ? Cast::risky : Cast::impossible;
    case K::Timestamp:
    case K::Timestamptz:
    case K::Time:
    case K::Timetz: {
      if (auto same = same_precision_family(from, to)) return *same;
      int chars = from.known == K::Timestamp ? 22 : from.known == K::Timestamptz ? 27 : from.known == K::Time ? 13 : 18;
      if (to.known == K::Text || (to.known == K::VarChar && !to.a)) return Cast::safe;
      if (is_text_like(to) && to.a && *to.a > chars) return Cast::safe;
      bool stamp = from.known == K::Timestamp || from.known == K::Timestamptz;
      if (stamp && (to.known == K::Timestamp || to.known == K::Timestamptz || to.known == K::Date ||
                    to.known == K::Time || to.known == K::Timetz))
        return Cast::safe;
      if (from.known == K::Time && to.known == K::Timetz) return Cast::safe;
      if (from.known == K::Timetz && (to.known == K::Timetz || to.known == K::Time)) return Cast::safe;
      if (from.known == K::Time && to.known == K::Time) return Cast::safe;
      return Cast::impossible;
    }
    case K::Date:
      if (to.known == K::Text || (to.known == K::VarChar && !to.a)) return Cast::safe;
      if (is_text_like(to) && to.a && *to.a > 27) return Cast::safe;
      return to.known == K::Timestamp || to.known == K::Timestamptz ? Cast::safe : Cast::impossible;
    case K::Boolean:
      if (to.known == K::Text || to.known == K::VarChar) return Cast::safe;
      if (is_char(to) && to.a && *to.a > 4) return Cast::safe;
      if (is_char(to) && to.a && *to.a > 3) return Cast::risky;
      return Cast::impossible;
    case K::Bit:
      if (!from.a || *from.a == 1) {
        // Bit without a length is bit(1).
        if (to.known == K::Text || to.known == K::VarChar || to.known == K::Char || to.known == K::VarBit)
          return Cast::safe;
      }
      if (to.known == K::Text || (to.known == K::VarChar && !to.a) || (to.known == K::VarBit && !to.a))
        return Cast::safe;
      if ((to.known == K::VarChar || to.known == K::VarBit || to.known == K::Char) && to.a && from.a &&
          *to.a >= *from.a)
        return Cast::safe;
      return Cast::impossible;
    case K::VarBit:
      if (!from.a) {
        if (to.known == K::Text || (to.known == K::VarChar && !to.a)) return Cast::safe;
        return is_text_like(to) || to.known == K::Bit ? Cast::risky : Cast::impossible;
      }
      if (to.known == K::Text || (to.known == K::VarChar && !to.a) || (to.known == K::VarBit && !to.a))
        return Cast::safe;
      if (to.known == K::VarBit && to.a && *to.a > *from.a) return Cast::safe;
      if (is_text_like(to) && to.a && *to.a >= *from.a) return Cast::safe;
      if (to.known == K::Bit && (!to.a || *to.a <= *from.a)) return Cast::risky;
      return is_text_like(to) ? Cast::risky : Cast::impossible;
    case K::Uuid:
      if (to.known == K::Text || (to.known == K::VarChar && !to.a)) return Cast::safe;
      return is_text_like(to) && to.a && *to.a > 31 ? Cast::safe : Cast::impossible;
    case K::Xml:
    case K::Json:
    case K::JsonB:
      if (to.known == K::Text || (to.known == K::VarChar && !to.a)) return Cast::safe;
      if ((from.known == K::Json && to.known == K::JsonB) || (from.known == K::JsonB && to.known == K::Json))
        return Cast::safe;
      return is_text_like(to) ? Cast::risky : Cast::impossible;
  }
  return Cast::impossible;
}

}  // namespace pgkit::catalog::detail
