// to_catalog: the database a schema.prisma describes, as Prisma Migrate computes it
// (sql_schema_calculator.rs): one table per model, one column per scalar field, Prisma's
// default types, defaults and constraint names, foreign keys from relations, and a join table
// per implicit many-to-many relation.
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "catalog/native_type.hpp"
#include "catalog/type_text.hpp"
#include "schema/calculate_internal.hpp"

namespace pgkit::schema {
namespace {

using catalog::Type;
using catalog::detail::array_element;
using catalog::detail::sql_literal;

struct NativeSpec {
  const char* prisma;   // @db.<prisma>
  const char* typname;  // pg_type.typname
};

constexpr NativeSpec kNative[] = {
    {"Text", "text"},
    {"VarChar", "varchar"},
    {"Char", "bpchar"},
    {"Uuid", "uuid"},
    {"Citext", "citext"},
    {"Inet", "inet"},
    {"Xml", "xml"},
    {"Bit", "bit"},
    {"VarBit", "varbit"},
    {"SmallInt", "int2"},
    {"Integer", "int4"},
    {"BigInt", "int8"},
    {"Oid", "oid"},
    {"Real", "float4"},
    {"DoublePrecision", "float8"},
    {"Decimal", "numeric"},
    {"Money", "money"},
    {"Timestamp", "timestamp"},
    {"Timestamptz", "timestamptz"},
    {"Date", "date"},
    {"Time", "time"},
    {"Timetz", "timetz"},
    {"Boolean", "bool"},
    {"Json", "json"},
    {"JsonB", "jsonb"},
    {"ByteA", "bytea"},
};

Type builtin(const std::string& typname, std::vector<int> args = {}) {
  Type t;
  t.name = typname;
  t.args = std::move(args);
  return t;
}

// A scalar's type without @db: Prisma's default native types for PostgreSQL.
Type default_type(ScalarType s) {
  switch (s) {
    case ScalarType::String: return builtin("text");
    case ScalarType::Boolean: return builtin("bool");
    case ScalarType::Int: return builtin("int4");
    case ScalarType::BigInt: return builtin("int8");
    case ScalarType::Float: return builtin("float8");
    case ScalarType::Decimal: return builtin("numeric", {65, 30});
    case ScalarType::DateTime: return builtin("timestamp", {3});
    case ScalarType::Json: return builtin("jsonb");
    case ScalarType::Bytes: return builtin("bytea");
  }
  return builtin("text");
}

}  // namespace

namespace detail {

Type column_type(const Schema& schema, const Field& f, const std::string& default_schema) {
  Type t;
  switch (f.type.kind) {
    case FieldType::Kind::enumeration: {
      const Enum* e = schema.enumeration(f.type.name);
      t.schema = e && !e->schema.empty() ? e->schema : default_schema;
      t.name = e ? e->db_name : f.type.name;
      break;
    }
    case FieldType::Kind::unsupported:
      t.schema = "";
      t.name = f.type.name;
      t.sql = f.type.name;
      break;
    default:
      if (f.native_type) {
        const auto* spec = std::find_if(std::begin(kNative), std::end(kNative),
                                        [&](const NativeSpec& n) { return f.native_type->name == n.prisma; });
        t = builtin(spec != std::end(kNative) ? spec->typname : "text");
        for (const auto& a : f.native_type->args) t.args.push_back(std::stoi(a));
        if (t.name == "citext") t.schema = default_schema;  // the extension's schema
      } else {
        t = default_type(f.type.scalar);
      }
  }
  if (f.arity == Arity::list) t.dimensions = 1;
  if (t.sql.empty())
    t.sql = catalog::detail::format_type(t);
  else if (t.dimensions)
    t.sql += "[]";
  return t;
}

}  // namespace detail

namespace {

// Base64 (a Bytes default) → "\x0102…".
std::string base64_to_hex(const std::string& b64) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string hex = "\\x";
  unsigned buffer = 0;
  int bits = 0;
  for (char c : b64) {
    auto pos = kAlphabet.find(c);
    if (pos == std::string::npos) continue;  // '=' padding
    buffer = (buffer << 6) | static_cast<unsigned>(pos);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      hex += fmt::format("{:02x}", (buffer >> bits) & 0xFFu);
    }
  }
  return hex;
}

// An RFC 3339 date-time as Prisma's engine prints it (chrono's Display of a fixed-offset time):
// "2020-01-02T03:04:05.678Z" → "2020-01-02 03:04:05.678 +00:00". Fractions are shown in
// groups of three digits, none when zero.
std::string prisma_datetime(const std::string& text) {
  std::string_view t(text);
  if (t.size() < 19 || (t[10] != 'T' && t[10] != 't' && t[10] != ' ')) return text;
  std::string out(t.substr(0, 10));
  out += ' ';
  out += t.substr(11, 8);
  std::size_t i = 19;
  std::string fraction;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) fraction += t[i++];
  }
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (!fraction.empty()) {
    std::size_t digits = fraction.size() <= 3 ? 3 : fraction.size() <= 6 ? 6 : 9;
    fraction.resize(digits, '0');
    out += '.' + fraction;
  }
  std::string_view zone = t.substr(std::min(i, t.size()));
  if (zone == "Z" || zone == "z")
    out += " +00:00";
  else if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-'))
    out += ' ' + std::string(zone);
  else
    return text;
  return out;
}

struct Literal {
  std::string sql;    // as Prisma renders it in a DEFAULT clause
  std::string value;  // as the describer decodes the server's default
};

Literal literal_default(const Schema& schema, const Field& f, const DefaultValue& d) {
  if (d.kind == DefaultValue::Kind::enum_value) {
    const Enum* e = schema.enumeration(f.type.name);
    std::string db = d.value;
    if (e)
      for (const auto& v : e->values)
        if (v.name == d.value) db = v.db_name;
    return {sql_literal(db), db};
  }
  if (f.type.kind != FieldType::Kind::scalar) return {sql_literal(d.value), d.value};
  switch (f.type.scalar) {
    case ScalarType::String:
    case ScalarType::Json: return {sql_literal(d.value), d.value};
    case ScalarType::DateTime: {
      auto shown = prisma_datetime(d.value);
      return {sql_literal(shown), shown};
    }
    case ScalarType::Bytes: {
      auto hex = base64_to_hex(d.value);
      return {sql_literal(hex), hex};
    }
    default: return {d.value, d.value};  // numbers and booleans as written
  }
}

std::optional<catalog::Default> column_default(const Schema& schema, const Field& f, const catalog::Type& type) {
  if (!f.default_value) return std::nullopt;
  const DefaultValue& d = *f.default_value;
  catalog::Default out;
  switch (d.kind) {
    case DefaultValue::Kind::autoincrement: out.kind = catalog::DefaultKind::sequence; return out;
    case DefaultValue::Kind::now:
      out.kind = catalog::DefaultKind::now;
      out.expression = "CURRENT_TIMESTAMP";
      return out;
    case DefaultValue::Kind::dbgenerated:
      out.kind = catalog::DefaultKind::expression;
      out.expression = d.value;
      return out;
    case DefaultValue::Kind::literal:
    case DefaultValue::Kind::enum_value: {
      auto lit = literal_default(schema, f, d);
      out.kind = catalog::DefaultKind::value;
      out.expression = lit.sql, out.value = lit.value;
      return out;
    }
    case DefaultValue::Kind::list: {
      std::vector<std::string> sql, values;
      for (const auto& item : d.items) {
        auto lit = literal_default(schema, f, item);
        sql.push_back(lit.sql);
        values.push_back(array_element(lit.value));
      }
      bool is_enum = f.type.kind == FieldType::Kind::enumeration;
      std::string element_type =
          catalog::detail::prisma_type(type, false, is_enum ? fmt::format("\"{}\"", type.name) : std::string());
      out.kind = catalog::DefaultKind::value;
      out.expression = fmt::format("ARRAY[{}]::{}", fmt::join(sql, ", "), element_type);
      out.value = fmt::format("{{{}}}", fmt::join(values, ","));
      return out;
    }
    default: return std::nullopt;  // uuid(), cuid(), nanoid(), ulid(): the client fills them in
  }
}

}  // namespace

catalog::Catalog to_catalog(const Schema& schema) { return detail::calculate(schema, schema.default_schema()); }

catalog::Catalog to_catalog(const Schema& schema, const std::string& default_schema) {
  return detail::calculate(schema, default_schema.empty() ? schema.default_schema() : default_schema);
}

namespace detail {

catalog::Column column_for(const Schema& schema, const Field& f, const std::string& default_schema) {
  catalog::Column c;
  c.name = f.db_name;
  c.type = column_type(schema, f, default_schema);
  c.not_null = f.arity == Arity::required;
  c.default_value = column_default(schema, f, c.type);
  return c;
}

}  // namespace detail

}  // namespace pgkit::schema
