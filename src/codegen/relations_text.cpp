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

// The descriptor's constructor arguments; "" when the relation has a shape the client does not
// load yet (a foreign key of several columns).
std::string arguments(const Context& cx, const Model& m, const Field& f) {
  const Model* other = cx.schema->model(f.type.name);
  if (!other) return "";
  if (!f.relation_fields.empty()) {
    if (f.relation_fields.size() != 1 || f.relation_references.size() != 1) return "";
    return fmt::format("::pgkit::client::RelationKind::to_one, {}, {}", ref(cx, m, f.relation_fields[0]),
                       ref(cx, *other, f.relation_references[0]));
  }
  const Relation* r = relation_of(cx, m, f);
  if (!r) return "";
  if (r->kind == Relation::Kind::many_to_many) {
    const Field* id = single_id(m);
    const Field* other_id = single_id(*other);
    if (!id || !other_id) return "";
    bool parent_is_a = r->referencing_model == m.name && r->referencing_field == f.name;
    std::string join = quoted_identifier(m.schema.empty() ? cx.schema->default_schema() : m.schema) + "." +
                       quoted_identifier(r->join_table);
    return fmt::format("::pgkit::client::RelationKind::many_to_many, {}, {}, {}, {}", ref(cx, m, id->name),
                       ref(cx, *other, other_id->name), sql_literal(join), parent_is_a);
  }
  const Field* back = other->field(r->referencing_field);
  if (!back || back->relation_fields.size() != 1 || back->relation_references.size() != 1) return "";
  return fmt::format("::pgkit::client::RelationKind::{}, {}, {}", f.arity == Arity::list ? "to_many" : "back_one",
                     ref(cx, m, back->relation_references[0]), ref(cx, *other, back->relation_fields[0]));
}

}  // namespace

std::string relations_header(const std::vector<const Model*>& models, const Context& cx) {
  std::string out = cx.banner;
  out += "#pragma once\n// Every model's relation fields, for include and the relation filters.\n\n";
  out += "#include \"pgkit/client/relation.hpp\"\n";
  for (const auto* m : models) out += fmt::format("#include \"{}.hpp\"\n", snake_case(m->name));
  out += fmt::format("\nnamespace {}::fields {{\n", cx.name_space);
  for (const auto* m : models) {
    std::string body;
    for (const auto& f : m->fields) {
      if (!in_client(f, cx) || !f.is_relation()) continue;
      std::string args = arguments(cx, *m, f);
      if (args.empty()) {
        body +=
            fmt::format("// {}.{}: a foreign key of several columns; not loaded by include yet.\n", m->name, f.name);
        continue;
      }
      body += fmt::format("inline constexpr ::pgkit::client::Relation<&{}::{}>\n    {}{{{}}};\n",
                          "::" + cx.name_space + "::" + cpp_identifier(m->name), cpp_identifier(f.name),
                          cpp_identifier(f.name), args);
    }
    if (!body.empty())
      out += fmt::format("\nnamespace {} {{\n\n{}\n}}  // namespace {}\n", cpp_identifier(snake_case(m->name)), body,
                         cpp_identifier(snake_case(m->name)));
  }
  out += fmt::format("\n}}  // namespace {}::fields\n", cx.name_space);
  return out;
}

}  // namespace pgkit::codegen::detail
