// introspect(), relations: implicit many-to-many join tables (introspection_helpers.rs), the
// names of relations and their fields (relation_names.rs), where relation fields go
// (introspection_map.rs) and how they are written (relation_field.rs, rendering/relation_field.rs).
//
// A relation is ambiguous when the same two models share another relation, or when the name
// its forward field would get (the referenced model's) is one of the referencing model's
// columns; ambiguous relations get a name and fields named after it.
#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "schema/calculate_internal.hpp"
#include "schema/introspect_internal.hpp"

namespace pgkit::schema::detail::introspection {
namespace {

using Pair = std::pair<std::size_t, std::size_t>;

Pair sorted(std::size_t a, std::size_t b) { return a < b ? Pair{a, b} : Pair{b, a}; }

bool is_column(const std::string& name, char letter) {
  return name.size() == 1 && std::tolower(static_cast<unsigned char>(name[0])) == letter;
}

// Relation and relation field names are computed while Prisma is still building the map of
// what matches the previous schema (IntrospectionMap::new, whose context's map is empty), so
// they come from the database's names: a model is its table's name sanitized (or "Renamed…"),
// a field its column's — whatever the previous schema calls them. Only relations the previous
// schema has complete keep its names (keep_previous_names).
std::string model_name(const Context& ctx, std::size_t table) {
  const std::string& name = ctx.tables[table].sql->name;
  return is_reserved_name(name) ? "Renamed" + name : sanitize(name);
}

Pair join_targets(const Table& t) { return sorted(t.foreign_keys[0].target, t.foreign_keys[1].target); }

// The index (0 or 1) of a join table's key on column A (the other is on B).
std::size_t key_on_a(const Table& t) {
  const auto& first = t.foreign_keys[0].sql->columns;
  return !first.empty() && is_column(first[0], 'a') ? 0 : 1;
}

class Ambiguity {
 public:
  explicit Ambiguity(const Context& ctx) : ctx_(ctx) {
    for (std::size_t i = 0; i < ctx.tables.size(); ++i) {
      if (ctx.tables[i].join) {
        many_to_many(i);
        continue;
      }
      for (std::size_t k = 0; k < ctx.tables[i].foreign_keys.size(); ++k) inline_relation(i, k);
    }
  }
  bool contains(Pair p) const { return set_.count(p) > 0; }

 private:
  const Context& ctx_;
  std::set<Pair> set_;

  void many_to_many(std::size_t join) {
    Pair tables = join_targets(ctx_.tables[join]);
    if (contains(tables)) return;
    for (std::size_t model : {tables.first, tables.second})
      for (const auto& fk : ctx_.tables[model].foreign_keys)
        if (sorted(model, fk.target) == tables) set_.insert(tables);
    for (std::size_t other = 0; other < ctx_.tables.size(); ++other)
      if (other != join && ctx_.tables[other].join && join_targets(ctx_.tables[other]) == tables) set_.insert(tables);
  }

  void inline_relation(std::size_t table, std::size_t k) {
    const auto& fk = ctx_.tables[table].foreign_keys[k];
    Pair tables = sorted(table, fk.target);
    if (contains(tables)) return;
    // Another relation between the same two models (fks_are_distinct: another key, on other columns).
    for (std::size_t owner : {table, fk.target}) {
      const auto& keys = ctx_.tables[owner].foreign_keys;
      for (std::size_t m = 0; m < keys.size(); ++m) {
        bool same_key = owner == table && m == k;
        bool same_columns = owner == table && keys[m].sql->columns == fk.sql->columns;
        if (same_key || same_columns) continue;
        if (sorted(owner, keys[m].target) == tables) {
          set_.insert(tables);
          return;
        }
      }
    }
    // The forward field's default name (the referenced model's) taken by a column.
    for (const auto& column : fk.sql->columns) {
      if (sanitize(column) == model_name(ctx_, fk.target)) {
        set_.insert(tables);
        return;
      }
    }
  }
};

const std::string& column_name(const Table& t, const std::string& column) {
  const catalog::Column* c = t.sql->column(column);
  static const std::string kNone;
  return c ? t.columns[static_cast<std::size_t>(c - t.sql->columns.data())].name : kNone;
}

RelationNames m2m_names(const Context& ctx, const Ambiguity& ambiguity, std::size_t join) {
  const Table& t = ctx.tables[join];
  Pair ids = join_targets(t);
  bool self = ids.first == ids.second;
  std::string found = t.sql->name.substr(1), relation, suffix;
  if (ambiguity.contains(ids)) {
    relation = found;
    suffix = t.sql->name;
  } else {
    std::string default_name = model_name(ctx, ids.first) + "To" + model_name(ctx, ids.second);
    relation = found == default_name && !self ? "" : found;
  }
  return {relation, model_name(ctx, ids.second) + suffix + (self ? "_A" : ""),
          model_name(ctx, ids.first) + suffix + (self ? "_B" : "")};
}

RelationNames inline_names(const Context& ctx, const Ambiguity& ambiguity, std::size_t table, std::size_t k) {
  const auto& fk = ctx.tables[table].foreign_keys[k];
  bool self = fk.target == table;
  std::string referencing = model_name(ctx, table);
  std::string referenced = model_name(ctx, fk.target);
  std::string prefix = self ? "other_" : "";
  if (!ambiguity.contains(sorted(table, fk.target)))
    return {self ? referencing + "To" + referenced : "", referenced, prefix + referencing};
  std::vector<std::string> columns;
  for (const auto& c : fk.sql->columns) columns.push_back(sanitize(c));
  std::string relation = fmt::format("{}_{}To{}", referencing, fmt::join(columns, "_"), referenced);
  return {relation, referenced + "_" + relation, prefix + referencing + "_" + relation};
}

// The previous schema's relation for a foreign key: from the model of its table, on fields
// whose columns are the key's (match_existing_inline_relations).
const Relation* previous_inline(const Context& ctx, std::size_t table, std::size_t k) {
  const Table& t = ctx.tables[table];
  if (!t.previous) return nullptr;
  const auto& columns = t.foreign_keys[k].sql->columns;
  for (const auto& r : ctx.previous->relations) {
    if (r.kind == Relation::Kind::many_to_many || r.referencing_model != t.previous->name) continue;
    if (r.fields.size() != columns.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < columns.size() && same; ++i) {
      const Field* f = t.previous->field(r.fields[i]);
      same = f && f->db_name == columns[i];
    }
    if (same) return &r;
  }
  return nullptr;
}

const Relation* previous_m2m(const Context& ctx, std::size_t join) {
  if (!ctx.previous) return nullptr;
  for (const auto& r : ctx.previous->relations)
    if (r.kind == Relation::Kind::many_to_many && r.name == ctx.tables[join].sql->name.substr(1)) return &r;
  return nullptr;
}

// The explicit name of a previous relation ("" when Prisma generated it).
std::string explicit_name(const Context& ctx, const Relation& r) {
  for (const auto* side : {&r.referenced_model, &r.referencing_model}) {
    const Model* m = ctx.previous->model(*side);
    const std::string& field = side == &r.referenced_model ? r.referenced_field : r.referencing_field;
    if (const Field* f = m ? m->field(field) : nullptr; f && !f->relation_name.empty()) return f->relation_name;
  }
  return "";
}

// Re-introspection: the previous schema's relation and field names win (context.rs).
void keep_previous_names(Context& ctx) {
  if (!ctx.previous) return;
  for (auto& [id, names] : ctx.inline_names) {
    const Relation* r = previous_inline(ctx, id.table, id.fk);
    if (!r || r->referenced_field.empty()) continue;  // not complete: Prisma's names
    names = {explicit_name(ctx, *r), r->referencing_field, r->referenced_field};
  }
  for (auto& [join, names] : ctx.m2m_names) {
    const Relation* r = previous_m2m(ctx, join);
    if (!r) continue;
    names.relation = r->name;  // explicit or generated, Prisma writes it
    const Table& t = ctx.tables[join];
    if (r->referencing_model == r->referenced_model) continue;  // self-relations keep Prisma's field names
    const Table& a = ctx.tables[t.foreign_keys[key_on_a(t)].target];
    bool a_is_referencing = a.previous && a.previous->name == r->referencing_model;
    names.forward = a_is_referencing ? r->referencing_field : r->referenced_field;
    names.back = a_is_referencing ? r->referenced_field : r->referencing_field;
  }
}

const char* action_name(catalog::Action a) {
  switch (a) {
    case catalog::Action::cascade: return "Cascade";
    case catalog::Action::restrict: return "Restrict";
    case catalog::Action::no_action: return "NoAction";
    case catalog::Action::set_null: return "SetNull";
    case catalog::Action::set_default: return "SetDefault";
  }
  return "NoAction";
}

// A back-relation is 1:1 when a key or unique index of the referencing table lies within the
// foreign key's columns (forward_relation_field_is_unique).
bool forward_is_unique(const Table& t, const catalog::ForeignKey& fk) {
  return std::any_of(t.indexes.begin(), t.indexes.end(), [&](const catalog::Index* i) {
    return i->is_unique() && std::all_of(i->keys.begin(), i->keys.end(), [&](const catalog::IndexKey& k) {
             return std::find(fk.columns.begin(), fk.columns.end(), k.column) != fk.columns.end();
           });
  });
}

std::string relation_attribute(const std::vector<std::string>& arguments) {
  return fmt::format("@relation({})", fmt::join(arguments, ", "));
}

FieldText inline_field(Context& ctx, const RelationPosition& p) {
  const Table& owner = ctx.tables[p.fk.table];
  const ForeignKey& fk = owner.foreign_keys[p.fk.fk];
  const Table& target = ctx.tables[fk.target];
  const RelationNames& names = ctx.inline_names.at(p.fk);
  FieldText f;
  std::vector<std::string> arguments;
  if (!names.relation.empty()) arguments.push_back(psl_string(names.relation));
  bool forward = p.direction == Direction::forward;
  bool missing_identifier = !owner.has_usable_identifier(ctx) || !target.has_usable_identifier(ctx);
  // RelationFieldPair::ignore asks whether the model of the field is ignored: @@ignore is read
  // from the previous relation field's model (forward) or related model (back, which is the
  // referencing model: Prisma's quirk), the missing identifier from the table the field is on.
  const Relation* previous = previous_inline(ctx, p.fk.table, p.fk.fk);
  auto ignored = [&](const Table& on, bool explicit_ignore) {
    return explicit_ignore || (!on.has_usable_identifier(ctx) && !on.sql->columns.empty());
  };
  bool previous_ignored = previous && owner.previous && owner.previous->ignored;
  if (forward) {
    bool any_required = false, any_optional = false;
    std::vector<std::string> fields, references;
    for (const auto& c : fk.sql->columns) {
      const catalog::Column* column = owner.sql->column(c);
      bool required = column && column->not_null;
      any_required = any_required || required;
      any_optional = any_optional || !required;
      fields.push_back(column_name(owner, c));
    }
    for (const auto& c : fk.sql->referenced_columns) references.push_back(column_name(target, c));
    f.name = names.forward;
    f.type = target.name.name + (any_optional ? "?" : "");
    arguments.push_back(fmt::format("fields: [{}]", fmt::join(fields, ", ")));
    arguments.push_back(fmt::format("references: [{}]", fmt::join(references, ", ")));
    catalog::Action del = fk.sql->on_delete;
    bool default_delete =
        (!any_required && del == catalog::Action::set_null) || (any_required && del == catalog::Action::restrict);
    if (!default_delete) arguments.push_back(fmt::format("onDelete: {}", action_name(del)));
    if (fk.sql->on_update != catalog::Action::cascade)
      arguments.push_back(fmt::format("onUpdate: {}", action_name(fk.sql->on_update)));
    std::string map;
    if (const Relation* r = previous_inline(ctx, p.fk.table, p.fk.fk)) {
      const Field* referencing = owner.previous->field(r->referencing_field);
      if (referencing) map = referencing->relation_map;
    }
    if (map.empty() && fk.sql->name != foreign_key_name(owner.sql->name, fk.sql->columns)) map = fk.sql->name;
    if (!map.empty()) arguments.push_back("map: " + psl_string(map));
    f.attributes.push_back(relation_attribute(arguments));
    if (missing_identifier && !ignored(owner, previous_ignored)) f.attributes.push_back("@ignore");
  } else {
    f.name = names.back;
    f.type = owner.name.name + (forward_is_unique(owner, *fk.sql) ? "?" : "[]");
    if (!arguments.empty()) f.attributes.push_back(relation_attribute(arguments));
    bool back_exists = previous && !previous->referenced_field.empty();
    if (missing_identifier && !ignored(target, back_exists && previous_ignored)) f.attributes.push_back("@ignore");
  }
  return f;
}

FieldText m2m_field(Context& ctx, const RelationPosition& p) {
  const Table& join = ctx.tables[p.fk.table];
  const RelationNames& names = ctx.m2m_names.at(p.fk.table);
  FieldText f;
  f.name = p.direction == Direction::forward ? names.forward : names.back;
  f.type = ctx.tables[join.foreign_keys[p.fk.fk].target].name.name + "[]";
  if (!names.relation.empty()) f.attributes.push_back(relation_attribute({psl_string(names.relation)}));
  return f;
}

// relationMode = "prisma": the relation fields of the previous model, as written.
FieldText emulated_field(const Field& prev) {
  FieldText f;
  f.name = prev.name;
  f.type = prev.type.name + (prev.arity == Arity::optional ? "?" : prev.arity == Arity::list ? "[]" : "");
  std::vector<std::string> arguments;
  if (!prev.relation_name.empty()) arguments.push_back(psl_string(prev.relation_name));
  if (!prev.relation_fields.empty())
    arguments.push_back(fmt::format("fields: [{}]", fmt::join(prev.relation_fields, ", ")));
  if (!prev.relation_references.empty())
    arguments.push_back(fmt::format("references: [{}]", fmt::join(prev.relation_references, ", ")));
  if (prev.on_delete) arguments.push_back(fmt::format("onDelete: {}", to_string(*prev.on_delete)));
  if (prev.on_update) arguments.push_back(fmt::format("onUpdate: {}", to_string(*prev.on_update)));
  if (!prev.relation_map.empty()) arguments.push_back("map: " + psl_string(prev.relation_map));
  if (!arguments.empty()) f.attributes.push_back(relation_attribute(arguments));
  if (prev.ignored) f.attributes.push_back("@ignore");
  return f;
}

}  // namespace

bool is_join_table(const Table& t) {
  const std::string& name = t.sql->name;
  if (name.empty() || name[0] != '_' || t.foreign_keys.size() != 2) return false;
  auto key = [](const catalog::Index* i, std::size_t n) {
    return i->keys.size() > n ? i->keys[n].column : std::string();
  };
  bool ab = std::any_of(t.indexes.begin(), t.indexes.end(), [&](const catalog::Index* i) {
    return i->is_unique() && i->keys.size() == 2 && is_column(key(i, 0), 'a') && is_column(key(i, 1), 'b');
  });
  bool b = std::any_of(t.indexes.begin(), t.indexes.end(), [&](const catalog::Index* i) {
    return i->kind == catalog::Index::Kind::plain && i->keys.size() == 1 && is_column(key(i, 0), 'b');
  });
  if (!ab || !b) return false;
  const auto& first = *t.foreign_keys[0].sql;
  const auto& second = *t.foreign_keys[1].sql;
  if (first.columns.empty() || second.columns.empty()) return false;
  return (first.referenced_table <= second.referenced_table && is_column(first.columns[0], 'a') &&
          is_column(second.columns[0], 'b')) ||
         (second.referenced_table <= first.referenced_table && is_column(first.columns[0], 'b') &&
          is_column(second.columns[0], 'a'));
}

void name_relations(Context& ctx) {
  Ambiguity ambiguity(ctx);
  for (std::size_t i = 0; i < ctx.tables.size(); ++i) {
    const Table& t = ctx.tables[i];
    if (t.join) {
      ctx.m2m_names[i] = m2m_names(ctx, ambiguity, i);
      std::size_t a = key_on_a(t), b = 1 - a;
      ctx.m2m_positions.push_back({t.foreign_keys[a].target, {i, b}, Direction::forward});
      ctx.m2m_positions.push_back({t.foreign_keys[b].target, {i, a}, Direction::back});
      continue;
    }
    for (std::size_t k = 0; k < t.foreign_keys.size(); ++k) {
      if (ctx.tables[t.foreign_keys[k].target].join) continue;  // a key to a join table: no model there
      if (!t.foreign_keys[k].duplicate) ctx.inline_names[{i, k}] = inline_names(ctx, ambiguity, i, k);
      ctx.inline_positions.push_back({i, {i, k}, Direction::forward});
      ctx.inline_positions.push_back({t.foreign_keys[k].target, {i, k}, Direction::back});
    }
  }
  keep_previous_names(ctx);
}

std::vector<FieldText> relation_fields(Context& ctx, std::size_t table) {
  std::vector<FieldText> out;
  const Table& t = ctx.tables[table];
  if (!ctx.foreign_keys) {
    if (!t.previous) return out;
    for (const auto& f : t.previous->fields) {
      if (!f.is_relation()) continue;
      bool related_read = std::any_of(ctx.tables.begin(), ctx.tables.end(), [&](const Table& other) {
        return other.previous && other.previous->name == f.type.name;
      });
      if (related_read) out.push_back(emulated_field(f));
    }
    return out;
  }
  for (const auto& p : ctx.inline_positions)
    if (p.table == table && ctx.inline_names.count(p.fk)) out.push_back(inline_field(ctx, p));
  for (const auto& p : ctx.m2m_positions)
    if (p.table == table) out.push_back(m2m_field(ctx, p));
  return out;
}

}  // namespace pgkit::schema::detail::introspection
