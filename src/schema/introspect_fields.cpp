// introspect(), scalar fields: a column's Prisma type and native type as Prisma's PostgreSQL
// describer maps them (get_column_type_family in sql-schema-describer/postgres.rs; the native
// type left out when it is the scalar's default, psl's Postgres connector), and its default
// (introspection_pair/default.rs, rendering/defaults.rs).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "schema/introspect_internal.hpp"

namespace pgkit::schema::detail::introspection {
namespace {

ColumnType scalar(ScalarType s, std::string native = {}) {
  return {.kind = ColumnType::Kind::scalar, .scalar = s, .native = std::move(native)};
}

std::string args_text(const std::vector<int>& args) {
  return args.empty() ? std::string() : fmt::format("({})", fmt::join(args, ", "));
}

// Unsupported("…"): the type's name as the catalog knows it (information_schema's udt_name),
// or, when the server spells it with modifiers or words ("geometry(Point,4326)",
// "interval(3)"), that spelling without its schema, so the type round-trips.
std::string unsupported_text(const catalog::Type& t) {
  std::string base = t.sql.empty() ? t.name : t.sql;
  while (base.size() >= 2 && base.ends_with("[]")) base.resize(base.size() - 2);
  if (!t.schema.empty() && !t.builtin()) {
    std::string prefix = catalog::quote_ident(t.schema) + ".";
    if (base.starts_with(prefix)) base = base.substr(prefix.size());
  }
  if (base == t.name || base == catalog::quote_ident(t.name)) return t.name;
  return base;
}

// Two spellings of a type that differ at most in case, spaces and quotes.
std::string loose(std::string_view s) {
  std::string out;
  for (char c : s)
    if (!std::isspace(static_cast<unsigned char>(c)) && c != '"')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A time type's precision as Prisma reads it: information_schema's datetime_precision (6 when
// the column has none) for a scalar, the formatted type's for a list (none when absent).
std::string time_native(const std::string& name, const catalog::Type& t) {
  std::optional<int> precision;
  if (!t.args.empty())
    precision = t.args[0];
  else if (t.dimensions == 0)
    precision = 6;
  if (name == "Timestamp" && precision == 3) return "";  // DateTime's default, Timestamp(3)
  return precision ? fmt::format("{}({})", name, *precision) : name;
}

// PostgreSQL's array output syntax ("{a,\"b c\",NULL}") read into elements; nullopt for a
// NULL element's place is kept as std::nullopt.
std::vector<std::optional<std::string>> array_elements(std::string_view text) {
  std::vector<std::optional<std::string>> out;
  if (text.size() < 2 || text.front() != '{' || text.back() != '}') return out;
  text = text.substr(1, text.size() - 2);
  std::size_t i = 0;
  while (i < text.size()) {
    std::string value;
    bool quoted_value = false;
    if (text[i] == '"') {
      quoted_value = true;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value += text[i];
      }
      ++i;  // the closing quote
    } else {
      while (i < text.size() && text[i] != ',') value += text[i++];
    }
    std::string lowered = value;
    std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!quoted_value && lowered == "null")
      out.emplace_back(std::nullopt);
    else
      out.emplace_back(std::move(value));
    if (i < text.size() && text[i] == ',') ++i;
  }
  return out;
}

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned n = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int s : {18, 12, 6, 0}) out += kAlphabet[(n >> s) & 63];
  }
  if (i < bytes.size()) {
    unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// "\x0102" (bytea's hex output) → its bytes.
std::string hex_bytes(std::string_view hex) {
  std::string out;
  if (hex.starts_with("\\x")) hex.remove_prefix(2);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}

std::string dbgenerated(std::string_view expression) {
  // An expression of nothing but NUL characters is written dbgenerated().
  bool blank = std::all_of(expression.begin(), expression.end(), [](char c) { return c == '\0'; });
  return blank ? "@default(dbgenerated())" : fmt::format("@default(dbgenerated({}))", psl_string(expression));
}

// A date-time value as the schema writes it (RFC 3339): "2020-01-02 03:04:05.678 +00:00", as a
// calculated catalog holds it, → "2020-01-02T03:04:05.678+00:00". nullopt for anything else
// (a database's date-time defaults are expressions: Prisma's describer reads no values).
std::optional<std::string> rfc3339(std::string_view v) {
  auto digits = [&](std::size_t at, std::size_t n) {
    return at + n <= v.size() &&
           std::all_of(v.begin() + static_cast<std::ptrdiff_t>(at), v.begin() + static_cast<std::ptrdiff_t>(at + n),
                       [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(0, 4) || v.size() < 19 || v[4] != '-' || v[7] != '-' || (v[10] != ' ' && v[10] != 'T'))
    return std::nullopt;
  std::string out(v.substr(0, 10));
  out += 'T';
  std::size_t i = 11;
  while (i < v.size() && v[i] != ' ' && v[i] != '+' && v[i] != '-' && v[i] != 'Z') out += v[i++];
  while (i < v.size() && v[i] == ' ') ++i;
  std::string_view zone = v.substr(i);
  if (zone == "+00:00" || zone == "Z") return out + "Z";
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') return out + std::string(zone);
  return std::nullopt;
}

// One literal value as a default of a field of this type: text quoted, numbers and booleans
// as they are, an enum value by its schema name. nullopt when it cannot be written so.
std::optional<std::string> literal(const ColumnType& type, const std::string& value) {
  if (type.kind == ColumnType::Kind::enumeration) {
    const auto& values = type.enumeration->sql->values;
    auto it = std::find(values.begin(), values.end(), value);
    if (it == values.end()) return std::nullopt;
    const Name& n = type.enumeration->values[static_cast<std::size_t>(it - values.begin())];
    if (n.name.empty()) return std::nullopt;
    return n.name;
  }
  if (type.kind != ColumnType::Kind::scalar) return std::nullopt;
  switch (type.scalar) {
    case ScalarType::String:
    case ScalarType::Json: return psl_string(value);
    case ScalarType::DateTime: {
      auto written = rfc3339(value);
      return written ? std::optional<std::string>(psl_string(*written)) : std::nullopt;
    }
    case ScalarType::Bytes: return psl_string(base64(hex_bytes(value)));
    default: return value;
  }
}

// A default the client fills in, kept from the previous schema for a text column that has no
// default in the database: uuid(), cuid(), nanoid(), ulid(), with the version or length it
// was written with.
std::string client_default(const Context& ctx, const Field& field) {
  const DefaultValue& d = *field.default_value;
  // The parser fills in the default version (uuid 4, cuid 1): written out, Prisma keeps it.
  auto written = [&](std::string_view call) {
    std::string_view line = source_line(*ctx.previous, field.where);
    std::string compact;
    for (char c : line)
      if (c != ' ' && c != '\t') compact += c;
    return compact.find(call) != std::string::npos;
  };
  switch (d.kind) {
    case DefaultValue::Kind::uuid:
      return d.version && (d.version != 4 || written("uuid(4)")) ? fmt::format("uuid({})", d.version) : "uuid()";
    case DefaultValue::Kind::cuid:
      return d.version && (d.version != 1 || written("cuid(1)")) ? fmt::format("cuid({})", d.version) : "cuid()";
    case DefaultValue::Kind::nanoid: return d.length ? fmt::format("nanoid({})", d.length) : "nanoid()";
    case DefaultValue::Kind::ulid: return "ulid()";
    default: return "";
  }
}

}  // namespace

ColumnType column_type(const Context& ctx, const catalog::Column& column, const Field* previous) {
  const catalog::Type& t = column.type;
  if (const Enum* e = ctx.enum_of(t)) return {.kind = ColumnType::Kind::enumeration, .enumeration = e};
  if (t.name == "citext") return scalar(ScalarType::String, "Citext");  // in the extension's schema
  if (t.builtin()) {
    const std::string& n = t.name;
    if (n == "int2") return scalar(ScalarType::Int, "SmallInt");
    if (n == "int4") return scalar(ScalarType::Int);
    if (n == "int8") return scalar(ScalarType::BigInt);
    if (n == "oid") return scalar(ScalarType::Int, "Oid");
    if (n == "float4") return scalar(ScalarType::Float, "Real");
    if (n == "float8") return scalar(ScalarType::Float);
    if (n == "bool") return scalar(ScalarType::Boolean);
    if (n == "text") return scalar(ScalarType::String);
    if (n == "varchar") return scalar(ScalarType::String, "VarChar" + args_text(t.args));
    if (n == "bpchar") return scalar(ScalarType::String, "Char" + args_text(t.args));
    if (n == "char") return scalar(ScalarType::String, "Char");
    if (n == "date") return scalar(ScalarType::DateTime, "Date");
    if (n == "bytea") return scalar(ScalarType::Bytes);
    if (n == "json") return scalar(ScalarType::Json, "Json");
    if (n == "jsonb") return scalar(ScalarType::Json);
    if (n == "xml") return scalar(ScalarType::String, "Xml");
    if (n == "bit") return scalar(ScalarType::String, "Bit" + args_text(t.args));
    if (n == "varbit") return scalar(ScalarType::String, "VarBit" + args_text(t.args));
    if (n == "money") return scalar(ScalarType::Decimal, "Money");
    if (n == "inet") return scalar(ScalarType::String, "Inet");
    if (n == "uuid") {
      ColumnType u = scalar(ScalarType::String, "Uuid");
      u.uuid = true;
      return u;
    }
    if (n == "numeric") {
      if (t.args.size() == 2 && t.args[0] == 65 && t.args[1] == 30) return scalar(ScalarType::Decimal);
      return scalar(ScalarType::Decimal, t.args.size() == 2 ? "Decimal" + args_text(t.args) : "Decimal");
    }
    if (n == "time") return scalar(ScalarType::DateTime, time_native("Time", t));
    if (n == "timetz") return scalar(ScalarType::DateTime, time_native("Timetz", t));
    if (n == "timestamp") return scalar(ScalarType::DateTime, time_native("Timestamp", t));
    if (n == "timestamptz") return scalar(ScalarType::DateTime, time_native("Timestamptz", t));
  }
  ColumnType u{.kind = ColumnType::Kind::unsupported, .unsupported = unsupported_text(t)};
  // Re-introspection keeps the user's spelling of the same type ("geometry(Point, 4326)").
  if (previous && previous->type.kind == FieldType::Kind::unsupported &&
      loose(previous->type.name) == loose(u.unsupported))
    u.unsupported = previous->type.name;
  return u;
}

std::string field_type_text(const ColumnType& type, const catalog::Column& column) {
  std::string out;
  switch (type.kind) {
    case ColumnType::Kind::scalar: out = to_string(type.scalar); break;
    case ColumnType::Kind::enumeration: out = type.enumeration->name.name; break;
    case ColumnType::Kind::unsupported: out = fmt::format("Unsupported({})", psl_string(type.unsupported)); break;
  }
  if (column.type.dimensions > 0) return out + "[]";
  return column.not_null ? out : out + "?";
}

std::string default_attribute(const Context& ctx, const catalog::Column& column, const ColumnType& type,
                              const Field* previous) {
  const auto& d = column.default_value;
  bool integer =
      type.kind == ColumnType::Kind::scalar && (type.scalar == ScalarType::Int || type.scalar == ScalarType::BigInt);
  bool autoincrement = column.identity.has_value() || (d && d->kind == catalog::DefaultKind::sequence);
  if ((integer && autoincrement) || (d && d->kind == catalog::DefaultKind::sequence))
    return "@default(autoincrement())";
  // A generated column's expression is where PostgreSQL keeps a default: Prisma reads it as one.
  if (!column.generated.empty()) return dbgenerated(column.generated);
  if (!d) {
    bool text = type.kind == ColumnType::Kind::scalar && type.scalar == ScalarType::String;
    if (text && previous && previous->default_value) {
      std::string client = client_default(ctx, *previous);
      if (!client.empty()) return fmt::format("@default({})", client);
    }
    return "";
  }
  switch (d->kind) {
    case catalog::DefaultKind::sequence: return "@default(autoincrement())";
    case catalog::DefaultKind::now:
      return type.kind == ColumnType::Kind::scalar && type.scalar == ScalarType::DateTime ? "@default(now())" : "";
    case catalog::DefaultKind::expression: {
      // A NULL default is no default (Prisma's describer reads none).
      auto first = d->expression.find_first_not_of(" \t\n\r(");
      if (first != std::string::npos && d->expression.compare(first, 4, "NULL") == 0) return "";
      return dbgenerated(d->expression);
    }
    case catalog::DefaultKind::value: break;
  }
  if (column.type.dimensions > 0) {
    std::vector<std::string> items;
    for (const auto& element : array_elements(d->value)) {
      if (!element) {
        items.emplace_back("null");
        continue;
      }
      auto item = literal(type, *element);
      if (!item) return dbgenerated(d->expression);
      items.push_back(std::move(*item));
    }
    return fmt::format("@default([{}])", fmt::join(items, ", "));
  }
  if (type.kind == ColumnType::Kind::enumeration) {
    auto item = literal(type, d->value);
    if (item) return fmt::format("@default({})", *item);
    // A value whose name could not be sanitized: the database's value, as an expression.
    const auto& values = type.enumeration->sql->values;
    auto it = std::find(values.begin(), values.end(), d->value);
    if (it != values.end())
      return dbgenerated(type.enumeration->values[static_cast<std::size_t>(it - values.begin())].mapped);
    return dbgenerated(d->expression);
  }
  auto item = literal(type, d->value);
  return item ? fmt::format("@default({})", *item) : dbgenerated(d->expression);
}

}  // namespace pgkit::schema::detail::introspection
