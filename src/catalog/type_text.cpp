// format_type()'s spelling of a type, both ways. The special cases are those of
// format_type_extended() in PostgreSQL's format_type.c; everything else is the type's name,
// quoted as needed, qualified unless in pg_catalog.
#include "catalog/type_text.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>

#include "catalog/sql_lex.hpp"

namespace pgkit::catalog::detail {
namespace {

// Builtin types format_type() spells in SQL's words, with their modifiers between a prefix
// and a suffix: "timestamp" "(3)" " without time zone".
struct Spelling {
  std::string_view typname;
  std::string_view prefix;
  std::string_view suffix;
  bool takes_args;
};
constexpr std::array<Spelling, 16> kSpellings = {{
    {"int2", "smallint", "", false},
    {"int4", "integer", "", false},
    {"int8", "bigint", "", false},
    {"float4", "real", "", false},
    {"float8", "double precision", "", false},
    {"bool", "boolean", "", false},
    {"varchar", "character varying", "", true},
    {"bpchar", "character", "", true},  // without a length it is "bpchar": see format_type
    {"varbit", "bit varying", "", true},
    {"bit", "bit", "", true},  // without a length it is "\"bit\"": see format_type
    {"numeric", "numeric", "", true},
    {"timestamp", "timestamp", " without time zone", true},
    {"timestamptz", "timestamp", " with time zone", true},
    {"time", "time", " without time zone", true},
    {"timetz", "time", " with time zone", true},
    {"interval", "interval", "", true},
}};

// interval's fields as its typmodout prints them, before the precision.
constexpr std::array<std::string_view, 13> kIntervalFields = {" year",
                                                              " month",
                                                              " day",
                                                              " hour",
                                                              " minute",
                                                              " second",
                                                              " year to month",
                                                              " day to hour",
                                                              " day to minute",
                                                              " day to second",
                                                              " hour to minute",
                                                              " hour to second",
                                                              " minute to second"};

const Spelling* spelling_of(std::string_view typname) {
  for (const auto& s : kSpellings)
    if (s.typname == typname) return &s;
  return nullptr;
}

std::string args_text(const std::vector<int>& args) {
  return args.empty() ? std::string() : fmt::format("({})", fmt::join(args, ","));
}

// "(10,2)" at the start of text → {10, 2} and its length; nullopt when text holds no such list
// of integers.
std::optional<std::pair<std::vector<int>, std::size_t>> read_args(std::string_view text) {
  if (text.empty() || text.front() != '(') return std::nullopt;
  auto close = text.find(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::vector<int> args;
  for (auto part : split_top_level(text.substr(1, close - 1), ",")) {
    part = trim(part);
    if (part.empty() || part.size() > 9) return std::nullopt;  // an int, never out of range
    std::size_t i = part.front() == '-' ? 1 : 0;
    if (i == part.size()) return std::nullopt;
    for (std::size_t j = i; j < part.size(); ++j)
      if (part[j] < '0' || part[j] > '9') return std::nullopt;
    args.push_back(std::stoi(std::string(part)));
  }
  return std::make_pair(std::move(args), close + 1);
}

// A builtin type in SQL's words, or nullopt.
std::optional<Type> read_spelled(std::string_view text) {
  if (text == "bpchar") return Type{.name = "bpchar"};
  if (text == "\"bit\"") return Type{.name = "bit"};
  for (const auto& s : kSpellings) {
    if (!text.starts_with(s.prefix)) continue;
    auto rest = text.substr(s.prefix.size());
    Type t{.name = std::string(s.typname)};
    if (s.typname == "interval") {  // interval [fields] [(p)]
      auto open = rest.find('(');
      auto fields = rest.substr(0, open);
      if (!fields.empty() && std::find(kIntervalFields.begin(), kIntervalFields.end(), fields) == kIntervalFields.end())
        continue;
      rest.remove_prefix(fields.size());
    }
    if (s.takes_args) {
      if (auto args = read_args(rest)) {
        t.args = std::move(args->first);
        rest.remove_prefix(args->second);
      }
    }
    if (rest == s.suffix) return t;
  }
  return std::nullopt;
}

}  // namespace

std::string format_type(const Type& type) {
  std::string text;
  const Spelling* s = type.builtin() ? spelling_of(type.name) : nullptr;
  if (s && type.name == "bpchar" && type.args.empty()) {
    text = "bpchar";  // character without a length would mean character(1)
  } else if (s && type.name == "bit" && type.args.empty()) {
    text = "\"bit\"";  // likewise bit(1)
  } else if (s && type.name == "numeric" && type.args.size() == 1) {
    text = fmt::format("numeric({},0)", type.args[0]);
  } else if (s) {
    text = fmt::format("{}{}{}", s->prefix, s->takes_args ? args_text(type.args) : "", s->suffix);
  } else if (type.builtin() || type.schema.empty()) {
    text = quote_ident(type.name) + args_text(type.args);
  } else {
    text = qualified(type.schema, type.name) + args_text(type.args);
  }
  for (int i = 0; i < type.dimensions; ++i) text += "[]";
  return text;
}

Type parse_type_sql(const std::string& sql) {
  std::string_view text = sql;
  int dimensions = 0;
  while (text.ends_with("[]")) {
    text.remove_suffix(2);
    ++dimensions;
  }
  Type type;
  if (auto spelled = read_spelled(text)) {
    type = std::move(*spelled);
  } else {
    auto name = read_qualified(text);
    auto rest = name.length ? text.substr(name.length) : text;
    // A user type's modifiers ("(Point,4326)") stay in sql, as the describer leaves them.
    if (!rest.empty() && rest.front() == '(' && matching_close(rest, 0) == rest.size() - 1) rest = {};
    if (name.length == 0 || !rest.empty())
      throw std::invalid_argument(fmt::format("\"{}\" is not a type as format_type() prints one", sql));
    type.schema = name.schema.empty() ? "pg_catalog" : name.schema;
    type.name = name.name;
  }
  type.dimensions = dimensions;
  type.sql = sql;
  return type;
}

std::vector<int> typmod_args(const std::string& schema, const std::string& name, int typmod) {
  if (schema != "pg_catalog" || typmod < 0) return {};
  if (name == "varchar" || name == "bpchar") return typmod >= 4 ? std::vector<int>{typmod - 4} : std::vector<int>{};
  if (name == "numeric") {
    if (typmod < 4) return {};
    int t = typmod - 4;
    int scale = ((t & 0x7ff) ^ 1024) - 1024;  // 11 bits, signed since PostgreSQL 15
    return {(t >> 16) & 0xffff, scale};
  }
  if (name == "timestamp" || name == "timestamptz" || name == "time" || name == "timetz" || name == "bit" ||
      name == "varbit")
    return {typmod};
  if (name == "interval") {
    int precision = typmod & 0xffff;
    return precision == 0xffff ? std::vector<int>{} : std::vector<int>{precision};
  }
  return {};
}

}  // namespace pgkit::catalog::detail
