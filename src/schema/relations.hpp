#pragma once
// Private to relations*.cpp: relations as Prisma's parser-database infers them (relations.rs)
// — each one built from its one or two relation fields — before they become Schema::relations.

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "schema/resolve.hpp"

namespace pgkit::schema::detail {

/// A relation field, by model and field index.
struct FieldRef {
  std::size_t model = 0;
  std::size_t field = 0;
  bool operator==(const FieldRef&) const = default;
};

struct InferredRelation {
  enum class Shape { one_to_one, one_to_many, implicit_many_to_many, embedded_many_to_many };
  Shape shape = Shape::one_to_many;
  std::size_t model_a = 0, model_b = 0;  ///< inline: a holds the foreign key; m:n: names in order
  std::optional<FieldRef> field_a, field_b;
  std::string name;  ///< explicit, or generated "AToB"
  bool explicit_name = false;
};

/// Shared by the checks: the parts of one side of a relation.
struct RelationSides {
  Context& ctx;
  const Field& field(FieldRef r) const { return ctx.schema.models[r.model].fields[r.field]; }
  const FieldInfo& info(FieldRef r) const { return ctx.models[r.model].fields[r.field]; }
  const Model& model(std::size_t m) const { return ctx.schema.models[m]; }
  std::uint32_t file(FieldRef r) const { return ctx.models[r.model].file; }
  std::uint32_t at(FieldRef r) const { return info(r).ast->span.start; }
  bool has_fields(FieldRef r) const { return info(r).relation.fields && !info(r).relation.fields->empty(); }
  bool has_references(FieldRef r) const { return info(r).relation.references && !info(r).relation.references->empty(); }
  bool has_actions(FieldRef r) const { return info(r).relation.on_delete || info(r).relation.on_update; }
};

/// Every check of relations.rs and relation_fields.rs on one inferred relation; false when it
/// reported an error.
bool check_relation(Context& ctx, const InferredRelation& r);
/// relationMode = "prisma": cascading cycles among the relations (psl-core's relations::cycles).
void check_cycles(Context& ctx, const std::vector<InferredRelation>& relations);
/// Prisma's default onDelete for a relation whose foreign key is on field a.
ReferentialAction default_on_delete(Context& ctx, FieldRef forward);

}  // namespace pgkit::schema::detail
