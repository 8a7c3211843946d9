// Relations, inferred as Prisma's parser-database does (relations.rs): each relation field finds
// its opposite field — the first relation field on the other model that points back with the
// same relation name — and the pair's arities decide the shape: list + list is an implicit
// many-to-many (join table `_<name>`), single + list is one-to-many, single + single is
// one-to-one. Unnamed relations get Prisma's generated name "AToB" (model names sorted).
// Ambiguous pairings are reported first and stop the relation checks, as in Prisma. With
// relationMode = "prisma", cascading cycles are errors (psl-core's relations::cycles).
#include <algorithm>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "schema/relations.hpp"

namespace pgkit::schema {

const char* to_string(ReferentialAction a) noexcept {
  switch (a) {
    case ReferentialAction::Cascade: return "Cascade";
    case ReferentialAction::Restrict: return "Restrict";
    case ReferentialAction::NoAction: return "NoAction";
    case ReferentialAction::SetNull: return "SetNull";
    case ReferentialAction::SetDefault: return "SetDefault";
  }
  return "NoAction";
}

namespace detail {
namespace {

std::string generated_name(std::string_view a, std::string_view b) {
  return a < b ? fmt::format("{}To{}", a, b) : fmt::format("{}To{}", b, a);
}

std::string field_list_text(const Model& m, const std::vector<std::size_t>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == fields.size() ? " and " : ", ");
    out += backquoted(m.fields[fields[i]].name);
  }
  return out;
}

class Inference {
 public:
  explicit Inference(Context& ctx) : ctx_(ctx), sides_{ctx} {}

  void run() {
    by_model_.resize(ctx_.schema.models.size());
    for (std::size_t m = 0; m < ctx_.schema.models.size(); ++m) {
      for (std::size_t f = 0; f < ctx_.schema.models[m].fields.size(); ++f) {
        if (ctx_.schema.models[m].fields[f].is_relation() && ctx_.models[m].fields[f].type_known) {
          by_model_[m].push_back({m, f});
        }
      }
    }
    if (ambiguous()) return;
    for (const auto& fields : by_model_) {
      for (const FieldRef& rf : fields) ingest(rf);
    }
    bool all_ok = true;
    for (const auto& r : relations_) all_ok = check_relation(ctx_, r) && all_ok;
    if (ctx_.schema.datasource.relation_mode_prisma) check_cycles(ctx_, relations_);
    for (const auto& r : relations_) output(r);
    (void)all_ok;
  }

 private:
  Context& ctx_;
  RelationSides sides_;
  std::vector<std::vector<FieldRef>> by_model_;  // per model: its relation fields in order
  std::vector<InferredRelation> relations_;

  const Field& field(FieldRef r) const { return sides_.field(r); }
  std::size_t target(FieldRef r) const { return ctx_.models[r.model].fields[r.field].model; }
  const std::string& model_name(std::size_t m) const { return ctx_.schema.models[m].name; }

  // Prisma's Names::relation_names and relation_fields::ambiguity.
  bool ambiguous() {
    struct Key {
      std::size_t model, other;
      std::string name;  // explicit or generated
      FieldRef field;
    };
    std::vector<Key> keys;
    for (const auto& fields : by_model_) {
      for (const FieldRef& rf : fields) {
        const Field& f = field(rf);
        const std::size_t other = target(rf);
        keys.push_back(
            {rf.model, other,
             f.relation_name.empty() ? generated_name(model_name(rf.model), model_name(other)) : f.relation_name, rf});
      }
    }
    std::stable_sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
      return std::tie(a.model, a.other, a.name) < std::tie(b.model, b.other, b.name);
    });
    bool found = false;
    std::vector<FieldRef> fields;
    for (std::size_t i = 0; i < keys.size();) {
      std::size_t j = i + 1;
      while (j < keys.size() && keys[j].model == keys[i].model && keys[j].other == keys[i].other &&
             keys[j].name == keys[i].name) {
        ++j;
      }
      fields.clear();
      for (std::size_t k = i; k < j; ++k) fields.push_back(keys[k].field);
      const std::size_t m = keys[i].model, other = keys[i].other;
      const std::string& name = keys[i].name;
      i = j;
      if (fields.size() < 2) continue;
      const bool self = m == other;
      const bool named = !field(fields[0]).relation_name.empty();
      if (named && self && fields.size() == 2) continue;
      std::vector<std::size_t> indices;
      for (const auto& rf : fields) indices.push_back(rf.field);
      const Model& model = ctx_.schema.models[m];
      const std::string list = field_list_text(model, indices);
      std::string message;
      if (!named && self && fields.size() == 2) {
        message = fmt::format(
            "{} of model {} both refer to {} without a relation name: if they are the two sides of "
            "one relation, give both the same name (@relation(\"{}Tree\")); if not, give each its "
            "own",
            list, backquoted(model.name), backquoted(model.name), model.name);
      } else if (!named && self) {
        message = fmt::format(
            "{} of model {} refer to {} without relation names: name them so that each relation has "
            "its own name, shared by at most two fields",
            list, backquoted(model.name), backquoted(model.name));
      } else if (self) {
        message = fmt::format(
            "{} of model {} share the relation name \"{}\", but a relation has at most two fields: "
            "rename one",
            list, backquoted(model.name), name);
      } else if (!named) {
        message = fmt::format(
            "{} of model {} both refer to {} without a relation name, so Prisma cannot pair them with "
            "fields of {}: give each relation its own name, the same on both sides — "
            "@relation(\"…\")",
            list, backquoted(model.name), backquoted(model_name(other)), backquoted(model_name(other)));
      } else {
        message = fmt::format("{} of model {} use the same relation name \"{}\" to {}: give each relation its own name",
                              list, backquoted(model.name), name, backquoted(model_name(other)));
      }
      for (const auto& rf : fields) ctx_.error(sides_.file(rf), sides_.at(rf), message);
      found = true;
    }
    return found;
  }

  std::optional<FieldRef> opposite(FieldRef rf) const {
    const std::size_t other = target(rf);
    const std::string& name = field(rf).relation_name;
    for (const FieldRef& candidate : by_model_[other]) {
      if (target(candidate) != rf.model) continue;
      if (candidate == rf) continue;
      if (field(candidate).relation_name == name) return candidate;
    }
    return std::nullopt;
  }

  bool fields_are_unique(FieldRef rf) const {
    const auto& given = *sides_.info(rf).relation.fields;
    const Model& m = ctx_.schema.models[rf.model];
    for (const auto& idx : m.indexes) {
      if (idx.kind != IndexDef::Kind::unique || idx.fields.size() != given.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < given.size() && same; ++i) same = idx.fields[i].field == m.fields[given[i]].name;
      if (same) return true;
    }
    return false;
  }

  // [model name, field name] ordering, for the lexicographic tie-breaks.
  bool after(FieldRef a, FieldRef b) const {
    return std::tie(model_name(a.model), field(a).name) > std::tie(model_name(b.model), field(b).name);
  }

  void ingest(FieldRef rf) {
    using Shape = InferredRelation::Shape;
    const Arity arity = field(rf).arity;
    const std::optional<FieldRef> opp = opposite(rf);
    // The opposite's arity; a list stands in for "no opposite" only where `opp` is checked too.
    const Arity opp_arity = opp ? field(*opp).arity : Arity::list;
    InferredRelation r;
    r.model_a = rf.model;
    r.model_b = target(rf);
    r.field_a = rf;
    r.field_b = opp;
    if (arity == Arity::list && opp && opp_arity == Arity::list) {
      if (model_name(rf.model) > model_name(r.model_b)) return;
      if (rf.model == r.model_b && field(rf).name > field(*opp).name) return;
      r.shape = sides_.info(rf).relation.fields || sides_.info(*opp).relation.fields ? Shape::embedded_many_to_many
                                                                                     : Shape::implicit_many_to_many;
    } else if (arity == Arity::required && opp && opp_arity == Arity::optional) {
      r.shape = Shape::one_to_one;
    } else if (arity == Arity::required && opp && opp_arity == Arity::required) {
      if (after(rf, *opp)) return;
      r.shape = Shape::one_to_one;
    } else if (arity == Arity::optional && opp && opp_arity == Arity::required) {
      return;  // the required side makes this relation
    } else if (arity == Arity::optional && opp && opp_arity == Arity::optional) {
      if (!sides_.info(rf).relation.fields) {
        if (sides_.info(*opp).relation.fields) return;  // the side with fields makes it
        if (after(rf, *opp)) return;
      }
      r.shape = Shape::one_to_one;
    } else if (arity == Arity::list && opp) {
      return;  // one-to-many seen from its list side: the other side makes it
    } else if (arity == Arity::list) {
      r.shape = Shape::one_to_many;  // the list side only: no forward field
      r.model_a = target(rf);
      r.model_b = rf.model;
      r.field_a.reset();
      r.field_b = rf;
    } else if (opp) {
      r.shape = Shape::one_to_many;
    } else {
      r.shape = sides_.info(rf).relation.fields && fields_are_unique(rf) ? Shape::one_to_one : Shape::one_to_many;
    }
    const std::string& explicit_name = field(rf).relation_name;
    r.explicit_name = !explicit_name.empty();
    r.name = r.explicit_name ? explicit_name : generated_name(model_name(r.model_a), model_name(r.model_b));
    relations_.push_back(std::move(r));
  }

  void output(const InferredRelation& r) {
    using Shape = InferredRelation::Shape;
    Relation out;
    out.name = r.name;
    out.referencing_model = model_name(r.model_a);
    out.referenced_model = model_name(r.model_b);
    if (r.field_a) out.referencing_field = field(*r.field_a).name;
    if (r.field_b) out.referenced_field = field(*r.field_b).name;
    switch (r.shape) {
      case Shape::one_to_one: out.kind = Relation::Kind::one_to_one; break;
      case Shape::one_to_many: out.kind = Relation::Kind::one_to_many; break;
      case Shape::implicit_many_to_many:
      case Shape::embedded_many_to_many:
        out.kind = Relation::Kind::many_to_many;
        out.join_table = "_" + r.name;
        break;
    }
    if (r.field_a && out.kind != Relation::Kind::many_to_many) {
      const Field& f = field(*r.field_a);
      out.fields = f.relation_fields;
      out.references = f.relation_references;
      out.map = f.relation_map;
      out.on_delete = f.on_delete.value_or(default_on_delete(ctx_, *r.field_a));
      out.on_update = f.on_update.value_or(ReferentialAction::Cascade);
    }
    ctx_.schema.relations.push_back(std::move(out));
  }
};

}  // namespace

ReferentialAction default_on_delete(Context& ctx, FieldRef forward) {
  const Model& m = ctx.schema.models[forward.model];
  const Field& f = m.fields[forward.field];
  // Prisma's referential arity: required when the field or any of its scalar fields is.
  bool required = f.arity == Arity::required;
  for (const auto& name : f.relation_fields) {
    if (const Field* s = m.field(name); s && s->arity == Arity::required) required = true;
  }
  return required ? ReferentialAction::Restrict : ReferentialAction::SetNull;
}

void check_cycles(Context& ctx, const std::vector<InferredRelation>& relations) {
  // Complete 1:1/1:n relations (both fields present) whose actions modify rows, as edges
  // referencing model → referenced model. A path back to where it started is a cycle.
  struct Edge {
    std::size_t from, to;
    FieldRef field;
    ReferentialAction on_delete, on_update;
  };
  std::vector<Edge> edges;
  for (const auto& r : relations) {
    if (!r.field_a || !r.field_b) continue;
    if (r.shape != InferredRelation::Shape::one_to_one && r.shape != InferredRelation::Shape::one_to_many) continue;
    const Field& f = ctx.schema.models[r.field_a->model].fields[r.field_a->field];
    edges.push_back({r.model_a, r.model_b, *r.field_a, f.on_delete.value_or(default_on_delete(ctx, *r.field_a)),
                     f.on_update.value_or(ReferentialAction::Cascade)});
  }
  auto modifies = [](const Edge& e) {
    auto m = [](ReferentialAction a) { return a != ReferentialAction::NoAction && a != ReferentialAction::Restrict; };
    return m(e.on_delete) || m(e.on_update);
  };
  std::unordered_multimap<std::size_t, std::size_t> from;
  for (std::size_t i = 0; i < edges.size(); ++i) from.emplace(edges[i].from, i);
  for (const Edge& start : edges) {
    if (!modifies(start)) continue;
    const Model& model = ctx.schema.models[start.from];
    const Field& field = model.fields[start.field.field];
    const std::uint32_t file = ctx.models[start.from].file;
    const std::uint32_t at = ctx.models[start.from].fields[start.field.field].ast->span.start;
    auto defaults = [&] {
      std::string out;
      if (!field.on_delete) out += fmt::format(" (onDelete defaults to {})", to_string(start.on_delete));
      if (!field.on_update) out += fmt::format(" (onUpdate defaults to {})", to_string(start.on_update));
      return out;
    };
    if (start.to == start.from) {
      ctx.error(file, at,
                fmt::format("with relationMode = \"prisma\", the self-relation {} must not cascade: set onDelete and "
                            "onUpdate to Restrict on one of its @relation attributes{}",
                            backquoted(field.name), defaults()));
      continue;
    }
    // Depth-first search over modifying edges for a way back to start.from.
    std::unordered_set<std::size_t> seen{start.to};
    std::vector<std::size_t> stack{start.to};
    bool cycle = false;
    while (!stack.empty() && !cycle) {
      const std::size_t m = stack.back();
      stack.pop_back();
      auto [lo, hi] = from.equal_range(m);
      for (auto it = lo; it != hi; ++it) {
        const Edge& e = edges[it->second];
        if (!modifies(e)) continue;
        if (e.to == start.from) {
          cycle = true;
          break;
        }
        if (seen.insert(e.to).second) stack.push_back(e.to);
      }
    }
    if (cycle) {
      ctx.error(
          file, at,
          fmt::format("with relationMode = \"prisma\", {} starts a cycle of cascading relations back to model {}: "
                      "set onDelete and onUpdate to Restrict on one @relation in the cycle{}",
                      backquoted(field.name), backquoted(model.name), defaults()));
    }
  }
}

void resolve_relations(Context& ctx) { Inference(ctx).run(); }

}  // namespace detail
}  // namespace pgkit::schema
