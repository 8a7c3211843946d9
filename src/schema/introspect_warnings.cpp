// introspect(), warnings: what `db pull` tells about a database a schema cannot fully say
// (warnings.rs, warnings/enum.rs, warnings/model.rs, flavour/postgresql.rs; the texts are
// schema-connector's warnings.rs). Collected in Prisma's order — enums, models, then what the
// PostgreSQL flavour adds — and printed one kind a block.
#include <algorithm>
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "schema/introspect_internal.hpp"

namespace pgkit::schema::detail::introspection {
namespace {

struct Heading {
  Warning kind;
  const char* text;
};

constexpr const char* kEmptyNames =
    "These fields were commented out because their names are currently not supported by Prisma. Please provide "
    "valid ones that match [a-zA-Z][a-zA-Z0-9_]* using the `@map` attribute:";

constexpr Heading kHeadings[] = {
    {Warning::empty_field_names, kEmptyNames},
    {Warning::remapped_fields,
     "These fields were enriched with `@map` information taken from the previous Prisma schema:"},
    {Warning::empty_enum_values,
     "These enum values were commented out because their names are currently not supported by Prisma. Please "
     "provide valid ones that match [a-zA-Z][a-zA-Z0-9_]* using the `@map` attribute:"},
    {Warning::models_without_columns,
     "The following models were commented out as we could not retrieve columns for them. Please check your "
     "privileges:"},
    {Warning::models_without_identifiers,
     "The following models were ignored as they do not have a valid unique identifier or id. This is currently not "
     "supported by Prisma Client:"},
    {Warning::reintrospected_id_names,
     "These models were enriched with custom compound id names taken from the previous Prisma schema:"},
    {Warning::unsupported_types,
     "These fields are not supported by Prisma Client, because Prisma currently does not support their types:"},
    {Warning::remapped_models,
     "These models were enriched with `@@map` information taken from the previous Prisma schema:"},
    {Warning::remapped_values,
     "These enum values were enriched with `@map` information taken from the previous Prisma schema:"},
    {Warning::remapped_enums,
     "These enums were enriched with `@@map` information taken from the previous Prisma schema:"},
    {Warning::reintrospected_relations,
     "Relations were copied from the previous data model due to not using foreign keys in the database. If any of "
     "the relation columns changed in the database, the relations might not be correct anymore:"},
    {Warning::duplicate_names, "These items were renamed due to their names being duplicates in the Prisma schema:"},
    {Warning::partition_tables, "These tables are partition tables, which are not yet fully supported:"},
    {Warning::inherited_tables, "These tables are inherited tables, which are not yet fully supported:"},
    {Warning::null_sort_order,
     "These index columns are having a non-default null sort order, which is not yet fully supported. Read more: "
     "https://pris.ly/d/non-default-index-null-ordering"},
    {Warning::check_constraints,
     "These constraints are not supported by Prisma Client, because Prisma currently does not fully support check "
     "constraints. Read more: https://pris.ly/d/check-constraints"},
    {Warning::exclusion_constraints,
     "These constraints are not supported by Prisma Client, because Prisma currently does not fully support "
     "exclusion constraints. Read more: https://pris.ly/d/exclusion-constraints"},
    {Warning::non_default_deferring,
     "These primary key, foreign key or unique constraints are using non-default deferring in the database, which "
     "is not yet fully supported. Read more: https://pris.ly/d/constraint-deferring"},
    {Warning::comments,
     "These objects have comments defined in the database, which is not yet fully supported. Read more: "
     "https://pris.ly/d/database-comments"},
    {Warning::expression_indexes,
     "These indexes are not supported by Prisma Client, because Prisma currently does not fully support expression "
     "indexes. Read more: https://pris.ly/d/expression-indexes"},
};

std::string in_quotes(const std::string& s) { return fmt::format("\"{}\"", s); }
std::string model_and_field(const std::string& m, const std::string& f) {
  return fmt::format("Model: \"{}\", field: \"{}\"", m, f);
}
std::string model_and_constraint(const std::string& m, const std::string& c) {
  return fmt::format("Model: \"{}\", constraint: \"{}\"", m, c);
}
std::string enum_and_value(const std::string& e, const std::string& v) {
  return fmt::format("Enum: \"{}\", value: \"{}\"", e, v);
}
std::string type_and_name(const char* type, const std::string& name) {
  return fmt::format("Type: \"{}\", name: \"{}\"", type, name);
}

void enum_warnings(Context& ctx) {
  for (const auto& e : ctx.enums) {
    if (e.previous && !e.name.mapped.empty()) ctx.warn(Warning::remapped_enums, in_quotes(e.name.name));
    if (!e.previous && !ctx.name_is_unique(e.sql->name))
      ctx.warn(Warning::duplicate_names, type_and_name("enum", e.name.name));
    for (std::size_t v = 0; v < e.values.size(); ++v) {
      const Name& n = e.values[v];
      std::string name = n.name.empty() ? e.sql->values[v] : n.name;
      if (name.empty() || needs_sanitation(name))
        ctx.warn(Warning::empty_enum_values, enum_and_value(e.name.name, name));
      else if (n.from_previous && !n.mapped.empty())
        ctx.warn(Warning::remapped_values, enum_and_value(e.name.name, name));
    }
  }
}

void model_warnings(Context& ctx) {
  for (std::size_t i = 0; i < ctx.tables.size(); ++i) {
    const Table& t = ctx.tables[i];
    if (t.join) continue;
    const std::string& model = t.name.name;
    const catalog::Index* pk = t.primary_key();
    if (pk && pk->keys.size() > 1 && t.previous && t.previous->primary_key && !t.previous->primary_key->name.empty())
      ctx.warn(Warning::reintrospected_id_names, in_quotes(model));
    if (t.sql->columns.empty())
      ctx.warn(Warning::models_without_columns, in_quotes(model));
    else if (!t.has_usable_identifier(ctx) && !(t.previous && t.previous->ignored))
      ctx.warn(Warning::models_without_identifiers, in_quotes(model));
    if (t.partitioned) ctx.warn(Warning::partition_tables, in_quotes(model));
    if (t.has_subclass) ctx.warn(Warning::inherited_tables, in_quotes(model));
    if (!t.previous && !ctx.name_is_unique(t.sql->name))
      ctx.warn(Warning::duplicate_names, type_and_name("model", model));
    if (t.previous && !t.name.mapped.empty()) ctx.warn(Warning::remapped_models, in_quotes(model));
    if (!t.sql->comment.empty()) ctx.warn(Warning::comments, type_and_name("model", model));
    std::vector<std::string> checks;
    for (const auto& c : t.sql->checks) checks.push_back(c.name);
    std::sort(checks.begin(), checks.end());
    for (const auto& c : checks) ctx.warn(Warning::check_constraints, model_and_constraint(model, c));
    for (std::size_t c = 0; c < t.sql->columns.size(); ++c) {
      const catalog::Column& column = t.sql->columns[c];
      const Name& n = t.columns[c];
      std::string field = n.name.empty() ? column.name : n.name;
      if (n.from_previous && !n.mapped.empty()) ctx.warn(Warning::remapped_fields, model_and_field(model, field));
      ColumnType type = column_type(ctx, column, t.previous_fields[c]);
      if (type.kind == ColumnType::Kind::unsupported)
        ctx.warn(Warning::unsupported_types, fmt::format("Model: \"{}\", field: \"{}\", original data type: \"{}\"",
                                                         model, field, type.unsupported));
      if (sanitize(column.name).empty() && !t.previous_fields[c])
        ctx.warn(Warning::empty_field_names, model_and_field(model, field));
      if (!column.comment.empty()) ctx.warn(Warning::comments, type_and_name("field", model + "." + field));
    }
    if (!ctx.foreign_keys && t.previous)
      for (const auto& f : t.previous->fields)
        if (f.is_relation()) ctx.warn(Warning::reintrospected_relations, in_quotes(f.type.name));
  }
}

// PostgresIntrospectionFlavour::generate_warnings, and the expression indexes.
void flavour_warnings(Context& ctx) {
  for (const auto& t : ctx.tables) {
    const std::string& model = t.name.name;
    for (const auto* i : t.indexes) {
      for (const auto& k : i->keys)
        if (i->method == "btree" && i->kind != catalog::Index::Kind::primary_key && k.nulls_first)
          ctx.warn(Warning::null_sort_order, fmt::format("Index: \"{}\", column: \"{}\"", i->name, k.column));
      if (deferrable(i->definition)) ctx.warn(Warning::non_default_deferring, model_and_constraint(model, i->name));
    }
    for (const auto& fk : t.foreign_keys)
      if (deferrable(fk.sql->definition))
        ctx.warn(Warning::non_default_deferring, model_and_constraint(model, fk.sql->name));
    std::vector<std::string> exclusions;
    for (const auto& i : t.sql->indexes)
      if (i.kind == catalog::Index::Kind::exclusion) exclusions.push_back(i.name);
    std::sort(exclusions.begin(), exclusions.end());
    for (const auto& name : exclusions) ctx.warn(Warning::exclusion_constraints, model_and_constraint(model, name));
  }
  for (const auto& t : ctx.tables)
    for (const auto& name : t.expression_indexes)
      ctx.warn(Warning::expression_indexes, model_and_constraint(t.name.name, name));
}

// The fields with names that cannot be written, a line a model: `Model: "m", field(s): ["a", "b"]`.
std::vector<std::string> grouped_by_model(std::vector<std::string> items) {
  std::map<std::string, std::vector<std::string>> by_model;
  for (const auto& item : items) {
    // item is `Model: "m", field: "f"`
    auto model_end = item.find("\", field: \"");
    by_model[item.substr(8, model_end - 8)].push_back(item.substr(model_end + 11, item.size() - model_end - 12));
  }
  std::vector<std::string> out;
  for (auto& [model, fields] : by_model) {
    std::sort(fields.begin(), fields.end());
    std::vector<std::string> quoted_fields;
    for (const auto& f : fields) quoted_fields.push_back(in_quotes(f));
    out.push_back(fmt::format("Model: \"{}\", field(s): [{}]", model, fmt::join(quoted_fields, ", ")));
  }
  return out;
}

}  // namespace

std::vector<std::string> warnings(Context& ctx) {
  enum_warnings(ctx);
  model_warnings(ctx);
  flavour_warnings(ctx);
  std::vector<std::string> out;
  for (const auto& h : kHeadings) {
    auto it = ctx.warnings.find(h.kind);
    if (it == ctx.warnings.end() || it->second.empty()) continue;
    auto items = h.kind == Warning::empty_field_names ? grouped_by_model(it->second) : it->second;
    std::string text = h.text;
    for (const auto& item : items) text += "\n  - " + item;
    out.push_back(std::move(text));
  }
  return out;
}

}  // namespace pgkit::schema::detail::introspection
