// Database names: two fields of a model on one column (@map), two models or two enums on one
// name in the same schema (@@map), and @@schema against the datasource's `schemas` — each
// model and enum names one of them when the datasource lists schemas, and only those.
#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "schema/resolve.hpp"

namespace pgkit::schema::detail {
namespace {

// Two scalar fields of a model on one column. columns is scratch space reused across models.
void field_columns(Context& ctx, std::size_t m, std::vector<std::pair<std::string_view, std::size_t>>& columns) {
  const Model& model = ctx.schema.models[m];
  const ModelInfo& info = ctx.models[m];
  columns.clear();
  for (std::size_t f = 0; f < model.fields.size(); ++f) {
    const Field& field = model.fields[f];
    if (!field.is_relation() && info.fields[f].type_known) columns.push_back({field.db_name, f});
  }
  std::stable_sort(columns.begin(), columns.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t k = 1; k < columns.size(); ++k) {
    if (columns[k].first != columns[k - 1].first) continue;
    const Field& other = model.fields[columns[k - 1].second];
    const Field& field = model.fields[columns[k].second];
    ctx.error(
        info.file, info.fields[columns[k].second].ast->span.start,
        fmt::format("{} and {} of {} {} are both stored in column \"{}\": change one @map", backquoted(other.name),
                    backquoted(field.name), model.view ? "view" : "model", backquoted(model.name), field.db_name));
  }
}

std::uint32_t map_offset(const ast::Attribute* map, const ast::Block& block) {
  return map ? map->span.start : block.keyword.span.start;
}

void schema_of(Context& ctx, std::uint32_t file, const ast::Attribute* attr, const ast::Block& block,
               const std::string& schema, std::string_view kind) {
  const auto& schemas = ctx.schema.datasource.schemas;
  if (attr && std::find(schemas.begin(), schemas.end(), schema) == schemas.end()) {
    ctx.error(file, attr->span.start,
              schemas.empty()
                  ? fmt::format("@@schema(\"{}\") needs the datasource to list its schemas: add schemas = "
                                "[\"{}\"] to the datasource",
                                schema, schema)
                  : fmt::format("schema \"{}\" is not in the datasource's schemas: add it there, or use one "
                                "of them",
                                schema));
  }
  if (!attr && ctx.schemas_property) {
    ctx.error(file, block.keyword.span.start,
              fmt::format("{} {} has no @@schema, and the datasource lists schemas: add @@schema(\"{}\") (or another "
                          "of them)",
                          kind, backquoted(block.name.text), schemas.empty() ? "public" : schemas.front()));
  }
}

}  // namespace

void validate_names(Context& ctx) {
  std::map<std::pair<std::string, std::string>, std::size_t> tables;
  std::vector<std::pair<std::string_view, std::size_t>> columns;
  for (std::size_t m = 0; m < ctx.schema.models.size(); ++m) {
    const Model& model = ctx.schema.models[m];
    const ModelInfo& info = ctx.models[m];
    field_columns(ctx, m, columns);
    schema_of(ctx, info.file, info.schema_attr, *info.block, model.schema, model.view ? "view" : "model");
    if (model.db_name.size() > 63) {
      ctx.error(info.file, map_offset(info.map_attr, *info.block),
                fmt::format("the table name \"{}\" is longer than PostgreSQL's 63 bytes: shorten it with @@map",
                            model.db_name));
    }
    auto [it, inserted] = tables.emplace(std::pair{model.schema, model.db_name}, m);
    if (inserted) continue;
    const Model& other = ctx.schema.models[it->second];
    const ModelInfo& other_info = ctx.models[it->second];
    // Reported at the @@map that made the clash (whichever model has one).
    const bool here = info.map_attr != nullptr;
    ctx.error(here ? info.file : other_info.file,
              here ? info.map_attr->span.start : map_offset(other_info.map_attr, *other_info.block),
              fmt::format("models {} and {} both use the table \"{}\": change one @@map", backquoted(other.name),
                          backquoted(model.name), model.db_name));
  }
  std::map<std::pair<std::string, std::string>, std::size_t> types;
  for (std::size_t e = 0; e < ctx.schema.enums.size(); ++e) {
    const Enum& en = ctx.schema.enums[e];
    const EnumInfo& info = ctx.enums[e];
    schema_of(ctx, info.file, info.schema_attr, *info.block, en.schema, "enum");
    auto [it, inserted] = types.emplace(std::pair{en.schema, en.db_name}, e);
    if (inserted) continue;
    ctx.error(info.file, map_offset(info.map_attr, *info.block),
              fmt::format("enums {} and {} are both the database type \"{}\": change one @@map",
                          backquoted(ctx.schema.enums[it->second].name), backquoted(en.name), en.db_name));
  }
}

}  // namespace pgkit::schema::detail
