// PostgreSQL native types (`@db.VarChar(255)`), as Prisma's Postgres connector defines them
// (psl-core's postgres_datamodel_connector/native_types.rs): the name, how many arguments it
// takes, and the one Prisma scalar it fits; then the argument ranges the connector checks.
#include <array>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "schema/resolve.hpp"

namespace pgkit::schema::detail {
namespace {

struct NativeSpec {
  std::string_view name;
  int max_args;  // all arguments are optional
  ScalarType scalar;
};

constexpr std::array<NativeSpec, 26> kNativeTypes = {{
    {"SmallInt", 0, ScalarType::Int},
    {"Integer", 0, ScalarType::Int},
    {"BigInt", 0, ScalarType::BigInt},
    {"Decimal", 2, ScalarType::Decimal},
    {"Money", 0, ScalarType::Decimal},
    {"Inet", 0, ScalarType::String},
    {"Oid", 0, ScalarType::Int},
    {"Citext", 0, ScalarType::String},
    {"Real", 0, ScalarType::Float},
    {"DoublePrecision", 0, ScalarType::Float},
    {"VarChar", 1, ScalarType::String},
    {"Char", 1, ScalarType::String},
    {"Text", 0, ScalarType::String},
    {"ByteA", 0, ScalarType::Bytes},
    {"Timestamp", 1, ScalarType::DateTime},
    {"Timestamptz", 1, ScalarType::DateTime},
    {"Date", 0, ScalarType::DateTime},
    {"Time", 1, ScalarType::DateTime},
    {"Timetz", 1, ScalarType::DateTime},
    {"Boolean", 0, ScalarType::Boolean},
    {"Bit", 1, ScalarType::String},
    {"VarBit", 1, ScalarType::String},
    {"Uuid", 0, ScalarType::String},
    {"Xml", 0, ScalarType::String},
    {"Json", 0, ScalarType::Json},
    {"JsonB", 0, ScalarType::Json},
}};

const NativeSpec* find_native(std::string_view name) {
  for (const auto& n : kNativeTypes) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

std::string natives_for(ScalarType t) {
  std::string out;
  for (const auto& n : kNativeTypes) {
    if (n.scalar != t) continue;
    if (!out.empty()) out += ", ";
    out += n.name;
  }
  return out;
}

bool parse_count(std::string_view s, unsigned& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

// The range rules of the Postgres connector (validate_native_type_arguments), and PostgreSQL's
// own (a zero-length varchar or char does not exist). "" when the arguments are fine.
std::string range_problem(std::string_view name, const std::vector<unsigned>& a) {
  if (name == "Decimal" && a.size() == 2) {
    if (a[1] > a[0])
      return fmt::format("the scale ({}) is larger than the precision ({}): make it at most {}", a[1], a[0], a[0]);
    if (a[0] == 0 || a[0] > 1000) return "the precision must be between 1 and 1000";
  }
  if ((name == "Bit" || name == "VarBit" || name == "VarChar" || name == "Char") && a.size() == 1 && a[0] == 0) {
    return "the length must be at least 1";
  }
  if ((name == "Timestamp" || name == "Timestamptz" || name == "Time" || name == "Timetz") && a.size() == 1 &&
      a[0] > 6) {
    return "the precision (fractional second digits) must be between 0 and 6";
  }
  return "";
}

}  // namespace

void resolve_native_type(Context& ctx, std::size_t model, std::size_t field, const ast::Attribute& attr) {
  const std::uint32_t file = ctx.models[model].file;
  Field& f = ctx.schema.models[model].fields[field];
  const std::string_view full = attr.name.text;
  const auto dot = full.find('.');
  const std::string_view prefix = full.substr(0, dot), name = full.substr(dot + 1);
  const std::uint32_t at = attr.span.start;
  if (prefix != ctx.datasource_name) {
    ctx.error(file, at,
              fmt::format("native types are written with the datasource's name, {}: write @{}.{}",
                          backquoted(ctx.datasource_name), ctx.datasource_name, name));
    return;
  }
  const NativeSpec* spec = find_native(name);
  if (!spec) {
    std::string hint;
    for (const auto& n : kNativeTypes) {
      if (n.name.size() == name.size() && std::equal(n.name.begin(), n.name.end(), name.begin(), [](char x, char y) {
            return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
          })) {
        hint = fmt::format(" — did you mean @{}.{}?", prefix, n.name);
      }
    }
    if (hint.empty())
      hint = fmt::format("; for {} the types are {}", to_string(f.type.scalar), natives_for(f.type.scalar));
    ctx.error(file, at, fmt::format("unknown PostgreSQL native type {}{}", backquoted(name), hint));
    return;
  }
  const auto& args = attr.args.args;
  if (static_cast<int>(args.size()) > spec->max_args) {
    ctx.error(file, at,
              spec->max_args == 0
                  ? fmt::format("@{}.{} takes no arguments: remove the parentheses' contents", prefix, spec->name)
                  : fmt::format("@{}.{} takes at most {} argument{}, and {} are given", prefix, spec->name,
                                spec->max_args, spec->max_args == 1 ? "" : "s", args.size()));
    return;
  }
  if (spec->name == "Decimal" && args.size() == 1) {
    ctx.error(file, at,
              fmt::format("@{}.Decimal takes no arguments or two, the precision and the scale: "
                          "@{}.Decimal(10, 2)",
                          prefix, prefix));
    return;
  }
  if (spec->scalar != f.type.scalar) {
    ctx.error(file, at,
              fmt::format("@{}.{} fits {} fields, and {} is {}: use a {} native type ({}) or make the field {}", prefix,
                          spec->name, to_string(spec->scalar), backquoted(f.name), to_string(f.type.scalar),
                          to_string(f.type.scalar), natives_for(f.type.scalar), to_string(spec->scalar)));
    return;
  }
  NativeType nt{.name = std::string(spec->name), .args = {}};
  std::vector<unsigned> numbers;
  for (const auto& arg : args) {
    unsigned n = 0;
    if (!arg.name.text.empty() || arg.value.kind != ast::Expression::Kind::number || !parse_count(arg.value.raw, n)) {
      ctx.error(file, at,
                fmt::format("the arguments of @{}.{} are whole numbers of zero or more, found `{}`", prefix, spec->name,
                            arg.value.raw));
      return;
    }
    numbers.push_back(n);
    nt.args.emplace_back(arg.value.raw);
  }
  if (std::string problem = range_problem(spec->name, numbers); !problem.empty()) {
    ctx.error(file, at, fmt::format("@{}.{}: {}", prefix, spec->name, problem));
    return;
  }
  f.native_type = std::move(nt);
}

void check_unsupported_type(Context& ctx, std::size_t model, std::size_t field) {
  const Field& f = ctx.schema.models[model].fields[field];
  std::string_view text = f.type.name;
  auto trim = [](std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    return s;
  };
  const auto open = text.find('(');
  const std::string_view prefix = trim(text.substr(0, open));
  const NativeSpec* spec = find_native(prefix);
  if (!spec) return;
  std::vector<unsigned> numbers;
  if (open != std::string_view::npos) {
    const auto close = text.find(')', open);
    if (close == std::string_view::npos || !trim(text.substr(close + 1)).empty()) return;
    std::string_view params = text.substr(open + 1, close - open - 1);
    while (true) {
      const auto comma = params.find(',');
      unsigned n = 0;
      if (!parse_count(trim(params.substr(0, comma)), n)) return;
      numbers.push_back(n);
      if (comma == std::string_view::npos) break;
      params.remove_prefix(comma + 1);
    }
  }
  if (static_cast<int>(numbers.size()) > spec->max_args || (spec->name == "Decimal" && numbers.size() == 1)) return;
  ctx.error(ctx.models[model].file, ctx.models[model].fields[field].ast->type->span.start,
            fmt::format("Unsupported(\"{}\") is a type Prisma supports: write `{} {} @{}.{}`", f.type.name, f.name,
                        to_string(spec->scalar), ctx.datasource_name, text));
}

bool native_type_is_xml(const Field& f) { return f.native_type && f.native_type->name == "Xml"; }

}  // namespace pgkit::schema::detail
