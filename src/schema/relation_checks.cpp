// The checks on each relation (psl-core's validations/relations*.rs and relation_fields.rs):
// both sides present, fields/references on the right side and of matching count and types,
// references a unique key, one-to-one keys unique, implicit many-to-many between single-field
// ids, referential actions allowed (fewer with relationMode = "prisma"). Cascading cycles are
// relations.cpp's (they need every relation).
#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "schema/relations.hpp"

namespace pgkit::schema::detail {
namespace {

std::string names(const Model& m, const std::vector<std::size_t>& fields, std::string_view sep = ", ") {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += sep;
    out += m.fields[fields[i]].name;
  }
  return out;
}

// lowerCamel plural of a model name, for "add `posts Post[]`" suggestions.
std::string field_suggestion(const std::string& model, bool list) {
  std::string out = model;
  if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
  return list ? out + "s" : out;
}

// Whether some unique criterion of m (its primary key or a unique constraint) is exactly the
// fields `keys` (indices into m.fields), in any order. Names in a key are distinct, so equal
// sizes and each name present make the same set.
bool unique_over(const Model& m, const std::vector<std::size_t>& keys) {
  auto same = [&](const IndexDef& idx) {
    if (idx.fields.size() != keys.size()) return false;
    return std::all_of(keys.begin(), keys.end(), [&](std::size_t k) {
      return std::any_of(idx.fields.begin(), idx.fields.end(),
                         [&](const IndexField& f) { return f.field == m.fields[k].name; });
    });
  };
  if (m.primary_key && same(*m.primary_key)) return true;
  return std::any_of(m.indexes.begin(), m.indexes.end(),
                     [&](const IndexDef& idx) { return idx.kind == IndexDef::Kind::unique && same(idx); });
}

bool same_type(const Field& a, const Field& b) {
  if (a.type.kind != b.type.kind) return false;
  if (a.type.kind == FieldType::Kind::scalar) return a.type.scalar == b.type.scalar;
  return a.type.name == b.type.name;
}

std::string type_text(const Field& f) {
  return f.type.kind == FieldType::Kind::scalar ? to_string(f.type.scalar) : f.type.name;
}

class Checks {
 public:
  Checks(Context& ctx, const InferredRelation& r) : ctx_(ctx), s_{ctx}, r_(r) {}

  bool run() {
    field_checks(r_.field_a);
    field_checks(r_.field_b);
    using Shape = InferredRelation::Shape;
    switch (r_.shape) {
      case Shape::implicit_many_to_many: many_to_many(); break;
      case Shape::embedded_many_to_many: embedded(); break;
      case Shape::one_to_one:
      case Shape::one_to_many:
        inline_common();
        if (r_.shape == Shape::one_to_one)
          one_to_one();
        else
          one_to_many();
        break;
    }
    return ok_;
  }

 private:
  Context& ctx_;
  RelationSides s_;
  const InferredRelation& r_;
  bool ok_ = true;

  void error(FieldRef at, std::string message) {
    ctx_.error(s_.file(at), s_.at(at), std::move(message));
    ok_ = false;
  }
  void error_at(FieldRef in, std::uint32_t offset, std::string message) {
    ctx_.error(s_.file(in), offset, std::move(message));
    ok_ = false;
  }
  std::string where(FieldRef f) const { return fmt::format("{}.{}", s_.model(f.model).name, s_.field(f).name); }

  // relation_fields.rs: per field.
  void field_checks(const std::optional<FieldRef>& ref) {
    if (!ref) return;
    const FieldRef f = *ref;
    const Field& field = s_.field(f);
    const Model& model = s_.model(f.model);
    const Model& other = s_.model(s_.info(f).model);
    if (other.ignored && !field.ignored && !model.ignored) {
      error(f, fmt::format("{} points to model {}, which is @@ignore'd: add @ignore to {}", backquoted(field.name),
                           backquoted(other.name), backquoted(field.name)));
    }
    const RelationInfo& ri = s_.info(f).relation;
    const bool prisma_mode = ctx_.schema.datasource.relation_mode_prisma;
    auto check_action = [&](const ast::Expression* e, std::optional<ReferentialAction> a, std::string_view arg) {
      if (!e || !a || !prisma_mode) return;
      if (*a == ReferentialAction::NoAction) {
        error_at(f, e->span.start,
                 fmt::format("{}: NoAction is not available with relationMode = \"prisma\" (Prisma emulates Cascade, "
                             "Restrict and SetNull): use Restrict",
                             arg));
      } else if (*a == ReferentialAction::SetDefault) {
        error_at(f, e->span.start,
                 fmt::format("{}: SetDefault is not available with relationMode = \"prisma\": use Cascade, Restrict "
                             "or SetNull",
                             arg));
      } else if (*a == ReferentialAction::SetNull) {
        for (std::size_t k : ri.fields.value_or(std::vector<std::size_t>{})) {
          if (model.fields[k].arity == Arity::required) {
            error_at(f, e->span.start,
                     fmt::format("{}: SetNull cannot clear {}, which is required: choose another action or make {} "
                                 "optional",
                                 arg, backquoted(model.fields[k].name), backquoted(model.fields[k].name)));
            break;
          }
        }
      }
    };
    check_action(ri.on_delete, field.on_delete, "onDelete");
    check_action(ri.on_update, field.on_update, "onUpdate");
    if (ri.map && field.relation_map.size() > 63) {
      error_at(f, ri.map->span.start,
               fmt::format("the foreign key name \"{}\" is longer than PostgreSQL's 63 bytes: shorten it",
                           field.relation_map));
    }
  }

  void missing_opposite(FieldRef f, bool list_suggestion) {
    const Field& field = s_.field(f);
    const Model& model = s_.model(f.model);
    const Model& other = s_.model(s_.info(f).model);
    error(f, fmt::format("{} on {} {} has no opposite relation field on model {}: add one, such as `{} {}{}` (pgkit "
                         "does not add it for you)",
                         backquoted(field.name), model.view ? "view" : "model", backquoted(model.name),
                         backquoted(other.name), field_suggestion(model.name, list_suggestion), model.name,
                         list_suggestion ? "[]" : "?"));
  }

  // Checks every 1:1 and 1:n relation gets (relations.rs).
  void inline_common() {
    if (!r_.field_a) return;
    const FieldRef fwd = *r_.field_a;
    const Field& f = s_.field(fwd);
    const RelationInfo& ri = s_.info(fwd).relation;
    const Model& a = s_.model(r_.model_a);
    const Model& b = s_.model(r_.model_b);
    // references point at a unique criterion of the other model.
    if (s_.has_references(fwd)) {
      const bool unique = unique_over(b, *ri.references);
      if (!unique) {
        error(fwd, ri.references->size() == 1
                       ? fmt::format("references: [{}] must be a unique key of model {}: add @unique to {}.{}",
                                     names(b, *ri.references), backquoted(b.name), b.name, names(b, *ri.references))
                       : fmt::format("references: [{}] must be a unique key of model {}: add @@unique([{}]) to it",
                                     names(b, *ri.references), backquoted(b.name), names(b, *ri.references)));
      }
    }
    if (ri.fields && ri.references && ri.fields->size() != ri.references->size()) {
      error_at(fwd, ri.attribute->span.start,
               fmt::format("fields: lists {} field{} and references: {}: they pair up one to one, so list as many in "
                           "each",
                           ri.fields->size(), ri.fields->size() == 1 ? "" : "s", ri.references->size()));
    }
    if (f.arity == Arity::required && ri.fields) {
      for (std::size_t k : *ri.fields) {
        if (a.fields[k].arity != Arity::optional) continue;
        error(fwd, fmt::format("{} is required but its scalar field {} is optional: make {} optional ({}?) or {} "
                               "required",
                               backquoted(f.name), backquoted(a.fields[k].name), backquoted(f.name), b.name,
                               backquoted(a.fields[k].name)));
        break;
      }
    }
    if (ri.fields && ri.references) {
      for (std::size_t i = 0; i < std::min(ri.fields->size(), ri.references->size()); ++i) {
        const Field& x = a.fields[(*ri.fields)[i]];
        const Field& y = b.fields[(*ri.references)[i]];
        if (same_type(x, y)) continue;
        error(fwd, fmt::format("{} ({}) refers to {}.{} ({}): a foreign key has the type of what it refers to — make "
                               "{} {}",
                               backquoted(x.name), type_text(x), b.name, y.name, type_text(y), backquoted(x.name),
                               type_text(y)));
      }
    }
  }

  void one_to_many() {
    if (!r_.field_a || !r_.field_b) {
      missing_opposite(r_.field_a ? *r_.field_a : *r_.field_b, r_.field_a.has_value());
      return;
    }
    const FieldRef fwd = *r_.field_a, back = *r_.field_b;
    if (!s_.has_fields(fwd)) {
      error(fwd, fmt::format("{} must say which of its model's fields hold the key: @relation(fields: [{}Id], "
                             "references: [id])",
                             backquoted(s_.field(fwd).name), s_.field(fwd).name));
    } else if (!s_.has_references(fwd)) {
      error(fwd, fmt::format("{} must say which fields of {} its fields refer to: add references: [id] to @relation",
                             backquoted(s_.field(fwd).name), backquoted(s_.model(r_.model_b).name)));
    }
    if (s_.info(back).relation.fields || s_.info(back).relation.references) {
      error(back, fmt::format("{} is the list side of a one-to-many relation and takes no fields:/references: — they "
                              "belong on {}",
                              backquoted(s_.field(back).name), where(fwd)));
    }
    if (s_.has_actions(back)) {
      error(back, fmt::format("onDelete/onUpdate go on {}, the side with fields:, not on the list side {}", where(fwd),
                              backquoted(s_.field(back).name)));
    }
  }

  void one_to_one() {
    const FieldRef fwd = *r_.field_a;
    if (!r_.field_b) {
      missing_opposite(fwd, false);
      return;
    }
    const FieldRef back = *r_.field_b;
    // In name order: when both sides carry fields:, Prisma infers the relation from each side,
    // and the same message from the second is then dropped as a duplicate.
    auto both = [&] {
      return where(fwd) < where(back) ? fmt::format("{} and {}", where(fwd), where(back))
                                      : fmt::format("{} and {}", where(back), where(fwd));
    };
    const bool fwd_fields = s_.has_fields(fwd), back_fields = s_.has_fields(back);
    const bool fwd_refs = s_.has_references(fwd), back_refs = s_.has_references(back);
    if (!fwd_fields && !back_fields) {
      const std::string m = fmt::format(
          "neither side of the one-to-one relation {} has fields: — add "
          "@relation(fields: [...], references: [...]) to the side that stores the key",
          both());
      error(fwd, m);
      error(back, m);
    }
    if (!fwd_refs && !back_refs && (fwd_fields || back_fields)) {
      const std::string m = fmt::format(
          "neither side of the one-to-one relation {} has references: — add it next to "
          "fields:",
          both());
      error(fwd, m);
      error(back, m);
    }
    if (fwd_fields && back_fields) {
      const std::string m =
          fmt::format("both sides of the one-to-one relation {} give fields: — keep it on one side only", both());
      error(fwd, m);
      error(back, m);
    }
    if (fwd_refs && back_refs) {
      const std::string m =
          fmt::format("both sides of the one-to-one relation {} give references: — keep it on one side only", both());
      error(fwd, m);
      error(back, m);
    }
    if (s_.has_actions(back)) {
      error(back,
            s_.has_actions(fwd)
                ? fmt::format("both sides of {} set onDelete/onUpdate: keep them on {} only", both(), where(fwd))
                : fmt::format("onDelete/onUpdate go on {}, the side with fields:, not on {}", where(fwd), where(back)));
    }
    if (fwd_fields) {
      const Model& a = s_.model(r_.model_a);
      const bool unique = unique_over(a, *s_.info(fwd).relation.fields);
      if (!unique) {
        const auto& fields = *s_.info(fwd).relation.fields;
        error(fwd, fields.size() == 1
                       ? fmt::format("a one-to-one relation needs a unique key: add @unique to {} (or make the "
                                     "relation one-to-many)",
                                     backquoted(names(a, fields)))
                       : fmt::format("a one-to-one relation needs a unique key: add @@unique([{}]) to model {} (or "
                                     "make the relation one-to-many)",
                                     names(a, fields), backquoted(a.name)));
      }
    }
    if (!ok_) return;  // the remaining checks only make sense on an otherwise sound relation
    if (fwd_fields && back_refs) {
      const std::string m =
          fmt::format("{} gives fields: but {} gives references: — put both on the same side", where(fwd), where(back));
      error(fwd, m);
      error(back, m);
    }
    if (fwd_refs && back_fields) {
      error(fwd, fmt::format("{} gives references: but {} gives fields: — put both on the same side", where(fwd),
                             where(back)));
    }
    if (!ok_) return;
    if (s_.field(back).arity == Arity::required) {
      error(back,
            fmt::format("{} is required, but the database cannot make every {} have a {}: make it optional "
                        "(`{}?`)",
                        where(back), s_.model(r_.model_b).name, s_.model(r_.model_a).name, s_.model(r_.model_a).name));
    } else if (s_.field(fwd).arity == Arity::required && (back_fields || back_refs)) {
      error(back, fmt::format("fields:/references: belong on the required side {} (it is the one the database can "
                              "enforce), not on {}",
                              where(fwd), where(back)));
    }
  }

  void many_to_many() {
    for (const auto& ref : {r_.field_a, r_.field_b}) {
      const FieldRef f = *ref;
      const Field& field = s_.field(f);
      const Model& other = s_.model(s_.info(f).model);
      const RelationInfo& ri = s_.info(f).relation;
      if (!other.primary_key || other.primary_key->fields.size() != 1) {
        error(f, fmt::format("{} is part of an implicit many-to-many relation, and model {} has no single-field @id: "
                             "give it one, or model the join table yourself",
                             backquoted(field.name), backquoted(other.name)));
      }
      if (ri.references) {
        error(f, fmt::format("references: does not apply to {}, a side of an implicit many-to-many relation (it "
                             "always refers to the @id): remove it, or make the relation one-to-many",
                             backquoted(field.name)));
      }
      for (const ast::Expression* e : {ri.on_delete, ri.on_update}) {
        if (!e) continue;
        error_at(f, e->span.start,
                 "onDelete/onUpdate do not apply to an implicit many-to-many relation (its join table's rows are "
                 "deleted with either side): remove it, or model the join table yourself");
      }
    }
  }

  void embedded() {
    for (const auto& ref : {r_.field_a, r_.field_b}) {
      if (!s_.info(*ref).relation.fields) continue;
      error(*ref, fmt::format("{} is a list on both sides, a many-to-many relation, which takes no fields: on "
                              "PostgreSQL (that form is MongoDB's): remove fields:/references:",
                              backquoted(s_.field(*ref).name)));
    }
  }
};

}  // namespace

bool check_relation(Context& ctx, const InferredRelation& r) { return Checks(ctx, r).run(); }

}  // namespace pgkit::schema::detail
