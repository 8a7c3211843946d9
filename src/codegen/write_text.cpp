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

// Post.author (the foreign key is Post's): the key of the row connected or created.
std::string owning_relation_code(const Context& cx, const Model& m, const Field& f) {
  const Model* other = cx.schema->model(f.type.name);
  std::string rel = cpp_identifier(f.name), other_type = ns_type(cx, f.type.name);
  std::string out =
      fmt::format("  if (data.{}.create) {{\n    {} r = Writer<{}>::create(on, *data.{}.create, clock);\n", rel,
                  other_type, other_type, rel);
  for (std::size_t i = 0; i < f.relation_fields.size() && i < f.relation_references.size(); ++i)
    if (const Field* fk = m.field(f.relation_fields[i]))
      out += fmt::format("    row.add({}, r.{});\n", column_of(*fk), cpp_identifier(f.relation_references[i]));
  out += fmt::format("  }} else if (data.{}.connect) {{\n", rel);
  out += fmt::format("    static constexpr std::string_view columns[] = {};\n", columns_of(m, f.relation_fields));
  std::string select;
  for (const auto& ref : f.relation_references)
    if (const Field* rf = other ? other->field(ref) : nullptr)
      select += (select.empty() ? "" : ", ") + quoted_identifier(rf->db_name);
  out += fmt::format(
      "    row.add_texts(columns, detail::connected_key(on, detail::target_of<{}>(), {}, Where<{}>(*data.{}.connect).fragment(), "
      "{}, {}));\n",
      other_type, sql_literal(select), other_type, rel, string_literal(m.name), string_literal(f.name));
  out += "  }";
  // Else its fields, given as scalars (Prisma's unchecked input).
  std::string given;
  for (const auto& name : f.relation_fields)
    given += (given.empty() ? "" : " && ") + fmt::format("data.{}", cpp_identifier(name));
  out += fmt::format(" else if ({}) {{\n", given);
  for (const auto& name : f.relation_fields)
    if (const Field* fk = m.field(name))
      out += fmt::format("    row.add({}, *data.{});\n", column_of(*fk), cpp_identifier(name));
  out += "  }";
  if (f.arity == Arity::required)
    out += fmt::format(" else {{\n    detail::throw_missing_relation({}, {}, {});\n  }}", string_literal(m.name),
                       string_literal(f.name), string_literal(joined(f.relation_fields, ", ")));
  return out + "\n";
}

// User.posts, User.profile (the foreign key is the other model's): rows written after this one.
std::string back_relation_code(const Context& cx, const Model& m, const Field& f) {
  const Relation* r = relation_of(cx, m, f);
  const Model* other = cx.schema->model(f.type.name);
  if (!r || !other) return "";
  std::string rel = cpp_identifier(f.name), other_type = ns_type(cx, f.type.name);
  std::string out;
  bool many = f.arity == Arity::list;
  if (r->kind == Relation::Kind::many_to_many) {
    const Field* id = nullptr;
    const Field* other_id = nullptr;
    if (m.primary_key && m.primary_key->fields.size() == 1) id = m.field(m.primary_key->fields[0].field);
    if (other->primary_key && other->primary_key->fields.size() == 1)
      other_id = other->field(other->primary_key->fields[0].field);
    if (!id || !other_id) return "";
    // A is the first model of the relation, B the second (for a self-relation: by field).
    bool parent_is_a = r->referencing_model == m.name && r->referencing_field == f.name;
    std::string join = sql_literal(quoted_identifier(m.schema.empty() ? cx.schema->default_schema() : m.schema) + "." +
                                   quoted_identifier(r->join_table));
    out += fmt::format("  if (data.{}.given()) {{\n    Params self;\n    self.add(out.{});\n", rel,
                       cpp_identifier(id->name));
    out += fmt::format(
        "    for (const auto& c : data.{}.create) {{\n      Params related;\n      related.add(Writer<{}>::create(on, c, "
        "clock).{});\n      detail::link(on, {}, {}, self, related);\n    }}\n",
        rel, other_type, cpp_identifier(other_id->name), join, parent_is_a);
    out += fmt::format(
        "    if (!data.{}.connect.empty())\n      detail::link_where(on, {}, {}, self, detail::target_of<{}>(), {}, "
        "detail::target_of<{}>(), {},\n                         detail::fragments(data.{}.connect));\n  }}\n",
        rel, join, parent_is_a, ns_type(cx, m.name), column_of(*id), other_type, column_of(*other_id), rel);
    return out;
  }
  // The other side's relation field: its fields: and references:.
  const Field* back = other->field(r->referencing_field);
  if (!back) return "";
  if (many)
    out += fmt::format("  for ({}Create c : data.{}.create) {{\n", other_type, rel);
  else
    out += fmt::format("  if (data.{}.create) {{\n    {}Create c = *data.{}.create;\n", rel, other_type, rel);
  for (std::size_t i = 0; i < back->relation_fields.size() && i < back->relation_references.size(); ++i)
    out += fmt::format("    c.{} = out.{};\n", cpp_identifier(back->relation_fields[i]),
                       cpp_identifier(back->relation_references[i]));
  out += fmt::format("    Writer<{}>::create(on, c, clock);\n  }}\n", other_type);
  std::string connect = many ? fmt::format("!data.{}.connect.empty()", rel) : fmt::format("data.{}.connect", rel);
  std::string wheres = many ? fmt::format("detail::fragments(data.{}.connect)", rel)
                            : fmt::format("detail::fragments(*data.{}.connect)", rel);
  out += fmt::format("  if ({}) {{\n    static constexpr std::string_view columns[] = {};\n    Params key;\n", connect,
                     columns_of(*other, back->relation_fields));
  for (const auto& ref : back->relation_references) out += fmt::format("    key.add(out.{});\n", cpp_identifier(ref));
  out += fmt::format("    detail::connect_children(on, detail::target_of<{}>(), columns, key, {});\n  }}\n", other_type,
                     wheres);
  return out;
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
      "  static {0} create(const Executor& on, const Create& data, detail::WriteClock& clock);\n"
      "  static void add_row(detail::InsertRow& row, const Create& data, detail::WriteClock& clock);\n"
      "  static bool nested([[maybe_unused]] const Create& data) {{ return false{1}; }}\n}};\n",
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
  std::string out = fmt::format(
      "\nvoid pgkit::client::Writer<{0}>::add_row(detail::InsertRow& row, [[maybe_unused]] const Create& data,\n"
      "                                      [[maybe_unused]] detail::WriteClock& clock) {{\n{1}",
      type, scalars);
  // add_row (create_many) has no relation writes: a foreign key is given as its field.
  for (const auto& name : fks)
    if (const Field* f = m.field(name))
      out += fmt::format("  if (data.{0}) row.add({1}, *data.{0});\n", cpp_identifier(name), column_of(*f));
  out += "}\n";

  out += fmt::format(
      "\n{0} pgkit::client::Writer<{0}>::create(const Executor& on, const Create& data,\n"
      "                                     [[maybe_unused]] detail::WriteClock& clock) {{\n"
      "  detail::InsertRow row;\n",
      type);
  for (const auto& f : m.fields)
    if (in_client(f, cx) && f.is_relation() && !f.relation_fields.empty()) out += owning_relation_code(cx, m, f);
  out += scalars;
  out += fmt::format("  {} out = ModelInfo<{}>::from_row(detail::insert(on, detail::target_of<{}>(), row).one());\n",
                     type, type, type);
  for (const auto& f : m.fields)
    if (in_client(f, cx) && f.is_relation() && f.relation_fields.empty()) out += back_relation_code(cx, m, f);
  return out + "  return out;\n}\n";
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
