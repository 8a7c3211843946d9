// relations.hpp: a descriptor per relation field (`fields::user::posts`), for include and the
// relation filters. In a header of its own, included after every model, because a descriptor
// names columns of both models.
#include <fmt/format.h>

#include "codegen/cpp_names.hpp"
#include "codegen/model_text.hpp"

namespace pgkit::codegen::detail {

namespace {

using schema::Arity;
using schema::Field;
using schema::Model;
using schema::Relation;

const Field* single_id(const Model& m) {
  if (!m.primary_key || m.primary_key->fields.size() != 1) return nullptr;
  return m.field(m.primary_key->fields[0].field);
}

std::string ref(const Context& cx, const Model& m, const std::string& field) {
  return fmt::format("&::{}::fields::{}::{}", cx.name_space, cpp_identifier(snake_case(m.name)), cpp_identifier(field));
}

// The array type a composite key's column is sent as: the column's type without modifiers (a
// cast to varchar(3)[] would cut the keys short).
std::string array_type(const Context& cx, const Model& m, const std::string& field) {
  const Field* f = m.field(field);
  const catalog::Table* t = cx.tables->table(m.schema.empty() ? cx.schema->default_schema() : m.schema, m.db_name);
  const catalog::Column* c = f && t ? t->column(f->db_name) : nullptr;
  if (!c) return "";
  if (c->type.builtin()) return c->type.name + "[]";
  return quoted_identifier(c->type.schema) + "." + quoted_identifier(c->type.name) + "[]";
}

struct Descriptor {
  std::string arrays;     // what the descriptor points at (a composite key's columns)
  std::string arguments;  // its constructor's; "" when the client cannot load the relation
};

// A relation on a foreign key of several columns: m's fields, the other's, in pairs.
Descriptor composite(const Context& cx, const Model& m, const Field& f, const std::vector<std::string>& fields,
                     const Model& other, const std::vector<std::string>& references, std::string_view kind) {
  if (fields.size() != references.size()) return {};
  std::string name = cpp_identifier(f.name);
  std::string refs, parts;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string type = array_type(cx, other, references[i]);
    if (type.empty()) return {};
    refs += fmt::format("{}{}", i ? ", " : "", ref(cx, m, fields[i]));
    parts += fmt::format("{}{{{}.column, {}.column, {}}}", i ? ",\n    " : "", ref(cx, m, fields[i]).substr(1),
                         ref(cx, other, references[i]).substr(1), sql_literal(type));
  }
  Descriptor d;
  d.arrays = fmt::format(
      "// {}.{}: a foreign key of several columns.\n"
      "inline constexpr const ::pgkit::client::ColumnRef<::{}::{}>* pgkit_{}_fields[] = {{{}}};\n"
      "inline constexpr ::pgkit::client::KeyPart pgkit_{}_key[] = {{\n    {}}};\n",
      m.name, f.name, cx.name_space, cpp_identifier(m.name), name, refs, name, parts);
  d.arguments = fmt::format("::pgkit::client::RelationKind::{}, pgkit_{}_fields, pgkit_{}_key", kind, name, name);
  return d;
}

// The descriptor of relation field f of m.
Descriptor descriptor(const Context& cx, const Model& m, const Field& f) {
  const Model* other = cx.schema->model(f.type.name);
  if (!other) return {};
  if (!f.relation_fields.empty()) {
    if (f.relation_fields.size() != 1 || f.relation_references.size() != 1)
      return composite(cx, m, f, f.relation_fields, *other, f.relation_references, "to_one");
    return {"", fmt::format("::pgkit::client::RelationKind::to_one, {}, {}", ref(cx, m, f.relation_fields[0]),
                            ref(cx, *other, f.relation_references[0]))};
  }
  const Relation* r = relation_of(cx, m, f);
  if (!r) return {};
  if (r->kind == Relation::Kind::many_to_many) {
    // Implicit m-n relations join two single-field ids (relation_checks.cpp refuses others).
    const Field* id = single_id(m);
    const Field* other_id = single_id(*other);
    if (!id || !other_id) return {};
    bool parent_is_a = r->referencing_model == m.name && r->referencing_field == f.name;
    std::string join = quoted_identifier(m.schema.empty() ? cx.schema->default_schema() : m.schema) + "." +
                       quoted_identifier(r->join_table);
    return {"", fmt::format("::pgkit::client::RelationKind::many_to_many, {}, {}, {}, {}", ref(cx, m, id->name),
                            ref(cx, *other, other_id->name), sql_literal(join), parent_is_a)};
  }
  const Field* back = other->field(r->referencing_field);
  if (!back) return {};
  std::string_view kind = f.arity == Arity::list ? "to_many" : "back_one";
  if (back->relation_fields.size() != 1 || back->relation_references.size() != 1)
    return composite(cx, m, f, back->relation_references, *other, back->relation_fields, kind);
  return {"", fmt::format("::pgkit::client::RelationKind::{}, {}, {}", kind, ref(cx, m, back->relation_references[0]),
                          ref(cx, *other, back->relation_fields[0]))};
}

}  // namespace

std::string relations_header(const std::vector<const Model*>& models, const Context& cx) {
  std::string out = cx.banner;
  out += "#pragma once\n// Every model's relation fields, for include and the relation filters.\n\n";
  out += "#include \"pgkit/client/relation.hpp\"\n";
  for (const auto* m : models) out += fmt::format("#include \"{}.hpp\"\n", snake_case(m->name));
  out += fmt::format("\nnamespace {}::fields {{\n", cx.name_space);
  std::string counts;  // CountSlot's specialisations, outside the namespace
  for (const auto* m : models) {
    std::string body;
    for (const auto& f : m->fields) {
      if (!in_client(f, cx) || !f.is_relation()) continue;
      Descriptor d = descriptor(cx, *m, f);
      if (d.arguments.empty()) continue;
      body += d.arrays;
      if (f.arity == Arity::list)
        counts += fmt::format(
            "template <>\nstruct pgkit::client::CountSlot<&::{0}::{1}::{2}> {{\n"
            "  static Loaded<std::int64_t>& of(::{0}::{1}& row) {{ return row._count.{2}; }}\n}};\n\n",
            cx.name_space, cpp_identifier(m->name), cpp_identifier(f.name));
      body += fmt::format("inline constexpr ::pgkit::client::Relation<&{}::{}>\n    {}{{{}}};\n",
                          "::" + cx.name_space + "::" + cpp_identifier(m->name), cpp_identifier(f.name),
                          cpp_identifier(f.name), d.arguments);
    }
    if (!body.empty())
      out += fmt::format("\nnamespace {} {{\n\n{}\n}}  // namespace {}\n", cpp_identifier(snake_case(m->name)), body,
                         cpp_identifier(snake_case(m->name)));
  }
  out += fmt::format("\n}}  // namespace {}::fields\n", cx.name_space);
  if (!counts.empty()) out += "\n// Where `relation.count()` puts its counts.\n" + counts.substr(0, counts.size() - 1);
  return out;
}

}  // namespace pgkit::codegen::detail
