// @default (parser-database's attributes/default.rs and psl-core's default_value.rs): which
// functions fit which scalar type, literals of the field's type (JSON that parses, base64 for
// Bytes, RFC 3339 for DateTime, integers for Int and BigInt), enum values, and lists for list
// fields. dbgenerated() fits every type.
#include <charconv>

#include <fmt/format.h>

#include "schema/resolve.hpp"

namespace pgkit::schema {
namespace detail {
namespace {

class DefaultReader {
 public:
  DefaultReader(Context& ctx, std::size_t m, std::size_t f)
      : ctx_(ctx), file_(ctx.models[m].file), field_(ctx.schema.models[m].fields[f]) {}

  void run(const ast::Attribute& attr) {
    attr_ = attr.span.start;
    Args args(ctx_, file_, attr, {"value", "map"});
    const ast::Expression* value = args.take_default("value");
    std::string map;
    if (const ast::Expression* e = args.take("map")) {
      if (auto s = expect_string(ctx_, file_, *e, "@default's map")) map = *s;
    }
    args.finish();
    if (!value) return;
    std::optional<DefaultValue> out = read(*value, map);
    if (!out) return;
    out->map = map;
    field_.default_value = std::move(out);
  }

 private:
  Context& ctx_;
  std::uint32_t file_;
  Field& field_;
  std::uint32_t attr_ = 0;  // where @default starts: Prisma reports type mismatches there

  std::string type_name() const {
    switch (field_.type.kind) {
      case FieldType::Kind::scalar: return to_string(field_.type.scalar);
      case FieldType::Kind::enumeration: return field_.type.name;
      default: return fmt::format("Unsupported(\"{}\")", field_.type.name);
    }
  }

  // A value that does not fit the field: reported at @default, as Prisma does.
  void error(const ast::Expression&, std::string message) { ctx_.error(file_, attr_, std::move(message)); }
  // A value of the right kind that does not parse (JSON, base64, …) or an unknown function:
  // reported at the value.
  void value_error(const ast::Expression& at, std::string message) {
    ctx_.error(file_, at.span.start, std::move(message));
  }

  std::optional<DefaultValue> read(const ast::Expression& v, const std::string& map) {
    if (v.kind == ast::Expression::Kind::function && v.raw == "dbgenerated") return dbgenerated(v);
    if (field_.type.kind == FieldType::Kind::unsupported) {
      error(v, "an Unsupported field takes only @default(dbgenerated(\"SQL expression\"))");
      return std::nullopt;
    }
    if (v.kind == ast::Expression::Kind::function) return function(v, map);
    if (field_.type.kind == FieldType::Kind::enumeration) return enum_default(v);
    if (field_.arity == Arity::list) {
      if (v.kind != ast::Expression::Kind::array) {
        error(v, fmt::format("{} is a list, so its default is a list: @default([{}])", backquoted(field_.name), v.raw));
        return std::nullopt;
      }
      DefaultValue out{.kind = DefaultValue::Kind::list};
      for (const auto& item : v.items) {
        auto one = literal(item);
        if (!one) return std::nullopt;
        out.items.push_back(std::move(*one));
      }
      return out;
    }
    if (v.kind == ast::Expression::Kind::array) {
      error(v, fmt::format("{} is not a list, so its default cannot be one: give a single {}", backquoted(field_.name),
                           type_name()));
      return std::nullopt;
    }
    return literal(v);
  }

  std::optional<DefaultValue> dbgenerated(const ast::Expression& v) {
    DefaultValue out{.kind = DefaultValue::Kind::dbgenerated};
    if (v.args.empty()) return out;
    if (v.args.size() > 1 || !v.args[0].name.text.empty() || v.args[0].value.kind != ast::Expression::Kind::string) {
      error(v, "dbgenerated() takes one string, the SQL expression: dbgenerated(\"gen_random_uuid()\")");
      return std::nullopt;
    }
    if (v.args[0].value.value.empty()) {
      value_error(v.args[0].value,
                  "dbgenerated(\"\") is empty: give the SQL expression, or write dbgenerated() for a default "
                  "that only the database knows");
      return std::nullopt;
    }
    out.value = v.args[0].value.value;
    return out;
  }

  // An optional integer argument of uuid(), cuid(), nanoid().
  std::optional<int> int_argument(const ast::Expression& v, std::string_view usage) {
    if (v.args.empty()) return 0;
    long long n = 0;
    const ast::Expression& a = v.args[0].value;
    if (v.args.size() == 1 && v.args[0].name.text.empty() && a.kind == ast::Expression::Kind::number &&
        fits_i64(a.raw) && std::from_chars(a.raw.data(), a.raw.data() + a.raw.size(), n).ec == std::errc() && n >= 0 &&
        n < 1000) {
      return static_cast<int>(n);
    }
    error(v, std::string(usage));
    return std::nullopt;
  }

  bool no_arguments(const ast::Expression& v) {
    if (v.args.empty()) return true;
    error(v, fmt::format("{}() takes no arguments: write @default({}())", v.raw, v.raw));
    return false;
  }

  std::optional<DefaultValue> function(const ast::Expression& v, const std::string& map) {
    const std::string_view name = v.raw;
    const bool scalar = field_.type.kind == FieldType::Kind::scalar;
    const ScalarType t = field_.type.scalar;
    auto wrong_type = [&](std::string_view fits) -> std::optional<DefaultValue> {
      error(v, fmt::format("{}() fits {} fields, and {} is {}: change the default or the field's type", name, fits,
                           backquoted(field_.name), type_name()));
      return std::nullopt;
    };
    if (name == "autoincrement") {
      if (!map.empty()) {
        error(v, "an autoincrement() default cannot be named: remove map:");
        return std::nullopt;
      }
      if (!scalar || (t != ScalarType::Int && t != ScalarType::BigInt)) return wrong_type("Int and BigInt");
      if (!no_arguments(v)) return std::nullopt;
      return DefaultValue{.kind = DefaultValue::Kind::autoincrement};
    }
    if (name == "now") {
      if (!scalar || t != ScalarType::DateTime) return wrong_type("DateTime");
      if (!no_arguments(v)) return std::nullopt;
      return DefaultValue{.kind = DefaultValue::Kind::now};
    }
    if (name == "uuid" || name == "cuid" || name == "nanoid" || name == "ulid") {
      if (!scalar || t != ScalarType::String) return wrong_type("String");
      if (name == "ulid") {
        if (!no_arguments(v)) return std::nullopt;
        return DefaultValue{.kind = DefaultValue::Kind::ulid};
      }
      if (name == "uuid") {
        auto n = int_argument(v, "uuid() takes no argument or the version, 4 or 7: uuid(7)");
        if (!n) return std::nullopt;
        if (*n != 0 && *n != 4 && *n != 7) {
          error(v, "uuid() takes no argument or the version, 4 or 7: uuid(7)");
          return std::nullopt;
        }
        return DefaultValue{.kind = DefaultValue::Kind::uuid, .version = *n == 0 ? 4 : *n};
      }
      if (name == "cuid") {
        auto n = int_argument(v, "cuid() takes no argument or the version, 1 or 2: cuid(2)");
        if (!n) return std::nullopt;
        if (*n != 0 && *n != 1 && *n != 2) {
          error(v, "cuid() takes no argument or the version, 1 or 2: cuid(2)");
          return std::nullopt;
        }
        return DefaultValue{.kind = DefaultValue::Kind::cuid, .version = *n == 0 ? 1 : *n};
      }
      constexpr const char* usage = "nanoid() takes no argument or the length, from 2 to 255: nanoid(12)";
      auto n = int_argument(v, usage);
      if (!n) return std::nullopt;
      if (*n == 1 || *n > 255 || (*n == 0 && !v.args.empty())) {
        error(v, usage);
        return std::nullopt;
      }
      return DefaultValue{.kind = DefaultValue::Kind::nanoid, .length = *n};
    }
    if (name == "sequence") {
      value_error(v,
                  "sequence() is CockroachDB's; on PostgreSQL use autoincrement() (a serial column) or "
                  "dbgenerated(\"nextval('name')\")");
      return std::nullopt;
    }
    if (name == "auto") {
      value_error(v, "auto() is MongoDB's: use autoincrement(), uuid(), cuid() or dbgenerated(\"…\")");
      return std::nullopt;
    }
    value_error(
        v, fmt::format("unknown function {}() in @default: the functions are autoincrement(), now(), uuid(), cuid(), "
                       "nanoid(), ulid() and dbgenerated(\"SQL\")",
                       name));
    return std::nullopt;
  }

  std::optional<DefaultValue> enum_default(const ast::Expression& v) {
    auto it = ctx_.enum_index.find(field_.type.name);
    if (it == ctx_.enum_index.end()) return std::nullopt;
    const Enum& e = ctx_.schema.enums[it->second];
    auto one = [&](const ast::Expression& x) -> std::optional<DefaultValue> {
      if (x.kind != ast::Expression::Kind::constant) {
        error(x, fmt::format("the default of {} must be a value of enum {} (written without quotes), found {} `{}`",
                             backquoted(field_.name), backquoted(e.name), x.describe(), x.raw));
        return std::nullopt;
      }
      for (const auto& value : e.values) {
        if (value.name == x.raw) return DefaultValue{.kind = DefaultValue::Kind::enum_value, .value = value.name};
      }
      std::string values;
      for (const auto& value : e.values) values += (values.empty() ? "" : ", ") + value.name;
      error(x,
            fmt::format("{} is not a value of enum {}: use one of {}", backquoted(x.raw), backquoted(e.name), values));
      return std::nullopt;
    };
    if (field_.arity != Arity::list) {
      if (v.kind == ast::Expression::Kind::array) {
        error(v, fmt::format("{} is not a list, so its default cannot be one", backquoted(field_.name)));
        return std::nullopt;
      }
      return one(v);
    }
    if (v.kind != ast::Expression::Kind::array) {
      error(v, fmt::format("{} is a list, so its default is a list: @default([{}])", backquoted(field_.name), v.raw));
      return std::nullopt;
    }
    DefaultValue out{.kind = DefaultValue::Kind::list};
    for (const auto& item : v.items) {
      auto x = one(item);
      if (!x) return std::nullopt;
      out.items.push_back(std::move(*x));
    }
    return out;
  }

  std::optional<DefaultValue> literal(const ast::Expression& v) {
    const ScalarType t = field_.type.scalar;
    const auto K = v.kind;
    auto mismatch = [&](std::string_view expected) -> std::optional<DefaultValue> {
      error(v, fmt::format("the default of {} ({}) must be {}, found {} `{}`", backquoted(field_.name), to_string(t),
                           expected, v.describe(), v.raw));
      return std::nullopt;
    };
    auto ok = [&](std::string value) {
      return DefaultValue{.kind = DefaultValue::Kind::literal, .value = std::move(value)};
    };
    switch (t) {
      case ScalarType::String:
        if (K != ast::Expression::Kind::string) return mismatch("a string in double quotes");
        return ok(v.value);
      case ScalarType::Boolean:
        if (K != ast::Expression::Kind::constant || (v.raw != "true" && v.raw != "false")) {
          return mismatch("true or false");
        }
        return ok(std::string(v.raw));
      case ScalarType::Int:
      case ScalarType::BigInt:
        if (K != ast::Expression::Kind::number) return mismatch("a whole number");
        if (!fits_i64(v.raw)) {
          value_error(v, fmt::format("{} is not a whole number that fits 64 bits: the default of {} must be one", v.raw,
                                     backquoted(field_.name)));
          return std::nullopt;
        }
        return ok(std::string(v.raw));
      case ScalarType::Float:
        if (K != ast::Expression::Kind::number) return mismatch("a number");
        return ok(std::string(v.raw));
      case ScalarType::Decimal:
        if (K == ast::Expression::Kind::number) return ok(std::string(v.raw));
        if (K != ast::Expression::Kind::string) return mismatch("a number (or a decimal in a string)");
        if (!valid_decimal(v.value)) {
          value_error(v, fmt::format("\"{}\" is not a decimal number: write it as 12.34", v.value));
          return std::nullopt;
        }
        return ok(v.value);
      case ScalarType::DateTime:
        if (K != ast::Expression::Kind::string) return mismatch("now() or an RFC 3339 date-time string");
        if (!valid_rfc3339(v.value)) {
          value_error(
              v, fmt::format("\"{}\" is not an RFC 3339 date-time: write it as \"2024-01-31T12:00:00Z\" (or use now())",
                             v.value));
          return std::nullopt;
        }
        return ok(v.value);
      case ScalarType::Json:
        if (K != ast::Expression::Kind::string) return mismatch("JSON in a string, such as \"{}\"");
        if (!valid_json(v.value)) {
          value_error(
              v, fmt::format("the default of {} is not valid JSON: write JSON inside the string, with inner quotes "
                             "escaped (\"{{\\\"a\\\": 1}}\")",
                             backquoted(field_.name)));
          return std::nullopt;
        }
        return ok(v.value);
      case ScalarType::Bytes:
        if (K != ast::Expression::Kind::string) return mismatch("base64 in a string");
        if (!valid_base64(v.value)) {
          value_error(
              v, fmt::format("\"{}\" is not base64: a Bytes default is written in base64 with = padding", v.value));
          return std::nullopt;
        }
        return ok(v.value);
    }
    return std::nullopt;
  }
};

}  // namespace

void resolve_default(Context& ctx, std::size_t model, std::size_t field, const ast::Attribute& attr) {
  DefaultReader(ctx, model, field).run(attr);
}

}  // namespace detail

bool DefaultValue::in_database() const {
  switch (kind) {
    case Kind::uuid:
    case Kind::cuid:
    case Kind::nanoid:
    case Kind::ulid: return false;
    default: return true;
  }
}

}  // namespace pgkit::schema
