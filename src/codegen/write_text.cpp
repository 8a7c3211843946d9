// A model's writes as C++: its Create struct (what `create` takes, required fields enforced by
// the compiler), pgkit::client::Writer (how that struct becomes a row, with the defaults Prisma
// fills in the client and the nested writes of its relations), and the constraints and
// @updatedAt columns ModelInfo lists for the runtime.
#include <fmt/format.h>

#include <set>

#include "codegen/cpp_names.hpp"
#include "codegen/model_text.hpp"
#include "pgkit/catalog.hpp"

namespace pgkit::codegen::detail {

namespace {

using schema::Arity;
using schema::DefaultValue;
using schema::Field;
using schema::Model;
using schema::Relation;

std::string ns_type(const Context& cx, const std::string& model) {
  return "::" + cx.name_space + "::" + cpp_identifier(model);
}
std::string column_of(const Field& f) { return sql_literal(quoted_identifier(f.db_name)); }

// The scalar fields a relation of m fills (fields: [...] of its relation fields).
std::set<std::string> foreign_key_fields(const Model& m) {
  std::set<std::string> out;
  for (const auto& f : m.fields)
    if (f.is_relation()) out.insert(f.relation_fields.begin(), f.relation_fields.end());
  return out;
}

// What Prisma fills in when a create leaves the field out, as a C++ expression; "" for none
// (the database's default, or NULL).
std::string client_default(const Field& f) {
  if (f.updated_at) return "clock.now()";
  if (!f.default_value) return "";
  const DefaultValue& d = *f.default_value;
  switch (d.kind) {
    case DefaultValue::Kind::now: return "clock.now()";
    case DefaultValue::Kind::uuid:
      return d.version == 7 ? "::pgkit::client::ids::uuid7()" : "::pgkit::client::ids::uuid4()";
    case DefaultValue::Kind::cuid:
      return d.version == 2 ? "::pgkit::client::ids::cuid2()" : "::pgkit::client::ids::cuid()";
    case DefaultValue::Kind::nanoid: return fmt::format("::pgkit::client::ids::nanoid({})", d.length ? d.length : 21);
    case DefaultValue::Kind::ulid: return "::pgkit::client::ids::ulid()";
    default: return "";
  }
}

bool required_in_create(const Field& f) { return f.arity == Arity::required && !f.default_value && !f.updated_at; }

std::string related_create(const Context& cx, const Field& f) {
  return fmt::format("{}, {}Create", ns_type(cx, f.type.name), ns_type(cx, f.type.name));
}

// `{R"("a")", R"("b")"}`: the columns of fields (schema names) of model m.
std::string columns_of(const Model& m, const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& name : fields)
    if (const Field* f = m.field(name)) out += (out.empty() ? "" : ", ") + column_of(*f);
  return "{" + out + "}";
}

std::string joined(const std::vector<std::string>& names, const char* sep) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : sep) + n;
  return out;
}

// The index of field (a schema name) in m's select list (ModelInfo::columns: the client's
// scalar fields in schema order); -1 when it is not there.
int column_index(const Context& cx, const Model& m, const std::string& field) {
  int i = 0;
  for (const auto& f : m.fields) {
    if (!in_client(f, cx) || f.is_relation()) continue;
    if (f.name == field) return i;
    ++i;
  }
  return -1;
}

// `{0, 2}`: the indexes of fields in m's select list.
std::string indexes_of(const Context& cx, const Model& m, const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& name : fields) out += (out.empty() ? "" : ", ") + std::to_string(column_index(cx, m, name));
  return "{" + out + "}";
}

// Whether every field (schema names) of m is in its select list: a key the client does not
// read (an Unsupported type) cannot be carried to a related row.
bool all_read(const Context& cx, const Model& m, const std::vector<std::string>& fields) {
  for (const auto& f : fields)
    if (column_index(cx, m, f) < 0) return false;
  return true;
}

std::string unsupported_code(const Model& m, const Field& f) {
  return fmt::format("  if (data.{}.given()) detail::throw_nested_unsupported({}, {});\n", cpp_identifier(f.name),
                     string_literal(m.name), string_literal(f.name));
}

// Post.author (the foreign key is Post's): the row connected or created before this one.
std::string owning_relation_code(const Context& cx, const Model& m, const Field& f) {
  const Model* other = cx.schema->model(f.type.name);
  if (!other) return "";
  std::string rel = cpp_identifier(f.name), other_type = ns_type(cx, f.type.name);
  if (!all_read(cx, *other, f.relation_references)) return unsupported_code(m, f);
  std::string out = fmt::format("  if (data.{}.given()) {{\n", rel);
  out += fmt::format("    static constexpr std::string_view columns[] = {};\n", columns_of(m, f.relation_fields));
  out += fmt::format("    static constexpr int keys[] = {};\n", indexes_of(cx, *other, f.relation_references));
  out += fmt::format(
      "    auto& w = p.parents.emplace_back(detail::ParentWrite{{\n"
      "        .relation = {}, .fields = {}, .fk_columns = columns,\n"
      "        .related = detail::target_of<{}>(), .key_indexes = keys}});\n",
      string_literal(f.name), string_literal(joined(f.relation_fields, ", ")), other_type);
  out += fmt::format(
      "    if (data.{0}.create)\n      w.create = std::make_unique<detail::WritePlan>(Writer<{1}>::plan(*data.{0}.create, clock));\n",
      rel, other_type);
  out += fmt::format("    else\n      w.connect = Where<{}>(*data.{}.connect).fragment();\n  }}", other_type, rel);
  if (f.arity == Arity::required) {
    // Else its fields, given as scalars (Prisma's unchecked input), or set by the parent whose
    // nested create this is.
    std::string given;
    for (const auto& name : f.relation_fields)
      given += (given.empty() ? "" : " && ") + fmt::format("data.{}", cpp_identifier(name));
    out += fmt::format(" else if (!({}) && filled != {}) {{\n    detail::throw_missing_relation({}, {}, {});\n  }}",
                       given, string_literal(f.name), string_literal(m.name), string_literal(f.name),
                       string_literal(joined(f.relation_fields, ", ")));
  }
  return out + "\n";
}

// User.posts, User.profile (the foreign key is the other model's), Post.categories (implicit
// m-n): rows written after this one.
std::string back_relation_code(const Context& cx, const Model& m, const Field& f) {
  const Relation* r = relation_of(cx, m, f);
  const Model* other = cx.schema->model(f.type.name);
  if (!r || !other) return "";
  std::string rel = cpp_identifier(f.name), other_type = ns_type(cx, f.type.name);
  bool many = f.arity == Arity::list;
  // The rows to create; filled: the argument naming the relation their parent sets, if any.
  auto creates = [&](const std::string& filled) {
    if (many)
      return fmt::format("    for (const auto& c : data.{}.create) w.create.push_back(Writer<{}>::plan(c, clock{}));\n",
                         rel, other_type, filled);
    return fmt::format("    if (data.{0}.create) w.create.push_back(Writer<{1}>::plan(*data.{0}.create, clock{2}));\n",
                       rel, other_type, filled);
  };
  if (r->kind == Relation::Kind::many_to_many) {
    const Field* id = nullptr;
    const Field* other_id = nullptr;
    if (m.primary_key && m.primary_key->fields.size() == 1) id = m.field(m.primary_key->fields[0].field);
    if (other->primary_key && other->primary_key->fields.size() == 1)
      other_id = other->field(other->primary_key->fields[0].field);
    if (!id || !other_id) return "";
    if (!all_read(cx, m, {id->name}) || !all_read(cx, *other, {other_id->name})) return unsupported_code(m, f);
    // A is the first model of the relation, B the second (for a self-relation: by field).
    bool parent_is_a = r->referencing_model == m.name && r->referencing_field == f.name;
    std::string join = sql_literal(quoted_identifier(m.schema.empty() ? cx.schema->default_schema() : m.schema) + "." +
                                   quoted_identifier(r->join_table));
    std::string out = fmt::format("  if (data.{}.given()) {{\n", rel);
    out += fmt::format(
        "    auto& w = p.links.emplace_back(detail::LinkWrite{{\n"
        "        .join_table = {}, .parent_is_a = {}, .key_index = {}, .key_column = {},\n"
        "        .related = detail::target_of<{}>(), .related_key_index = {}, .related_key_column = {},\n"
        "        .connect = detail::fragments(data.{}.connect)}});\n",
        join, parent_is_a, column_index(cx, m, id->name), column_of(*id), other_type,
        column_index(cx, *other, other_id->name), column_of(*other_id), rel);
    return out + creates("") + "  }\n";
  }
  // The other side's relation field: its fields: and references:.
  const Field* back = other->field(r->referencing_field);
  if (!back) return "";
  if (!all_read(cx, m, back->relation_references)) return unsupported_code(m, f);
  std::string out = fmt::format("  if (data.{}.given()) {{\n", rel);
  out +=
      fmt::format("    static constexpr std::string_view columns[] = {};\n", columns_of(*other, back->relation_fields));
  out += fmt::format("    static constexpr int keys[] = {};\n", indexes_of(cx, m, back->relation_references));
  out += fmt::format(
      "    auto& w = p.children.emplace_back(detail::ChildWrite{{\n"
      "        .relation = {}, .fields = {}, .fk_columns = columns,\n"
      "        .related = detail::target_of<{}>(), .key_indexes = keys,\n"
      "        .connect = detail::fragments(data.{}.connect)}});\n",
      string_literal(f.name), string_literal(joined(back->relation_fields, ", ")), other_type, rel);
  return out + creates(", " + string_literal(back->name)) + "  }\n";
}

}  // namespace

const Relation* relation_of(const Context& cx, const Model& m, const Field& f) {
  for (const auto& r : cx.schema->relations) {
    if (r.referencing_model == m.name && r.referencing_field == f.name) return &r;
    if (r.referenced_model == m.name && r.referenced_field == f.name) return &r;
  }
  return nullptr;
}

std::string create_struct_text(const Model& m, const Context& cx) {
  std::set<std::string> fks = foreign_key_fields(m);
  std::string out = fmt::format(
      "/// What {}.create takes: required fields must be given; a field left out gets its @default (filled as\n"
      "/// Prisma Client fills it) or NULL.\nstruct {}Create {{\n",
      m.name, cpp_identifier(m.name));
  for (const auto& f : m.fields) {
    if (!in_client(f, cx)) continue;
    std::string name = cpp_identifier(f.name);
    if (f.is_relation()) {
      bool to_many = f.arity == Arity::list;
      out +=
          fmt::format("  ::pgkit::client::{}<{}> {}{{}};\n", to_many ? "ToMany" : "ToOne", related_create(cx, f), name);
    } else if (required_in_create(f) && !fks.count(f.name)) {
      out += fmt::format("  ::pgkit::client::Required<{}> {};\n", value_type(f), name);
    } else {
      std::string t = f.arity == Arity::optional ? value_type(f) : "std::optional<" + value_type(f) + ">";
      out += fmt::format("  {} {}{{}};\n", t, name);
    }
  }
  return out + "};\n";
}

std::string writer_header_text(const Model& m, const Context& cx) {
  std::string type = ns_type(cx, m.name);
  std::string nested;
  for (const auto& f : m.fields)
    if (in_client(f, cx) && f.is_relation()) nested += fmt::format(" || data.{}.given()", cpp_identifier(f.name));
  return fmt::format(
      "\ntemplate <>\nstruct pgkit::client::Writer<{0}> {{\n  using Create = {0}Create;\n"
      "  static void add_row(detail::InsertRow& row, const Create& data, detail::WriteClock& clock);\n"
      "  static bool nested([[maybe_unused]] const Create& data) {{ return false{1}; }}\n"
      "  static detail::WritePlan plan(const Create& data, detail::WriteClock& clock, std::string_view filled = {{}});\n"
      "}};\n",
      type, nested);
}

std::string writer_source_text(const Model& m, const Context& cx) {
  std::string type = ns_type(cx, m.name);
  std::set<std::string> fks = foreign_key_fields(m);
  std::string scalars;
  for (const auto& f : m.fields) {
    if (!in_client(f, cx) || f.is_relation() || fks.count(f.name)) continue;
    std::string name = cpp_identifier(f.name), column = column_of(f);
    std::string fallback = client_default(f);
    if (required_in_create(f))
      scalars += fmt::format("  row.add({}, *data.{});\n", column, name);
    else if (!fallback.empty())
      scalars += fmt::format("  if (data.{0})\n    row.add({1}, *data.{0});\n  else\n    row.add({1}, {2});\n", name,
                             column, fallback);
    else
      scalars += fmt::format("  if (data.{0}) row.add({1}, *data.{0});\n", name, column);
  }
  std::size_t columns = 0;
  for (const auto& f : m.fields)
    if (in_client(f, cx) && !f.is_relation()) ++columns;
  // Room for every column at once: growing the row column by column was a dozen allocations.
  std::string out = fmt::format(
      "\nvoid pgkit::client::Writer<{0}>::add_row(detail::InsertRow& row, [[maybe_unused]] const Create& data,\n"
      "                                      [[maybe_unused]] detail::WriteClock& clock) {{\n"
      "  row.reserve({2});\n{1}",
      type, scalars, columns);
  // add_row (create_many) has no relation writes: a foreign key is given as its field.
  for (const auto& name : fks)
    if (const Field* f = m.field(name))
      out += fmt::format("  if (data.{0}) row.add({1}, *data.{0});\n", cpp_identifier(name), column_of(*f));
  out += "}\n";

  out += fmt::format(
      "\n::pgkit::client::detail::WritePlan pgkit::client::Writer<{0}>::plan(\n"
      "    const Create& data, detail::WriteClock& clock, [[maybe_unused]] std::string_view filled) {{\n"
      "  detail::WritePlan p{{.target = detail::target_of<{0}>(), .row = {{}}}};\n"
      "  add_row(p.row, data, clock);\n",
      type);
  for (const auto& f : m.fields)
    if (in_client(f, cx) && f.is_relation() && !f.relation_fields.empty()) out += owning_relation_code(cx, m, f);
  for (const auto& f : m.fields)
    if (in_client(f, cx) && f.is_relation() && f.relation_fields.empty()) out += back_relation_code(cx, m, f);
  return out + "  return p;\n}\n";
}

std::string constraints_text(const Model& m, const Context& cx, const catalog::Catalog& tables) {
  std::string schema_name = m.schema.empty() ? cx.schema->default_schema() : m.schema;
  const catalog::Table* t = tables.table(schema_name, m.db_name);
  // Column → field name, for the constraint's fields as the schema names them.
  auto field_of = [&](const std::string& column) {
    for (const auto& f : m.fields)
      if (!f.is_relation() && f.db_name == column) return f.name;
    return column;
  };
  std::vector<std::string> rows;
  if (t) {
    for (const auto& index : t->indexes) {
      if (index.kind == catalog::Index::Kind::plain || index.kind == catalog::Index::Kind::exclusion) continue;
      std::vector<std::string> names;
      for (const auto& k : index.keys) names.push_back(field_of(k.column));
      rows.push_back(fmt::format("{{{}, {}}}", string_literal(index.name), string_literal(joined(names, ","))));
    }
    for (const auto& fk : t->foreign_keys) {
      std::vector<std::string> names;
      for (const auto& c : fk.columns) names.push_back(field_of(c));
      rows.push_back(fmt::format("{{{}, {}}}", string_literal(fk.name), string_literal(joined(names, ","))));
    }
  }
  std::string out = fmt::format("  static constexpr std::array<Constraint, {}> constraints{{{{", rows.size());
  for (const auto& r : rows) out += "\n      " + r + ",";
  out += rows.empty() ? "}};\n" : "\n  }};\n";
  std::vector<std::string> updated;
  for (const auto& f : m.fields)
    if (in_client(f, cx) && f.updated_at) updated.push_back(column_of(f));
  out += fmt::format("  static constexpr std::array<std::string_view, {}> updated_at{{{}}};\n", updated.size(),
                     joined(updated, ", "));
  return out;
}

}  // namespace pgkit::codegen::detail
