// A model's field descriptors (`app::fields::user::email`), its compound unique keys, and the
// key ModelInfo pages by. Descriptors carry the field's kind (pgkit/client/field.hpp), so which
// filters a field takes is decided here, from its schema type, once.
#include <fmt/format.h>

#include "codegen/cpp_names.hpp"
#include "codegen/model_text.hpp"

namespace pgkit::codegen::detail {

namespace {

using schema::Arity;
using schema::FieldType;
using schema::IndexDef;
using schema::ScalarType;

const char* kind_of(const schema::Field& f) {
  if (f.arity == Arity::list) return "list";
  if (f.type.kind == FieldType::Kind::enumeration) return "plain";
  switch (f.type.scalar) {
    case ScalarType::String: return "text";
    case ScalarType::Int:
    case ScalarType::BigInt:
    case ScalarType::Float:
    case ScalarType::Decimal: return "number";
    case ScalarType::DateTime: return "ordered";
    case ScalarType::Json: return "json";
    case ScalarType::Boolean:
    case ScalarType::Bytes: return "plain";
  }
  return "plain";
}

// A key a lookup can use: @id, or @unique / @@unique that is not a partial index.
bool is_lookup_key(const IndexDef& index) { return index.kind != IndexDef::Kind::index && index.predicate.empty(); }

// Whether the field alone is a lookup key (@id or @unique on it).
bool unique_alone(const schema::Model& m, const schema::Field& f) {
  if (m.primary_key && m.primary_key->fields.size() == 1 && m.primary_key->fields[0].field == f.name) return true;
  for (const auto& index : m.indexes)
    if (is_lookup_key(index) && index.fields.size() == 1 && index.fields[0].field == f.name) return true;
  return false;
}

// Prisma's name for a compound key: name:, else the fields joined by '_' (authorId_title).
std::string compound_name(const IndexDef& index) {
  if (!index.name.empty()) return index.name;
  std::string out;
  for (const auto& part : index.fields) out += (out.empty() ? "" : "_") + part.field;
  return out;
}

std::string fields_namespace(const schema::Model& m, const Context& cx) {
  return "::" + cx.name_space + "::fields::" + cpp_identifier(snake_case(m.name));
}

std::string compound_text(const schema::Model& m, const IndexDef& index, const Context& cx) {
  std::string model = cpp_identifier(m.name);
  std::string params, condition, key;
  for (const auto& part : index.fields) {
    const schema::Field* f = m.field(part.field);
    if (!f) return "";
    std::string name = cpp_identifier(f->name);
    params +=
        fmt::format("{}const {}& {}", params.empty() ? "" : ", ", element_type(*f, "::" + cx.name_space + "::"), name);
    condition += fmt::format("{}{}::{} == {}", condition.empty() ? "" : " && ", fields_namespace(m, cx), name, name);
    key += fmt::format("{}{}", key.empty() ? "" : ", ", sql_literal(quoted_identifier(f->db_name)));
  }
  return fmt::format(
      "/// @@{}([{}]): at most one row.\ninline ::pgkit::client::UniqueWhere<{}> {}({}) {{\n"
      "  return {{::pgkit::client::detail::SchemaUnique{{}}, {}, {{{}}}}};\n}}\n",
      index.kind == IndexDef::Kind::id ? "id" : "unique", compound_name(index), model,
      cpp_identifier(compound_name(index)), params, condition, key);
}

}  // namespace

std::string fields_text(const schema::Model& m, const Context& cx) {
  std::string model = cpp_identifier(m.name);
  std::string out = fmt::format("/// {}'s fields, for filters and order_by: `{}::{} == …`.\n", m.name,
                                cpp_identifier(snake_case(m.name)), m.fields.empty() ? "id" : m.fields[0].name);
  out += fmt::format("namespace fields::{} {{\n\n", cpp_identifier(snake_case(m.name)));
  for (const auto& f : m.fields) {
    if (!in_client(f, cx) || f.is_relation()) continue;
    std::string name = cpp_identifier(f.name);
    out += fmt::format(
        "inline constexpr ::pgkit::client::Field<&{}::{}, ::pgkit::client::FieldKind::{}{}>\n    {}{{{}, {}}};\n",
        model, name, kind_of(f), unique_alone(m, f) ? ", true" : "", name, sql_literal(quoted_identifier(f.db_name)),
        string_literal(f.name));
  }
  std::vector<const IndexDef*> compounds;
  if (m.primary_key && m.primary_key->fields.size() > 1) compounds.push_back(&*m.primary_key);
  for (const auto& index : m.indexes)
    if (is_lookup_key(index) && index.fields.size() > 1) compounds.push_back(&index);
  for (const auto* index : compounds) out += "\n" + compound_text(m, *index, cx);
  out += fmt::format("\n}}  // namespace fields::{}\n", cpp_identifier(snake_case(m.name)));
  return out;
}

std::string key_text(const schema::Model& m, const Context& cx) {
  const IndexDef* key = m.primary_key ? &*m.primary_key : nullptr;
  for (const auto& index : m.indexes)
    if (!key && is_lookup_key(index)) key = &index;
  std::string refs;
  std::size_t n = 0;
  if (key)
    for (const auto& part : key->fields) {
      const schema::Field* f = m.field(part.field);
      if (!f || !in_client(*f, cx)) continue;
      refs += fmt::format("{}&{}::{}", n++ ? ", " : "", fields_namespace(m, cx), cpp_identifier(f->name));
    }
  return fmt::format("  static constexpr std::array<const ColumnRef<{}>*, {}> key{{{}}};\n",
                     "::" + cx.name_space + "::" + cpp_identifier(m.name), n, refs);
}

std::string delegate_name(const schema::Model& m) {
  std::string name = cpp_identifier(snake_case(m.name));
  // The Client's own member functions keep their names; a model that would hide one gets a '_'.
  if (name == "transaction") name += "_";
  return name;
}

}  // namespace pgkit::codegen::detail
