// One model (or view) and one enum as C++. Scalar fields map as docs/client.md's table says;
// relation fields become pgkit::client::Loaded<…>; Unsupported("…") and @ignore fields, like
// Prisma Client's, are left out.
#include "codegen/model_text.hpp"

#include <fmt/format.h>

#include <set>

#include "codegen/cpp_names.hpp"

namespace pgkit::codegen::detail {

namespace {

using schema::Arity;
using schema::Field;
using schema::FieldType;
using schema::ScalarType;

const char* scalar_cpp(ScalarType t) {
  switch (t) {
    case ScalarType::String: return "std::string";
    case ScalarType::Boolean: return "bool";
    case ScalarType::Int: return "std::int32_t";
    case ScalarType::BigInt: return "std::int64_t";
    case ScalarType::Float: return "double";
    case ScalarType::Decimal: return "::pgkit::Numeric";
    case ScalarType::DateTime: return "::pgkit::Timestamp";
    case ScalarType::Json: return "::boost::json::value";
    case ScalarType::Bytes: return "::pgkit::Bytes";
  }
  return "std::string";
}

std::string relation_type(const Field& f) {
  std::string t = cpp_identifier(f.type.name);
  if (f.arity == Arity::list) t = "std::vector<" + t + ">";
  if (f.arity == Arity::optional) t = "std::optional<" + t + ">";
  return "::pgkit::client::Loaded<" + t + ">";
}

// What the select list reads for a scalar field: the column, or a cast where PostgreSQL's text
// is not what the C++ type reads (a DateTime stored as date or time: Prisma reads 1970-01-01
// for a time, midnight UTC for a date).
std::string select_expression(const Field& f) {
  std::string column = quoted_identifier(f.db_name);
  if (f.type.kind != FieldType::Kind::scalar || f.type.scalar != ScalarType::DateTime || !f.native_type ||
      f.arity == Arity::list)
    return column;
  const std::string& n = f.native_type->name;
  if (n == "Date") return column + "::timestamp";
  if (n == "Time" || n == "Timetz") return "('1970-01-01'::date + " + column + "::time)";
  return column;
}

std::string doc_comment(const std::string& doc, const char* indent) {
  if (doc.empty()) return "";
  std::string out;
  std::size_t start = 0;
  while (start <= doc.size()) {
    std::size_t end = doc.find('\n', start);
    if (end == std::string::npos) end = doc.size();
    out += fmt::format("{}/// {}\n", indent, doc.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// A generated name as code outside the namespace spells it: "::app::User".
std::string qualified(const Context& cx, const std::string& name) { return "::" + cx.name_space + "::" + name; }

}  // namespace

bool in_client(const Field& f, const Context& cx) {
  if (f.ignored || f.type.kind == FieldType::Kind::unsupported) return false;
  if (f.is_relation()) {
    const schema::Model* other = cx.schema->model(f.type.name);
    return other && !other->ignored;
  }
  return true;
}

std::string element_type(const Field& f, const std::string& prefix) {
  return f.type.kind == FieldType::Kind::enumeration ? prefix + cpp_identifier(f.type.name) : scalar_cpp(f.type.scalar);
}

std::string value_type(const Field& f, const std::string& prefix) {
  std::string t = element_type(f, prefix);
  if (f.arity == Arity::list) return "std::vector<" + t + ">";
  if (f.arity == Arity::optional) return "std::optional<" + t + ">";
  return t;
}

std::string enum_text(const schema::Enum& e) {
  std::string name = cpp_identifier(e.name);
  std::string out = "\n" + doc_comment(e.doc, "");
  out += fmt::format("enum class {} {{\n", name);
  for (const auto& v : e.values) out += doc_comment(v.doc, "  ") + fmt::format("  {},\n", cpp_identifier(v.name));
  out += "};\n\n";
  out += fmt::format("/// The value's schema name (\"{}\").\n", e.values.empty() ? "" : e.values[0].name);
  out += fmt::format("constexpr std::string_view to_string({} v) noexcept {{\n  switch (v) {{\n", name);
  for (const auto& v : e.values)
    out += fmt::format("    case {}::{}:\n      return {};\n", name, cpp_identifier(v.name), string_literal(v.name));
  out += "  }\n  return {};\n}\n\n";
  out += fmt::format("template <>\nconstexpr std::optional<{0}> from_string<{0}>(std::string_view name) noexcept {{\n",
                     name);
  for (const auto& v : e.values)
    out += fmt::format("  if (name == {}) return {}::{};\n", string_literal(v.name), name, cpp_identifier(v.name));
  out += "  return std::nullopt;\n}\n";
  return out;
}

std::string enum_traits_text(const schema::Enum& e, const Context& cx) {
  std::string type = qualified(cx, cpp_identifier(e.name));
  std::string out = fmt::format(
      "\n/// {} in SQL: its values' database names, sent untyped so the server reads them as the enum.\n"
      "template <>\nstruct pgkit::ValueTraits<{}> {{\n  static constexpr Oid type = oid::kUnknown;\n",
      e.name, type);
  out += fmt::format("  static void write(std::string& out, const {}& v) {{\n    switch (v) {{\n", type);
  for (const auto& v : e.values)
    out += fmt::format("      case {}::{}:\n        out += {};\n        return;\n", type, cpp_identifier(v.name),
                       string_literal(v.db_name));
  out += "    }\n  }\n";
  out += fmt::format("  static {} read(std::string_view text) {{\n", type);
  for (const auto& v : e.values)
    out += fmt::format("    if (text == {}) return {}::{};\n", string_literal(v.db_name), type, cpp_identifier(v.name));
  out += fmt::format("    ::pgkit::client::throw_not_an_enum_value({}, text);\n  }}\n}};\n", string_literal(e.name));
  return out;
}

// Prisma's `_count`: one slot per list relation, filled by `user::posts.count()` in an include.
// An unnamed struct, so no field's name can clash with it; no field can be `_count` in C++
// (cpp_identifier never starts a name with `_`).
std::string count_member_text(const schema::Model& m, const Context& cx) {
  std::string slots;
  for (const auto& f : m.fields)
    if (in_client(f, cx) && f.is_relation() && f.arity == Arity::list)
      slots += fmt::format("    ::pgkit::client::Loaded<std::int64_t> {}{{{}}};\n", cpp_identifier(f.name),
                           string_literal(m.name + "._count." + f.name));
  if (slots.empty()) return "";
  return "  /// Counts of related rows, when the call asked for them: `.include = {" +
         cpp_identifier(snake_case(m.name)) + "::…count()}`.\n  struct {\n" + slots + "  } _count{};\n";
}

std::string model_header(const schema::Model& m, const Context& cx) {
  std::string name = cpp_identifier(m.name);
  std::set<std::string> related;
  bool json = false;
  for (const auto& f : m.fields) {
    if (!in_client(f, cx)) continue;
    if (f.is_relation() && f.type.name != m.name) related.insert(f.type.name);
    if (f.type.kind == FieldType::Kind::scalar && f.type.scalar == ScalarType::Json) json = true;
  }
  std::string out = cx.banner;
  out +=
      "#pragma once\n\n#include <array>\n#include <cstdint>\n#include <optional>\n#include <string>\n"
      "#include <string_view>\n#include <vector>\n\n";
  if (json) out += "#include \"pgkit/client/json.hpp\"\n";
  out +=
      "#include \"pgkit/client/field.hpp\"\n#include \"pgkit/client/ids.hpp\"\n#include \"pgkit/client/loaded.hpp\"\n"
      "#include \"pgkit/client/model.hpp\"\n#include \"pgkit/client/write_plan.hpp\"\n"
      "#include \"pgkit/result.hpp\"\n#include \"pgkit/types.hpp\"\n#include \"enums.hpp\"\n\n";
  out += fmt::format("namespace {} {{\n\n", cx.name_space);
  for (const auto& r : related) out += fmt::format("struct {0};\nstruct {0}Create;\n", cpp_identifier(r));
  if (!related.empty()) out += "\n";
  out += doc_comment(m.doc, "");
  out += fmt::format("struct {} {{\n", name);
  for (const auto& f : m.fields) {
    if (!in_client(f, cx)) continue;
    out += doc_comment(f.doc, "  ");
    if (f.is_relation())
      out += fmt::format("  {} {}{{{}}};\n", relation_type(f), cpp_identifier(f.name),
                         string_literal(m.name + "." + f.name));
    else
      // {}: numbers start at zero, and a designated initializer may leave any field out
      // without -Wmissing-field-initializers saying so.
      out += fmt::format("  {} {}{{}};\n", value_type(f), cpp_identifier(f.name));
  }
  out += count_member_text(m, cx);
  out += "};\n\n";
  out += create_struct_text(m, cx) + "\n";
  out += fields_text(m, cx);
  out += fmt::format("\n}}  // namespace {}\n\n", cx.name_space);

  std::vector<const Field*> columns;
  for (const auto& f : m.fields)
    if (in_client(f, cx) && !f.is_relation()) columns.push_back(&f);
  std::string table =
      (m.schema.empty() ? quoted_identifier(cx.schema->default_schema()) : quoted_identifier(m.schema)) + "." +
      quoted_identifier(m.db_name);
  out += fmt::format("template <>\nstruct pgkit::client::ModelInfo<{}> {{\n", qualified(cx, name));
  out += fmt::format("  static constexpr std::string_view name = {};\n", string_literal(m.name));
  out += fmt::format("  static constexpr std::string_view table = {};\n", sql_literal(table));
  out += fmt::format("  static constexpr std::array<Column, {}> columns{{{{\n", columns.size());
  for (const auto* f : columns)
    out += fmt::format("      {{{}, {}}},\n", string_literal(f->name), sql_literal(select_expression(*f)));
  out += "  }};\n";
  out += key_text(m, cx);
  out += constraints_text(m, cx, *cx.tables);
  out += fmt::format("  static {} from_row(const Row& row, int first_column = 0);\n}};\n", qualified(cx, name));
  out += writer_header_text(m, cx);
  if (!related.empty()) {
    out += "\n// The related models, so that whoever includes this header can copy and destroy its rows.\n";
    for (const auto& r : related) out += fmt::format("#include \"{}.hpp\"\n", snake_case(r));
  }
  return out;
}

std::string model_source(const schema::Model& m, const Context& cx) {
  std::string type = qualified(cx, cpp_identifier(m.name));
  std::string out =
      fmt::format("{0} pgkit::client::ModelInfo<{0}>::from_row(const Row& row, int first_column) {{\n", type);
  out += fmt::format("  {} m;\n", type);
  int i = 0;
  for (const auto& f : m.fields) {
    if (!in_client(f, cx) || f.is_relation()) continue;
    std::string type = value_type(f, "::" + cx.name_space + "::");
    if (f.arity == Arity::list)  // a list column Prisma created nullable: NULL reads as empty, as in Prisma Client
      out += fmt::format("  m.{} = row.get<std::optional<{}>>(first_column + {}).value_or({}{{}});\n",
                         cpp_identifier(f.name), type, i++, type);
    else
      out += fmt::format("  m.{} = row.get<{}>(first_column + {});\n", cpp_identifier(f.name), type, i++);
  }
  if (i == 0) out += "  static_cast<void>(row);\n  static_cast<void>(first_column);\n";  // no scalar fields
  out += "  return m;\n}\n";
  return out + writer_source_text(m, cx);
}

}  // namespace pgkit::codegen::detail
